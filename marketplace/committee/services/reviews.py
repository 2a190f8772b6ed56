"""A member's work on a dossier: a review, a recusal, a question to the applicant."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import User
from marketplace.committee import permissions as perms
from marketplace.committee.models import DossierMessage, Opinion, Review, ReviewScore
from marketplace.committee.services.common import (
    CommitteeError,
    lock_application,
    require_member,
    require_not_recused,
    require_status,
)
from marketplace.committee.services.dossier import tally
from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.outbox import email_user
from marketplace.core.urls import external_url
from marketplace.extensions import db
from marketplace.vendors import workflow
from marketplace.vendors.models import Application, ApplicationStatus
from marketplace.vendors.services import active_criteria, committee_members

SCORE_MIN, SCORE_MAX = 0, 3


def recuse(application: Application, member, reason: str) -> Review:
    """Declare a conflict of interest: the member will not review this dossier (audited)."""
    lock_application(application)
    require_member(member)
    require_status(
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
    if not db.insert_unique(review):
        raise CommitteeError(_("Vous avez déjà rendu votre avis ou déclaré un conflit d'intérêts sur ce dossier."))


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
    lock_application(application)
    require_member(member)
    require_not_recused(application, member)
    require_status(
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
    lock_application(application)
    require_member(member)
    require_not_recused(application, member)
    if not (question or "").strip():
        raise CommitteeError(_("Écrivez la question posée à la structure."), field="question")
    require_status(
        application,
        perms.REVIEWABLE_STATUSES,
        _("Une question ne peut être posée que sur un dossier déposé ou en cours d'examen."),
    )
    return workflow.request_info(application, member, question.strip())
