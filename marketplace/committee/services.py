"""The ethics committee's work: queue, reviews, recusals, questions, decisions,
the structures it oversees, the grid and the charter, and the daily lifecycle job.

Services never touch the request: they take users and plain values, raise
CommitteeError (a WorkflowError, with a French message) and flush; the caller
commits.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import User
from marketplace.committee import permissions as perms
from marketplace.committee.models import (
    Criterion,
    Decision,
    DecisionOutcome,
    DossierMessage,
    LifecycleNotice,
    Opinion,
    Review,
    ReviewScore,
)
from marketplace.core.audit import AuditEvent, record_event
from marketplace.core.clock import now_utc
from marketplace.core.outbox import email_user
from marketplace.core.pagination import Page, paginate
from marketplace.core.urls import external_url
from marketplace.extensions import db
from marketplace.vendors import workflow
from marketplace.vendors.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    CharterSignature,
    CharterVersion,
    MemberRole,
    Vendor,
    VendorStatus,
)
from marketplace.vendors.services import active_criteria, committee_members, current_charter
from marketplace.vendors.workflow import WorkflowError

SCORE_MIN, SCORE_MAX = 0, 3
REMINDER_DAYS = (30, 7)
log = logging.getLogger(__name__)


class CommitteeError(WorkflowError):
    """A refused committee action; ``field`` names the form field it concerns, if any."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotAllowed(CommitteeError):
    """The user may see the object but not do this (403)."""


# ---------------------------------------------------------------- queue

QUEUE_TABS: dict[str, tuple[ApplicationStatus, ...]] = {
    "submitted": (ApplicationStatus.SUBMITTED,),
    "in_review": (ApplicationStatus.IN_REVIEW,),
    "info_requested": (ApplicationStatus.INFO_REQUESTED,),
    "decided": (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN),
}
QUEUE_TAB_LABELS = {
    "submitted": _l("Déposées"),
    "in_review": _l("En cours d'examen"),
    "info_requested": _l("Informations demandées"),
    "decided": _l("Décidées"),
}
QUEUE_SORTS = ("oldest", "newest")


@dataclass
class QueueRow:
    application: Application
    reviews: int
    recusals: int
    own_review: Review | None


@dataclass
class Queue:
    tab: str
    sort: str
    counts: dict[str, int]
    page: Page
    rows: list[QueueRow]
    quorum: int


def queue(user, tab: str = "submitted", sort: str = "oldest", page: int = 1, per_page: int = 20) -> Queue:
    """One tab of the committee's queue, sorted by age (submission date), with counts per tab."""
    if tab not in QUEUE_TABS:
        tab = "submitted"
    if sort not in QUEUE_SORTS:
        sort = "oldest"
    by_status = dict(
        db.session.execute(
            sa.select(Application.status, sa.func.count())
            .where(Application.status != ApplicationStatus.DRAFT, Application.submitted_at.is_not(None))
            .group_by(Application.status)
        ).all()
    )
    counts = {name: sum(by_status.get(s, 0) for s in statuses) for name, statuses in QUEUE_TABS.items()}
    order = Application.submitted_at.asc() if sort == "oldest" else Application.submitted_at.desc()
    stmt = (
        sa.select(Application)
        .where(Application.status.in_(QUEUE_TABS[tab]), Application.submitted_at.is_not(None))
        .options(selectinload(Application.vendor))
        .order_by(order, Application.id)
    )
    result = paginate(db.session, stmt, page=page, per_page=per_page)
    ids = [a.id for a in result.items]
    reviews: dict[int, list[Review]] = {i: [] for i in ids}
    if ids:
        for review in db.session.scalars(sa.select(Review).where(Review.application_id.in_(ids))):
            reviews[review.application_id].append(review)
    user_id = getattr(user, "id", None)
    rows = [
        QueueRow(
            application=a,
            reviews=sum(1 for r in reviews[a.id] if not r.recused),
            recusals=sum(1 for r in reviews[a.id] if r.recused),
            own_review=next((r for r in reviews[a.id] if r.reviewer_id == user_id), None),
        )
        for a in result.items
    ]
    return Queue(tab=tab, sort=sort, counts=counts, page=result, rows=rows, quorum=quorum())


