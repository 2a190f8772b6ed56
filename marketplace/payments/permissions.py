"""Object-level rules for a vendor's payments."""
from __future__ import annotations

from marketplace.vendors.permissions import can_manage_members, can_manage_vendor


def can_view_payments(user, vendor) -> bool:
    """Every member of the structure (and administrators) sees its payouts."""
    return can_manage_vendor(user, vendor)


def can_manage_payouts(user, vendor) -> bool:
    """Only the structure's owners (and administrators) connect its bank details to Stripe."""
    return can_manage_members(user, vendor)
