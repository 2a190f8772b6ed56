"""Object-level rules for offers."""
from __future__ import annotations

from marketplace.catalogue.models import Channels, Offer, OfferStatus
from marketplace.vendors.models import Vendor, VendorStatus
from marketplace.vendors.permissions import can_manage_vendor, is_member


def can_manage_offers(user, vendor: Vendor) -> bool:
    """Members of the structure (and administrators) manage its offers."""
    return can_manage_vendor(user, vendor)


def can_edit_offer(user, offer: Offer) -> bool:
    return can_manage_offers(user, offer.vendor)


def is_visible(offer: Offer) -> bool:
    """Published, by an approved structure: what the public may see."""
    return offer.status is OfferStatus.PUBLISHED and offer.vendor.status is VendorStatus.APPROVED


def can_view_offer(user, offer: Offer) -> bool:
    """The public sees visible offers; the structure's members preview their own."""
    return is_visible(offer) or can_manage_offers(user, offer.vendor)


def is_own_offer(user, offer: Offer) -> bool:
    """A member of the selling structure (who may not buy from it)."""
    return is_member(user, offer.vendor)


def sold_online(offer: Offer) -> bool:
    return offer.channels in (Channels.B2C, Channels.BOTH)