def quorum() -> int:
    return int(current_app.config["COMMITTEE_QUORUM"])


# ---------------------------------------------------------------- the dossier


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


# ---------------------------------------------------------------- acting on a dossier


def _lock(application: Application) -> None:
    """Serialise the actions on one dossier across workers (row lock on PostgreSQL)."""
    db.session.refresh(application, with_for_update=True)


def _require_member(member) -> None:
    if not perms.is_member(member):
        raise NotAllowed(_("Seuls les membres du comité d'éthique en exercice peuvent faire cela."))


def _require_not_recused(application: Application, member) -> None:
    if perms.has_recused(application, member):
        raise NotAllowed(
            _("Vous avez déclaré un conflit d'intérêts sur ce dossier : vous ne pouvez plus intervenir.")
        )


def _open_or_refuse(application: Application, allowed, message) -> None:
    if application.status not in allowed:
        raise CommitteeError(message)


def recuse(application: Application, member, reason: str) -> Review:
    """Declare a conflict of interest: the member will not review this dossier (audited)."""
    _lock(application)
    _require_member(member)
    _open_or_refuse(
        application,
        perms.OPEN_STATUSES,
        _("Ce dossier n'est plus en cours d'examen : il n'est plus possible de se déporter."),
    )
    existing = perms.own_review(application, member)
    if existing is not None:
        if existing.recused:
            raise CommitteeError(_("Vous avez déjà déclaré un conflit d'intérêts sur ce dossier."))
        raise CommitteeError(_("Vous avez déjà rendu votre avis sur ce dossier."))
    text = (reason or "").strip()
    if not text:
        raise CommitteeError(_("Indiquez la nature du conflit d'intérêts."), field="reason")
    review = Review(
        application_id=application.id,
        reviewer_id=member.id,
        recused=True,
        recusal_reason=text,
        submitted_at=now_utc(),
    )
    _add_review(review)
    record_event(member, application, "committee.recusal", data={"reason": text})
    db.session.flush()
    return review


def _add_review(review: Review) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(review)
            db.session.flush()
    except IntegrityError as exc:
        raise CommitteeError(_("Vous avez déjà rendu votre avis ou déclaré un conflit d'intérêts sur ce dossier.")) from exc


def _parse_opinion(opinion) -> Opinion:
    if isinstance(opinion, Opinion):
        return opinion
    try:
        return Opinion(opinion)
    except ValueError as exc:
        raise CommitteeError(_("Choisissez un avis : favorable, réservé ou défavorable."), field="opinion") from exc


def submit_review(
    application: Application,
    member,
    scores: dict[int, tuple[int, str | None]],
    opinion,
    comment: str | None,
) -> Review:
    """One member's review: a 0–3 score per active criterion, an opinion, a general comment.

    The first review opens the examination (SUBMITTED → IN_REVIEW).
    """
    _lock(application)
    _require_member(member)
    _require_not_recused(application, member)
    _open_or_refuse(
        application,
        perms.REVIEWABLE_STATUSES,
        _("Ce dossier ne peut pas être évalué dans son état actuel (%(status)s).", status=application.status.label),
    )
    if perms.own_review(application, member) is not None:
        raise CommitteeError(_("Vous avez déjà rendu votre avis sur ce dossier."))
    criteria = active_criteria()
    if not criteria:
        raise CommitteeError(_("La grille d'analyse ne comporte aucun critère actif."))
    known = {c.id for c in criteria}
    unknown = set(scores) - known
    if unknown:
        raise CommitteeError(_("La grille d'analyse a changé pendant votre saisie : vérifiez vos notes et renvoyez."))
    parsed: dict[int, tuple[int, str | None]] = {}
    for criterion in criteria:
        if criterion.id not in scores or scores[criterion.id][0] in (None, ""):
            raise CommitteeError(
                _("Notez le critère « %(label)s ».", label=criterion.label), field=f"score_{criterion.id}"
            )
        raw, note = scores[criterion.id]
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = -1
        if not SCORE_MIN <= value <= SCORE_MAX:
            raise CommitteeError(
                _("La note du critère « %(label)s » doit être comprise entre 0 et 3.", label=criterion.label),
                field=f"score_{criterion.id}",
            )
        parsed[criterion.id] = (value, (note or "").strip() or None)
    chosen = _parse_opinion(opinion)
    text = (comment or "").strip()
    if chosen != Opinion.FAVORABLE and not text:
        raise CommitteeError(
            _("Expliquez votre avis réservé ou défavorable dans le commentaire général."), field="comment"
        )
    if application.status == ApplicationStatus.SUBMITTED:
        workflow.start_review(application, member)
    review = Review(
        application_id=application.id,
        reviewer_id=member.id,
        recused=False,
        opinion=chosen,
        comment=text or None,
        submitted_at=now_utc(),
    )
    by_id = {c.id: c for c in criteria}
    for criterion_id, (value, note) in parsed.items():
        review.scores.append(
            ReviewScore(criterion_id=criterion_id, score=value, weight=by_id[criterion_id].weight, comment=note)
        )
    _add_review(review)
    record_event(member, application, "committee.review")
    current = tally(application)
    if current.reviews == current.quorum:
        _notify_quorum(application)
    db.session.flush()
    return review


