"""The buyer's pages through HTTP: draft, lots, criteria, documents, publication,
amendments, cancellation and the start of the evaluation."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from marketplace.core.audit import events_for
from marketplace.core.clock import advance, now_utc
from marketplace.procurement.tenders.models import CriterionKind, Reservation, Tender, TenderStatus
from tests.factories import BuyerMembershipFactory
from tests.factories.tenders import TenderFactory, vendor_member
from tests.procurement.tenders.conftest import (
    DOCX_BYTES,
    ODT_BYTES,
    PDF_BYTES,
    XLSX_BYTES,
    ZIP_BYTES,
    paris,
    tender_form,
    text,
)

BASE = "/compte/professionnels/appels-d-offres"


@pytest.fixture
def buyer(db):
    user = BuyerMembershipFactory().user
    db.session.commit()
    return user


def _draft_of(buyer, **values):
    from marketplace.extensions import db

    tender = TenderFactory(draft=True, buyer_organisation=buyer.buyer_memberships[0].organisation, **values)
    db.session.commit()  # a refused request rolls back what is not committed
    return tender


def test_a_buyer_creates_a_draft_with_paris_deadlines(client, login_as, buyer, db):
    login_as(buyer)
    page = client.get(f"{BASE}/nouveau")
    assert page.status_code == 200
    assert "AO-2026-001" in text(page)  # suggested reference
    response = client.post(f"{BASE}/nouveau", data=tender_form(social_clause="5 % d'heures d'insertion"))
    assert response.status_code == 302
    tender = db.session.scalar(sa.select(Tender).where(Tender.reference == "AO-2026-101"))
    assert response.headers["Location"].endswith(f"{BASE}/{tender.id}/lots")
    assert tender.status is TenderStatus.DRAFT
    assert tender.buyer_organisation == buyer.buyer_memberships[0].organisation
    # 12:00 in Paris in March (UTC+1) is 11:00 UTC
    assert tender.question_deadline == dt.datetime(2026, 3, 12, 11, 0, tzinfo=dt.UTC)
    assert tender.submission_deadline == dt.datetime(2026, 3, 22, 11, 0, tzinfo=dt.UTC)
    assert tender.social_clause == "5 % d'heures d'insertion"
    assert [e.action for e in events_for(tender)] == ["tender.created"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"submission_deadline": paris(-1)}, "La date limite de remise des offres doit être dans le futur."),
        ({"question_deadline": paris(-1)}, "La date limite des questions doit être dans le futur."),
        ({"question_deadline": paris(20, 13)}, "La date limite des questions doit précéder"),
        ({"title": ""}, "Donnez un intitulé à l'appel d'offres."),
        ({"question_deadline": "demain midi"}, "Saisissez une date et une heure"),
        ({"departement": "99"}, "N'est pas un choix valide."),
    ],
)
def test_the_draft_form_explains_what_is_wrong(client, login_as, buyer, db, overrides, message):
    login_as(buyer)
    response = client.post(f"{BASE}/nouveau", data=tender_form(**overrides))
    assert response.status_code == 422
    assert message in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Tender)) == 0


def test_a_reference_is_unique_within_the_organisation_only(client, login_as, buyer, db):
    _draft_of(buyer, reference="AO-2026-101")
    TenderFactory(reference="AO-2026-102")  # another organisation
    login_as(buyer)
    response = client.post(f"{BASE}/nouveau", data=tender_form())
    assert response.status_code == 422
    assert "déjà un appel d'offres avec la référence « AO-2026-101 »" in text(response)
    assert client.post(f"{BASE}/nouveau", data=tender_form(reference="AO-2026-102")).status_code == 302


def test_lots_are_saved_in_order_and_blank_rows_dropped(client, login_as, buyer, db):
    tender = _draft_of(buyer, lots=[])
    login_as(buyer)
    page = client.get(f"{BASE}/{tender.id}/lots")
    assert 'name="lots-0-title"' in text(page)
    empty = client.post(f"{BASE}/{tender.id}/lots", data={"lots-0-title": ""})
    assert empty.status_code == 422 and "au moins un lot" in text(empty)
    response = client.post(
        f"{BASE}/{tender.id}/lots",
        data={
            "lots-0-title": "Repas des écoles", "lots-0-description": "Trois écoles.",
            "lots-0-estimated_amount": "45 000", "lots-0-reservation": "none",
            "lots-1-title": "", "lots-1-reservation": "none",
            "lots-2-title": "Goûters", "lots-2-estimated_amount": "", "lots-2-reservation": "siae",
        },
    )
    assert response.status_code == 302
    db.session.refresh(tender)
    assert [(lot.number, lot.title, lot.estimated_amount_cents, lot.reservation) for lot in tender.lots] == [
        (1, "Repas des écoles", 4_500_000, Reservation.NONE),
        (2, "Goûters", None, Reservation.SIAE),
    ]
    # removing the first lot renumbers the second
    client.post(f"{BASE}/{tender.id}/lots", data={"lots-0-title": "Goûters", "lots-0-reservation": "siae"})
    db.session.refresh(tender)
    assert [(lot.number, lot.title) for lot in tender.lots] == [(1, "Goûters")]


def _criteria(*rows):
    data = {}
    for i, (name, kind, weight) in enumerate(rows):
        data.update({f"criteria-{i}-name": name, f"criteria-{i}-kind": kind, f"criteria-{i}-weight": weight})
    return data


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ((("Prix", "price", "40"), ("Valeur technique", "other", "50")),
         "La somme des pondérations doit être égale à 100 (elle est de 90)."),
        ((("Prix", "price", "60"), ("Prix unitaire", "price", "40")), "Un seul critère peut porter sur le prix."),
        ((("", "other", "100"),), "Nommez le critère n°1."),
        ((("Prix", "price", "0"), ("Valeur technique", "other", "100")), "doit être un nombre entier entre 1 et 100"),
        ((("Prix", "price", "quarante"),), "Saisissez un nombre entier."),
        ((("", "other", ""),), "Indiquez au moins un critère d'attribution."),
    ],
)
def test_criteria_weights_must_sum_to_100(client, login_as, buyer, db, rows, message):
    tender = _draft_of(buyer, criteria=[])
    login_as(buyer)
    response = client.post(f"{BASE}/{tender.id}/criteres", data=_criteria(*rows))
    assert response.status_code == 422
    assert message in text(response)
    db.session.refresh(tender)
    assert tender.criteria == []


def test_criteria_are_saved(client, login_as, buyer, db):
    tender = _draft_of(buyer)
    login_as(buyer)
    response = client.post(
        f"{BASE}/{tender.id}/criteres",
        data=_criteria(("Prix", "price", "40"), ("Valeur technique", "other", "40"), ("", "other", ""),
                       ("Performance sociale et environnementale", "other", "20")),
    )
    assert response.status_code == 302
    db.session.refresh(tender)
    assert [(c.position, c.name, c.kind, c.weight) for c in tender.criteria] == [
        (1, "Prix", CriterionKind.PRICE, 40),
        (2, "Valeur technique", CriterionKind.OTHER, 40),
        (3, "Performance sociale et environnementale", CriterionKind.OTHER, 20),
    ]


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (PDF_BYTES, "reglement.pdf", "application/pdf"),
        (DOCX_BYTES, "ccap.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (XLSX_BYTES, "bpu.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (ODT_BYTES, "cctp.odt", "application/vnd.oasis.opendocument.text"),
        (ZIP_BYTES, "plans.zip", "application/zip"),
    ],
)
def test_consultation_documents_are_judged_by_their_content(client, login_as, buyer, db, data, name, content_type):
    tender = _draft_of(buyer)
    login_as(buyer)
    response = client.post(
        f"{BASE}/{tender.id}/documents",
        data={"title": "Pièce", "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.refresh(tender)
    (document,) = tender.documents
    assert document.content_type == content_type and document.original_name == name
    download = client.get(f"/appels-d-offres/{tender.id}/documents/{document.id}")
    assert download.status_code == 200 and download.data == data
    assert download.headers["Content-Type"].startswith(content_type)
    assert "attachment" in download.headers["Content-Disposition"]
    login_as(None)  # a draft's documents are private
    assert client.get(f"/appels-d-offres/{tender.id}/documents/{document.id}").status_code == 404


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"MZ\x90\x00 executable", "reglement.pdf"), (b"<html><script>alert(1)</script>", "cctp.docx"),
     (b"PK\x03\x04 not really a zip", "plans.zip"), (b"", "vide.pdf")],
)
def test_other_files_are_refused(client, login_as, buyer, db, data, name):
    tender = _draft_of(buyer)
    login_as(buyer)
    response = client.post(
        f"{BASE}/{tender.id}/documents",
        data={"title": "", "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    error = text(response).split('id="file-error">')[1].split("</p>")[0]
    assert "n'est pas un PDF" in error or "vide" in error or "contient du code" in error
    db.session.refresh(tender)
    assert tender.documents == []


def test_a_draft_document_can_be_deleted_after_confirmation(client, login_as, buyer, db):
    tender = _draft_of(buyer)
    login_as(buyer)
    client.post(f"{BASE}/{tender.id}/documents", data={"file": (io.BytesIO(PDF_BYTES), "rc.pdf")},
                content_type="multipart/form-data")
    db.session.refresh(tender)
    document = tender.documents[0]
    url = f"{BASE}/{tender.id}/documents/{document.id}/supprimer"
    assert "Supprimer le document" in text(client.get(url))
    assert client.post(url).status_code == 302
    db.session.refresh(tender)
    assert tender.documents == []


def test_publishing_asks_for_confirmation_then_publishes(client, login_as, buyer, db):
    tender = _draft_of(buyer)
    login_as(buyer)
    page = client.get(f"{BASE}/{tender.id}/publier")
    assert "Publier maintenant" in text(page)
    assert tender.status is TenderStatus.DRAFT
    response = client.post(f"{BASE}/{tender.id}/publier")
    assert response.headers["Location"].endswith(f"/appels-d-offres/{tender.id}")
    assert tender.status is TenderStatus.PUBLISHED and tender.published_at == now_utc()
    # its content is now frozen
    assert client.get(f"{BASE}/{tender.id}/lots").status_code == 302
    assert client.post(f"{BASE}/{tender.id}/modifier", data=tender_form(title="Autre")).status_code == 302
    assert tender.title != "Autre"


def test_an_incomplete_draft_is_not_published(client, login_as, buyer, db):
    tender = _draft_of(buyer, lots=[], criteria=[("Prix", CriterionKind.PRICE, 60)])
    login_as(buyer)
    page = client.get(f"{BASE}/{tender.id}/publier")
    assert "Ajoutez au moins un lot." in text(page)
    assert "elle est de 60" in text(page)
    assert "Publier maintenant" not in text(page)
    client.post(f"{BASE}/{tender.id}/publier")
    assert tender.status is TenderStatus.DRAFT


def test_a_draft_whose_deadlines_have_passed_is_not_published(client, login_as, buyer, db):
    tender = _draft_of(buyer)
    advance(dt.timedelta(days=11))  # past the question deadline
    login_as(buyer)
    client.post(f"{BASE}/{tender.id}/publier")
    assert tender.status is TenderStatus.DRAFT
    assert "La date limite des questions doit être dans le futur." in text(client.get(f"{BASE}/{tender.id}"))


def test_a_draft_can_be_deleted(client, login_as, buyer, db):
    tender = _draft_of(buyer)
    tender_id = tender.id
    login_as(buyer)
    assert "Supprimer le brouillon" in text(client.get(f"{BASE}/{tender_id}/supprimer"))
    assert client.post(f"{BASE}/{tender_id}/supprimer").status_code == 302
    assert db.session.get(Tender, tender_id) is None
    published = TenderFactory(buyer_organisation=buyer.buyer_memberships[0].organisation)
    db.session.commit()
    client.post(f"{BASE}/{published.id}/supprimer")
    assert db.session.get(Tender, published.id) is not None


# ---------------------------------------------------------------- after publication


def _bidder_on(tender):
    from marketplace.extensions import db
    from marketplace.procurement.bids.services import create_bid

    user, vendor = vendor_member()
    create_bid(tender.lots[0], vendor, user)
    db.session.commit()
    return user


def _amend(client, tender, **overrides):
    data = {"note": "Report de deux semaines.", "question_deadline": paris(10), "submission_deadline": paris(20)}
    data.update(overrides)
    return client.post(f"{BASE}/{tender.id}/avis-rectificatif", data=data, content_type="multipart/form-data")


def _tender_at_noon(buyer):
    from marketplace.extensions import db

    noon = lambda days: dt.datetime(2026, 3, 2, 11, 0, tzinfo=dt.UTC) + dt.timedelta(days=days)  # noqa: E731
    tender = TenderFactory(buyer_organisation=buyer.buyer_memberships[0].organisation,
                           question_deadline=noon(10), submission_deadline=noon(20))
    db.session.commit()
    return tender


def test_postponing_publishes_an_amendment_and_tells_the_bidders(client, login_as, buyer, db, outbox):
    tender = _tender_at_noon(buyer)
    bidder = _bidder_on(tender)
    bystander, _ = vendor_member()
    login_as(buyer)
    response = _amend(client, tender, submission_deadline=paris(34), document_title="Plan des sites",
                      document=(io.BytesIO(PDF_BYTES), "plan.pdf"))
    assert response.status_code == 302
    assert tender.submission_deadline == dt.datetime(2026, 4, 5, 10, 0, tzinfo=dt.UTC)  # summer time
    (amendment,) = tender.amendments
    assert amendment.number == 1 and amendment.note == "Report de deux semaines."
    assert amendment.previous_submission_deadline == dt.datetime(2026, 3, 22, 11, 0, tzinfo=dt.UTC)
    assert [d.title for d in tender.documents] == ["Plan des sites"]
    assert tender.documents[0].amendment_id == amendment.id
    event = events_for(tender)[-1]
    assert event.action == "tender.amended" and event.data["amendment"] == 1
    (mail,) = outbox(bidder.email)
    assert "Avis rectificatif n°1" in mail.subject
    assert "Report de deux semaines." in mail.body and "Plan des sites" in mail.body
    assert outbox(bystander.email) == []
    page = client.get(f"/appels-d-offres/{tender.id}")
    assert "Report de deux semaines." in text(page) and "Plan des sites" in text(page)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"submission_deadline": paris(19)}, "peut être reportée, pas avancée"),
        ({"question_deadline": paris(9)}, "peut être reportée, pas avancée"),
        ({"question_deadline": paris(21)}, "doit précéder"),
        ({}, "rien n'a changé"),
        ({"note": "", "submission_deadline": paris(30)}, "Expliquez la modification"),
    ],
)
def test_shortening_or_empty_amendments_are_refused(client, login_as, buyer, db, outbox, overrides, message):
    tender = _tender_at_noon(buyer)
    before = (tender.question_deadline, tender.submission_deadline)
    login_as(buyer)
    response = _amend(client, tender, **overrides)
    assert response.status_code == 422
    assert message in text(response)
    db.session.refresh(tender)
    assert (tender.question_deadline, tender.submission_deadline) == before
    assert tender.amendments == [] and outbox() == []


def test_no_edit_once_the_deadline_has_passed_even_before_the_job_runs(client, login_as, buyer, db):
    tender = _tender_at_noon(buyer)
    advance(dt.timedelta(days=21))
    assert tender.status is TenderStatus.PUBLISHED  # the clock job has not run
    login_as(buyer)
    page = client.get(f"{BASE}/{tender.id}/avis-rectificatif")
    assert "ne peut plus être modifié" in text(page)
    response = _amend(client, tender, submission_deadline=paris(40))
    assert response.status_code == 422
    assert "La date limite de remise des offres est passée" in text(response)
    assert tender.amendments == []


def test_cancelling_needs_a_reason_and_tells_the_bidders(client, login_as, buyer, db, outbox):
    tender = _tender_at_noon(buyer)
    bidder = _bidder_on(tender)
    login_as(buyer)
    assert "Motif de l'annulation" in text(client.get(f"{BASE}/{tender.id}/annuler"))
    refused = client.post(f"{BASE}/{tender.id}/annuler", data={"reason": ""})
    assert refused.status_code == 422 and tender.status is TenderStatus.PUBLISHED
    client.post(f"{BASE}/{tender.id}/annuler", data={"reason": "Budget non voté."})
    assert tender.status is TenderStatus.CANCELLED and tender.cancel_reason == "Budget non voté."
    (mail,) = outbox(bidder.email)
    assert "annulé" in mail.subject and "Budget non voté." in mail.body
    page = client.get(f"/appels-d-offres/{tender.id}")
    assert "Budget non voté." in text(page) and "Annulé" in text(page)


def test_the_evaluation_starts_only_after_the_deadline(client, login_as, buyer, db):
    tender = _tender_at_noon(buyer)
    login_as(buyer)
    client.post(f"{BASE}/{tender.id}/analyse")
    assert tender.status is TenderStatus.PUBLISHED
    advance(dt.timedelta(days=21))
    assert "Ouvrir l'analyse des offres" in text(client.get(f"{BASE}/{tender.id}"))
    client.post(f"{BASE}/{tender.id}/analyse")  # closes first: the job has not run
    assert tender.status is TenderStatus.UNDER_EVALUATION
    assert [e.action for e in events_for(tender)][-2:] == ["tender.closed", "tender.evaluation_started"]


def test_a_member_of_two_organisations_chooses_which_one_publishes(client, login_as, buyer, db):
    from tests.factories import BuyerOrganisationFactory

    second = BuyerMembershipFactory(user=buyer).organisation
    stranger = BuyerOrganisationFactory()
    db.session.commit()
    login_as(buyer)
    assert 'name="organisation_id"' in text(client.get(f"{BASE}/nouveau"))
    refused = client.post(f"{BASE}/nouveau", data=tender_form(organisation_id=str(stranger.id)))
    assert refused.status_code == 422
    assert "Choisissez une organisation dont vous êtes membre." in text(refused)
    client.post(f"{BASE}/nouveau", data=tender_form(organisation_id=str(second.id)))
    tender = db.session.scalar(sa.select(Tender))
    assert tender.buyer_organisation == second
