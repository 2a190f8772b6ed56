"""Object-level rules about accounts and buyer organisations.

Predicates only: services call them to refuse an action, views to decide
what to show (404 for objects one may not know about, 403 otherwise).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from marketplace.accounts.models import BuyerMembership, BuyerOrganisation, User
from marketplace.extensions import db


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_buyer_member(user, organisation: BuyerOrganisation) -> bool:
    """Is ``user`` a member of the buyer organisation?"""
    if not _signed_in(user) or organisation is None:
        return False
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(BuyerMembership)
            .where(BuyerMembership.user_id == user.id, BuyerMembership.organisation_id == organisation.id)
        )
        > 0
    )


def can_view_buyer_organisation(user, organisation: BuyerOrganisation) -> bool:
    """Members see their organisation; platform administrators see every one."""
    if not _signed_in(user):
        return False
    return bool(user.is_admin) or is_buyer_member(user, organisation)


def sole_owned_vendors(user: User) -> list:
    """The vendor structures of which ``user`` is the only owner."""
    from marketplace.vendors.models import MemberRole, Vendor, VendorMembership

    if not _signed_in(user):
        return []
    other = aliased(VendorMembership)
    other_owner = (
        sa.select(other.id)
        .where(
            other.vendor_id == VendorMembership.vendor_id,
            other.role == MemberRole.OWNER,
            other.user_id != user.id,
        )
        .exists()
    )
    stmt = (
        sa.select(Vendor)
        .join(VendorMembership, VendorMembership.vendor_id == Vendor.id)
        .where(
            VendorMembership.user_id == user.id,
            VendorMembership.role == MemberRole.OWNER,
            ~other_owner,
        )
        .order_by(Vendor.name)
    )
    return list(db.session.scalars(stmt))


def can_delete_account(user: User) -> bool:
    """An account may be deleted unless a structure would be left without owner."""
    return _signed_in(user) and user.deleted_at is None and not sole_owned_vendors(user)