def _chairs() -> list[User]:
    return [u for u in committee_members() if perms.is_chair(u)]


def _notify_quorum(application: Application) -> None:
    for chair_user in _chairs():
        if perms.has_recused(application, chair_user):
            continue
        email_user(
            chair_user,
            _l("Quorum atteint : %(name)s", name=application.vendor.name),
            "committee_quorum_reached",
            application=application,
            vendor=application.vendor,
            dossier_url=external_url("committee.dossier", application_id=application.id),
        )


def ask_question(application: Application, member, question: str) -> DossierMessage:
    """A member asks the applicant a question: the dossier waits for their answer."""
    _lock(application)
    _require_member(member)
    _require_not_recused(application, member)
    if not (question or "").strip():
        raise CommitteeError(_("Écrivez la question posée à la structure."), field="question")
    _open_or_refuse(
        application,
        perms.REVIEWABLE_STATUSES,
        _("Une question ne peut être posée que sur un dossier déposé ou en cours d'examen."),
    )
    return workflow.request_info(application, member, question.strip())


def decide(
    application: Application,
    chair,
    outcome,
    motivation: str,
    justification: str | None = None,
) -> Decision:
    """The chair records the decision once the quorum of non-recused reviews is reached.

    A decision against the majority of opinions needs an explicit justification.
    """
    _lock(application)
    if not perms.is_chair(chair):
        raise NotAllowed(_("Seule la présidence du comité peut enregistrer une décision."))
    _require_not_recused(application, chair)
    _open_or_refuse(
        application,
        {ApplicationStatus.IN_REVIEW},
        _("Seul un dossier en cours d'examen peut faire l'objet d'une décision."),
    )
    if isinstance(outcome, str):
        try:
            outcome = DecisionOutcome(outcome)
        except ValueError as exc:
            raise CommitteeError(_("Choisissez la décision : agrément ou refus."), field="outcome") from exc
    current = tally(application)
    if not current.quorum_reached:
        raise CommitteeError(
            _(
                "Le quorum n'est pas atteint : %(count)s avis sur %(quorum)s requis (hors membres déportés).",
                count=current.reviews,
                quorum=current.quorum,
            )
        )
    text = (motivation or "").strip()
    if not text:
        raise CommitteeError(_("La motivation de la décision est obligatoire."), field="motivation")
    why = (justification or "").strip() or None
    against = current.is_against_majority(outcome)
    if against and not why:
        raise CommitteeError(
            _(
                "Cette décision va à l'encontre de la majorité des avis (%(majority)s) : justifiez-la explicitement.",
                majority=current.majority.label,
            ),
            field="justification",
        )
    existing = db.session.scalars(sa.select(Decision).where(Decision.application_id == application.id)).first()
    if existing is not None:
        raise CommitteeError(_("Une décision a déjà été enregistrée pour ce dossier."))
    decision = Decision(
        application_id=application.id,
        chair_id=chair.id,
        outcome=outcome,
        motivation=text,
        against_majority_justification=why if against else None,
        favorable_count=current.favorable,
        reserved_count=current.reserved,
        unfavorable_count=current.unfavorable,
        weighted_score=current.weighted_score_x100,
        decided_at=now_utc(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(decision)
            db.session.flush()
    except IntegrityError as exc:
        raise CommitteeError(_("Une décision a déjà été enregistrée pour ce dossier.")) from exc
    record_event(
        chair,
        application,
        "committee.decision",
        data={
            "outcome": outcome.value,
            "favorable": current.favorable,
            "reserved": current.reserved,
            "unfavorable": current.unfavorable,
            "weighted_score": current.weighted_score_x100,
            "against_majority": against,
        },
    )
    if outcome == DecisionOutcome.APPROVED:
        workflow.approve(application, chair, text)
    else:
        workflow.reject(application, chair, text)
    db.session.flush()
    return decision


# ---------------------------------------------------------------- structures

STRUCTURE_FILTERS: dict[str, tuple[VendorStatus, ...]] = {
    "all": (VendorStatus.APPROVED, VendorStatus.SUSPENDED, VendorStatus.EXPIRED),
    "approved": (VendorStatus.APPROVED,),
    "suspended": (VendorStatus.SUSPENDED,),
    "expired": (VendorStatus.EXPIRED,),
}
STRUCTURE_FILTER_LABELS = {
    "all": _l("Toutes"),
    "approved": _l("Agréées"),
    "suspended": _l("Suspendues"),
    "expired": _l("Agrément expiré"),
}


@dataclass
class Structures:
    status: str
    counts: dict[str, int]
    page: Page
    charter: CharterVersion | None
    signed_ids: set[int]
    overdue: list[Vendor]


def structures(status: str = "all", page: int = 1, per_page: int = 25) -> Structures:
    """Approved, suspended and expired structures, and those late to re-sign the charter."""
    if status not in STRUCTURE_FILTERS:
        status = "all"
    by_status = dict(
        db.session.execute(sa.select(Vendor.status, sa.func.count()).group_by(Vendor.status)).all()
    )
    counts = {name: sum(by_status.get(s, 0) for s in states) for name, states in STRUCTURE_FILTERS.items()}
    stmt = (
        sa.select(Vendor)
        .where(Vendor.status.in_(STRUCTURE_FILTERS[status]))
        .order_by(Vendor.approval_expires_at.asc().nulls_last(), Vendor.name, Vendor.id)
    )
    result = paginate(db.session, stmt, page=page, per_page=per_page)
    charter = current_charter()
    signed: set[int] = set()
    if charter is not None and result.items:
        signed = set(
            db.session.scalars(
                sa.select(CharterSignature.vendor_id).where(
                    CharterSignature.charter_version_id == charter.id,
                    CharterSignature.vendor_id.in_([v.id for v in result.items]),
                )
            )
        )
    return Structures(
        status=status,
        counts=counts,
        page=result,
        charter=charter,
        signed_ids=signed,
        overdue=charter_overdue_vendors(),
    )


def vendor_for_committee(vendor_id: int) -> Vendor | None:
    vendor = db.session.get(Vendor, vendor_id)
    if vendor is None or vendor.status == VendorStatus.CANDIDATE:
        return None
    return vendor


def suspend_vendor(vendor: Vendor, member, reason: str) -> Vendor:
    _require_member(member)
    if not (reason or "").strip():
        raise CommitteeError(_("Le motif de la suspension est obligatoire."), field="reason")
    return workflow.suspend(vendor, member, reason.strip())


def reinstate_vendor(vendor: Vendor, member, note: str | None) -> Vendor:
    _require_member(member)
    return workflow.reinstate(vendor, member, (note or "").strip() or None)


def latest_application_of(vendor: Vendor) -> Application | None:
    return db.session.scalars(
        sa.select(Application)
        .where(
            Application.vendor_id == vendor.id,
            Application.status != ApplicationStatus.DRAFT,
            Application.submitted_at.is_not(None),
        )
        .order_by(Application.id.desc())
        .limit(1)
    ).first()


# ---------------------------------------------------------------- grid administration


@dataclass
class CriterionRow:
    criterion: Criterion
    scores: int
    answers: int

    @property
    def deletable(self) -> bool:
        return self.scores == 0 and self.answers == 0


def criteria_rows() -> list[CriterionRow]:
    from marketplace.vendors.models import ApplicationAnswer

    scores = dict(
        db.session.execute(
            sa.select(ReviewScore.criterion_id, sa.func.count()).group_by(ReviewScore.criterion_id)
        ).all()
    )
    answers = dict(
        db.session.execute(
            sa.select(ApplicationAnswer.criterion_id, sa.func.count()).group_by(ApplicationAnswer.criterion_id)
        ).all()
    )
    criteria = db.session.scalars(
        sa.select(Criterion).order_by(Criterion.active.desc(), Criterion.position, Criterion.id)
    ).all()
    return [CriterionRow(c, scores.get(c.id, 0), answers.get(c.id, 0)) for c in criteria]


def criterion_row(criterion: Criterion) -> CriterionRow:
    from marketplace.vendors.models import ApplicationAnswer

    scores = db.session.scalar(
        sa.select(sa.func.count()).select_from(ReviewScore).where(ReviewScore.criterion_id == criterion.id)
    )
    answers = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ApplicationAnswer)
        .where(ApplicationAnswer.criterion_id == criterion.id)
    )
    return CriterionRow(criterion, scores or 0, answers or 0)


