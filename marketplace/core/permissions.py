"""The one permission gate.

Roles are what a person holds (one person may hold several); permissions are
what a view needs. Every view declares its permission with ``@requires`` (or
``@public``); object rules (may this user edit *this* offer?) are predicates
in the domain's ``permissions.py`` that services call too. A test walks every
endpoint × role against these declarations.
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user


class Role(enum.Enum):
    ANONYMOUS = "anonymous"
    CONSUMER = "consumer"  # every signed-in user
    VENDOR = "vendor"  # member (owner or staff) of a vendor structure
    BUYER = "buyer"  # member of a buyer organisation
    COMMITTEE = "committee"  # holds a current committee mandate
    ADMIN = "admin"  # platform administrator


ROLE_LABELS = {
    Role.ANONYMOUS: _l("Visiteur"),
    Role.CONSUMER: _l("Consommateur"),
    Role.VENDOR: _l("Fournisseur"),
    Role.BUYER: _l("Acheteur professionnel"),
    Role.COMMITTEE: _l("Membre du comité d'éthique"),
    Role.ADMIN: _l("Administrateur"),
}

SIGNED_IN = frozenset({Role.CONSUMER, Role.VENDOR, Role.BUYER, Role.COMMITTEE, Role.ADMIN})
EVERYONE = SIGNED_IN | {Role.ANONYMOUS}

# permission name → roles that hold it. Declared here, and only here.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "public": EVERYONE,
    "account": SIGNED_IN,
    "vendor.apply": SIGNED_IN,
    "vendor.manage": frozenset({Role.VENDOR, Role.ADMIN}),
    "buyer.space": frozenset({Role.BUYER, Role.ADMIN}),
    "committee.read": frozenset({Role.COMMITTEE, Role.ADMIN}),
    "committee.act": frozenset({Role.COMMITTEE}),
    "admin": frozenset({Role.ADMIN}),
}


def roles_of(user) -> frozenset[Role]:
    """The roles a user holds now (computed once per request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset({Role.ANONYMOUS})
    cache = g.setdefault("_roles_cache", {}) if _has_g() else {}
    if user.id not in cache:
        cache[user.id] = frozenset(user.compute_roles())
    return cache[user.id]


def _has_g() -> bool:
    try:
        g._get_current_object()
    except RuntimeError:
        return False
    return True


def has_permission(user, permission: str) -> bool:
    try:
        allowed = PERMISSIONS[permission]
    except KeyError as exc:
        raise LookupError(f"undeclared permission {permission!r}") from exc
    return bool(roles_of(user) & allowed)


def has_role(user, role: Role) -> bool:
    return role in roles_of(user)


def requires(permission: str) -> Callable:
    """Declare and enforce the permission a view needs.

    Anonymous users are sent to the login page; signed-in users without the
    permission get 403.
    """
    if permission not in PERMISSIONS:
        raise LookupError(f"undeclared permission {permission!r}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not has_permission(current_user, permission):
                if not current_user.is_authenticated:
                    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorator


def public(view: Callable) -> Callable:
    """Declare a view open to everyone."""
    view.permission = "public"  # type: ignore[attr-defined]
    return view


def declared_permission(endpoint: str) -> str | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "permission", None)
