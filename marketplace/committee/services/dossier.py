"""A dossier as the committee sees it: answers, documents, history, thread,
reviews (hidden until one's own is given) and the tally."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import User
from marketplace.committee import permissions as perms
from marketplace.committee.models import (
    Criterion,
    Decision,
    DecisionOutcome,
    DossierMessage,
    Opinion,
    Review,
    ReviewScore,
)
from marketplace.committee.services.common import quorum
from marketplace.core.audit import AuditEvent
from marketplace.extensions import db
from marketplace.vendors.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Vendor,
    VendorStatus,
)
from marketplace.vendors.services import active_criteria


def visible_application(application_id: int, user) -> Application | None:
    """The application if the user may see it on the committee side, else None (404)."""
    application = db.session.get(Application, application_id)
    if application is None or not perms.can_view_dossier(user, application):
        return None
    return application


@dataclass
class AnswerRow:
    criterion: Criterion
    text: str
    previous_text: str | None = None

    @property
    def changed(self) -> bool:
        return self.previous_text is not None and self.previous_text.strip() != self.text.strip()


@dataclass
class Tally:
    favorable: int = 0
    reserved: int = 0
    unfavorable: int = 0
    recused: int = 0
    quorum: int = 3
    weighted_average: Fraction | None = None  # 0–3

    @property
    def reviews(self) -> int:
        return self.favorable + self.reserved + self.unfavorable

    @property
    def quorum_reached(self) -> bool:
        return self.reviews >= self.quorum

    @property
    def majority(self) -> Opinion | None:
        """The opinion held by more than half of the reviews, if any."""
        for opinion, count in (
            (Opinion.FAVORABLE, self.favorable),
            (Opinion.RESERVED, self.reserved),
            (Opinion.UNFAVORABLE, self.unfavorable),
        ):
            if count * 2 > self.reviews:
                return opinion
        return None

    @property
    def weighted_score_x100(self) -> int | None:
        if self.weighted_average is None:
            return None
        return round(self.weighted_average * 100)

    def is_against_majority(self, outcome: DecisionOutcome) -> bool:
        majority = self.majority
        if outcome == DecisionOutcome.APPROVED:
            return majority == Opinion.UNFAVORABLE
        return majority == Opinion.FAVORABLE


@dataclass
class HistoryItem:
    at: dt.datetime
    actor_label: str
    actor_name: str | None
    label: str
    before: str | None
    after: str | None
    detail: str | None = None
    on_structure: bool = False


@dataclass
class Dossier:
    application: Application
    vendor: Vendor
    answers: list[AnswerRow]
    documents: list
    history: list[HistoryItem]
    messages: list[DossierMessage]
    own_review: Review | None
    reviews: list[Review] | None  # None: hidden from this user for now
    tally: Tally | None
    decision: Decision | None
    other_applications: list[Application]
    review_criteria: list[Criterion]
    can_review: bool
    can_recuse: bool
    can_ask: bool
    can_decide: bool
    is_member: bool
    quorum: int
    previous_application: Application | None = None
    departement: object | None = None


def tally(application: Application) -> Tally:
    """Opinion counts, quorum and the weighted average score of the non-recused reviews.

    Each review's score is Σ weight × score / Σ weight over its criteria (with the
    weights they had when the review was given); the dossier's score is the mean
    of the reviews' scores, out of 3.
    """
    result = Tally(quorum=quorum())
    reviews = db.session.scalars(
        sa.select(Review)
        .where(Review.application_id == application.id)
        .options(selectinload(Review.scores).selectinload(ReviewScore.criterion))
    ).all()
    averages: list[Fraction] = []
    for review in reviews:
        if review.recused:
            result.recused += 1
            continue
        if review.opinion == Opinion.FAVORABLE:
            result.favorable += 1
        elif review.opinion == Opinion.RESERVED:
            result.reserved += 1
        elif review.opinion == Opinion.UNFAVORABLE:
            result.unfavorable += 1
        average = review.weighted_average
        if average is not None:
            averages.append(average)
    if averages:
        result.weighted_average = sum(averages, Fraction(0)) / len(averages)
    return result


def visible_reviews(application: Application, member) -> list[Review] | None:
    """The reviews this user may read, or None while they are hidden.

    No anchoring: a committee member sees the others' reviews only once they
    have given their own or declared a conflict of interest.
    """
    if not perms.can_see_reviews(member, application):
        return None
    return list(
        db.session.scalars(
            sa.select(Review)
            .where(Review.application_id == application.id)
            .options(selectinload(Review.scores).selectinload(ReviewScore.criterion), selectinload(Review.reviewer))
            .order_by(Review.submitted_at, Review.id)
        )
    )


def _criteria_of_answers(application: Application) -> list[Criterion]:
    active = active_criteria()
    ids = {c.id for c in active}
    extra_ids = [a.criterion_id for a in application.answers if a.criterion_id not in ids]
    extra = []
    if extra_ids:
        extra = list(db.session.scalars(sa.select(Criterion).where(Criterion.id.in_(extra_ids))))
    return sorted([*active, *extra], key=lambda c: (c.position, c.id))


def previous_approved(application: Application) -> Application | None:
    return db.session.scalars(
        sa.select(Application)
        .where(
            Application.vendor_id == application.vendor_id,
            Application.status == ApplicationStatus.APPROVED,
            Application.id != application.id,
            Application.id < application.id,
        )
        .order_by(Application.id.desc())
        .limit(1)
    ).first()


ACTION_LABELS = {
    "create": _l("Dossier créé"),
    "edit": _l("Dossier modifié par la structure"),
    "add_document": _l("Document ajouté"),
    "delete_document": _l("Document supprimé"),
    "submit": _l("Candidature déposée"),
    "start_review": _l("Examen ouvert"),
    "request_info": _l("Informations demandées à la structure"),
    "resubmit": _l("Dossier complété et renvoyé par la structure"),
    "approve": _l("Agrément accordé"),
    "reject": _l("Candidature refusée"),
    "withdraw": _l("Candidature retirée"),
    "start_renewal": _l("Renouvellement commencé"),
    "sign_charter": _l("Charte acceptée"),
    "suspend": _l("Structure suspendue"),
    "reinstate": _l("Suspension levée"),
    "expire": _l("Agrément expiré"),
    "committee.review": _l("Avis rendu par un membre du comité"),
    "committee.recusal": _l("Conflit d'intérêts déclaré par un membre du comité"),
    "committee.decision": _l("Décision enregistrée par la présidence"),
    "committee.expiry_reminder": _l("Rappel d'échéance de l'agrément envoyé"),
}
SECTION_LABELS = {
    "identity": _l("identité"),
    "territory": _l("territoire"),
    "activity": _l("activité"),
    "commitments": _l("engagements"),
    "documents": _l("documents"),
    "charter": _l("charte"),
}


def _event_detail(event: AuditEvent) -> str | None:
    data = event.data or {}
    if event.subject_type == Vendor.__tablename__:
        if event.action == "sign_charter" and data.get("version"):
            return _("version %(version)s", version=data["version"])
        return data.get("reason") if event.action == "suspend" else None
    if event.action == "edit" and data.get("section"):
        return str(SECTION_LABELS.get(data["section"], data["section"]))
    if event.action in {"add_document", "delete_document"}:
        return data.get("name")
    return None


def _status_label(value: str | None) -> str | None:
    if value is None:
        return None
    for enum_cls in (ApplicationStatus, VendorStatus):
        try:
            return enum_cls(value).label
        except ValueError:
            continue
    return value


def history(application: Application) -> list[HistoryItem]:
    """The dossier's audit trail, and the structure's own status changes, oldest first."""
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            sa.or_(
                sa.and_(AuditEvent.subject_type == Application.__tablename__, AuditEvent.subject_id == application.id),
                sa.and_(AuditEvent.subject_type == Vendor.__tablename__, AuditEvent.subject_id == application.vendor_id),
            )
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    actor_ids = {e.actor_id for e in events if e.actor_id}
    names = {}
    if actor_ids:
        names = {u.id: u.name for u in db.session.scalars(sa.select(User).where(User.id.in_(actor_ids)))}
    items = []
    for event in events:
        if event.subject_type == Vendor.__tablename__ and event.action not in {
            "approve",
            "reject",
            "suspend",
            "reinstate",
            "expire",
            "committee.expiry_reminder",
            "sign_charter",
        }:
            continue
        detail = _event_detail(event)
        items.append(
            HistoryItem(
                at=event.at,
                actor_label=event.actor_label,
                actor_name=names.get(event.actor_id),
                label=str(ACTION_LABELS.get(event.action, event.action)),
                before=_status_label(event.before),
                after=_status_label(event.after),
                detail=detail,
                on_structure=event.subject_type == Vendor.__tablename__,
            )
        )
    return items


def thread(application: Application) -> list[DossierMessage]:
    return list(
        db.session.scalars(
            sa.select(DossierMessage)
            .where(DossierMessage.application_id == application.id)
            .options(selectinload(DossierMessage.author))
            .order_by(DossierMessage.created_at, DossierMessage.id)
        )
    )


def dossier(application: Application, user) -> Dossier:
    """Everything the committee's dossier page shows to this user."""
    from marketplace.core.territories import departement

    vendor = application.vendor
    texts = {a.criterion_id: a.text or "" for a in application.answers}
    previous = previous_approved(application) if application.kind == ApplicationKind.RENEWAL else None
    previous_texts = {a.criterion_id: a.text or "" for a in previous.answers} if previous else {}
    answers = [
        AnswerRow(
            criterion=c,
            text=texts.get(c.id, ""),
            previous_text=previous_texts.get(c.id, "") if previous is not None else None,
        )
        for c in _criteria_of_answers(application)
    ]
    reviews = visible_reviews(application, user)
    others = list(
        db.session.scalars(
            sa.select(Application)
            .where(
                Application.vendor_id == vendor.id,
                Application.id != application.id,
                Application.status != ApplicationStatus.DRAFT,
                Application.submitted_at.is_not(None),
            )
            .order_by(Application.id.desc())
        )
    )
    can_decide = perms.can_decide(user, application)
    current = tally(application) if reviews is not None or can_decide else None
    if reviews is None and current is not None and not current.quorum_reached:
        # The chair who has not reviewed sees the synthesis only once it is needed to decide.
        current = None
    return Dossier(
        application=application,
        vendor=vendor,
        answers=answers,
        documents=list(application.documents),
        history=history(application),
        messages=thread(application),
        own_review=perms.own_review(application, user),
        reviews=reviews,
        tally=current,
        decision=db.session.scalars(sa.select(Decision).where(Decision.application_id == application.id)).first(),
        other_applications=others,
        review_criteria=active_criteria(),
        can_review=perms.can_review(user, application),
        can_recuse=perms.can_recuse(user, application),
        can_ask=perms.can_ask_question(user, application),
        can_decide=can_decide,
        is_member=perms.is_member(user),
        quorum=quorum(),
        previous_application=previous,
        departement=departement(vendor.departement_code),
    )