def criterion_history(criterion: Criterion) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.subject_type == Criterion.__tablename__, AuditEvent.subject_id == criterion.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )


def _code_for(label: str) -> str:
    normalized = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^a-z0-9]+", "-", normalized.lower()).strip("-")[:32] or "critere"
    code, n = base, 1
    while db.session.scalar(sa.select(sa.func.count()).select_from(Criterion).where(Criterion.code == code)):
        n += 1
        code = f"{base}-{n}"
    return code


@dataclass
class CriterionData:
    label: str
    description: str = ""
    weight: int = 1
    position: int = 0
    active: bool = True


def _check_criterion(data: CriterionData) -> CriterionData:
    label = (data.label or "").strip()
    if not label:
        raise CommitteeError(_("Le libellé du critère est obligatoire."), field="label")
    if len(label) > 200:
        raise CommitteeError(_("Le libellé ne doit pas dépasser 200 caractères."), field="label")
    try:
        weight = int(data.weight)
    except (TypeError, ValueError):
        weight = 0
    if not 1 <= weight <= 10:
        raise CommitteeError(_("La pondération doit être un nombre entier entre 1 et 10."), field="weight")
    try:
        position = int(data.position)
    except (TypeError, ValueError):
        raise CommitteeError(_("La position doit être un nombre entier."), field="position") from None
    if not 0 <= position <= 10_000:
        raise CommitteeError(_("La position doit être comprise entre 0 et 10 000."), field="position")
    return CriterionData(
        label=label,
        description=(data.description or "").strip(),
        weight=weight,
        position=position,
        active=bool(data.active),
    )


