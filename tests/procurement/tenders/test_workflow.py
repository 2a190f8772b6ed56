"""The tender and lot state machines: every allowed move, the refused ones, dates and audit."""
from __future__ import annotations

import datetime as dt

import pytest

from marketplace.core.audit import events_for
from marketplace.core.clock import advance, now_utc
from marketplace.procurement.tenders import workflow
from marketplace.procurement.tenders.models import LotStatus, TenderStatus
from marketplace.procurement.tenders.workflow import (
    TenderError,
    outcome,
    set_lot_status,
    transition,
)
from tests.factories import UserFactory
from tests.factories.tenders import TenderFactory

S = TenderStatus


def test_the_allowed_moves_are_exactly_those_of_the_design():
    assert workflow.ALLOWED == {
        S.DRAFT: {S.PUBLISHED},
        S.PUBLISHED: {S.CLOSED, S.CANCELLED},
        S.CLOSED: {S.UNDER_EVALUATION, S.CANCELLED},
        S.UNDER_EVALUATION: {S.AWARDED, S.UNSUCCESSFUL, S.CANCELLED},
        S.AWARDED: set(),
        S.UNSUCCESSFUL: set(),
        S.CANCELLED: set(),
    }


ILLEGAL = [(a, b) for a in S for b in S if b not in workflow.ALLOWED[a]]


@pytest.mark.parametrize(("start", "target"), ILLEGAL, ids=lambda s: s.value)
def test_every_illegal_move_is_refused_and_changes_nothing(db, start, target):
    tender = TenderFactory(status=start)
    with pytest.raises(TenderError):
        transition(tender, target, actor=None, reason="motif")
    assert tender.status is start
    assert events_for(tender) == []


def test_a_full_life_stamps_each_date_and_audits_each_move(db):
    buyer = UserFactory()
    tender = TenderFactory(draft=True)
    transition(tender, S.PUBLISHED, actor=buyer)
    assert tender.published_at == now_utc()
    with pytest.raises(TenderError, match="après sa date limite"):
        transition(tender, S.CLOSED, actor=None)
    advance(dt.timedelta(days=21))
    transition(tender, S.CLOSED, actor=None)
    assert tender.closed_at == now_utc()
    transition(tender, S.UNDER_EVALUATION, actor=buyer)
    assert tender.evaluation_started_at == now_utc()
    with pytest.raises(TenderError, match="Chaque lot"):
        transition(tender, S.AWARDED, actor=buyer)
    first, second = tender.lots
    set_lot_status(first, LotStatus.AWARDED, actor=buyer)
    assert outcome(tender) is None
    set_lot_status(second, LotStatus.UNSUCCESSFUL, actor=buyer)
    assert outcome(tender) is S.AWARDED
    transition(tender, S.AWARDED, actor=buyer)
    assert tender.decided_at == now_utc()
    actions = [(e.action, e.before, e.after) for e in events_for(tender)]
    assert actions == [
        ("tender.published", "draft", "published"),
        ("tender.closed", "published", "closed"),
        ("tender.evaluation_started", "closed", "under_evaluation"),
        ("tender.awarded", "under_evaluation", "awarded"),
    ]
    assert [e.actor_id for e in events_for(tender)] == [buyer.id, None, buyer.id, buyer.id]
    assert [e.action for e in events_for(first)] == ["lot.awarded"]


def test_every_lot_unsuccessful_makes_the_tender_unsuccessful(db):
    tender = TenderFactory(status=S.UNDER_EVALUATION)
    for lot in tender.lots:
        set_lot_status(lot, LotStatus.UNSUCCESSFUL, actor=None)
    assert outcome(tender) is S.UNSUCCESSFUL
    transition(tender, S.UNSUCCESSFUL, actor=None)
    assert tender.status is S.UNSUCCESSFUL


@pytest.mark.parametrize("start", [S.PUBLISHED, S.CLOSED, S.UNDER_EVALUATION], ids=lambda s: s.value)
def test_cancelling_needs_a_reason_and_keeps_it(db, start):
    tender = TenderFactory(status=start)
    with pytest.raises(TenderError, match="motif"):
        transition(tender, S.CANCELLED, actor=None, reason="  ")
    transition(tender, S.CANCELLED, actor=None, reason="Besoin redéfini")
    assert tender.cancel_reason == "Besoin redéfini"
    assert tender.cancelled_at == now_utc()
    assert events_for(tender)[-1].data == {"reason": "Besoin redéfini"}


def test_lots_move_only_during_evaluation_and_only_once(db):
    tender = TenderFactory()
    lot = tender.lots[0]
    with pytest.raises(TenderError, match="pendant l'analyse"):
        set_lot_status(lot, LotStatus.AWARDED, actor=None)
    tender.status = S.UNDER_EVALUATION
    set_lot_status(lot, LotStatus.AWARDED, actor=None)
    with pytest.raises(TenderError, match="déjà"):
        set_lot_status(lot, LotStatus.UNSUCCESSFUL, actor=None)
    assert lot.status is LotStatus.AWARDED


def test_model_helpers_follow_the_clock(db):
    tender = TenderFactory()
    now = now_utc()
    assert tender.accepts_bids(now) and tender.accepts_questions(now) and not tender.deadline_passed(now)
    later = now + dt.timedelta(days=15)
    assert tender.accepts_bids(later) and not tender.accepts_questions(later)
    end = tender.submission_deadline
    assert not tender.accepts_bids(end) and tender.deadline_passed(end)
    assert tender.display_status(end) is S.CLOSED and tender.status is S.PUBLISHED
    draft = TenderFactory(draft=True)
    assert not draft.accepts_bids(now) and not draft.accepts_questions(now)
