"""Object-level rules for calls for tenders. Predicates only: services call them
to refuse an action, views to decide what to show (404 for a draft one may not
know about, 403 otherwise)."""
from __future__ import annotations

from marketplace.accounts.permissions import is_buyer_member
from marketplace.procurement.tenders.models import Tender


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def _is_admin(user) -> bool:
    return _signed_in(user) and bool(getattr(user, "is_admin", False))


def can_manage_tender(user, tender: Tender) -> bool:
    """Members of the buyer organisation, and platform administrators."""
    if not _signed_in(user) or tender is None:
        return False
    return _is_admin(user) or is_buyer_member(user, tender.buyer_organisation)


def can_view_tender(user, tender: Tender) -> bool:
    """Everything but drafts is public; a draft is seen by those who manage it."""
    if tender is None:
        return False
    return tender.status.is_public or can_manage_tender(user, tender)


def can_ask_question(user, vendor) -> bool:
    """A member of a vendor structure asks in the structure's name."""
    from marketplace.vendors.permissions import is_member

    return _signed_in(user) and vendor is not None and is_member(user, vendor)