def create_criterion(admin, data: CriterionData) -> Criterion:
    clean = _check_criterion(data)
    criterion = Criterion(
        code=_code_for(clean.label),
        label=clean.label,
        description=clean.description,
        weight=clean.weight,
        position=clean.position,
        active=clean.active,
    )
    db.session.add(criterion)
    db.session.flush()
    record_event(
        admin,
        criterion,
        "criterion.create",
        after="active" if criterion.active else "inactive",
        data={"label": criterion.label, "weight": criterion.weight, "position": criterion.position},
    )
    db.session.flush()
    return criterion


def update_criterion(admin, criterion: Criterion, data: CriterionData) -> Criterion:
    """Edit a criterion; past reviews keep their scores (and the weights they were given with)."""
    clean = _check_criterion(data)
    changes = {}
    for name in ("label", "description", "weight", "position", "active"):
        old, new = getattr(criterion, name), getattr(clean, name)
        if old != new:
            changes[name] = [old, new]
            setattr(criterion, name, new)
    if changes:
        before = after = None
        if "active" in changes:
            before = "active" if changes["active"][0] else "inactive"
            after = "active" if changes["active"][1] else "inactive"
        record_event(admin, criterion, "criterion.update", before, after, {"changes": changes})
    db.session.flush()
    return criterion


