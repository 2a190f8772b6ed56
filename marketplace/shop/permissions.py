"""Object-level rules for orders, vendor orders and fiscal documents."""
from __future__ import annotations

from marketplace.shop.models import OrderGroup, VendorOrder
from marketplace.vendors.permissions import can_manage_vendor


def _is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_admin", False))


def is_consumer_of(user, order_group: OrderGroup) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and order_group is not None
        and order_group.consumer_id is not None
        and order_group.consumer_id == user.id
    )


def can_view_order_group(user, order_group: OrderGroup) -> bool:
    """The consumer who placed it, and administrators."""
    return is_consumer_of(user, order_group) or _is_admin(user)


def can_manage_vendor_order(user, vendor_order: VendorOrder) -> bool:
    """Members of the selling structure (and administrators) move it through its statuses."""
    return vendor_order is not None and can_manage_vendor(user, vendor_order.vendor)


def is_buyer_of(user, vendor_order: VendorOrder) -> bool:
    """A member of the buyer organisation of a professional order."""
    from marketplace.accounts.permissions import is_buyer_member

    return (
        vendor_order is not None
        and vendor_order.buyer_organisation_id is not None
        and is_buyer_member(user, vendor_order.buyer_organisation)
    )


def can_view_pro_order(user, vendor_order: VendorOrder) -> bool:
    """A professional order: its buyer organisation's members, and administrators."""
    return vendor_order is not None and vendor_order.is_invoice_order and (is_buyer_of(user, vendor_order) or _is_admin(user))


def can_view_vendor_order(user, vendor_order: VendorOrder) -> bool:
    return (
        can_manage_vendor_order(user, vendor_order)
        or is_consumer_of(user, vendor_order.order_group)
        or is_buyer_of(user, vendor_order)
    )


def can_view_fiscal_document(user, vendor_order: VendorOrder) -> bool:
    """Invoices and credit notes: the buyer, the seller's members, administrators."""
    return can_view_vendor_order(user, vendor_order)
