"""The tender state machine.

Tenders: DRAFT → PUBLISHED → CLOSED → UNDER_EVALUATION → AWARDED | UNSUCCESSFUL,
and CANCELLED from PUBLISHED, CLOSED or UNDER_EVALUATION. A published tender is
closed by the clock (``flask procurement tick``) once its submission deadline
has passed; every service that accepts a bid or a question checks the deadline
itself, so nothing depends on the job having run.

Lots: OPEN → AWARDED | UNSUCCESSFUL, while the tender is under evaluation.

``transition`` and ``set_lot_status`` validate the move, stamp the dates and
write the audit event; they flush and never commit. E-mails are the business of
the service functions that call them (services.py, and the bids package).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.errors import DomainError
from marketplace.extensions import db
from marketplace.procurement.tenders.models import Lot, LotStatus, Tender, TenderStatus

S = TenderStatus

ALLOWED: dict[TenderStatus, frozenset[TenderStatus]] = {
    S.DRAFT: frozenset({S.PUBLISHED}),
    S.PUBLISHED: frozenset({S.CLOSED, S.CANCELLED}),
    S.CLOSED: frozenset({S.UNDER_EVALUATION, S.CANCELLED}),
    S.UNDER_EVALUATION: frozenset({S.AWARDED, S.UNSUCCESSFUL, S.CANCELLED}),
    S.AWARDED: frozenset(),
    S.UNSUCCESSFUL: frozenset(),
    S.CANCELLED: frozenset(),
}

ACTIONS = {
    S.PUBLISHED: "tender.published",
    S.CLOSED: "tender.closed",
    S.UNDER_EVALUATION: "tender.evaluation_started",
    S.AWARDED: "tender.awarded",
    S.UNSUCCESSFUL: "tender.unsuccessful",
    S.CANCELLED: "tender.cancelled",
}

LOT_ALLOWED: dict[LotStatus, frozenset[LotStatus]] = {
    LotStatus.OPEN: frozenset({LotStatus.AWARDED, LotStatus.UNSUCCESSFUL}),
    LotStatus.AWARDED: frozenset(),
    LotStatus.UNSUCCESSFUL: frozenset(),
}


class TenderError(DomainError):
    """A refused action on a tender; ``str(error)`` is a French message for the user."""


def _refuse(tender: Tender, to: TenderStatus) -> TenderError:
    return TenderError(
        _l(
            "Action impossible : un appel d'offres « %(before)s » ne peut pas passer à l'état « %(after)s ».",
            before=tender.status.label,
            after=to.label,
        )
    )


def transition(tender: Tender, to: TenderStatus, *, actor, reason: str | None = None) -> Tender:
    """Move ``tender`` to ``to`` or raise TenderError; stamps the date and audits the move."""
    if to not in ALLOWED[tender.status]:
        raise _refuse(tender, to)
    now = now_utc()
    if to is S.CLOSED and not tender.deadline_passed(now):
        raise TenderError(_l("L'appel d'offres ne peut être clos qu'après sa date limite de remise des offres."))
    if to in (S.AWARDED, S.UNSUCCESSFUL) and any(lot.status is LotStatus.OPEN for lot in tender.lots):
        raise TenderError(_l("Chaque lot doit d'abord être attribué ou déclaré infructueux."))
    if to is S.CANCELLED and not (reason or "").strip():
        raise TenderError(_l("Indiquez le motif de l'annulation."), field="reason")
    before = tender.status
    tender.status = to
    if to is S.PUBLISHED:
        tender.published_at = now
    elif to is S.CLOSED:
        tender.closed_at = now
    elif to is S.UNDER_EVALUATION:
        tender.evaluation_started_at = now
    elif to is S.CANCELLED:
        tender.cancelled_at = now
        tender.cancel_reason = reason.strip()
    else:
        tender.decided_at = now
    data = {"reason": reason.strip()} if reason and reason.strip() else None
    record_event(actor, tender, ACTIONS[to], before, to, data)
    db.session.flush()
    return tender


def set_lot_status(lot: Lot, status: LotStatus, *, actor) -> Lot:
    """Award a lot or declare it unsuccessful, while its tender is under evaluation."""
    if lot.tender.status is not S.UNDER_EVALUATION:
        raise TenderError(_l("Un lot ne peut être attribué que pendant l'analyse des offres."))
    if status not in LOT_ALLOWED[lot.status]:
        raise TenderError(
            _l(
                "Action impossible : le lot %(number)s est déjà « %(status)s ».",
                number=lot.number,
                status=lot.status.label,
            )
        )
    before = lot.status
    lot.status = status
    lot.decided_at = now_utc()
    record_event(actor, lot, f"lot.{status.value}", before, status, {"tender_id": lot.tender_id})
    db.session.flush()
    return lot


def outcome(tender: Tender) -> TenderStatus | None:
    """Once every lot is decided: AWARDED if at least one lot was awarded, else UNSUCCESSFUL."""
    if not tender.lots or any(lot.status is LotStatus.OPEN for lot in tender.lots):
        return None
    if any(lot.status is LotStatus.AWARDED for lot in tender.lots):
        return S.AWARDED
    return S.UNSUCCESSFUL
