"""Object-level rules of quote requests, quotes, their files and threads.

Views answer 404 when a predicate says no: a request's existence is private
to its organisation and to the structures it concerns. Services call the same
predicates before acting.
"""
from __future__ import annotations

from marketplace.accounts.permissions import is_buyer_member
from marketplace.procurement.quotes import matching
from marketplace.procurement.quotes.models import (
    QuoteAttachment,
    QuoteRequest,
    RecipientMode,
    RequestStatus,
)
from marketplace.vendors.permissions import can_manage_vendor


def _is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_admin", False))


def is_request_buyer(user, request: QuoteRequest) -> bool:
    """A member of the organisation that made the request: the only ones who act on it."""
    return request is not None and is_buyer_member(user, request.organisation)


def can_view_request_as_buyer(user, request: QuoteRequest) -> bool:
    """The organisation's members, and platform administrators (read only)."""
    return is_request_buyer(user, request) or _is_admin(user)


def is_addressed(vendor, request: QuoteRequest) -> bool:
    return any(r.vendor_id == vendor.id for r in request.recipients)


def has_answered(vendor, request: QuoteRequest) -> bool:
    return any(q.vendor_id == vendor.id for q in request.quotes)


def vendor_sees_request(vendor, request: QuoteRequest) -> bool:
    """A structure sees a published request addressed to it or that it answered; an open
    request to "all matching structures" is also seen by every structure it matches."""
    if vendor is None or request is None or request.status is RequestStatus.DRAFT:
        return False
    if is_addressed(vendor, request) or has_answered(vendor, request):
        return True
    return (
        request.recipient_mode is RecipientMode.MATCHING
        and request.accepts_quotes()
        and matching.vendor_matches(vendor, request)
    )


def can_act_for_vendor(user, vendor, request: QuoteRequest) -> bool:
    """A member of the structure (or an administrator stepping in), on a request it sees."""
    return can_manage_vendor(user, vendor) and vendor_sees_request(vendor, request)


def can_read_thread(user, request: QuoteRequest, vendor) -> bool:
    """The thread of a request with one structure: the organisation's members and that structure's members."""
    if request is None or vendor is None or not vendor_sees_request(vendor, request):
        return False
    return is_request_buyer(user, request) or can_manage_vendor(user, vendor) or _is_admin(user)


def can_download(user, attachment: QuoteAttachment) -> bool:
    """A request's file: its buyers and the structures that see it. A quote's file: its
    structure and the request's buyers. Administrators: both."""
    if attachment is None or not getattr(user, "is_authenticated", False):
        return False
    if _is_admin(user):
        return True
    if attachment.request is not None:
        request = attachment.request
        if is_request_buyer(user, request):
            return True
        return any(
            vendor_sees_request(m.vendor, request) for m in getattr(user, "vendor_memberships", [])
        )
    quote = attachment.quote
    return quote is not None and (is_request_buyer(user, quote.request) or can_manage_vendor(user, quote.vendor))
