"""The e-mails of quote requests: to a structure's members, or to the buyer organisation's."""
from __future__ import annotations

from marketplace.core.outbox import email_user, queue_email
from marketplace.core.urls import external_url


def _live(users) -> list:
    return [u for u in users if u is not None and u.deleted_at is None]


def vendor(vendor, request, subject, template: str, exclude=None, **context) -> None:
    """Every member of the structure (or its contact address if it has none), with the link to the request."""
    url = external_url("quotes.vendor_request", vendor_id=vendor.id, request_id=request.id)
    members = [u for u in _live(m.user for m in vendor.memberships) if exclude is None or u.id != exclude.id]
    for user in members:
        email_user(user, subject, f"quotes/{template}", vendor=vendor, request=request, url=url, **context)
    if not vendor.memberships and vendor.email:
        queue_email(vendor.email, subject, f"quotes/{template}", user=None, vendor=vendor, request=request,
                    url=url, **context)


def buyers(request, subject, template: str, exclude=None, **context) -> None:
    """Every member of the organisation that made the request."""
    url = external_url("quotes.request_detail", request_id=request.id)
    for user in _live(m.user for m in request.organisation.memberships):
        if exclude is not None and user.id == exclude.id:
            continue
        email_user(user, subject, f"quotes/{template}", request=request, organisation=request.organisation,
                   url=url, **context)
