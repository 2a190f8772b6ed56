"""One message thread per request and structure, between the buyer organisation and
that structure only. Plain text (escaped when shown); each message is e-mailed to the
other side."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.extensions import db
from marketplace.procurement.quotes import notify
from marketplace.procurement.quotes.errors import QuoteError
from marketplace.procurement.quotes.models import QuoteMessage, QuoteRequest
from marketplace.procurement.quotes.permissions import (
    can_act_for_vendor,
    is_request_buyer,
    vendor_sees_request,
)
from marketplace.vendors.models import Vendor

MAX_LENGTH = 4000


def thread(request: QuoteRequest, vendor: Vendor) -> list[QuoteMessage]:
    return list(
        db.session.scalars(
            sa.select(QuoteMessage)
            .where(QuoteMessage.request_id == request.id, QuoteMessage.vendor_id == vendor.id)
            .order_by(QuoteMessage.created_at, QuoteMessage.id)
        )
    )


def thread_counts(request: QuoteRequest) -> dict[int, int]:
    """Number of messages per structure, for the buyer's list of threads."""
    rows = db.session.execute(
        sa.select(QuoteMessage.vendor_id, sa.func.count())
        .where(QuoteMessage.request_id == request.id)
        .group_by(QuoteMessage.vendor_id)
    ).all()
    return {vendor_id: count for vendor_id, count in rows}


def post(request: QuoteRequest, vendor: Vendor, actor, body: str, from_buyer: bool) -> QuoteMessage:
    """Add a message to the thread of ``request`` with ``vendor``, from the buyer's side or the structure's."""
    body = (body or "").strip()
    if not body:
        raise QuoteError(_l("Écrivez votre message."), field="body")
    if len(body) > MAX_LENGTH:
        raise QuoteError(_l("Un message ne peut dépasser %(n)s caractères.", n=MAX_LENGTH), field="body")
    if request.status.is_decided and request.status.value != "awarded":
        raise QuoteError(_l("Cette demande est close : la messagerie est fermée."))
    if from_buyer:
        if not is_request_buyer(actor, request) or not vendor_sees_request(vendor, request):
            raise QuoteError(_l("Vous ne pouvez pas écrire à cette structure au sujet de cette demande."))
    elif not can_act_for_vendor(actor, vendor, request):
        raise QuoteError(_l("Vous ne pouvez pas écrire au sujet de cette demande."))
    message = QuoteMessage(request_id=request.id, vendor_id=vendor.id, author_id=getattr(actor, "id", None),
                           from_buyer=from_buyer, body=body, created_at=now_utc())
    db.session.add(message)
    db.session.flush()
    record_event(actor, request, "message", None, None,
                 {"vendor_id": vendor.id, "message_id": message.id, "from_buyer": from_buyer})
    if from_buyer:
        notify.vendor(vendor, request, _l("Message de %(org)s : %(title)s", org=request.organisation.name,
                                          title=request.title), "message", message=message, exclude=actor)
    else:
        notify.buyers(request, _l("Message de %(vendor)s : %(title)s", vendor=vendor.name, title=request.title),
                      "message", message=message, vendor=vendor, exclude=actor)
    db.session.flush()
    return message
