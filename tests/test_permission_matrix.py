"""Every endpoint declares a permission, and every role gets the answer it declares.

Object ids in URLs are ids that do not exist: an allowed role then gets a
normal answer (200, a redirect other than to the login page, 400, 404, 405),
a refused role is stopped by the gate before any object is looked up
(anonymous → login page, others → 403). No endpoint may answer 500.
"""
from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from marketplace.core.permissions import PERMISSIONS, Role
from tests.factories import (
    BuyerMembershipFactory,
    CommitteeMandateFactory,
    UserFactory,
    VendorMembershipFactory,
)

EXEMPT = {"static"}
ALLOWED_STATUSES = {200, 204, 302, 303, 400, 404, 405, 409, 410, 422}


def _rules(app) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint not in EXEMPT), key=lambda r: r.rule
    )


def _url_for_rule(rule: Rule) -> str:
    values = {}
    for arg in rule.arguments:
        converter = rule._converters[arg]
        values[arg] = 999_999 if type(converter).__name__ in {"IntegerConverter"} else "inexistant"
    return rule.build(values, append_unknown=False)[1]


def _make_user(role: Role):
    if role is Role.ANONYMOUS:
        return None
    if role is Role.CONSUMER:
        return UserFactory()
    if role is Role.VENDOR:
        return VendorMembershipFactory().user
    if role is Role.BUYER:
        return BuyerMembershipFactory().user
    if role is Role.COMMITTEE:
        return CommitteeMandateFactory().user
    if role is Role.ADMIN:
        return UserFactory(admin=True)
    raise AssertionError(role)


def test_every_endpoint_declares_a_known_permission(app):
    missing = []
    for rule in _rules(app):
        permission = getattr(app.view_functions[rule.endpoint], "permission", None)
        if permission not in PERMISSIONS:
            missing.append(f"{rule.endpoint} ({rule.rule}): {permission!r}")
    assert not missing, "endpoints without a declared permission:\n" + "\n".join(missing)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_endpoint_answers_as_declared(app, db, client, login_as, role):
    user = _make_user(role)
    db.session.commit()  # error pages roll back what is not committed
    unexpected = []
    for rule in _rules(app):
        permission = app.view_functions[rule.endpoint].permission
        allowed = role in PERMISSIONS[permission]
        url = _url_for_rule(rule)
        for method in sorted(rule.methods & {"GET", "POST"}):
            login_as(user)
            response = getattr(client, method.lower())(url)
            location = response.headers.get("Location", "")
            to_login = response.status_code == 302 and "/compte/connexion" in location
            if allowed:
                ok = response.status_code in ALLOWED_STATUSES and not (
                    to_login and role is not Role.ANONYMOUS
                )
                if role is Role.ANONYMOUS and to_login:
                    ok = False
            elif role is Role.ANONYMOUS:
                ok = to_login
            else:
                ok = response.status_code == 403
            if not ok:
                unexpected.append(
                    f"{method} {url} [{rule.endpoint}, {permission}] → {response.status_code} {location}"
                )
    assert not unexpected, f"unexpected answers for {role.value}:\n" + "\n".join(unexpected)
