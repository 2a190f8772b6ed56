"""The chair's decision on a dossier, once the quorum is reached."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.committee import permissions as perms
from marketplace.committee.models import Decision, DecisionOutcome
from marketplace.committee.services.common import (
    CommitteeError,
    NotAllowed,
    lock_application,
    require_not_recused,
    require_status,
)
from marketplace.committee.services.dossier import tally
from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.extensions import db
from marketplace.vendors import workflow
from marketplace.vendors.models import Application, ApplicationStatus


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
    lock_application(application)
    if not perms.is_chair(chair):
        raise NotAllowed(_("Seule la présidence du comité peut enregistrer une décision."))
    require_not_recused(application, chair)
    require_status(
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
    if not db.insert_unique(decision):
        raise CommitteeError(_("Une décision a déjà été enregistrée pour ce dossier."))
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
