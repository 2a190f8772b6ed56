"""Calls for tenders, buyer side: drafts, lots and criteria, publication,
amendments (postponed deadlines, added documents), cancellation, closing by
the clock, and the start of the evaluation.

Services flush and never commit; they refuse with TenderError (a French
message, and the form field it concerns when there is one).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import BuyerMembership, BuyerOrganisation, User
from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.outbox import email_user
from marketplace.core.pagination import Page, paginate
from marketplace.core.territories import departement
from marketplace.core.urls import external_url
from marketplace.extensions import db
from marketplace.procurement.tenders import documents
from marketplace.procurement.tenders.models import (
    AwardCriterion,
    CriterionKind,
    Lot,
    Procedure,
    Reservation,
    Tender,
    TenderAmendment,
    TenderStatus,
)
from marketplace.procurement.tenders.permissions import can_manage_tender, can_view_tender
from marketplace.procurement.tenders.workflow import TenderError, transition

S = TenderStatus


class TenderNotFound(TenderError):
    """No such tender, or one the user may not know about (answered with 404)."""

    def __init__(self) -> None:
        super().__init__(_l("Appel d'offres introuvable."))


# ---------------------------------------------------------------- lookups


def tender_by_id(tender_id: int) -> Tender | None:
    return db.session.get(Tender, tender_id)


def managed_tender(user, tender_id: int) -> Tender:
    """A tender ``user`` manages; TenderNotFound otherwise (drafts of others stay unknown)."""
    tender = tender_by_id(tender_id)
    if tender is None or not can_manage_tender(user, tender):
        raise TenderNotFound()
    return tender


def visible_tender(user, tender_id: int) -> Tender:
    """A tender ``user`` may read: any but drafts, and the drafts they manage."""
    tender = tender_by_id(tender_id)
    if tender is None or not can_view_tender(user, tender):
        raise TenderNotFound()
    return tender


def organisations_for(user: User) -> list[BuyerOrganisation]:
    """The organisations in whose name ``user`` may publish (every one for an administrator)."""
    stmt = sa.select(BuyerOrganisation).order_by(sa.func.lower(BuyerOrganisation.name), BuyerOrganisation.id)
    if not getattr(user, "is_admin", False):
        stmt = stmt.join(BuyerMembership, BuyerMembership.organisation_id == BuyerOrganisation.id).where(
            BuyerMembership.user_id == user.id
        )
    return list(db.session.scalars(stmt))


def _own_tenders(user: User) -> sa.Select:
    return sa.select(Tender).where(
        Tender.buyer_organisation_id.in_(
            sa.select(BuyerMembership.organisation_id).where(BuyerMembership.user_id == user.id)
        )
    )


def tenders_of(user: User, status: TenderStatus | None = None, page: int = 1, per_page: int = 20) -> Page:
    """The tenders of the organisations ``user`` belongs to, newest first."""
    stmt = _own_tenders(user).options(selectinload(Tender.buyer_organisation))
    if status is not None:
        stmt = stmt.where(Tender.status == status)
    stmt = stmt.order_by(Tender.updated_at.desc(), Tender.id.desc())
    return paginate(db.session, stmt, page=page, per_page=per_page)


def status_counts(user: User) -> dict[TenderStatus, int]:
    sub = _own_tenders(user).subquery()
    rows = db.session.execute(sa.select(sub.c.status, sa.func.count()).group_by(sub.c.status))
    return {TenderStatus(value) if not isinstance(value, TenderStatus) else value: n for value, n in rows}


def suggested_reference(organisation: BuyerOrganisation, now: dt.datetime | None = None) -> str:
    """« AO-2026-004 »: the next number of the year not used by the organisation."""
    year = (now or now_utc()).year
    taken = set(db.session.scalars(
        sa.select(Tender.reference).where(Tender.buyer_organisation_id == organisation.id)
    ))
    number = len(taken) + 1
    while f"AO-{year}-{number:03d}" in taken:
        number += 1
    return f"AO-{year}-{number:03d}"


# ---------------------------------------------------------------- drafts


@dataclass
class TenderData:
    reference: str
    title: str
    object: str
    procedure: Procedure
    question_deadline: dt.datetime | None
    submission_deadline: dt.datetime | None
    category_id: int | None = None
    departement: str | None = None
    reservation: Reservation = Reservation.NONE
    social_clause: str | None = None


def _check_deadlines(question: dt.datetime | None, submission: dt.datetime | None, now: dt.datetime) -> None:
    if submission is None:
        raise TenderError(_l("Indiquez la date limite de remise des offres."), field="submission_deadline")
    if question is None:
        raise TenderError(_l("Indiquez la date limite des questions."), field="question_deadline")
    if submission <= now:
        raise TenderError(
            _l("La date limite de remise des offres doit être dans le futur."), field="submission_deadline"
        )
    if question <= now:
        raise TenderError(_l("La date limite des questions doit être dans le futur."), field="question_deadline")
    if question >= submission:
        raise TenderError(
            _l("La date limite des questions doit précéder la date limite de remise des offres."),
            field="question_deadline",
        )


def _check_data(data: TenderData, organisation_id: int, tender: Tender | None) -> TenderData:
    data.reference = " ".join((data.reference or "").split())
    data.title = (data.title or "").strip()
    data.object = (data.object or "").strip()
    data.social_clause = (data.social_clause or "").strip() or None
    if not data.reference:
        raise TenderError(_l("Indiquez la référence de l'appel d'offres."), field="reference")
    if not data.title:
        raise TenderError(_l("Donnez un intitulé à l'appel d'offres."), field="title")
    if not data.object:
        raise TenderError(_l("Décrivez l'objet du marché."), field="object")
    if data.departement and departement(data.departement) is None:
        raise TenderError(_l("Département inconnu."), field="departement")
    same_reference = sa.select(Tender.id).where(
        Tender.buyer_organisation_id == organisation_id, Tender.reference == data.reference
    )
    if tender is not None:
        same_reference = same_reference.where(Tender.id != tender.id)
    if db.session.scalar(same_reference.limit(1)) is not None:
        raise TenderError(
            _l("Votre organisation a déjà un appel d'offres avec la référence « %(ref)s ».", ref=data.reference),
            field="reference",
        )
    _check_deadlines(data.question_deadline, data.submission_deadline, now_utc())
    return data


def _apply(tender: Tender, data: TenderData) -> None:
    tender.reference = data.reference
    tender.title = data.title
    tender.object = data.object
    tender.procedure = data.procedure
    tender.category_id = data.category_id or None
    tender.departement = data.departement or None
    tender.reservation = data.reservation
    tender.social_clause = data.social_clause
    tender.question_deadline = data.question_deadline
    tender.submission_deadline = data.submission_deadline


def create_tender(organisation: BuyerOrganisation, actor: User, data: TenderData) -> Tender:
    if organisation is None or not (getattr(actor, "is_admin", False) or organisation in organisations_for(actor)):
        raise TenderError(_l("Choisissez une organisation dont vous êtes membre."), field="organisation_id")
    _check_data(data, organisation.id, None)
    tender = Tender(buyer_organisation=organisation, created_by_id=actor.id, status=S.DRAFT)
    _apply(tender, data)
    db.session.add(tender)
    db.session.flush()
    record_event(actor, tender, "tender.created", None, S.DRAFT, {"reference": tender.reference})
    return tender


def _require_manager(tender: Tender, actor) -> None:
    if not can_manage_tender(actor, tender):
        raise TenderNotFound()


def _require_draft(tender: Tender, actor) -> None:
    _require_manager(tender, actor)
    if tender.status is not S.DRAFT:
        raise TenderError(
            _l(
                "Un appel d'offres publié ne se modifie plus : seuls ses délais peuvent être reportés "
                "et des documents ajoutés, par un avis rectificatif."
            )
        )


def update_tender(tender: Tender, actor: User, data: TenderData) -> Tender:
    _require_draft(tender, actor)
    _check_data(data, tender.buyer_organisation_id, tender)
    _apply(tender, data)
    record_event(actor, tender, "tender.updated", None, None, {"reference": tender.reference})
    db.session.flush()
    return tender


def delete_draft(tender: Tender, actor: User) -> None:
    _require_draft(tender, actor)
    record_event(actor, tender, "tender.deleted", S.DRAFT, None, {"reference": tender.reference})
    for document in list(tender.documents):
        documents.remove(tender, actor, document)
    db.session.delete(tender)
    db.session.flush()


@dataclass
class LotData:
    title: str
    description: str = ""
    estimated_amount_cents: int | None = None
    reservation: Reservation = Reservation.NONE


def save_lots(tender: Tender, actor: User, rows: list[LotData]) -> list[Lot]:
    """Replace the lots of a draft by ``rows`` (in order, numbered from 1); blank rows are dropped."""
    _require_draft(tender, actor)
    wanted = [row for row in rows if (row.title or "").strip() or (row.description or "").strip()]
    for index, row in enumerate(wanted, start=1):
        if not (row.title or "").strip():
            raise TenderError(_l("Donnez un intitulé au lot %(n)s.", n=index))
        if row.estimated_amount_cents is not None and row.estimated_amount_cents < 0:
            raise TenderError(_l("Le montant estimé du lot %(n)s ne peut pas être négatif.", n=index))
    if not wanted:
        raise TenderError(_l("Un appel d'offres comporte au moins un lot."))
    existing = list(tender.lots)
    for lot in existing[len(wanted):]:
        tender.lots.remove(lot)
        db.session.delete(lot)
    db.session.flush()  # free the numbers before renumbering
    for index, row in enumerate(wanted, start=1):
        lot = existing[index - 1] if index <= len(existing) else Lot()
        lot.number = index
        lot.title = row.title.strip()[:200]
        lot.description = (row.description or "").strip()
        lot.estimated_amount_cents = row.estimated_amount_cents
        lot.reservation = row.reservation
        if lot not in tender.lots:
            tender.lots.append(lot)
        db.session.flush()
    record_event(actor, tender, "tender.lots_saved", None, None, {"lots": len(wanted)})
    db.session.flush()
    return list(tender.lots)


@dataclass
class CriterionData:
    name: str
    weight: int | None
    kind: CriterionKind = CriterionKind.OTHER


def check_criteria(rows: list[CriterionData]) -> list[CriterionData]:
    """The rows kept (blank ones dropped), or TenderError: weights are whole numbers summing to 100."""
    wanted = [row for row in rows if (row.name or "").strip() or row.weight]
    if not wanted:
        raise TenderError(_l("Indiquez au moins un critère d'attribution."))
    for index, row in enumerate(wanted, start=1):
        if not (row.name or "").strip():
            raise TenderError(_l("Nommez le critère n°%(n)s.", n=index))
        if row.weight is None or not 1 <= row.weight <= 100:
            raise TenderError(
                _l("La pondération du critère « %(name)s » doit être un nombre entier entre 1 et 100.",
                   name=row.name.strip()),
            )
    if sum(1 for row in wanted if row.kind is CriterionKind.PRICE) > 1:
        raise TenderError(_l("Un seul critère peut porter sur le prix."))
    total = sum(row.weight or 0 for row in wanted)
    if total != 100:
        raise TenderError(
            _l("La somme des pondérations doit être égale à 100 (elle est de %(total)s).", total=total),
        )
    return wanted


def save_criteria(tender: Tender, actor: User, rows: list[CriterionData]) -> list[AwardCriterion]:
    _require_draft(tender, actor)
    wanted = check_criteria(rows)
    for criterion in list(tender.criteria):
        tender.criteria.remove(criterion)
        db.session.delete(criterion)
    db.session.flush()
    for position, row in enumerate(wanted, start=1):
        tender.criteria.append(
            AwardCriterion(position=position, name=row.name.strip()[:160], kind=row.kind, weight=row.weight)
        )
    record_event(
        actor, tender, "tender.criteria_saved", None, None,
        {"criteria": [{"name": c.name, "weight": c.weight} for c in tender.criteria]},
    )
    db.session.flush()
    return list(tender.criteria)


def add_document(tender: Tender, actor: User, title: str | None, file_storage):
    _require_draft(tender, actor)
    return documents.store(tender, actor, title, file_storage)


def remove_document(tender: Tender, actor: User, document_id: int) -> None:
    _require_draft(tender, actor)
    document = next((d for d in tender.documents if d.id == document_id), None)
    if document is None:
        raise TenderNotFound()
    documents.remove(tender, actor, document)


def document_for(user, tender_id: int, document_id: int):
    """A document of a tender ``user`` may read, and its path; TenderNotFound otherwise."""
    tender = visible_tender(user, tender_id)
    document = next((d for d in tender.documents if d.id == document_id), None)
    if document is None or not documents.document_path(document).is_file():
        raise TenderNotFound()
    return document, documents.document_path(document)


# ---------------------------------------------------------------- publication


def publication_problems(tender: Tender, now: dt.datetime | None = None) -> list[str]:
    """What stops a draft from being published, one French sentence each (empty: ready)."""
    now = now or now_utc()
    problems = []
    if not tender.lots:
        problems.append(str(_l("Ajoutez au moins un lot.")))
    if not tender.criteria:
        problems.append(str(_l("Définissez les critères d'attribution.")))
    else:
        try:
            check_criteria([CriterionData(c.name, c.weight, c.kind) for c in tender.criteria])
        except TenderError as error:
            problems.append(str(error))
    try:
        _check_deadlines(tender.question_deadline, tender.submission_deadline, now)
    except TenderError as error:
        problems.append(str(error))
    return problems


def publish(tender: Tender, actor: User) -> Tender:
    _require_draft(tender, actor)
    problems = publication_problems(tender)
    if problems:
        raise TenderError(_l("L'appel d'offres ne peut pas encore être publié : %(list)s",
                             list=" ".join(problems)))
    transition(tender, S.PUBLISHED, actor=actor)
    from marketplace.procurement.tenders.alerts import notify_alerts

    notify_alerts(tender)
    return tender


# ---------------------------------------------------------------- after publication


def vendors_with_started_bids(tender: Tender) -> list:
    """The vendors with a bid started on ``tender`` (none until bids exist)."""
    try:
        from marketplace.procurement.bids.services import vendors_with_started_bids as started
    except ImportError:
        return []
    return list(started(tender))


def email_vendors(vendors, subject, template: str, **context) -> int:
    sent = 0
    seen: set[int] = set()
    for vendor in vendors:
        for membership in vendor.memberships:
            user = membership.user
            if user is None or user.id in seen:
                continue
            seen.add(user.id)
            if email_user(user, subject, template, vendor=vendor, **context) is not None:
                sent += 1
    db.session.flush()  # the outbox rows carry the moment of the change
    return sent


def email_buyers(tender: Tender, subject, template: str, **context) -> None:
    for membership in tender.buyer_organisation.memberships:
        email_user(membership.user, subject, template, tender=tender, **context)
    db.session.flush()


def tender_url(tender: Tender) -> str:
    return external_url("tenders.detail", tender_id=tender.id)


def manage_url(tender: Tender) -> str:
    return external_url("tenders.manage", tender_id=tender.id)


@dataclass
class AmendmentData:
    note: str
    question_deadline: dt.datetime | None
    submission_deadline: dt.datetime | None
    document_title: str | None = None
    document: object | None = None
    changes: list[str] = field(default_factory=list)


def amend(tender: Tender, actor: User, data: AmendmentData) -> TenderAmendment:
    """An avis rectificatif: deadlines postponed (never brought forward) and/or a document
    added to a published tender, before its submission deadline. Bidders are e-mailed."""
    _require_manager(tender, actor)
    now = now_utc()
    if tender.status is not S.PUBLISHED:
        raise TenderError(_l("Seul un appel d'offres publié peut faire l'objet d'un avis rectificatif."))
    if tender.deadline_passed(now):
        raise TenderError(
            _l("La date limite de remise des offres est passée : l'appel d'offres ne peut plus être modifié.")
        )
    note = (data.note or "").strip()
    if not note:
        raise TenderError(_l("Expliquez la modification dans la note de version."), field="note")
    question = data.question_deadline or tender.question_deadline
    submission = data.submission_deadline or tender.submission_deadline
    if submission < tender.submission_deadline:
        raise TenderError(
            _l("La date limite de remise des offres d'un appel d'offres publié peut être reportée, "
               "pas avancée."),
            field="submission_deadline",
        )
    if question < tender.question_deadline:
        raise TenderError(
            _l("La date limite des questions d'un appel d'offres publié peut être reportée, pas avancée."),
            field="question_deadline",
        )
    if question >= submission:
        raise TenderError(
            _l("La date limite des questions doit précéder la date limite de remise des offres."),
            field="question_deadline",
        )
    has_file = data.document is not None and getattr(data.document, "filename", None)
    deadlines_moved = (question, submission) != (tender.question_deadline, tender.submission_deadline)
    if not deadlines_moved and not has_file:
        raise TenderError(_l("Reportez une date limite ou ajoutez un document : rien n'a changé."))
    number = len(tender.amendments) + 1
    amendment = TenderAmendment(
        number=number,
        note=note,
        previous_question_deadline=tender.question_deadline,
        previous_submission_deadline=tender.submission_deadline,
        created_by_id=actor.id,
        created_at=now,
    )
    tender.amendments.append(amendment)
    db.session.flush()
    document = None
    if has_file:
        document = documents.store(tender, actor, data.document_title, data.document, amendment=amendment)
    tender.question_deadline = question
    tender.submission_deadline = submission
    record_event(
        actor, tender, "tender.amended", tender.status, tender.status,
        {
            "amendment": number,
            "note": note,
            "question_deadline": question.isoformat(),
            "submission_deadline": submission.isoformat(),
            "previous_submission_deadline": amendment.previous_submission_deadline.isoformat(),
            "document_id": document.id if document else None,
        },
    )
    db.session.flush()
    email_vendors(
        vendors_with_started_bids(tender),
        _l("Avis rectificatif n°%(n)s : %(title)s", n=number, title=tender.title),
        "tenders/amended",
        tender=tender,
        amendment=amendment,
        document=document,
        tender_url=tender_url(tender),
    )
    return amendment


def cancel(tender: Tender, actor: User, reason: str) -> Tender:
    _require_manager(tender, actor)
    transition(tender, S.CANCELLED, actor=actor, reason=reason)
    email_vendors(
        vendors_with_started_bids(tender),
        _l("Appel d'offres annulé : %(title)s", title=tender.title),
        "tenders/cancelled",
        tender=tender,
        tender_url=tender_url(tender),
    )
    return tender


def close(tender: Tender, actor=None) -> bool:
    """Close a published tender whose deadline has passed; False if there is nothing to do."""
    if tender.status is not S.PUBLISHED or not tender.deadline_passed(now_utc()):
        return False
    transition(tender, S.CLOSED, actor=actor)
    email_buyers(
        tender,
        _l("Remise des offres close : %(title)s", title=tender.title),
        "tenders/closed",
        manage_url=manage_url(tender),
    )
    return True


def close_due_tenders(now: dt.datetime | None = None) -> list[Tender]:
    """Close every published tender whose submission deadline has passed (the clock job).
    Idempotent: a closed tender is no longer selected."""
    now = now or now_utc()
    due = db.session.scalars(
        sa.select(Tender)
        .where(Tender.status == S.PUBLISHED, Tender.submission_deadline <= now)
        .order_by(Tender.submission_deadline, Tender.id)
        .with_for_update(skip_locked=True)
    ).all()
    return [tender for tender in due if close(tender)]


def start_evaluation(tender: Tender, actor: User) -> Tender:
    """Open the bids for analysis, once the deadline has passed (closing first if the job has not run)."""
    _require_manager(tender, actor)
    if tender.status is S.PUBLISHED and not tender.deadline_passed(now_utc()):
        raise TenderError(_l("L'analyse des offres ne peut commencer qu'après la date limite de remise des offres."))
    close(tender, actor)
    transition(tender, S.UNDER_EVALUATION, actor=actor)
    return tender
