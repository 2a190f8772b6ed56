"""Quote requests: the buyer's side of the state machine, the deadline job, the queries.

Request: draft → open (published: recipients resolved and notified) → closed
(the response deadline passed: no new quote, the buyer may still decide) →
awarded (a quote accepted, see ``quoting.accept``) | expired (no decision
``QUOTE_DECISION_DAYS`` after the deadline); draft | open | closed → cancelled.

Each transition refuses illegal moves with a QuoteError, writes an audit
event, queues its e-mails in the outbox and flushes; the caller commits.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import BuyerMembership
from marketplace.catalogue.models import Category
from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.pagination import Page, paginate
from marketplace.core.territories import departement
from marketplace.extensions import db
from marketplace.procurement.quotes import attachments, matching, notify
from marketplace.procurement.quotes.errors import QuoteError
from marketplace.procurement.quotes.models import (
    Quote,
    QuoteRecipient,
    QuoteRequest,
    QuoteStatus,
    RecipientMode,
    RequestStatus,
)
from marketplace.procurement.quotes.permissions import is_request_buyer, vendor_sees_request
from marketplace.vendors.models import Vendor, VendorStatus

R = RequestStatus
CANCELLABLE = {R.DRAFT, R.OPEN, R.CLOSED}
DECIDABLE = {R.OPEN, R.CLOSED}
MAX_CHOSEN = 30
MAX_DEADLINE_DAYS = 180
MIN_DEADLINE = dt.timedelta(hours=1)


def match_limit() -> int:
    return int(current_app.config.get("QUOTE_MATCH_LIMIT", 20))


def decision_days() -> int:
    return int(current_app.config.get("QUOTE_DECISION_DAYS", 30))


def decision_deadline(request: QuoteRequest) -> dt.datetime:
    """After this moment a request without decision expires."""
    return request.response_deadline + dt.timedelta(days=decision_days())


@dataclass
class RequestData:
    """What the buyer fills in; ``vendor_ids`` are the chosen structures (CHOSEN mode)."""

    title: str
    need: str
    category_id: int | None
    delivery_commune: str
    delivery_departement_code: str
    response_deadline: dt.datetime | None
    recipient_mode: RecipientMode = RecipientMode.CHOSEN
    quantity: int | None = None
    unit: str | None = None
    accept_national: bool = False
    wished_date: dt.date | None = None
    budget_cents: int | None = None
    vendor_ids: list[int] = field(default_factory=list)


# ---------------------------------------------------------------- helpers


def _illegal(request: QuoteRequest) -> QuoteError:
    return QuoteError(_l("Action impossible : cette demande est « %(status)s ».", status=request.shown_status.label))


def _require_buyer(actor, request: QuoteRequest) -> None:
    if not is_request_buyer(actor, request):
        raise QuoteError(_l("Seuls les membres de l'organisation peuvent agir sur cette demande."))


def _move(request: QuoteRequest, actor, action: str, to: RequestStatus, data: dict | None = None) -> None:
    before = request.status
    request.status = to
    record_event(actor, request, action, before, to, data)


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _validate(data: RequestData, publishing: bool) -> Category:
    now = now_utc()
    if not _clean(data.title):
        raise QuoteError(_l("Donnez un titre à la demande."), field="title")
    if len(_clean(data.title)) > 200:
        raise QuoteError(_l("Le titre ne peut dépasser 200 caractères."), field="title")
    if not _clean(data.need):
        raise QuoteError(_l("Décrivez votre besoin : les structures s'appuient sur cette description pour chiffrer."),
                         field="need")
    if len(_clean(data.need)) > 5000:
        raise QuoteError(_l("La description ne peut dépasser 5000 caractères."), field="need")
    category = db.session.get(Category, data.category_id) if data.category_id else None
    if category is None:
        raise QuoteError(_l("Choisissez la catégorie de votre besoin."), field="category_id")
    if data.quantity is not None and not 1 <= data.quantity <= 10_000_000:
        raise QuoteError(_l("Indiquez une quantité d'au moins 1."), field="quantity")
    if len(_clean(data.unit)) > 20:
        raise QuoteError(_l("L'unité ne peut dépasser 20 caractères."), field="unit")
    if not _clean(data.delivery_commune):
        raise QuoteError(_l("Indiquez la commune de livraison ou d'exécution."), field="delivery_commune")
    if departement(data.delivery_departement_code) is None:
        raise QuoteError(_l("Choisissez le département de livraison."), field="delivery_departement_code")
    if data.budget_cents is not None and data.budget_cents < 0:
        raise QuoteError(_l("Le budget ne peut pas être négatif."), field="budget")
    if data.response_deadline is None:
        raise QuoteError(_l("Indiquez la date limite de réponse."), field="response_deadline")
    if publishing:
        if data.response_deadline < now + MIN_DEADLINE:
            raise QuoteError(
                _l("La date limite de réponse doit laisser au moins une heure aux structures."),
                field="response_deadline",
            )
        if data.response_deadline > now + dt.timedelta(days=MAX_DEADLINE_DAYS):
            raise QuoteError(_l("La date limite de réponse ne peut dépasser six mois."), field="response_deadline")
        if data.wished_date is not None and data.wished_date < data.response_deadline.date():
            raise QuoteError(_l("La date souhaitée doit suivre la date limite de réponse."), field="wished_date")
        if data.recipient_mode is RecipientMode.CHOSEN and not data.vendor_ids:
            raise QuoteError(
                _l("Choisissez au moins une structure, ou envoyez la demande à toutes les structures correspondantes."),
                field="vendor_ids",
            )
    if len(data.vendor_ids) > MAX_CHOSEN:
        raise QuoteError(_l("Choisissez au plus %(n)s structures.", n=MAX_CHOSEN), field="vendor_ids")
    return category


def _chosen_vendors(vendor_ids: list[int]) -> list[Vendor]:
    wanted = list(dict.fromkeys(int(i) for i in vendor_ids))
    if not wanted:
        return []
    found = {
        v.id: v
        for v in db.session.scalars(
            sa.select(Vendor).where(Vendor.id.in_(wanted), Vendor.status == VendorStatus.APPROVED)
        )
    }
    if len(found) != len(wanted):
        raise QuoteError(_l("Une des structures choisies n'est pas (ou plus) agréée : retirez-la de la liste."),
                         field="vendor_ids")
    return [found[i] for i in wanted]


def _apply(request: QuoteRequest, data: RequestData, category: Category) -> None:
    request.title = _clean(data.title)
    request.need = _clean(data.need)
    request.category_id = category.id
    request.category = category
    request.quantity = data.quantity
    request.unit = _clean(data.unit) or None
    request.delivery_commune = _clean(data.delivery_commune)
    request.delivery_departement_code = data.delivery_departement_code
    request.accept_national = bool(data.accept_national)
    request.wished_date = data.wished_date
    request.budget_cents = data.budget_cents
    request.response_deadline = data.response_deadline
    request.recipient_mode = data.recipient_mode


def _set_chosen(request: QuoteRequest, vendors: list[Vendor]) -> None:
    keep = {v.id for v in vendors}
    request.recipients = [r for r in request.recipients if r.vendor_id in keep]
    have = {r.vendor_id for r in request.recipients}
    for rank, vendor in enumerate(vendors):
        if vendor.id not in have:
            request.recipients.append(QuoteRecipient(vendor_id=vendor.id, vendor=vendor, chosen=True, rank=rank))
        else:
            next(r for r in request.recipients if r.vendor_id == vendor.id).rank = rank


def _store_files(request: QuoteRequest, actor, files) -> None:
    files = [f for f in files or [] if attachments.has_file(f)]
    if len(request.attachments) + len(files) > attachments.MAX_PER_REQUEST:
        raise QuoteError(
            _l("Joignez au plus %(n)s fichiers à une demande.", n=attachments.MAX_PER_REQUEST), field="attachment"
        )
    for file_storage in files:
        request.attachments.append(attachments.store(file_storage, actor, request=request))


# ---------------------------------------------------------------- transitions


def create_request(organisation, actor, data: RequestData, files=(), publish_now: bool = False) -> QuoteRequest:
    """A new request of ``organisation``, kept as a draft or published at once."""
    from marketplace.accounts.permissions import is_buyer_member

    if not is_buyer_member(actor, organisation):
        raise QuoteError(_l("Vous n'êtes pas membre de cette organisation."))
    category = _validate(data, publishing=publish_now)
    vendors = _chosen_vendors(data.vendor_ids) if data.recipient_mode is RecipientMode.CHOSEN else []
    request = QuoteRequest(organisation_id=organisation.id, organisation=organisation,
                           created_by_id=getattr(actor, "id", None), status=R.DRAFT)
    _apply(request, data, category)
    db.session.add(request)
    db.session.flush()
    _set_chosen(request, vendors)
    record_event(actor, request, "create", None, R.DRAFT, {"title": request.title})
    if publish_now:
        publish(request, actor)
    _store_files(request, actor, files)
    db.session.flush()
    return request


def update_draft(request: QuoteRequest, actor, data: RequestData, files=(), publish_now: bool = False) -> QuoteRequest:
    """Change a draft (and publish it if asked)."""
    _require_buyer(actor, request)
    if request.status is not R.DRAFT:
        raise _illegal(request)
    category = _validate(data, publishing=publish_now)
    vendors = _chosen_vendors(data.vendor_ids) if data.recipient_mode is RecipientMode.CHOSEN else []
    _apply(request, data, category)
    _set_chosen(request, vendors)
    record_event(actor, request, "update", R.DRAFT, R.DRAFT)
    if publish_now:
        publish(request, actor)
    _store_files(request, actor, files)
    db.session.flush()
    return request


def publish(request: QuoteRequest, actor) -> int:
    """Send the draft to its structures: the chosen ones, or the best matching ones up to
    QUOTE_MATCH_LIMIT. Returns how many structures were notified."""
    _require_buyer(actor, request)
    if request.status is not R.DRAFT:
        raise _illegal(request)
    now = now_utc()
    if request.response_deadline < now + MIN_DEADLINE:
        raise QuoteError(_l("La date limite de réponse doit laisser au moins une heure aux structures."),
                         field="response_deadline")
    if request.recipient_mode is RecipientMode.MATCHING:
        request.recipients = []
        db.session.flush()
        matches = matching.matching_vendors(request, limit=match_limit())
        if not matches:
            raise QuoteError(
                _l("Aucune structure agréée ne correspond à cette catégorie sur ce territoire : acceptez les "
                   "réponses de toute la France, changez de catégorie ou choisissez vous-même les structures."),
                field="recipient_mode",
            )
        for rank, match in enumerate(matches):
            request.recipients.append(QuoteRecipient(vendor_id=match.vendor.id, vendor=match.vendor,
                                                     chosen=False, rank=rank))
    else:
        _chosen_vendors([r.vendor_id for r in request.recipients])  # all still approved
        if not request.recipients:
            raise QuoteError(_l("Choisissez au moins une structure."), field="vendor_ids")
    for recipient in request.recipients:
        recipient.notified_at = now
    request.published_at = now
    request.notified_count = len(request.recipients)
    _move(request, actor, "publish", R.OPEN,
          {"mode": request.recipient_mode.value, "notified": request.notified_count})
    db.session.flush()
    for recipient in request.recipients:
        notify.vendor(recipient.vendor, request,
                      _l("Demande de devis : %(title)s", title=request.title), "new_request")
    db.session.flush()
    return request.notified_count


def cancel(request: QuoteRequest, actor, reason: str | None) -> QuoteRequest:
    """The buyer gives up: the structures that were asked or answered are told why."""
    _require_buyer(actor, request)
    if request.status not in CANCELLABLE:
        raise _illegal(request)
    reason = _clean(reason)
    if request.status is not R.DRAFT and not reason:
        raise QuoteError(_l("Indiquez le motif de l'annulation : il sera communiqué aux structures."), field="reason")
    if len(reason) > 1000:
        raise QuoteError(_l("Le motif ne peut dépasser 1000 caractères."), field="reason")
    was_published = request.status is not R.DRAFT
    now = now_utc()
    request.cancelled_at = now
    request.cancel_reason = reason or None
    _move(request, actor, "cancel", R.CANCELLED, {"reason": reason} if reason else None)
    for quote in request.quotes:
        if quote.status in (QuoteStatus.SUBMITTED, QuoteStatus.EXPIRED):
            quote.decided_at = now
            before = quote.status
            quote.status = QuoteStatus.NOT_SELECTED
            record_event(actor, quote, "request_cancelled", before, QuoteStatus.NOT_SELECTED)
    if was_published:
        for vendor in concerned_vendors(request):
            notify.vendor(vendor, request, _l("Demande de devis annulée : %(title)s", title=request.title),
                          "request_cancelled")
    db.session.flush()
    return request


def close(request: QuoteRequest, actor=None) -> QuoteRequest:
    """The response deadline passed: no new quote; the buyer is asked to decide."""
    if request.status is not R.OPEN or not request.deadline_passed():
        raise _illegal(request)
    request.closed_at = now_utc()
    _move(request, actor, "close", R.CLOSED, {"quotes": len(live_quotes(request))})
    notify.buyers(request, _l("Date limite atteinte : %(title)s", title=request.title), "request_closed",
                  quotes=live_quotes(request), decide_before=decision_deadline(request))
    db.session.flush()
    return request


def expire(request: QuoteRequest, actor=None) -> QuoteRequest:
    """No decision in time: the request expires, and so do the quotes still waiting."""
    if request.status not in DECIDABLE or now_utc() < decision_deadline(request):
        raise _illegal(request)
    now = now_utc()
    request.expired_at = now
    _move(request, actor, "expire", R.EXPIRED)
    for quote in request.quotes:
        if quote.status is QuoteStatus.SUBMITTED:
            quote.expired_at = now
            quote.status = QuoteStatus.EXPIRED
            record_event(actor, quote, "request_expired", QuoteStatus.SUBMITTED, QuoteStatus.EXPIRED)
            notify.vendor(quote.vendor, request, _l("Demande de devis expirée : %(title)s", title=request.title),
                          "request_expired")
    notify.buyers(request, _l("Demande de devis expirée : %(title)s", title=request.title), "request_expired_buyer")
    db.session.flush()
    return request


def tick() -> dict[str, int]:
    """The deadline job: close requests past their deadline, expire undecided ones and
    quotes past their validity. Safe to run as often as wanted (run it from cron)."""
    from marketplace.procurement.quotes import quoting

    moment = now_utc()
    counts = {"closed": 0, "expired": 0, "quotes_expired": 0}
    due = db.session.scalars(
        sa.select(QuoteRequest)
        .where(QuoteRequest.status == R.OPEN, QuoteRequest.response_deadline <= moment)
        .order_by(QuoteRequest.id)
    ).all()
    for request in due:
        close(request)
        counts["closed"] += 1
    limit = moment - dt.timedelta(days=decision_days())
    stale = db.session.scalars(
        sa.select(QuoteRequest)
        .where(QuoteRequest.status.in_(DECIDABLE), QuoteRequest.response_deadline <= limit)
        .order_by(QuoteRequest.id)
    ).all()
    for request in stale:
        expire(request)
        counts["expired"] += 1
    counts["quotes_expired"] = quoting.expire_past_validity()
    return counts


# ---------------------------------------------------------------- queries


def live_quotes(request: QuoteRequest) -> list[Quote]:
    """The quotes the buyer may compare: sent, or past their validity (shown, not acceptable)."""
    return [q for q in request.quotes if q.status in (QuoteStatus.SUBMITTED, QuoteStatus.EXPIRED,
                                                      QuoteStatus.ACCEPTED, QuoteStatus.NOT_SELECTED)]


def concerned_vendors(request: QuoteRequest) -> list[Vendor]:
    """Addressed structures and those that answered, once each."""
    vendors: dict[int, Vendor] = {}
    for recipient in request.recipients:
        vendors.setdefault(recipient.vendor_id, recipient.vendor)
    for quote in request.quotes:
        if quote.status is not QuoteStatus.DECLINED:
            vendors.setdefault(quote.vendor_id, quote.vendor)
    return list(vendors.values())


def _organisation_ids(user) -> sa.Select:
    return sa.select(BuyerMembership.organisation_id).where(BuyerMembership.user_id == user.id)


def requests_for_buyer(user, status: RequestStatus | None = None, page: int = 1, per_page: int = 20) -> Page:
    stmt = sa.select(QuoteRequest).where(QuoteRequest.organisation_id.in_(_organisation_ids(user)))
    if status is not None:
        stmt = stmt.where(QuoteRequest.status == status)
    stmt = stmt.order_by(QuoteRequest.created_at.desc(), QuoteRequest.id.desc())
    return paginate(db.session, stmt, page=page, per_page=per_page)


def buyer_status_counts(user) -> dict[RequestStatus, int]:
    rows = db.session.execute(
        sa.select(QuoteRequest.status, sa.func.count())
        .where(QuoteRequest.organisation_id.in_(_organisation_ids(user)))
        .group_by(QuoteRequest.status)
    ).all()
    return {status: count for status, count in rows}


def inbox_addressed(vendor: Vendor, page: int = 1, per_page: int = 20) -> Page:
    """Published requests addressed to the structure or answered by it, latest deadline first."""
    addressed = sa.select(QuoteRecipient.request_id).where(QuoteRecipient.vendor_id == vendor.id)
    answered = sa.select(Quote.request_id).where(Quote.vendor_id == vendor.id)
    stmt = (
        sa.select(QuoteRequest)
        .where(
            QuoteRequest.status != R.DRAFT,
            sa.or_(QuoteRequest.id.in_(addressed), QuoteRequest.id.in_(answered)),
        )
        .order_by(QuoteRequest.response_deadline.desc(), QuoteRequest.id.desc())
    )
    return paginate(db.session, stmt, page=page, per_page=per_page)


def inbox_open(vendor: Vendor, page: int = 1, per_page: int = 20) -> Page:
    """Open requests to "all matching structures" that match the structure and that it was
    not notified of (beyond the cap) nor answered yet, nearest deadline first."""
    addressed = sa.select(QuoteRecipient.request_id).where(QuoteRecipient.vendor_id == vendor.id)
    answered = sa.select(Quote.request_id).where(Quote.vendor_id == vendor.id)
    candidates = db.session.scalars(
        sa.select(QuoteRequest)
        .where(
            QuoteRequest.status == R.OPEN,
            QuoteRequest.recipient_mode == RecipientMode.MATCHING,
            QuoteRequest.response_deadline > now_utc(),
            QuoteRequest.id.not_in(addressed),
            QuoteRequest.id.not_in(answered),
        )
        .order_by(QuoteRequest.response_deadline, QuoteRequest.id)
    ).all()
    items = [r for r in candidates if vendor_sees_request(vendor, r)]
    page = max(1, page)
    return Page(items=items[(page - 1) * per_page: page * per_page], page=page, per_page=per_page, total=len(items))


def quote_of(vendor: Vendor, request: QuoteRequest) -> Quote | None:
    return next((q for q in request.quotes if q.vendor_id == vendor.id), None)


# ---------------------------------------------------------------- choosing structures


def vendor_choices(text: str | None, departement_code: str | None, category_id: int | None,
                   limit: int = 30) -> list[Vendor]:
    """Approved structures to pick from: found by the search service when words are given,
    else those matching the category (directory order otherwise), in the département if given."""
    text = _clean(text)[:200]
    if text:
        ids = _searched_vendor_ids(text, departement_code)
        vendors = {v.id: v for v in db.session.scalars(
            sa.select(Vendor).where(Vendor.id.in_(ids or [-1]), Vendor.status == VendorStatus.APPROVED)
        )}
        return [vendors[i] for i in ids if i in vendors][:limit]
    category = db.session.get(Category, category_id) if category_id else None
    if category is not None:
        need = matching.Need(category, departement_code or "", accept_national=not departement_code)
        return [m.vendor for m in matching.matching_vendors(need, limit=limit)]
    stmt = sa.select(Vendor).where(Vendor.status == VendorStatus.APPROVED)
    if departement_code:
        stmt = stmt.where(Vendor.departement_code == departement_code)
    return list(db.session.scalars(stmt.order_by(Vendor.name, Vendor.id).limit(limit)))


def _searched_vendor_ids(text: str, departement_code: str | None) -> list[int]:
    from marketplace.catalogue.models import Offer
    from marketplace.search import service as search

    filters = {"departement": [departement_code]} if departement_code else {}
    result = search.search(text, filters, per_page=100)
    ids: list[int] = []
    offer_ids = []
    for hit in result.hits:
        kind, _, number = hit.id.partition("-")
        if not number.isdigit():
            continue
        if kind == "vendor":
            ids.append(int(number))
        elif kind == "offer":
            offer_ids.append(int(number))
    if offer_ids:
        owners = dict(db.session.execute(sa.select(Offer.id, Offer.vendor_id).where(Offer.id.in_(offer_ids))).all())
        ids.extend(owners[i] for i in offer_ids if i in owners)
    return list(dict.fromkeys(ids))


def selected_vendors(vendor_ids: list[int]) -> list[Vendor]:
    """The approved structures among ``vendor_ids``, in that order."""
    wanted = list(dict.fromkeys(vendor_ids))
    found = {v.id: v for v in db.session.scalars(
        sa.select(Vendor).where(Vendor.id.in_(wanted or [-1]), Vendor.status == VendorStatus.APPROVED)
    )}
    return [found[i] for i in wanted if i in found]
