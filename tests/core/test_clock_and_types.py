import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.core import clock
from marketplace.core.audit import AuditEvent, events_for, record_event
from tests.factories import UserFactory


def test_clock_is_aware_and_movable():
    assert clock.now_utc().tzinfo is dt.UTC
    clock.freeze(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
    assert clock.now_utc() == dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    clock.advance(dt.timedelta(days=2))
    assert clock.now_utc() == dt.datetime(2026, 3, 3, 12, tzinfo=dt.UTC)
    clock.unfreeze()
    assert clock.now_utc().year >= 2026


def test_clock_offset_file_shifts_the_real_clock(tmp_path):
    offset = tmp_path / "clock-offset"
    clock.use_offset_file(offset)
    try:
        before = dt.datetime.now(dt.UTC)
        assert before <= clock.now_utc() < before + dt.timedelta(minutes=1)  # no file yet: no shift
        offset.write_text("7200")
        assert clock.now_utc() >= before + dt.timedelta(hours=2)
    finally:
        clock.use_offset_file(None)
    assert clock.now_utc() < before + dt.timedelta(hours=1)


def test_clock_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        clock.freeze(dt.datetime(2026, 3, 1))


def test_utc_datetime_column_refuses_naive_values(db):
    user = UserFactory()
    user.last_login_at = dt.datetime(2026, 1, 1, 10, 0)
    with pytest.raises(sa.exc.StatementError, match="Naive datetime"):
        db.session.flush()
    db.session.rollback()


def test_utc_datetime_round_trips_as_aware_utc(db):
    paris = dt.timezone(dt.timedelta(hours=1))
    user = UserFactory(last_login_at=dt.datetime(2026, 1, 1, 11, 0, tzinfo=paris))
    db.session.flush()
    db.session.expire(user)
    assert user.last_login_at == dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.UTC)
    assert user.last_login_at.tzinfo is not None


def test_audit_events_are_append_only(db):
    actor = UserFactory()
    event = record_event(actor, actor, "profile.updated", before="a", after="b", data={"field": "name"})
    db.session.flush()
    assert events_for(actor)[-1] is event
    assert event.actor_label == f"user#{actor.id}"
    event.action = "tampered"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    fresh = db.session.scalars(sa.select(AuditEvent)).all()
    assert all(e.action != "tampered" for e in fresh)


def test_audit_event_delete_refused(db):
    event = record_event(None, ("vendor", 1), "vendor.suspended", "approved", "suspended")
    db.session.flush()
    db.session.delete(event)
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_each_test_starts_with_an_empty_database(db):
    """Commits made during a test are rolled back afterwards (see the next test)."""
    UserFactory(email="persistance@exemple.fr")
    db.session.commit()


def test_previous_commit_was_rolled_back(db):
    from marketplace.accounts.models import User

    assert db.session.scalar(sa.select(User).where(User.email == "persistance@exemple.fr")) is None
