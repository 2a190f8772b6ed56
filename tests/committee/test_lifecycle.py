"""`flask vetting tick`: expiry reminders (sent once), expiry, renewals in the queue."""
from __future__ import annotations

import datetime as dt

import pytest

from marketplace.committee import services
from marketplace.core import clock
from marketplace.core.audit import events_for
from marketplace.core.clock import now_utc
from marketplace.vendors.models import ApplicationKind, VendorStatus
from tests.committee.conftest import approved_vendor, owner_of

START = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    """The clock stands still at START before any fixture creates data."""
    clock.freeze(START)


@pytest.fixture
def tick(app, db):
    def _tick():
        with app.test_request_context():
            report = services.run_daily(now_utc())
        db.session.commit()
        return report

    return _tick


def _reminders(outbox, user):
    return [m for m in outbox(user.email) if "arrive à échéance" in m.subject]


def test_reminders_30_and_7_days_before_each_sent_once_then_expiry(db, tick, outbox):
    vendor = approved_vendor(expires_in_days=40, name="Les Jardins de Cocagne")
    owner = owner_of(vendor)

    assert tick().reminders == {30: 0, 7: 0}
    assert _reminders(outbox, owner) == []

    clock.advance(dt.timedelta(days=10))  # 30 days left
    assert tick().reminders == {30: 1, 7: 0}
    [first] = _reminders(outbox, owner)
    assert "Les Jardins de Cocagne" in first.subject
    assert "renouvellement" in first.body

    assert tick().reminders == {30: 0, 7: 0}
    clock.advance(dt.timedelta(days=5))
    assert tick().reminders == {30: 0, 7: 0}
    assert len(_reminders(outbox, owner)) == 1

    clock.advance(dt.timedelta(days=18))  # 7 days left
    assert tick().reminders == {30: 0, 7: 1}
    assert tick().reminders == {30: 0, 7: 0}
    assert len(_reminders(outbox, owner)) == 2
    assert vendor.status == VendorStatus.APPROVED

    clock.advance(dt.timedelta(days=7))  # the approval ends now
    report = tick()
    assert report.expired == 1
    assert vendor.status == VendorStatus.EXPIRED
    assert [e.action for e in events_for(vendor)].count("expire") == 1
    assert any("expiré" in m.subject for m in outbox(owner.email))
    assert tick().expired == 0
    reminder_events = [e for e in events_for(vendor) if e.action == "committee.expiry_reminder"]
    assert [e.data["days"] for e in reminder_events] == [30, 7]


def test_a_structure_first_seen_a_few_days_before_gets_only_the_last_reminder(db, tick, outbox):
    vendor = approved_vendor(expires_in_days=5)
    assert tick().reminders == {30: 0, 7: 1}
    assert len(_reminders(outbox, owner_of(vendor))) == 1


def test_a_renewed_approval_gets_its_own_reminders(db, tick, outbox):
    vendor = approved_vendor(expires_in_days=20)
    assert tick().reminders[30] == 1
    vendor.approval_expires_at = now_utc() + dt.timedelta(days=365)
    db.session.commit()
    clock.advance(dt.timedelta(days=340))  # 25 days before the new end
    assert tick().reminders[30] == 1
    assert len(_reminders(outbox, owner_of(vendor))) == 2


def test_suspended_and_candidate_structures_are_left_alone(db, tick, outbox):
    suspended = approved_vendor(expires_in_days=3)
    suspended.status = VendorStatus.SUSPENDED
    candidate = approved_vendor(expires_in_days=-1)
    candidate.status = VendorStatus.CANDIDATE
    report = tick()
    assert report.expired == 0 and report.reminders == {30: 0, 7: 0}
    assert suspended.status == VendorStatus.SUSPENDED and candidate.status == VendorStatus.CANDIDATE


def test_the_flask_command_runs_the_job_and_commits(app, db, outbox):
    vendor = approved_vendor(expires_in_days=-1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["vetting", "tick"])
    assert result.exit_code == 0, result.output
    assert "agréments expirés : 1" in result.output
    assert vendor.status == VendorStatus.EXPIRED


def test_the_flask_command_accepts_a_moment_and_refuses_nonsense(app, db):
    vendor = approved_vendor(expires_in_days=10)
    db.session.commit()
    later = (START + dt.timedelta(days=11)).isoformat()
    result = app.test_cli_runner().invoke(args=["vetting", "tick", "--now", later])
    assert result.exit_code == 0, result.output
    assert vendor.status == VendorStatus.EXPIRED
    bad = app.test_cli_runner().invoke(args=["vetting", "tick", "--now", "demain"])
    assert bad.exit_code != 0


def test_a_renewal_goes_through_the_same_queue(db, client, login_as, members, make_dossier):
    vendor = approved_vendor(expires_in_days=25, name="Coop Fidèle")
    application = make_dossier(kind=ApplicationKind.RENEWAL, vendor=vendor)
    login_as(members[0])
    queue = client.get("/comite/")
    assert "Coop Fidèle" in queue.text and "Renouvellement" in queue.text
    page = client.get(f"/comite/dossiers/{application.id}")
    assert "Renouvellement d'agrément" in page.text
