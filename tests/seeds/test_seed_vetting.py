"""The vetting demo data: dossiers behind the approved structures, and candidate
structures in every state of the vetting workflow."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import CommitteeMandate, User
from marketplace.committee import services as committee
from marketplace.committee.models import Decision, DecisionOutcome, DossierMessage, Opinion, Review
from marketplace.core import clock
from marketplace.core.audit import AuditEvent
from marketplace.core.outbox import OutboxMessage
from marketplace.extensions import db as _db
from marketplace.vendors import documents, workflow
from marketplace.vendors.models import (
    Application,
    ApplicationDocument,
    ApplicationKind,
    ApplicationStatus,
    DocumentKind,
    Vendor,
    VendorStatus,
)
from marketplace.vendors.services import active_criteria
from seeds.vetting import candidate_specs

NOW = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "data"
SENTENCE_END = re.compile(r"[.!?](\s|$)")


with (SEEDS / "vendors.toml").open("rb") as _fh:
    APPROVED_SLUGS = [v["slug"] for v in tomllib.load(_fh)["vendors"]]


@pytest.fixture
def seed(app, db):
    """``seed()`` runs `flask seed-demo` (clock frozen at NOW) and returns its output."""
    clock.freeze(NOW)
    runner = app.test_cli_runner()

    def _run() -> str:
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output + repr(result.exception)
        return result.output

    return _run


def _vendor(session, slug: str) -> Vendor:
    vendor = session.scalar(sa.select(Vendor).filter_by(slug=slug))
    assert vendor is not None, slug
    return vendor


def _applications(session, vendor: Vendor) -> list[Application]:
    return list(
        session.scalars(
            sa.select(Application).filter_by(vendor_id=vendor.id).order_by(Application.id)
        )
    )


def _reviews(session, application: Application) -> list[Review]:
    return list(
        session.scalars(
            sa.select(Review).filter_by(application_id=application.id).order_by(Review.submitted_at)
        )
    )


def _messages(session, application: Application) -> list[DossierMessage]:
    return list(
        session.scalars(
            sa.select(DossierMessage)
            .filter_by(application_id=application.id)
            .order_by(DossierMessage.created_at)
        )
    )


def _events(session, subject) -> list[AuditEvent]:
    return list(
        session.scalars(
            sa.select(AuditEvent)
            .filter_by(subject_type=subject.__tablename__, subject_id=subject.id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


def _counts(session) -> dict[str, int]:
    return {
        table.name: session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in _db.metadata.sorted_tables
    }


def _chair(session) -> User:
    return session.scalar(sa.select(CommitteeMandate).filter_by(is_chair=True)).user


def _candidate(session, state: str) -> tuple[Vendor, Application]:
    spec = next(s for s in candidate_specs() if s["state"] == state)
    vendor = _vendor(session, spec["slug"])
    return vendor, _applications(session, vendor)[-1]


# ---------------------------------------------------------------- idempotent, deterministic


def test_a_second_run_creates_and_changes_nothing(seed, db):
    first = seed()
    counts = _counts(db.session)
    for table in (
        "application",
        "application_answer",
        "application_document",
        "review",
        "review_score",
        "decision",
        "dossier_message",
    ):
        assert counts[table] > 0, table
    files = sorted(
        p.name
        for p in documents.document_path(
            db.session.scalars(sa.select(ApplicationDocument)).first()
        ).parent.iterdir()
    )

    clock.advance(dt.timedelta(days=3, hours=5))
    second = seed()

    assert "rows created" in first and "Application" in first
    assert "nothing to create" in second
    db.session.expire_all()
    assert _counts(db.session) == counts
    assert (
        sorted(
            p.name
            for p in documents.document_path(
                db.session.scalars(sa.select(ApplicationDocument)).first()
            ).parent.iterdir()
        )
        == files
    )


def _vetting_content(session) -> dict[str, list]:
    """The vetting data by natural keys (no surrogate ids, no random file names)."""
    users = {u.id: u.email for u in session.scalars(sa.select(User))}
    vendors = {v.id: v.slug for v in session.scalars(sa.select(Vendor))}
    applications = {
        a.id: (vendors[a.vendor_id], a.kind.value) for a in session.scalars(sa.select(Application))
    }
    return {
        "vendors": sorted(
            (
                v.slug,
                v.status.value,
                v.approved_at,
                v.approval_expires_at,
                v.suspended_reason,
                v.siret,
            )
            for v in session.scalars(sa.select(Vendor))
        ),
        "applications": sorted(
            (
                applications[a.id],
                a.status.value,
                a.created_at,
                a.submitted_at,
                a.decided_at,
                sorted(x.text for x in a.answers),
            )
            for a in session.scalars(sa.select(Application))
        ),
        "documents": sorted(
            (
                applications[d.application_id],
                d.kind.value,
                d.original_name,
                d.sha256,
                d.size,
                d.uploaded_at,
            )
            for d in session.scalars(sa.select(ApplicationDocument))
        ),
        "reviews": sorted(
            (
                applications[r.application_id],
                users[r.reviewer_id],
                r.recused,
                r.opinion and r.opinion.value,
                r.comment,
                r.submitted_at,
                sorted((s.score, s.weight, s.comment or "") for s in r.scores),
            )
            for r in session.scalars(sa.select(Review))
        ),
        "decisions": sorted(
            (
                applications[d.application_id],
                users[d.chair_id],
                d.outcome.value,
                d.motivation,
                d.favorable_count,
                d.reserved_count,
                d.unfavorable_count,
                d.weighted_score,
                d.decided_at,
            )
            for d in session.scalars(sa.select(Decision))
        ),
        "messages": sorted(
            (
                applications[m.application_id],
                users[m.author_id],
                m.from_committee,
                m.body,
                m.created_at,
            )
            for m in session.scalars(sa.select(DossierMessage))
        ),
        "events": sorted(
            (
                e.subject_type,
                e.action,
                e.before or "",
                e.after or "",
                e.at,
                users.get(e.actor_id, ""),
            )
            for e in session.scalars(sa.select(AuditEvent))
        ),
        # Order numbers come from database sequences, which PostgreSQL does not
        # roll back with the savepoint between the two runs.
        "emails": sorted(
            (m.to_address, re.sub(r"C-[\d-]+", "C-…", m.subject), m.created_at)
            for m in session.scalars(sa.select(OutboxMessage))
        ),
    }


def test_two_runs_on_an_empty_database_give_the_same_vetting_data(seed, db):
    connection = db.session.get_bind()
    empty = connection.begin_nested()
    seed()
    first = _vetting_content(db.session)
    db.session.close()
    empty.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 0

    seed()
    second = _vetting_content(db.session)
    assert len(first["applications"]) >= 45 and len(first["events"]) > 300
    assert second == first


# ---------------------------------------------------------------- the approved structures


def test_every_approved_structure_has_the_dossier_of_its_approval(seed, db):
    seed()
    session = db.session
    chair = _chair(session)
    criteria = active_criteria()
    representative = session.scalar(
        sa.select(CommitteeMandate).filter_by(is_vendor_representative=True)
    )
    recusals = 0
    for slug in APPROVED_SLUGS:
        vendor = _vendor(session, slug)
        [application] = _applications(session, vendor)
        assert (application.kind, application.status) == (
            ApplicationKind.INITIAL,
            ApplicationStatus.APPROVED,
        )
        assert workflow.missing_items(application) == [], slug
        assert (
            vendor.created_at
            <= application.submitted_at
            < application.decided_at
            == vendor.approved_at
        )

        answers = {a.criterion_id: a.text for a in application.answers}
        assert set(answers) == {c.id for c in criteria}, slug
        for text in answers.values():
            assert 2 <= len(SENTENCE_END.findall(text)) <= 4, (slug, text)
        assert len(set(answers.values())) == len(criteria)

        reviews = _reviews(session, application)
        given = [r for r in reviews if not r.recused]
        assert len(given) >= 3, slug
        assert all(
            application.submitted_at < r.submitted_at < application.decided_at for r in reviews
        )
        assert all(len(r.scores) == len(criteria) and r.comment for r in given)
        opinions = Counter(r.opinion for r in given)
        assert opinions[Opinion.FAVORABLE] * 2 > len(given), slug
        for review in reviews:
            if review.recused:
                recusals += 1
                assert review.reviewer_id == representative.user_id
                assert any(m.user_id == representative.user_id for m in vendor.memberships)
                assert review.recusal_reason

        decision = session.scalar(sa.select(Decision).filter_by(application_id=application.id))
        assert decision.chair_id == chair.id and decision.outcome == DecisionOutcome.APPROVED
        assert decision.decided_at == vendor.approved_at and len(decision.motivation) > 80
        assert (decision.favorable_count, decision.reserved_count, decision.unfavorable_count) == (
            opinions[Opinion.FAVORABLE],
            opinions[Opinion.RESERVED],
            opinions[Opinion.UNFAVORABLE],
        )
        assert decision.weighted_score == committee.tally(application).weighted_score_x100

        kinds = {d.kind for d in application.documents}
        assert {DocumentKind.STATUTES, DocumentKind.REGISTRATION} <= kinds
        assert (DocumentKind.AGREMENT in kinds) == vendor.esus_agrement
        assert all(documents.document_path(d).is_file() for d in application.documents)

        events = {e.action: e for e in _events(session, application)}
        assert events["submit"].at == application.submitted_at
        assert events["approve"].at == vendor.approved_at
        assert (events["approve"].before, events["approve"].after) == ("in_review", "approved")
        assert events["approve"].actor_id == chair.id
        assert any(
            e.action == "approve" and e.at == vendor.approved_at for e in _events(session, vendor)
        )
    assert recusals == 1
    threads = session.scalar(
        sa.select(sa.func.count(sa.distinct(DossierMessage.application_id)))
        .join(Application)
        .where(Application.status == ApplicationStatus.APPROVED)
    )
    assert threads >= 3

    # The answers speak of each structure's own legal form, activity and territory.
    criteria = {c.code: c.id for c in criteria}

    def answer(slug: str, code: str) -> str:
        [application] = _applications(db.session, _vendor(db.session, slug))
        return next(a.text for a in application.answers if a.criterion_id == criteria[code])

    assert "SCOP" in answer("les-charpentiers-du-vercors", "lucrativite_limitee")
    assert "tous associés" in answer("les-charpentiers-du-vercors", "gouvernance")
    assert "collèges" in answer("le-panier-des-cimes", "gouvernance")
    assert "adhérents élisent" in answer("mutuelle-des-solidarites-dauphinoises", "gouvernance")
    assert "parcours d'insertion" in answer("les-cuisines-partagees", "emploi_insertion")
    assert "travailleurs handicapés" in answer("haut-bugey-adapte", "emploi_insertion")
    assert "de 1 à 3." in answer("terre-crue-dauphinoise", "lucrativite_limitee")
    assert "en Isère" in answer("atelier-velo-du-drac", "ancrage_territorial")
    assert "séjours" in answer("hirondelles-voyages-solidaires", "ancrage_territorial")
    imported = answer("comptoir-des-deux-hemispheres", "ancrage_territorial")
    assert "coopératives de producteurs du Sud" in imported and "fermes" not in imported


def test_public_profiles_show_commitments_and_the_transparency_page_has_counts(seed, client):
    seed()
    criteria = active_criteria()
    for slug in APPROVED_SLUGS:
        page = client.get(f"/fournisseurs/{slug}")
        assert page.status_code == 200, slug
        section = page.text.split('id="commitments-title"', 1)[1]
        assert "Les engagements de cette structure seront présentés ici" not in section, slug
        for criterion in criteria:
            assert f"<h3>{criterion.label}</h3>" in section.replace("&#39;", "'"), (
                slug,
                criterion.code,
            )
    for state in ("draft", "submitted", "rejected", "withdrawn", "suspended", "expired"):
        slug = next(s["slug"] for s in candidate_specs() if s["state"] == state)
        assert client.get(f"/fournisseurs/{slug}").status_code == 404, state

    page = client.get("/transparence")
    assert page.status_code == 200
    rows = re.findall(
        r'<tr><th scope="row">T\d \d{4}</th><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>',
        page.text,
    )
    assert len(rows) == 8
    received, approved, rejected = (sum(int(row[i]) for row in rows) for i in range(3))
    assert received >= 40 and approved >= 35 and rejected >= 1
    assert f"{len(APPROVED_SLUGS)} structures agréées à ce jour" in page.text


# ---------------------------------------------------------------- the candidate structures


def test_every_application_and_vendor_status_is_shown_by_a_candidate(seed, db):
    seed()
    session = db.session
    assert set(session.scalars(sa.select(Application.status).distinct())) == set(ApplicationStatus)
    assert set(session.scalars(sa.select(Vendor.status).distinct())) == set(VendorStatus)

    criteria = active_criteria()
    chair = _chair(session)
    representative = session.scalar(
        sa.select(CommitteeMandate).filter_by(is_vendor_representative=True)
    )

    vendor, draft = _candidate(session, "draft")
    assert (vendor.status, draft.status, draft.submitted_at) == (
        VendorStatus.CANDIDATE,
        ApplicationStatus.DRAFT,
        None,
    )
    assert 0 < len(draft.answers) < len(criteria) and not draft.documents
    assert any("Charte" in item for item in workflow.missing_items(draft))

    vendor, submitted = _candidate(session, "submitted")
    assert (
        submitted.status == ApplicationStatus.SUBMITTED
        and NOW - submitted.submitted_at < dt.timedelta(days=7)
    )
    assert workflow.missing_items(submitted) == [] and _reviews(session, submitted) == []
    assert {d.kind for d in submitted.documents} >= {
        DocumentKind.STATUTES,
        DocumentKind.REGISTRATION,
    }

    vendor, partial = _candidate(session, "in_review")
    reviews = _reviews(session, partial)
    assert partial.status == ApplicationStatus.IN_REVIEW
    assert 1 <= len([r for r in reviews if not r.recused]) <= 2
    [recusal] = [r for r in reviews if r.recused]
    assert recusal.reviewer_id == representative.user_id and recusal.recusal_reason

    vendor, asked = _candidate(session, "info_requested")
    assert asked.status == ApplicationStatus.INFO_REQUESTED
    [question] = _messages(session, asked)
    assert question.from_committee and question.author.current_mandate() is not None
    assert question.body.endswith("?")

    vendor, answered = _candidate(session, "in_review_answered")
    assert answered.status == ApplicationStatus.IN_REVIEW
    question, answer = _messages(session, answered)
    assert (
        question.from_committee
        and not answer.from_committee
        and question.created_at < answer.created_at
    )
    assert answer.author_id == next(m.user_id for m in vendor.memberships)
    actions = [e.action for e in _events(session, answered)]
    assert actions.index("request_info") < actions.index("resubmit")

    vendor, waiting = _candidate(session, "awaiting_decision")
    tally = committee.tally(waiting)
    assert waiting.status == ApplicationStatus.IN_REVIEW and tally.quorum_reached
    assert session.scalar(sa.select(Decision).filter_by(application_id=waiting.id)) is None

    vendor, rejected = _candidate(session, "rejected")
    decision = session.scalar(sa.select(Decision).filter_by(application_id=rejected.id))
    assert (vendor.status, rejected.status) == (VendorStatus.REJECTED, ApplicationStatus.REJECTED)
    assert decision.outcome == DecisionOutcome.REJECTED and decision.chair_id == chair.id
    assert len(decision.motivation) > 100
    assert workflow.reapply_date(vendor) > NOW

    vendor, withdrawn = _candidate(session, "withdrawn")
    assert (vendor.status, withdrawn.status) == (
        VendorStatus.CANDIDATE,
        ApplicationStatus.WITHDRAWN,
    )

    vendor, approved = _candidate(session, "suspended")
    assert vendor.status == VendorStatus.SUSPENDED and vendor.suspended_reason
    assert approved.status == ApplicationStatus.APPROVED and vendor.approval_expires_at > NOW
    [suspension] = [e for e in _events(session, vendor) if e.action == "suspend"]
    assert suspension.actor_id == chair.id and suspension.data["reason"] == vendor.suspended_reason

    vendor, expired = _candidate(session, "expired")
    assert vendor.status == VendorStatus.EXPIRED and vendor.approval_expires_at < NOW
    assert expired.status == ApplicationStatus.APPROVED
    [expiry] = [e for e in _events(session, vendor) if e.action == "expire"]
    assert expiry.actor_id is None and vendor.approval_expires_at < expiry.at < NOW


def test_the_workflow_sent_real_dated_emails(seed, db):
    seed()
    session = db.session
    chair = _chair(session)
    emails = list(session.scalars(sa.select(OutboxMessage)))
    assert emails and all(m.created_at < NOW for m in emails)
    [quorum] = [m for m in emails if m.subject == "Quorum atteint : Beaujolais Soleil Partagé"]
    assert quorum.to_address == chair.email
    owner_of = {
        s: f"contact@{s}.example"
        for s in ("la-conserverie-mobile-du-royans", "cycles-et-recycles-du-velay")
    }
    subjects = {
        m.subject for m in emails if m.to_address == owner_of["la-conserverie-mobile-du-royans"]
    }
    assert "Votre structure est suspendue" in subjects
    assert "Votre structure est agréée par le comité d'éthique" in subjects
    subjects = {
        m.subject for m in emails if m.to_address == owner_of["cycles-et-recycles-du-velay"]
    }
    assert "L'agrément de votre structure a expiré" in subjects


def _pdf_is_well_formed(data: bytes) -> bool:
    """Header, EOF marker, and an xref table whose offsets point at the numbered objects."""
    if not (data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")):
        return False
    startxref = int(data.rsplit(b"startxref", 1)[1].split()[0])
    if not data[startxref:].startswith(b"xref"):
        return False
    entries = re.findall(rb"(\d{10}) 00000 n ", data[startxref:])
    return bool(entries) and all(
        data[int(offset) :].startswith(b"%d 0 obj" % number)
        for number, offset in enumerate(entries, start=1)
    )


def test_dossier_documents_are_valid_pdfs_downloadable_by_the_committee(seed, db, client, login_as):
    seed()
    vendor, submitted = _candidate(db.session, "submitted")
    member = db.session.scalar(
        sa.select(User).filter_by(email="karim.belkacem@insertion-dauphine.example")
    )
    login_as(member)
    for document in submitted.documents:
        response = client.get(f"/documents/{document.id}")
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert hashlib.sha256(response.data).hexdigest() == document.sha256
        assert _pdf_is_well_formed(response.data)
        assert vendor.legal_name.encode("cp1252") in response.data
    login_as(db.session.scalar(sa.select(User).filter_by(email="camille.martin@courriel.example")))
    assert client.get(f"/documents/{submitted.documents[0].id}").status_code == 404


# ---------------------------------------------------------------- the demo carries on


def test_the_chair_has_a_dossier_ready_for_decision(seed, db, client, login_as):
    seed()
    vendor, waiting = _candidate(db.session, "awaiting_decision")
    login_as(_chair(db.session))

    queue = client.get("/comite/?tab=in_review")
    assert queue.status_code == 200
    row = queue.text.split(vendor.name, 1)[1].split("</tr>", 1)[0]
    assert "3 / 3" in row

    page = client.get(f"/comite/dossiers/{waiting.id}")
    assert page.status_code == 200
    assert f'action="/comite/dossiers/{waiting.id}/decision"' in page.text
    assert "atteint (3 avis sur 3 requis)" in page.text

    response = client.post(
        f"/comite/dossiers/{waiting.id}/decision",
        data={
            "outcome": "approved",
            "motivation": "Agrément accordé ; un engagement écrit sur la fin de vie des panneaux est attendu.",
            "confirm_decision": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert waiting.status == ApplicationStatus.APPROVED and vendor.status == VendorStatus.APPROVED
    assert client.get(f"/fournisseurs/{vendor.slug}").status_code == 200


def test_applicants_and_members_can_act_on_the_seeded_dossiers(seed, db, client, login_as):
    seed()
    vendor, asked = _candidate(db.session, "info_requested")
    owner = next(m.user for m in vendor.memberships)
    login_as(owner)
    page = client.get(f"/espace-fournisseur/{vendor.id}/dossier")
    assert (
        _messages(db.session, asked)[0].body.split(" ?")[0][:60].replace("'", "&#39;") in page.text
    )
    response = client.post(
        f"/espace-fournisseur/{vendor.id}/dossier/repondre",
        data={
            "answer": "Les parts n'ont pas été rémunérées ; tous les excédents sont allés en réserves."
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert asked.status == ApplicationStatus.IN_REVIEW

    vendor, submitted = _candidate(db.session, "submitted")
    member = db.session.scalar(
        sa.select(User).filter_by(email="karim.belkacem@insertion-dauphine.example")
    )
    login_as(member)
    data = {f"score_{c.id}": "2" for c in active_criteria()}
    data |= {"opinion": "favorable", "comment": ""}
    assert client.post(f"/comite/dossiers/{submitted.id}/avis", data=data).status_code == 302
    db.session.expire_all()
    assert submitted.status == ApplicationStatus.IN_REVIEW


def test_the_command_prints_what_each_login_shows(seed, db):
    output = seed()
    chair = _chair(db.session)
    assert re.search(
        rf"^  - {re.escape(chair.email)} \(chair\): 1 dossier\(s\) with the quorum, awaiting the decision "
        r"\(Beaujolais Soleil Partagé\)",
        output,
        re.MULTILINE,
    )
    assert "recused on Chanvre et Chaux du Grésivaudan" in output
    for spec in candidate_specs():
        email = f"contact@{spec['slug']}.example"
        assert re.search(
            rf"^  {re.escape(spec['login'])}\s+{re.escape(email)}$", output, re.MULTILINE
        )
        assert f"  - {email}: {spec['name']}, " in output
    assert "dossier draft" in output and "2/3 reviews" in output and "approval expired" in output