def delete_criterion(admin, criterion: Criterion) -> None:
    """Only a criterion nobody has used yet may be deleted; otherwise deactivate it."""
    row = criterion_row(criterion)
    if not row.deletable:
        raise CommitteeError(
            _(
                "Ce critère a déjà servi (%(scores)s, %(answers)s) : désactivez-le plutôt que de le supprimer, l'historique des évaluations est conservé.",
                scores=ngettext("%(num)d note", "%(num)d notes", row.scores),
                answers=ngettext("%(num)d réponse", "%(num)d réponses", row.answers),
            )
        )
    record_event(admin, criterion, "criterion.delete", data={"label": criterion.label, "code": criterion.code})
    db.session.delete(criterion)
    db.session.flush()


# ---------------------------------------------------------------- charter administration


@dataclass
class CharterRow:
    charter: CharterVersion
    signatures: int


def charter_versions() -> list[CharterRow]:
    counts = dict(
        db.session.execute(
            sa.select(CharterSignature.charter_version_id, sa.func.count()).group_by(
                CharterSignature.charter_version_id
            )
        ).all()
    )
    versions = db.session.scalars(sa.select(CharterVersion).order_by(CharterVersion.version.desc())).all()
    return [CharterRow(v, counts.get(v.id, 0)) for v in versions]


def _owners(vendor: Vendor) -> list[User]:
    owners = [m.user for m in vendor.memberships if m.role == MemberRole.OWNER and m.user is not None]
    return owners or [m.user for m in vendor.memberships if m.user is not None]


def publish_charter(admin, title: str, body: str) -> CharterVersion:
    """Publish a new charter version: every approved structure must re-sign it within
    CHARTER_RESIGN_DAYS days; their owners are told by e-mail."""
    clean_title = (title or "").strip()
    clean_body = (body or "").strip()
    if not clean_title:
        raise CommitteeError(_("Le titre de la charte est obligatoire."), field="title")
    if len(clean_title) > 200:
        raise CommitteeError(_("Le titre ne doit pas dépasser 200 caractères."), field="title")
    if not clean_body:
        raise CommitteeError(_("Le texte de la charte est obligatoire."), field="body")
    now = now_utc()
    last = db.session.scalar(sa.select(sa.func.max(CharterVersion.version))) or 0
    deadline = now + dt.timedelta(days=int(current_app.config["CHARTER_RESIGN_DAYS"]))
    charter = CharterVersion(
        version=last + 1, title=clean_title, body=clean_body, published_at=now, resign_deadline=deadline
    )
    try:
        with db.session.begin_nested():
            db.session.add(charter)
            db.session.flush()
    except IntegrityError as exc:
        raise CommitteeError(_("Une autre version de la charte vient d'être publiée : rechargez la page.")) from exc
    vendors = db.session.scalars(
        sa.select(Vendor)
        .where(Vendor.status == VendorStatus.APPROVED)
        .options(selectinload(Vendor.memberships))
        .order_by(Vendor.id)
    ).all()
    for vendor in vendors:
        sign_url = external_url("vendors.edit_charter", vendor_id=vendor.id, retour="espace")
        for owner in _owners(vendor):
            email_user(
                owner,
                _l("Nouvelle version de la charte à signer avant le %(date)s", date=_format_date(deadline)),
                "committee_charter_new",
                vendor=vendor,
                charter=charter,
                deadline=deadline,
                sign_url=sign_url,
            )
    record_event(
        admin,
        charter,
        "charter.publish",
        after=str(charter.version),
        data={"title": clean_title, "resign_deadline": deadline.isoformat(), "structures": len(vendors)},
    )
    db.session.flush()
    return charter


def _format_date(value: dt.datetime) -> str:
    from flask_babel import format_date

    return format_date(value, "long")


def charter_overdue_vendors(now: dt.datetime | None = None) -> list[Vendor]:
    """Approved structures that have not signed the charter in force by its re-sign deadline."""
    now = now or now_utc()
    charter = current_charter()
    if charter is None or charter.resign_deadline is None or charter.resign_deadline > now:
        return []
    signed = sa.select(CharterSignature.vendor_id).where(CharterSignature.charter_version_id == charter.id)
    return list(
        db.session.scalars(
            sa.select(Vendor)
            .where(Vendor.status == VendorStatus.APPROVED, Vendor.id.not_in(signed))
            .order_by(Vendor.name, Vendor.id)
        )
    )


