"""Evaluation after the deadline, award, rejection letters and the award notice.

Scores are integer hundredths of a point. For the price criterion the score is
computed, never entered: lowest admissible price ÷ bid price × weight, rounded
half up to two decimals. Other criteria are entered between 0 and their weight,
each with a comment. The total is the sum. Bids are ranked by total, highest
first; equal totals share a rank (1, 1, 3) and are listed by price (lowest
first), then by submission time, then by id, so that the order never depends
on the database.

Awarding a lot (to a bid ranked first) or declaring it unsuccessful records a
LotDecision with a snapshot of the ranking, moves the lot through the tenders
workflow, notifies the winner and sends every other bidder its rejection letter
(its scores, the winner's name and scores, the reasons). Once every lot is
decided the tender becomes AWARDED (at least one lot awarded) or UNSUCCESSFUL,
and its award notice is published.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.urls import external_url
from marketplace.extensions import db
from marketplace.procurement.bids.errors import EvaluationError
from marketplace.procurement.bids.models import (
    AwardNotice,
    Bid,
    BidScore,
    BidStatus,
    LotDecision,
    LotOutcome,
    RejectionLetter,
)
from marketplace.procurement.bids.permissions import can_evaluate
from marketplace.procurement.bids.queries import submitted_bids
from marketplace.procurement.bids.services import clean_text, email_vendor
from marketplace.procurement.tenders import workflow
from marketplace.procurement.tenders.models import (
    AwardCriterion,
    CriterionKind,
    Lot,
    LotStatus,
    Procedure,
    Tender,
    TenderStatus,
)

POINTS_RE = re.compile(r"\d{1,4}(\.\d{1,2})?")
STANDSTILL_DAYS = 11  # art. R2182-1 du Code de la commande publique (procédures formalisées)


# ---------------------------------------------------------------- the maths


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def price_points(lowest_cents: int, price_cents: int, weight: int) -> int:
    """Lowest price ÷ this price × weight, in hundredths of a point (rounded half up)."""
    if price_cents <= 0 or lowest_cents <= 0:
        raise ValueError("prices must be positive")
    return _half_up(Decimal(lowest_cents) * weight * 100 / Decimal(price_cents))


def parse_points(text: str | None) -> int:
    """« 12,5 » → 1250 hundredths: digits, then at most two decimals; anything else is refused."""
    raw = (text or "").strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    if not POINTS_RE.fullmatch(raw):
        raise ValueError(text)
    return _half_up(Decimal(raw) * 100)


def format_points(hundredths: int | None, locale: str | None = None) -> str:
    """1250 → « 12,50 » (French), « 12.50 » (English)."""
    if hundredths is None:
        return "—"
    from babel.numbers import format_decimal

    from marketplace.core.money import _current_locale

    return format_decimal(Decimal(hundredths) / 100, format="#,##0.00", locale=locale or _current_locale())


@dataclass
class ScoreLine:
    criterion: AwardCriterion
    points: int | None  # hundredths
    comment: str
    computed: bool  # the price criterion


@dataclass
class Ranked:
    bid: Bid
    lines: list[ScoreLine]
    total: int | None  # hundredths; None until every criterion is scored
    rank: int | None

    @property
    def complete(self) -> bool:
        return self.total is not None


def _lines(bid: Bid, criteria: list[AwardCriterion], lowest: int | None) -> list[ScoreLine]:
    scores = {s.criterion_id: s for s in bid.scores}
    lines = []
    for criterion in criteria:
        if criterion.kind is CriterionKind.PRICE:
            points = price_points(lowest, bid.price_cents, criterion.weight) if lowest and bid.price_cents else None
            lines.append(ScoreLine(criterion, points, "", True))
        else:
            score = scores.get(criterion.id)
            lines.append(
                ScoreLine(criterion, score.points if score else None, score.comment if score else "", False)
            )
    return lines


def rank(entries: list[Ranked]) -> list[Ranked]:
    """Order and rank: complete entries by total (ties share a rank), then incomplete ones."""
    complete = sorted(
        (e for e in entries if e.complete),
        key=lambda e: (-(e.total or 0), e.bid.price_cents or 0, e.bid.submitted_at or dt.datetime.max.replace(tzinfo=dt.UTC), e.bid.id),
    )
    previous_total, previous_rank = None, 0
    for index, entry in enumerate(complete, start=1):
        entry.rank = previous_rank if entry.total == previous_total else index
        previous_total, previous_rank = entry.total, entry.rank
    incomplete = sorted((e for e in entries if not e.complete), key=lambda e: e.bid.id)
    for entry in incomplete:
        entry.rank = None
    return complete + incomplete


def ranking(lot: Lot, bids: list[Bid] | None = None) -> list[Ranked]:
    """The admissible submitted bids of a lot with their scores, ranked."""
    bids = submitted_bids(lot) if bids is None else bids
    admissible = [b for b in bids if b.status is BidStatus.SUBMITTED and b.admissible is not False]
    criteria = list(lot.tender.criteria)
    prices = [b.price_cents for b in admissible if b.price_cents]
    lowest = min(prices) if prices else None
    entries = []
    for bid in admissible:
        lines = _lines(bid, criteria, lowest)
        total = None if any(line.points is None for line in lines) else sum(line.points or 0 for line in lines)
        entries.append(Ranked(bid, lines, total, None))
    return rank(entries)


# ---------------------------------------------------------------- guards


def _ensure_buyer(actor, tender: Tender) -> None:
    if not can_evaluate(actor, tender):
        raise EvaluationError(_l("Seuls les membres de l'organisation acheteuse analysent les offres."))


def _ensure_under_evaluation(tender: Tender) -> None:
    if not tender.deadline_passed(now_utc()):
        raise EvaluationError(_l("Les offres restent scellées jusqu'à la date limite de remise des offres."))
    if tender.status is not TenderStatus.UNDER_EVALUATION:
        raise EvaluationError(
            _l(
                "L'analyse n'est pas ouverte : l'appel d'offres est « %(status)s ».",
                status=tender.status.label,
            )
        )


def _ensure_lot_open(lot: Lot) -> None:
    if lot.status is not LotStatus.OPEN:
        raise EvaluationError(
            _l("Le lot %(number)s est déjà « %(status)s ».", number=lot.number, status=lot.status.label)
        )


def _ensure_decidable(lot: Lot, actor) -> None:
    """The buyer, after the deadline, the tender under evaluation, the lot not yet decided."""
    _ensure_buyer(actor, lot.tender)
    _ensure_under_evaluation(lot.tender)
    _ensure_lot_open(lot)


def _ensure_scorable(bid: Bid, actor) -> None:
    _ensure_decidable(bid.lot, actor)
    if bid.status is not BidStatus.SUBMITTED:
        raise EvaluationError(_l("Seules les offres déposées sont analysées."))


# ---------------------------------------------------------------- opening and scoring


def set_admissibility(bid: Bid, actor, admissible: bool, reason: str | None = None) -> Bid:
    """Mark a submitted bid admissible, or inadmissible with its reason (irrégulière, inacceptable…)."""
    _ensure_scorable(bid, actor)
    reason = clean_text(reason)
    if not admissible and not reason:
        raise EvaluationError(_l("Indiquez pourquoi l'offre n'est pas recevable."), field="reason")
    before = {True: "admissible", False: "inadmissible", None: "unjudged"}[bid.admissible]
    bid.admissible = admissible
    bid.inadmissible_reason = None if admissible else reason
    record_event(
        actor, bid, "bid.admissibility", before, "admissible" if admissible else "inadmissible",
        {"reason": reason} if not admissible else None,
    )
    db.session.flush()
    return bid


def score_bid(bid: Bid, actor, entries: dict[int, tuple[int | None, str]]) -> Bid:
    """Enter the marks of the non-price criteria: criterion id → (hundredths, comment)."""
    _ensure_scorable(bid, actor)
    if bid.admissible is False:
        raise EvaluationError(_l("Une offre non recevable n'est pas notée."))
    criteria = {c.id: c for c in bid.tender.criteria if c.kind is CriterionKind.OTHER}
    existing = {s.criterion_id: s for s in bid.scores}
    now = now_utc()
    written = {}
    for criterion_id, (points, comment) in entries.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise EvaluationError(_l("Critère inconnu."))
        if points is None:
            continue
        field = f"points_{criterion.id}"
        if points < 0 or points > criterion.weight * 100:
            raise EvaluationError(
                _l(
                    "« %(name)s » : la note doit être comprise entre 0 et %(weight)s.",
                    name=criterion.name,
                    weight=criterion.weight,
                ),
                field=field,
            )
        comment = clean_text(comment)
        if not comment:
            raise EvaluationError(
                _l("« %(name)s » : justifiez la note par un commentaire.", name=criterion.name),
                field=f"comment_{criterion.id}",
            )
        score = existing.get(criterion_id)
        if score is None:
            score = BidScore(criterion_id=criterion_id, points=points)
            bid.scores.append(score)
        score.points, score.comment, score.scored_by_id, score.scored_at = points, comment, actor.id, now
        written[str(criterion_id)] = points
    if written:
        record_event(actor, bid, "bid.scored", None, None, {"points": written})
    db.session.flush()
    return bid


# ---------------------------------------------------------------- decisions


def _entry_data(entry: Ranked | None, bid: Bid) -> dict:
    lines = entry.lines if entry is not None else []
    return {
        "bid_id": bid.id,
        "name": bid.display_name,
        "price_cents": bid.price_cents,
        "admissible": bid.admissible is not False,
        "inadmissible_reason": bid.inadmissible_reason,
        "rank": entry.rank if entry is not None else None,
        "total": entry.total if entry is not None else None,
        "lines": [
            {
                "criterion_id": line.criterion.id,
                "name": line.criterion.name,
                "weight": line.criterion.weight,
                "price": line.computed,
                "points": line.points,
                "comment": line.comment,
            }
            for line in lines
        ],
    }


def _snapshot(lot: Lot, bids: list[Bid], ranked: list[Ranked]) -> list[dict]:
    by_bid = {entry.bid.id: entry for entry in ranked}
    ordered = [entry.bid for entry in ranked] + [b for b in bids if b.id not in by_bid]
    return [_entry_data(by_bid.get(bid.id), bid) for bid in ordered]


def _decide(lot: Lot, actor, outcome: LotOutcome, winner: Bid | None, reason: str, bids, ranked) -> LotDecision:
    decision = LotDecision(
        lot_id=lot.id,
        tender_id=lot.tender_id,
        outcome=outcome,
        winning_bid_id=winner.id if winner else None,
        reason=reason,
        ranking=_snapshot(lot, bids, ranked),
        decided_by_id=actor.id,
        decided_at=now_utc(),
    )
    if not db.insert_unique(decision):
        raise EvaluationError(_l("Ce lot a déjà été décidé."))
    workflow.set_lot_status(
        lot, LotStatus.AWARDED if outcome is LotOutcome.AWARDED else LotStatus.UNSUCCESSFUL, actor=actor
    )
    record_event(
        actor, decision, f"lot_decision.{outcome.value}", None, outcome,
        {"lot_id": lot.id, "winning_bid_id": decision.winning_bid_id},
    )
    return decision


def _letters(decision: LotDecision, lot: Lot, bids: list[Bid], winner: Bid | None) -> list[RejectionLetter]:
    tender = lot.tender
    snapshot = {entry["bid_id"]: entry for entry in decision.ranking or []}
    standstill = None
    if tender.procedure is Procedure.OPEN and winner is not None:
        standstill = (decision.decided_at + dt.timedelta(days=STANDSTILL_DAYS)).isoformat()
    letters = []
    for bid in bids:
        if winner is not None and bid.id == winner.id:
            continue
        data = {
            "outcome": decision.outcome.value,
            "tender": {"id": tender.id, "reference": tender.reference, "title": tender.title,
                       "buyer": tender.buyer_organisation.name},
            "lot": {"id": lot.id, "number": lot.number, "title": lot.title},
            "reason": decision.reason,
            "own": snapshot.get(bid.id),
            "winner": snapshot.get(winner.id) if winner is not None else None,
            "bids_count": len(bids),
            "decided_at": decision.decided_at.isoformat(),
            "standstill_until": standstill,
        }
        letter = RejectionLetter(bid_id=bid.id, decision_id=decision.id, data=data, sent_at=decision.decided_at)
        db.session.add(letter)
        db.session.flush()
        record_event(None, bid, "bid.rejection_letter_sent", None, None, {"letter_id": letter.id})
        for member in bid.accepted_members:
            email_vendor(
                member.vendor,
                _l("Résultat de l'appel d'offres %(ref)s, lot %(lot)s", ref=tender.reference, lot=lot.number),
                "rejection",
                bid=bid,
                letter=letter,
                url=external_url("bids.letter", vendor_id=member.vendor_id, bid_id=bid.id),
            )
        letters.append(letter)
    return letters


def _pending_scores(ranked: list[Ranked]) -> list[str]:
    return [entry.bid.display_name for entry in ranked if not entry.complete]


def award_lot(lot: Lot, actor, winning_bid: Bid, reason: str | None = None) -> LotDecision:
    """Award the lot to a bid ranked first; notify the winner; letters to the others."""
    tender = lot.tender
    _ensure_decidable(lot, actor)
    bids = submitted_bids(lot)
    ranked = ranking(lot, bids)
    if not ranked:
        raise EvaluationError(_l("Aucune offre recevable : déclarez le lot infructueux."))
    pending = _pending_scores(ranked)
    if pending:
        raise EvaluationError(
            _l("Notez d'abord chaque critère de chaque offre recevable ; à compléter : %(names)s.",
               names=", ".join(pending))
        )
    first = [entry.bid for entry in ranked if entry.rank == 1]
    if winning_bid is None or winning_bid.id not in {b.id for b in first}:
        raise EvaluationError(_l("Le lot est attribué à une offre classée première."), field="winner")
    for bid in bids:
        if bid.admissible is None:
            bid.admissible = True
    decision = _decide(lot, actor, LotOutcome.AWARDED, winning_bid, clean_text(reason), bids, ranked)
    for member in winning_bid.accepted_members:
        email_vendor(
            member.vendor,
            _l("Votre offre est retenue : %(ref)s, lot %(lot)s", ref=tender.reference, lot=lot.number),
            "awarded",
            bid=winning_bid,
            decision=decision,
            url=external_url("bids.bid", vendor_id=member.vendor_id, bid_id=winning_bid.id),
        )
    _letters(decision, lot, bids, winning_bid)
    _finalise(tender, actor)
    db.session.flush()
    return decision


def declare_unsuccessful(lot: Lot, actor, reason: str | None) -> LotDecision:
    """Declare the lot unsuccessful (infructueux), with its reason; every bidder gets a letter."""
    tender = lot.tender
    _ensure_decidable(lot, actor)
    reason = clean_text(reason)
    if not reason:
        raise EvaluationError(_l("Indiquez pourquoi le lot est déclaré infructueux."), field="reason")
    bids = submitted_bids(lot)
    decision = _decide(lot, actor, LotOutcome.UNSUCCESSFUL, None, reason, bids, ranking(lot, bids))
    _letters(decision, lot, bids, None)
    _finalise(tender, actor)
    db.session.flush()
    return decision


def _finalise(tender: Tender, actor) -> None:
    outcome = workflow.outcome(tender)
    if outcome is None:
        return
    workflow.transition(tender, outcome, actor=actor)
    notice = AwardNotice(tender_id=tender.id, published_at=now_utc(), published_by_id=actor.id)
    db.session.add(notice)
    db.session.flush()
    record_event(actor, notice, "award_notice.published", None, None, {"tender_id": tender.id})


# ---------------------------------------------------------------- queries


def decisions_of(tender: Tender) -> dict[int, LotDecision]:
    rows = db.session.scalars(sa.select(LotDecision).where(LotDecision.tender_id == tender.id))
    return {d.lot_id: d for d in rows}


def award_notice_of(tender: Tender) -> AwardNotice | None:
    return db.session.scalars(sa.select(AwardNotice).where(AwardNotice.tender_id == tender.id)).first()


def letter_of(bid: Bid) -> RejectionLetter | None:
    return db.session.scalars(sa.select(RejectionLetter).where(RejectionLetter.bid_id == bid.id)).first()


def decision_of(lot: Lot) -> LotDecision | None:
    return db.session.scalars(sa.select(LotDecision).where(LotDecision.lot_id == lot.id)).first()
