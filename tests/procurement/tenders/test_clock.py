"""Closing by the clock: `flask procurement tick`, and services that check the deadline themselves."""
from __future__ import annotations

import datetime as dt

from marketplace.core.audit import events_for
from marketplace.core.clock import advance, now_utc
from marketplace.procurement.tenders.models import TenderStatus
from tests.factories.tenders import TenderFactory, buyer_of


def _tick(app):
    result = app.test_cli_runner().invoke(args=["procurement", "tick"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_tick_closes_what_is_due_once_and_tells_the_buyer(app, db, outbox):
    due = TenderFactory(submission_deadline=now_utc() + dt.timedelta(hours=1),
                        question_deadline=now_utc() + dt.timedelta(minutes=30))
    buyer = buyer_of(due)
    later = TenderFactory()
    draft = TenderFactory(draft=True, submission_deadline=now_utc() + dt.timedelta(minutes=59),
                          question_deadline=now_utc() + dt.timedelta(minutes=30))
    db.session.commit()
    assert "nothing to close" in _tick(app)
    assert due.status is TenderStatus.PUBLISHED

    advance(dt.timedelta(hours=1))  # exactly at the deadline: closed
    output = _tick(app)
    assert f"{due.reference}#{due.id}" in output and "1 closed" in output
    assert due.status is TenderStatus.CLOSED and due.closed_at == now_utc()
    assert later.status is TenderStatus.PUBLISHED and draft.status is TenderStatus.DRAFT
    (event,) = [e for e in events_for(due) if e.action == "tender.closed"]
    assert (event.actor_id, event.before, event.after) == (None, "published", "closed")
    (mail,) = outbox(buyer.email)
    assert "Remise des offres close" in mail.subject and f"/{due.id}" in mail.body

    assert "nothing to close" in _tick(app)  # idempotent
    assert len([e for e in events_for(due) if e.action == "tender.closed"]) == 1
    assert len(outbox(buyer.email)) == 1


def test_a_published_tender_reads_as_closed_before_the_tick_runs(client, db):
    tender = TenderFactory()
    db.session.commit()
    assert "Clôture dans 20 jours" in client.get(f"/appels-d-offres/{tender.id}").text
    advance(dt.timedelta(days=20))
    page = client.get(f"/appels-d-offres/{tender.id}").text
    assert "La remise des offres est close" in page
    assert tender.status is TenderStatus.PUBLISHED  # nothing written by a page view
    assert tender.title not in client.get("/appels-d-offres").text  # no longer listed as open
    assert tender.title in client.get("/appels-d-offres?afficher=termines").text


def test_the_countdown_switches_to_hours_on_the_last_day(client, db):
    tender = TenderFactory(submission_deadline=now_utc() + dt.timedelta(hours=5, minutes=30),
                           question_deadline=now_utc() + dt.timedelta(hours=1))
    db.session.commit()
    assert "Clôture dans 5 heures" in client.get(f"/appels-d-offres/{tender.id}").text