# ---------------------------------------------------------------- daily lifecycle job


def _notice_once(kind: str, key: str, vendor_id: int | None = None) -> bool:
    """Record that a notice is being sent; False if it already was (it is then not sent)."""
    exists = db.session.scalar(
        sa.select(sa.func.count()).select_from(LifecycleNotice).where(
            LifecycleNotice.kind == kind, LifecycleNotice.key == key
        )
    )
    if exists:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(LifecycleNotice(kind=kind, key=key, vendor_id=vendor_id, sent_at=now_utc()))
            db.session.flush()
    except IntegrityError:
        return False
    return True


@dataclass
class TickReport:
    reminders: dict[int, int] = field(default_factory=dict)
    expired: int = 0
    charter_flags: int = 0

    def summary(self) -> str:
        parts = [f"rappels J-{days} : {count}" for days, count in sorted(self.reminders.items(), reverse=True)]
        parts.append(f"agréments expirés : {self.expired}")
        parts.append(f"structures signalées (charte) : {self.charter_flags}")
        return ", ".join(parts)


def run_daily(now: dt.datetime | None = None) -> TickReport:
    """The lifecycle job (`flask vetting tick`): expiry reminders 30 and 7 days before
    the approval ends (each sent once), expiry once it has passed, and structures late
    to re-sign the charter flagged to the committee (once per charter version)."""
    now = now or now_utc()
    report = TickReport(reminders={days: 0 for days in REMINDER_DAYS})

    approved = db.session.scalars(
        sa.select(Vendor)
        .where(Vendor.status == VendorStatus.APPROVED, Vendor.approval_expires_at.is_not(None))
        .options(selectinload(Vendor.memberships))
        .order_by(Vendor.id)
        .with_for_update(skip_locked=True)
    ).all()
    for vendor in approved:
        expires = vendor.approval_expires_at
        if expires <= now:
            try:
                workflow.expire(vendor, None)
            except WorkflowError:
                log.warning("vendor %s could not be expired", vendor.id, exc_info=True)
            else:
                report.expired += 1
            continue
        remaining = expires - now
        # The closest threshold only: a structure first seen 5 days before gets the J-7 reminder.
        due = [days for days in sorted(REMINDER_DAYS) if remaining <= dt.timedelta(days=days)]
        if not due:
            continue
        days = due[0]
        if not _notice_once(f"expiry_{days}", f"vendor:{vendor.id}:{expires.date().isoformat()}", vendor.id):
            continue
        _send_expiry_reminder(vendor, days, expires, days_left=math.ceil(remaining / dt.timedelta(days=1)))
        report.reminders[days] += 1

    charter = current_charter()
    if charter is not None and charter.resign_deadline is not None and charter.resign_deadline <= now:
        overdue = charter_overdue_vendors(now)
        if overdue and _notice_once("charter_overdue", f"charter:{charter.id}"):
            for member in committee_members():
                email_user(
                    member,
                    _l("Structures n'ayant pas re-signé la charte (version %(version)s)", version=charter.version),
                    "committee_charter_overdue",
                    charter=charter,
                    vendors=overdue,
                    structures_url=external_url("committee.structures"),
                )
            record_event(
                None,
                charter,
                "charter.overdue_flagged",
                data={"vendor_ids": [v.id for v in overdue]},
            )
            report.charter_flags = len(overdue)
    db.session.flush()
    return report


def _send_expiry_reminder(vendor: Vendor, days: int, expires: dt.datetime, days_left: int) -> None:
    renew_url = external_url("vendors.dashboard")
    for user in [m.user for m in vendor.memberships if m.user is not None]:
        email_user(
            user,
            _l("L'agrément de %(name)s arrive à échéance le %(date)s", name=vendor.name, date=_format_date(expires)),
            "committee_expiry_reminder",
            vendor=vendor,
            days=days,
            days_left=days_left,
            expires=expires,
            renew_url=renew_url,
        )
    record_event(None, vendor, "committee.expiry_reminder", data={"days": days, "expires": expires.isoformat()})
