"""Quotes: the structures' side of the state machine, and the buyer's decision.

Quote: (none) → submitted → submitted (each revision kept) | withdrawn;
(none) → declined (with a reason, instead of a quote); submitted → accepted |
not_selected (another quote accepted, or the request cancelled); submitted →
expired (its validity date passed, or the request expired undecided); an
expired quote may be revised (→ submitted) while the request is undecided.

New quotes are refused once the request's response deadline has passed;
revisions are allowed until the buyer decides. Accepting a quote awards the
request, tells the other structures they were not selected and creates the
professional order, paid on invoice (``marketplace.shop.pro_orders``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.catalogue.models import Label, Offer, OfferLabel
from marketplace.catalogue.services import visible_offers_query
from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.territories import departement
from marketplace.core.urls import external_url
from marketplace.extensions import db
from marketplace.procurement.quotes import attachments, notify, pricing
from marketplace.procurement.quotes.errors import QuoteError
from marketplace.procurement.quotes.models import (
    Quote,
    QuoteLine,
    QuoteRequest,
    QuoteRevision,
    QuoteStatus,
    RequestStatus,
)
from marketplace.procurement.quotes.permissions import can_act_for_vendor, is_request_buyer
from marketplace.procurement.quotes.services import DECIDABLE, decision_deadline, quote_of
from marketplace.vendors.models import Vendor, VendorStatus

PARIS = ZoneInfo("Europe/Paris")
Q = QuoteStatus
REVISABLE = {Q.SUBMITTED, Q.EXPIRED}
MAX_VALIDITY_DAYS = 366
MAX_LEAD_TIME_DAYS = 730


def paris_today() -> dt.date:
    return now_utc().astimezone(PARIS).date()


@dataclass
class QuoteData:
    lines: list[pricing.LineInput]
    valid_until: dt.date | None
    lead_time_days: int | None
    comment: str | None = None


# ---------------------------------------------------------------- helpers


def _illegal(quote: Quote) -> QuoteError:
    return QuoteError(_l("Action impossible : ce devis est « %(status)s ».", status=quote.status.label))


def _request_closed(request: QuoteRequest) -> QuoteError:
    return QuoteError(
        _l("Action impossible : cette demande est « %(status)s ».", status=request.shown_status.label)
    )


def _require_vendor(actor, vendor: Vendor, request: QuoteRequest) -> None:
    if not can_act_for_vendor(actor, vendor, request):
        raise QuoteError(_l("Seuls les membres d'une structure concernée par cette demande peuvent y répondre."))


def _require_approved(vendor: Vendor) -> None:
    if vendor.status is not VendorStatus.APPROVED:
        raise QuoteError(_l("Seule une structure agréée peut envoyer un devis : la vôtre est « %(status)s ».",
                            status=vendor.status.label))


def _move(quote: Quote, actor, action: str, to: QuoteStatus, data: dict | None = None) -> None:
    before = quote.status
    quote.status = to
    record_event(actor, quote, action, before, to, data)


def _validate(data: QuoteData) -> str | None:
    pricing.check_lines(data.lines)
    today = paris_today()
    if data.valid_until is None:
        raise QuoteError(_l("Indiquez jusqu'à quand le devis est valable."), field="valid_until")
    if data.valid_until < today:
        raise QuoteError(_l("La date de validité ne peut pas être passée."), field="valid_until")
    if data.valid_until > today + dt.timedelta(days=MAX_VALIDITY_DAYS):
        raise QuoteError(_l("Un devis est valable au plus un an."), field="valid_until")
    if data.lead_time_days is None or not 0 <= data.lead_time_days <= MAX_LEAD_TIME_DAYS:
        raise QuoteError(_l("Indiquez le délai de livraison ou d'exécution, en jours (0 à 730)."),
                         field="lead_time_days")
    comment = (data.comment or "").strip()
    if len(comment) > 2000:
        raise QuoteError(_l("Le commentaire ne peut dépasser 2000 caractères."), field="comment")
    return comment or None


def _add_revision(quote: Quote, actor, data: QuoteData, comment: str | None, file_storage) -> QuoteRevision:
    totals = pricing.price(data.lines)
    previous = quote.current
    revision = QuoteRevision(
        number=(previous.number + 1) if previous else 1,
        valid_until=data.valid_until,
        lead_time_days=data.lead_time_days,
        comment=comment,
        net_cents=totals.net_cents,
        vat_cents=totals.vat_cents,
        total_cents=totals.total_cents,
        vat_breakdown=totals.breakdown,
        created_by_id=getattr(actor, "id", None),
        created_at=now_utc(),
    )
    for position, priced in enumerate(totals.lines):
        line = priced.line
        revision.lines.append(
            QuoteLine(
                position=position,
                designation=line.designation.strip()[:200],
                quantity=line.quantity,
                unit=(line.unit or "").strip()[:20] or None,
                unit_price_cents=line.unit_price_cents,
                vat_rate_bp=line.vat_rate_bp,
                net_cents=priced.net_cents,
            )
        )
    if attachments.has_file(file_storage):
        revision.attachment = attachments.store(file_storage, actor, quote=quote)
    elif previous is not None:
        revision.attachment = previous.attachment
    quote.revisions.append(revision)
    db.session.flush()
    return revision


# ---------------------------------------------------------------- the structure's side


def submit(request: QuoteRequest, vendor: Vendor, actor, data: QuoteData, file_storage=None) -> Quote:
    """The structure sends its quote (or revises the one it sent)."""
    existing = quote_of(vendor, request)
    if existing is not None:
        return revise(existing, actor, data, file_storage)
    _require_vendor(actor, vendor, request)
    _require_approved(vendor)
    if not request.accepts_quotes():
        if request.status is RequestStatus.OPEN:
            raise QuoteError(
                _l("La date limite de réponse est passée : cette demande n'accepte plus de nouveaux devis.")
            )
        raise _request_closed(request)
    comment = _validate(data)
    now = now_utc()
    quote = Quote(request=request, request_id=request.id, vendor=vendor, vendor_id=vendor.id,
                  status=Q.SUBMITTED, submitted_at=now, created_by_id=getattr(actor, "id", None))
    db.session.add(quote)
    db.session.flush()
    revision = _add_revision(quote, actor, data, comment, file_storage)
    record_event(actor, quote, "submit", None, Q.SUBMITTED, {"total_cents": revision.total_cents})
    notify.buyers(request, _l("Nouveau devis de %(vendor)s : %(title)s", vendor=vendor.name, title=request.title),
                  "quote_submitted", quote=quote, revision=revision)
    db.session.flush()
    return quote


def revise(quote: Quote, actor, data: QuoteData, file_storage=None) -> Quote:
    """A new version of the quote, until the buyer decides; the previous ones are kept."""
    request = quote.request
    _require_vendor(actor, quote.vendor, request)
    if request.status not in DECIDABLE:
        raise _request_closed(request)
    if quote.status not in REVISABLE:
        raise _illegal(quote)
    _require_approved(quote.vendor)
    comment = _validate(data)
    revision = _add_revision(quote, actor, data, comment, file_storage)
    quote.revised_at = revision.created_at
    quote.expired_at = None
    _move(quote, actor, "revise", Q.SUBMITTED, {"revision": revision.number, "total_cents": revision.total_cents})
    notify.buyers(request, _l("Devis révisé par %(vendor)s : %(title)s", vendor=quote.vendor.name,
                              title=request.title), "quote_revised", quote=quote, revision=revision)
    db.session.flush()
    return quote


def decline(request: QuoteRequest, vendor: Vendor, actor, reason: str | None) -> Quote:
    """The structure will not quote, and says why."""
    _require_vendor(actor, vendor, request)
    if request.status not in DECIDABLE:
        raise _request_closed(request)
    existing = quote_of(vendor, request)
    if existing is not None:
        if existing.status in REVISABLE:
            raise QuoteError(_l("Vous avez déjà envoyé un devis : retirez-le plutôt."))
        raise _illegal(existing)
    reason = (reason or "").strip()
    if not reason:
        raise QuoteError(_l("Indiquez pourquoi vous ne répondez pas : l'acheteur en sera informé."), field="reason")
    if len(reason) > 1000:
        raise QuoteError(_l("Le motif ne peut dépasser 1000 caractères."), field="reason")
    quote = Quote(request=request, request_id=request.id, vendor=vendor, vendor_id=vendor.id, status=Q.DECLINED,
                  decline_reason=reason, decided_at=now_utc(), created_by_id=getattr(actor, "id", None))
    db.session.add(quote)
    db.session.flush()
    record_event(actor, quote, "decline", None, Q.DECLINED, {"reason": reason})
    notify.buyers(request, _l("%(vendor)s ne répondra pas à votre demande", vendor=vendor.name),
                  "quote_declined", quote=quote)
    db.session.flush()
    return quote


def withdraw(quote: Quote, actor) -> Quote:
    """The structure takes its quote back before the buyer decides."""
    request = quote.request
    _require_vendor(actor, quote.vendor, request)
    if request.status not in DECIDABLE:
        raise _request_closed(request)
    if quote.status not in REVISABLE:
        raise _illegal(quote)
    quote.withdrawn_at = now_utc()
    _move(quote, actor, "withdraw", Q.WITHDRAWN)
    notify.buyers(request, _l("%(vendor)s a retiré son devis", vendor=quote.vendor.name), "quote_withdrawn",
                  quote=quote)
    db.session.flush()
    return quote


# ---------------------------------------------------------------- the buyer's decision


def accept(quote: Quote, actor):
    """The buyer accepts this quote: the request is awarded, the other structures are told,
    and the professional order is created. Returns the order."""
    from marketplace.shop import pro_orders

    request = quote.request
    if not is_request_buyer(actor, request):
        raise QuoteError(_l("Seuls les membres de l'organisation peuvent accepter un devis."))
    if request.status not in DECIDABLE:
        raise _request_closed(request)
    now = now_utc()
    if now >= decision_deadline(request):
        raise QuoteError(_l("Le délai pour décider est dépassé : cette demande a expiré."))
    revision = quote.current
    if quote.status is Q.EXPIRED or (revision is not None and revision.valid_until < paris_today()):
        raise QuoteError(
            _l("Ce devis n'est plus valable depuis le %(date)s : demandez à la structure de le réviser.",
               date=revision.valid_until.strftime("%d/%m/%Y") if revision else "")
        )
    if quote.status is not Q.SUBMITTED or revision is None:
        raise _illegal(quote)
    if quote.vendor.status is not VendorStatus.APPROVED:
        raise QuoteError(_l("%(vendor)s n'est plus agréée : ce devis ne peut pas être accepté.",
                            vendor=quote.vendor.name))
    quote.decided_at = now
    _move(quote, actor, "accept", Q.ACCEPTED, {"revision": revision.number, "total_cents": revision.total_cents})
    for other in request.quotes:
        if other.id != quote.id and other.status in REVISABLE:
            other.decided_at = now
            _move(other, actor, "not_selected", Q.NOT_SELECTED, {"accepted_quote_id": quote.id})
            notify.vendor(other.vendor, request, _l("Votre devis n'a pas été retenu : %(title)s", title=request.title),
                          "quote_not_selected", quote=other)
    request.awarded_at = now
    before = request.status
    request.status = RequestStatus.AWARDED
    record_event(actor, request, "award", before, RequestStatus.AWARDED, {"quote_id": quote.id})
    totals = pricing.price(
        [pricing.LineInput(line.designation, line.quantity, line.unit, line.unit_price_cents, line.vat_rate_bp)
         for line in revision.lines]
    )
    order = pro_orders.create_invoice_order(
        vendor=quote.vendor,
        organisation=request.organisation,
        ordered_by=actor,
        lines=[
            pro_orders.ProLine(
                title=p.line.designation,
                unit=p.line.unit,
                quantity=p.line.quantity,
                unit_net_cents=p.line.unit_price_cents,
                net_cents=p.net_cents,
                vat_rate_bp=p.line.vat_rate_bp,
                gross_cents=p.gross_cents,
            )
            for p in totals.lines
        ],
        delivery_place=delivery_place(request),
        buyer_reference=request.reference,
        actor=actor,
    )
    quote.vendor_order_id = order.id
    quote.vendor_order = order
    notify.vendor(
        quote.vendor, request,
        _l("Devis accepté : bon de commande %(ref)s", ref=order.reference),
        "quote_accepted", quote=quote, order=order,
        order_url=external_url("shop.vendor_order", vendor_id=quote.vendor_id, vendor_order_id=order.id),
    )
    db.session.flush()
    return order


def delivery_place(request: QuoteRequest) -> str:
    dep = departement(request.delivery_departement_code)
    return f"{request.delivery_commune} ({dep.label if dep else request.delivery_departement_code})"


def expire_past_validity() -> int:
    """Quotes waiting for a decision whose validity date has passed become expired. Returns how many."""
    today = paris_today()
    waiting = db.session.scalars(
        sa.select(Quote)
        .join(QuoteRequest, QuoteRequest.id == Quote.request_id)
        .where(Quote.status == Q.SUBMITTED, QuoteRequest.status.in_(DECIDABLE))
        .order_by(Quote.id)
    ).all()
    count = 0
    for quote in waiting:
        if quote.current is not None and quote.current.valid_until < today:
            quote.expired_at = now_utc()
            _move(quote, None, "expire", Q.EXPIRED, {"valid_until": quote.current.valid_until.isoformat()})
            notify.vendor(quote.vendor, quote.request,
                          _l("Votre devis a expiré : %(title)s", title=quote.request.title), "quote_expired",
                          quote=quote)
            count += 1
    db.session.flush()
    return count


# ---------------------------------------------------------------- comparison


@dataclass
class ComparisonRow:
    quote: Quote
    revision: QuoteRevision
    labels: list[Label]
    acceptable: bool
    cheapest: bool = False
    fastest: bool = False

    @property
    def vendor(self) -> Vendor:
        return self.quote.vendor

    @property
    def departement_label(self) -> str:
        dep = departement(self.vendor.departement_code)
        return dep.label if dep else (self.vendor.departement_code or "")


def vendor_labels(vendor_ids: list[int]) -> dict[int, list[Label]]:
    """The labels carried by each structure's visible offers."""
    rows = db.session.execute(
        visible_offers_query()
        .join(OfferLabel, OfferLabel.offer_id == Offer.id)
        .where(Offer.vendor_id.in_(vendor_ids or [-1]))
        .with_only_columns(Offer.vendor_id, OfferLabel.label)
        .distinct()
    ).all()
    order = list(Label)
    out: dict[int, list[Label]] = {}
    for vendor_id, label in rows:
        out.setdefault(vendor_id, []).append(label)
    return {k: sorted(v, key=order.index) for k, v in out.items()}


def comparison(request: QuoteRequest) -> list[ComparisonRow]:
    """The quotes side by side, cheapest first (VAT included); the cheapest and the fastest
    acceptable ones are marked."""
    today = paris_today()
    shown = [q for q in request.quotes if q.current is not None and q.status is not Q.WITHDRAWN]
    labels = vendor_labels([q.vendor_id for q in shown])
    decidable = request.status in DECIDABLE
    rows = [
        ComparisonRow(
            quote=q,
            revision=q.current,
            labels=labels.get(q.vendor_id, []),
            acceptable=decidable and q.status is Q.SUBMITTED and q.current.valid_until >= today,
        )
        for q in shown
    ]
    rows.sort(key=lambda r: (r.revision.total_cents, r.revision.lead_time_days, r.quote.id))
    candidates = [r for r in rows if r.acceptable]
    if len(candidates) > 1:
        min(candidates, key=lambda r: r.revision.total_cents).cheapest = True
        min(candidates, key=lambda r: (r.revision.lead_time_days, r.revision.total_cents)).fastest = True
    return rows
