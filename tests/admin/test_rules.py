"""The pure predicates behind the back-office rules."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from marketplace.admin import permissions as rules

D = dt.date


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((D(2026, 1, 1), D(2026, 6, 30)), (D(2026, 6, 30), D(2026, 12, 31)), True),
        ((D(2026, 1, 1), D(2026, 6, 30)), (D(2026, 7, 1), D(2026, 12, 31)), False),
        ((D(2026, 1, 1), None), (D(2040, 1, 1), D(2041, 1, 1)), True),
        ((D(2026, 1, 1), None), (D(2020, 1, 1), D(2025, 12, 31)), False),
        ((D(2026, 1, 1), None), (D(2020, 1, 1), None), True),
        ((D(2026, 9, 1), D(2026, 8, 31)), (D(2026, 1, 1), None), False),
    ],
)
def test_periods_overlap(a, b, expected):
    assert rules.periods_overlap(*a, *b) is expected
    assert rules.periods_overlap(*b, *a) is expected


def _user(id, admin=True, verified=True, deleted=False):
    return SimpleNamespace(
        id=id,
        is_admin=admin,
        verified_at=D(2026, 1, 1) if verified else None,
        deleted_at=D(2026, 1, 1) if deleted else None,
    )


def test_revoking_admin_rights_needs_another_administrator():
    me, other = _user(1), _user(2)

    assert rules.can_revoke_admin(me, other, [1, 2])
    assert not rules.can_revoke_admin(me, me, [1, 2])
    assert not rules.can_revoke_admin(None, other, [2])
    assert not rules.can_revoke_admin(me, _user(3, admin=False), [1, 2])


def test_only_live_verified_accounts_become_administrators():
    assert rules.can_grant_admin(_user(1, admin=False))
    assert not rules.can_grant_admin(_user(1, admin=False, verified=False))
    assert not rules.can_grant_admin(_user(1, admin=False, deleted=True))
    assert not rules.can_grant_admin(_user(1))


def test_mandate_status():
    today = D(2026, 3, 16)
    mandate = SimpleNamespace(starts_on=D(2026, 1, 1), ends_on=D(2026, 3, 16))
    upcoming = SimpleNamespace(starts_on=D(2026, 4, 1), ends_on=None)
    over = SimpleNamespace(starts_on=D(2025, 1, 1), ends_on=D(2026, 3, 15))
    cancelled = SimpleNamespace(starts_on=D(2026, 4, 1), ends_on=D(2026, 3, 15))

    assert [rules.mandate_status(m, today) for m in (mandate, upcoming, over, cancelled)] == [
        "current",
        "upcoming",
        "over",
        "over",
    ]
    assert rules.can_end_mandate(mandate, today) and rules.can_end_mandate(upcoming, today)
    assert not rules.can_end_mandate(over, today) and not rules.can_end_mandate(cancelled, today)
