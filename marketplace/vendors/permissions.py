"""Object-level rules for vendor structures and their dossiers."""
from __future__ import annotations

from marketplace.core.permissions import Role, has_role
from marketplace.vendors.models import MemberRole, Vendor


def _membership(user, vendor: Vendor):
    if user is None or not getattr(user, "is_authenticated", False) or vendor is None:
        return None
    # The user's few memberships (loaded once per request), not the structure's
    # many: pages that check each of several offers stay at one query.
    for membership in user.vendor_memberships:
        if membership.vendor_id == vendor.id:
            return membership
    return None


def is_member(user, vendor: Vendor) -> bool:
    return _membership(user, vendor) is not None


def is_owner(user, vendor: Vendor) -> bool:
    membership = _membership(user, vendor)
    return membership is not None and membership.role == MemberRole.OWNER


def can_manage_vendor(user, vendor: Vendor) -> bool:
    """Members (owner or staff) fill the dossier; administrators may step in."""
    return is_member(user, vendor) or _is_admin(user)


def can_manage_members(user, vendor: Vendor) -> bool:
    """Only owners (and administrators) invite and remove staff."""
    return is_owner(user, vendor) or _is_admin(user)


def can_read_documents(user, vendor: Vendor) -> bool:
    """The structure's members, current committee members and administrators."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return is_member(user, vendor) or has_role(user, Role.COMMITTEE) or _is_admin(user)


def _is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_admin", False))
