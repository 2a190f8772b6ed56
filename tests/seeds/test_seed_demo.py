"""`flask seed-demo`: idempotent, deterministic, realistic, and every demo login works."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask import url_for

from marketplace.accounts.auth import verify_password
from marketplace.accounts.models import (
    BuyerKind,
    BuyerMembership,
    BuyerOrganisation,
    CommitteeMandate,
    User,
)
from marketplace.committee.models import Criterion
from marketplace.core import clock
from marketplace.core.identifiers import is_valid_siret
from marketplace.core.permissions import Role
from marketplace.core.territories import departement_from_postal_code
from marketplace.extensions import db as _db
from marketplace.vendors.models import (
    CharterSignature,
    CharterVersion,
    MemberRole,
    Vendor,
    VendorMembership,
    VendorStatus,
)

NOW = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
LOGIN_LINE = re.compile(r"^  (?P<role>.+?)\s{2,}(?P<email>\S+@\S+)$", re.MULTILINE)


@pytest.fixture
def seed(app, db):
    """``seed()`` runs `flask seed-demo` and returns its output."""
    clock.freeze(NOW)
    runner = app.test_cli_runner()

    def _run() -> str:
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output + repr(result.exception)
        return result.output

    return _run


def _all_rows(session) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    rows = {}
    for table in _db.metadata.sorted_tables:
        result = session.execute(sa.select(table))
        rows[table.name] = sorted((tuple(map(repr, row)) for row in result), key=repr)
    return rows


def _scalars(session, stmt):
    return list(session.scalars(stmt))


def test_a_second_run_creates_and_changes_nothing(seed, db):
    first_output = seed()
    assert "rows created" in first_output
    before = _all_rows(db.session)
    assert sum(len(rows) for rows in before.values()) > 150

    clock.advance(dt.timedelta(days=3, hours=5))
    second_output = seed()

    assert "nothing to create" in second_output
    db.session.expire_all()
    after = _all_rows(db.session)
    assert {name: len(rows) for name, rows in after.items()} == {
        name: len(rows) for name, rows in before.items()
    }
    assert after == before


def _content(session) -> dict[str, list]:
    """The demo data by natural keys (no surrogate ids, no salted hashes or random tokens)."""
    users = {u.id: u.email for u in _scalars(session, sa.select(User))}
    vendors = {v.id: v.slug for v in _scalars(session, sa.select(Vendor))}
    skip = {"id", "password_hash", "session_token"}

    def plain(row) -> tuple:
        return tuple(
            (column.key, getattr(row, column.key))
            for column in sa.inspect(type(row)).columns
            if column.key not in skip and not column.foreign_keys
        )

    return {
        "users": sorted(plain(u) for u in _scalars(session, sa.select(User))),
        "vendors": sorted(
            (plain(v), sorted(s.value for s in v.sectors))
            for v in _scalars(session, sa.select(Vendor))
        ),
        "vendor_memberships": sorted(
            (users[m.user_id], vendors[m.vendor_id], m.role.value, m.created_at)
            for m in _scalars(session, sa.select(VendorMembership))
        ),
        "buyers": sorted(plain(o) for o in _scalars(session, sa.select(BuyerOrganisation))),
        "buyer_memberships": sorted(
            (users[m.user_id], m.organisation.siret, m.job_title)
            for m in _scalars(session, sa.select(BuyerMembership))
        ),
        "mandates": sorted(
            (users[m.user_id], plain(m)) for m in _scalars(session, sa.select(CommitteeMandate))
        ),
        "criteria": sorted(plain(c) for c in _scalars(session, sa.select(Criterion))),
        "charter": sorted(plain(c) for c in _scalars(session, sa.select(CharterVersion))),
        "signatures": sorted(
            (vendors[s.vendor_id], s.charter_version.version, users[s.signed_by_id], s.signed_at)
            for s in _scalars(session, sa.select(CharterSignature))
        ),
    }


def test_two_runs_on_an_empty_database_give_the_same_data(seed, db):
    connection = db.session.get_bind()
    empty = connection.begin_nested()
    seed()
    first = _content(db.session)
    db.session.close()
    empty.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vendor)) == 0

    seed()
    second = _content(db.session)
    assert len(first["vendors"]) >= 30
    assert second == first


def test_vendors_are_approved_varied_and_consistent(seed, db, app):
    seed()
    vendors = _scalars(db.session, sa.select(Vendor))
    approved = [v for v in vendors if v.status == VendorStatus.APPROVED]
    assert len(approved) >= 30
    assert len({v.legal_form for v in approved}) >= 8
    assert len({sector for v in approved for sector in v.sectors}) >= 10
    validity = dt.timedelta(days=app.config["APPROVAL_VALIDITY_DAYS"])
    eligible = app.config["ELIGIBLE_DEPARTEMENTS"]
    charter = db.session.scalar(sa.select(CharterVersion).filter_by(version=1))
    signed = {s.vendor_id for s in _scalars(db.session, sa.select(CharterSignature))}
    for vendor in approved:
        assert is_valid_siret(vendor.siret), vendor.slug
        assert NOW - dt.timedelta(days=365) <= vendor.approved_at <= NOW, vendor.slug
        assert vendor.approval_expires_at == vendor.approved_at + validity
        departement = departement_from_postal_code(vendor.postal_code)
        assert departement is not None and departement.code == vendor.departement_code
        assert vendor.departement_code in eligible and vendor.region_code == departement.region_code
        assert vendor.sectors and vendor.description and vendor.legal_name and vendor.commune
        assert 2 <= len(re.findall(r"[.!?](\s|$)", vendor.description)) <= 4, vendor.slug
        assert vendor.website.endswith(".example") and vendor.year_founded <= NOW.year
        assert vendor.staff_count > 0 and vendor.insertion_jobs is not None
        owners = [m for m in vendor.memberships if m.role == MemberRole.OWNER]
        assert [m.user.email for m in owners] == [f"contact@{vendor.slug}.example"]
        assert vendor.id in signed
        assert charter.published_at < vendor.approved_at
    assert sum(1 for v in approved for m in v.memberships if m.role == MemberRole.STAFF) >= 3


def test_buyers_committee_grid_and_charter(seed, db):
    seed()
    organisations = _scalars(db.session, sa.select(BuyerOrganisation))
    assert len(organisations) == 4
    kinds = {o.kind for o in organisations}
    assert {
        BuyerKind.COMMUNE,
        BuyerKind.DEPARTEMENT,
        BuyerKind.COMPANY,
        BuyerKind.WORKS_COUNCIL,
    } <= kinds
    for organisation in organisations:
        assert is_valid_siret(organisation.siret)
        assert organisation.memberships, organisation.name
        if organisation.kind.is_public:
            assert organisation.payment_term_days == 30

    mandates = [
        m for m in _scalars(db.session, sa.select(CommitteeMandate)) if m.is_current(NOW.date())
    ]
    assert len(mandates) == 7
    assert len([m for m in mandates if m.is_chair]) == 1
    representatives = [m for m in mandates if m.is_vendor_representative]
    assert len(representatives) == 1
    assert representatives[0].user.vendor_memberships

    criteria = _scalars(db.session, sa.select(Criterion).order_by(Criterion.position))
    assert 6 <= len(criteria) <= 8
    assert len({c.position for c in criteria}) == len(criteria)
    assert all(c.active and c.weight > 0 and c.label and c.description for c in criteria)
    assert "utilite_sociale" in {c.code for c in criteria}

    charter = db.session.scalar(sa.select(CharterVersion).filter_by(version=1))
    assert charter.title
    assert len(re.findall(r"^\d+\. ", charter.body, re.MULTILINE)) == 10


def test_every_account_is_verified_with_the_demo_password(seed, db, app):
    seed()
    users = _scalars(db.session, sa.select(User))
    assert len(users) > 40
    assert all(u.verified_at is not None and u.deleted_at is None for u in users)
    assert all(verify_password(u.password_hash, app.config["DEMO_PASSWORD"]) for u in users)
    assert len([u for u in users if u.is_admin]) == 1
    consumers = [u for u in users if u.compute_roles() == {Role.CONSUMER}]
    assert len(consumers) >= 3


EXPECTED_ROLE = {
    "Administrator": Role.ADMIN,
    "Consumer": Role.CONSUMER,
    "Public buyer": Role.BUYER,
    "Company buyer": Role.BUYER,
    "Works council": Role.BUYER,
    "Vendor": Role.VENDOR,
    "Committee": Role.COMMITTEE,
}


def test_the_command_prints_the_password_and_a_login_per_role(seed, app):
    output = seed()
    assert app.config["DEMO_PASSWORD"] in output
    roles = {match["role"] for match in LOGIN_LINE.finditer(output)}
    for prefix in EXPECTED_ROLE:
        assert any(role.startswith(prefix) for role in roles), prefix


def test_every_demo_login_works_through_the_login_form(seed, app, db):
    output = seed()
    logins = [(m["role"], m["email"]) for m in LOGIN_LINE.finditer(output)]
    assert len(logins) >= 8
    with app.test_request_context():
        login_url = url_for("accounts.login")
        profile_url = url_for("accounts.profile")
    for role, email in logins:
        client = app.test_client()
        response = client.post(
            login_url, data={"email": email, "password": app.config["DEMO_PASSWORD"]}
        )
        assert response.status_code in (302, 303), (role, email, response.status_code)
        assert client.get(profile_url).status_code == 200, (role, email)
        user = db.session.scalar(sa.select(User).filter_by(email=email))
        expected = next(r for prefix, r in EXPECTED_ROLE.items() if role.startswith(prefix))
        assert expected in user.compute_roles(), (role, email)


def test_a_wrong_password_does_not_open_a_demo_account(seed, app):
    seed()
    client = app.test_client()
    with app.test_request_context():
        login_url = url_for("accounts.login")
        profile_url = url_for("accounts.profile")
    client.post(
        login_url, data={"email": "admin@marche-solidaire.example", "password": "pas-le-bon"}
    )
    assert client.get(profile_url).status_code == 302


def test_refuses_to_run_in_production(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "production" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
