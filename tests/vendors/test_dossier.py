"""The applicant's dossier through the web: sections, validation, submission, read-only, info requested."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from marketplace.core.clock import freeze
from marketplace.core.identifiers import make_siret
from marketplace.vendors import workflow
from marketplace.vendors.models import (
    Application,
    ApplicationStatus,
    CharterSignature,
    LegalForm,
    MemberRole,
    Sector,
    Vendor,
    VendorStatus,
)
from tests.factories import UserFactory, VendorFactory
from tests.vendors.conftest import jpeg_bytes, png_bytes

S = ApplicationStatus


def _identity(**overrides):
    data = {
        "name": "La Miellerie Solidaire",
        "legal_name": "La Miellerie Solidaire SCOP SARL",
        "siret": make_siret(424242),
        "legal_form": "scop",
        "esus_agrement": "oui",
        "year_founded": "2012",
        "staff_count": "9",
        "insertion_jobs": "3",
    }
    data.update(overrides)
    return data


def _create(client, **overrides):
    return client.post("/espace-fournisseur/nouvelle-structure", data=_identity(**overrides))


def _vendor(db, name="La Miellerie Solidaire") -> Vendor:
    return db.session.scalars(sa.select(Vendor).where(Vendor.name == name)).one()


def test_become_button_leads_a_consumer_to_create_a_structure(client, login_as, db):
    user = UserFactory()
    login_as(user)
    response = _create(client)
    assert response.status_code == 302
    vendor = _vendor(db)
    assert response.headers["Location"].endswith(f"/espace-fournisseur/{vendor.id}/dossier/territoire")
    assert vendor.status == VendorStatus.CANDIDATE
    assert vendor.legal_form == LegalForm.SCOP and vendor.esus_agrement is True
    assert (vendor.year_founded, vendor.staff_count, vendor.insertion_jobs) == (2012, 9, 3)
    assert vendor.slug == "la-miellerie-solidaire"
    assert [(m.user_id, m.role) for m in vendor.memberships] == [(user.id, MemberRole.OWNER)]
    applications = db.session.scalars(sa.select(Application).where(Application.vendor_id == vendor.id)).all()
    assert [(a.status, a.created_by_id) for a in applications] == [(S.DRAFT, user.id)]
    # the creator now has the vendor space
    assert client.get("/espace-fournisseur").status_code == 200


def test_create_requires_sign_in(client):
    response = client.get("/espace-fournisseur/nouvelle-structure")
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]


@pytest.mark.parametrize(
    "siret,message",
    [
        ("12345678901234", "SIRET n&#39;est pas valide"),
        ("1234", "SIRET n&#39;est pas valide"),
        ("abcdefghijklmn", "SIRET n&#39;est pas valide"),
    ],
)
def test_invalid_siret_refused_with_french_message(client, login_as, db, siret, message):
    login_as(UserFactory())
    response = _create(client, siret=siret)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vendor)) == 0


def test_siret_luhn_key_is_checked(client, login_as, db):
    good = make_siret(777)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    login_as(UserFactory())
    assert _create(client, siret=bad).status_code == 200
    assert _create(client, siret=good).status_code == 302


def test_duplicate_siret_refused(client, login_as, db):
    existing = VendorFactory()
    login_as(UserFactory())
    response = _create(client, siret=existing.siret)
    assert response.status_code == 200
    assert "déjà inscrite" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vendor)) == 1


def test_negative_staff_and_bad_integers_refused(client, login_as, db):
    login_as(UserFactory())
    response = _create(client, staff_count="-2", year_founded="deux mille")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Indiquez un nombre positif ou nul." in body
    assert "Saisissez un nombre entier." in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vendor)) == 0


def test_draft_can_be_saved_with_only_a_name(client, login_as, db):
    login_as(UserFactory())
    response = client.post("/espace-fournisseur/nouvelle-structure", data={"name": "Atelier Vélo", "legal_form": ""})
    assert response.status_code == 302
    vendor = _vendor(db, "Atelier Vélo")
    assert vendor.siret is None and vendor.legal_form is None


@pytest.fixture
def draft(client, login_as, db, criteria, charter):
    """A new structure created through the web by a signed-in owner."""
    owner = UserFactory()
    login_as(owner)
    assert _create(client).status_code == 302
    vendor = _vendor(db)
    return vendor, owner


def _url(vendor, section=""):
    return f"/espace-fournisseur/{vendor.id}/dossier" + (f"/{section}" if section else "")


def test_territory_eligible_address_sets_departement_and_region(client, draft):
    vendor, _owner = draft
    response = client.post(_url(vendor, "territoire"), data={"address": "3 quai Perrache", "postal_code": "69002", "commune": "Lyon"})
    assert response.status_code == 302
    assert (vendor.departement_code, vendor.region_code, vendor.commune) == ("69", "84", "Lyon")


def test_territory_outside_is_refused_naming_the_departement(client, draft):
    vendor, _owner = draft
    response = client.post(_url(vendor, "territoire"), data={"address": "1 rue de Rivoli", "postal_code": "75001", "commune": "Paris"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Paris (75)" in body
    assert "Isère (38)" in body and "Rhône (69)" in body  # the territory served
    assert vendor.postal_code is None and vendor.address is None  # nothing half-written


def test_territory_eligible_list_comes_from_config(client, draft, app):
    vendor, _owner = draft
    app.config["ELIGIBLE_DEPARTEMENTS"] = ["75"]
    try:
        response = client.post(_url(vendor, "territoire"), data={"postal_code": "75001"})
    finally:
        app.config["ELIGIBLE_DEPARTEMENTS"] = "01,03,07,15,26,38,42,43,63,69,73,74".split(",")
    assert response.status_code == 302
    assert vendor.departement_code == "75"


def test_territory_unknown_postal_code(client, draft):
    vendor, _owner = draft
    response = client.post(_url(vendor, "territoire"), data={"postal_code": "ABCDE"})
    assert response.status_code == 200
    assert "Code postal inconnu" in response.get_data(as_text=True)


def test_activity_section_with_sectors_and_logo(client, draft, app):
    vendor, _owner = draft
    response = client.post(
        _url(vendor, "activite"),
        data={
            "sectors": ["alimentation", "reemploi"],
            "description": "Miel de Chartreuse, apiculture d'insertion.",
            "website": "https://miellerie.example.org",
            "logo": (io.BytesIO(png_bytes()), "logo.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert set(vendor.sectors) == {Sector.ALIMENTATION, Sector.REEMPLOI}
    assert vendor.logo_path and vendor.logo_path.endswith(".png") and "logo" not in vendor.logo_path
    logo = client.get(f"/fournisseurs/{vendor.slug}/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    assert logo.headers["X-Content-Type-Options"] == "nosniff"
    # a candidate's logo is not public
    anonymous = app.test_client()
    assert anonymous.get(f"/fournisseurs/{vendor.slug}/logo").status_code == 404


@pytest.mark.parametrize(
    "payload,filename,message",
    [
        (b"GIF89a not really", "logo.png", "PNG ou JPEG valide"),
        (b"%PDF-1.4 a pdf", "logo.jpg", "PNG ou JPEG valide"),
        (None, "big.jpg", "taille maximale"),
    ],
)
def test_bad_logo_refused(client, draft, payload, filename, message):
    vendor, _owner = draft
    if payload is None:
        payload = jpeg_bytes() + b"\0" * (1024 * 1024)
    response = client.post(
        _url(vendor, "activite"),
        data={"sectors": ["alimentation"], "description": "Texte", "logo": (io.BytesIO(payload), filename)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert vendor.logo_path is None
    assert vendor.sectors == []  # nothing half-written


def test_activity_website_must_be_a_url(client, draft):
    vendor, _owner = draft
    response = client.post(_url(vendor, "activite"), data={"sectors": ["culture"], "website": "chez nous"})
    assert response.status_code == 200
    assert "https://" in response.get_data(as_text=True)
    assert vendor.website is None


def test_commitments_one_answer_per_active_criterion(client, draft, criteria, db):
    vendor, _owner = draft
    page = client.get(_url(vendor, "engagements")).get_data(as_text=True)
    assert "Utilité sociale" in page and "Gouvernance" in page and "Critère retiré" not in page
    data = {f"criterion_{c.id}": f"Réponse {c.code}" for c in criteria}
    assert client.post(_url(vendor, "engagements"), data=data).status_code == 302
    application = db.session.scalars(sa.select(Application).where(Application.vendor_id == vendor.id)).one()
    assert {a.criterion_id: a.text for a in application.answers} == {c.id: f"Réponse {c.code}" for c in criteria}


def test_charter_acceptance_is_recorded(client, draft, charter, db):
    vendor, owner = draft
    page = client.get(_url(vendor, "charte")).get_data(as_text=True)
    assert "utilité sociale" in page  # the charter text from the database
    response = client.post(_url(vendor, "charte"), data={"charter_id": str(charter.id)})
    assert response.status_code == 200
    assert "Cochez la case" in response.get_data(as_text=True)
    assert client.post(_url(vendor, "charte"), data={"charter_id": str(charter.id), "accept": "y"}).status_code == 302
    signature = db.session.scalars(sa.select(CharterSignature).where(CharterSignature.vendor_id == vendor.id)).one()
    assert (signature.charter_version_id, signature.signed_by_id) == (charter.id, owner.id)
    assert signature.signed_at is not None


def test_charter_acceptance_of_a_superseded_version_refused(client, draft, charter, db):
    from tests.factories import CharterVersionFactory

    vendor, _owner = draft
    CharterVersionFactory(version=2, published_at=dt.datetime(2021, 1, 1, tzinfo=dt.UTC))
    response = client.post(_url(vendor, "charte"), data={"charter_id": str(charter.id), "accept": "y"})
    assert response.status_code == 200
    assert "nouvelle version" in response.get_data(as_text=True)


def test_submit_lists_exactly_what_is_missing(client, draft, db):
    vendor, _owner = draft
    response = client.post(_url(vendor, "deposer"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    application = db.session.scalars(sa.select(Application).where(Application.vendor_id == vendor.id)).one()
    assert application.status == S.DRAFT
    from markupsafe import escape

    for item in workflow.missing_items(application):
        assert str(escape(item)) in body
    assert "statuts" in body and "Utilité sociale" in body


@pytest.fixture
def submitted(db, make_dossier, login_as, client, committee):
    application, owner = make_dossier()
    login_as(owner)
    response = client.post(f"/espace-fournisseur/{application.vendor_id}/dossier/deposer")
    assert response.status_code == 302
    assert application.status == S.SUBMITTED
    return application, owner


def test_submission_through_the_web(submitted, client, outbox, committee):
    application, owner = submitted
    page = client.get(f"/espace-fournisseur/{application.vendor_id}/dossier").get_data(as_text=True)
    assert "Déposée" in page and "Candidature déposée" in page  # status and history
    assert outbox(to=committee[0].email)


@pytest.mark.parametrize(
    "section,data",
    [
        ("identite", {"name": "Nouveau nom", "legal_form": "scop", "esus_agrement": "non"}),
        ("territoire", {"postal_code": "38100", "address": "Ailleurs", "commune": "Grenoble"}),
        ("activite", {"sectors": ["culture"], "description": "Réécrit"}),
        ("engagements", {}),
    ],
)
def test_dossier_read_only_after_submission(submitted, client, section, data):
    application, _owner = submitted
    vendor = application.vendor
    before = (vendor.name, vendor.address, vendor.description, [a.text for a in application.answers])
    response = client.post(f"/espace-fournisseur/{vendor.id}/dossier/{section}", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/espace-fournisseur/{vendor.id}/dossier")
    assert (vendor.name, vendor.address, vendor.description, [a.text for a in application.answers]) == before
    assert client.get(f"/espace-fournisseur/{vendor.id}/dossier/{section}").status_code == 302


def test_info_requested_edit_and_resubmit(submitted, client, committee, db, outbox):
    application, owner = submitted
    vendor = application.vendor
    workflow.start_review(application, committee[1])
    workflow.request_info(application, committee[1], "Combien de postes en insertion ?")
    db.session.commit()

    page = client.get(f"/espace-fournisseur/{vendor.id}/dossier").get_data(as_text=True)
    assert "Combien de postes en insertion ?" in page
    assert "Répondre et renvoyer le dossier" in page

    # fields are editable again
    data = {"name": vendor.name, "legal_form": "scop", "esus_agrement": "non", "siret": vendor.siret,
            "legal_name": vendor.legal_name, "year_founded": "2010", "staff_count": "12", "insertion_jobs": "7"}
    assert client.post(f"/espace-fournisseur/{vendor.id}/dossier/identite", data=data).status_code == 302
    assert vendor.insertion_jobs == 7

    # an empty answer is refused, nothing changes
    response = client.post(f"/espace-fournisseur/{vendor.id}/dossier/repondre", data={"answer": " "})
    assert response.status_code == 422
    assert application.status == S.INFO_REQUESTED

    response = client.post(f"/espace-fournisseur/{vendor.id}/dossier/repondre", data={"answer": "Sept postes depuis janvier."})
    assert response.status_code == 302
    assert application.status == S.IN_REVIEW
    assert "Sept postes depuis janvier." in outbox(to=committee[0].email)[-1].body
    page = client.get(f"/espace-fournisseur/{vendor.id}/dossier").get_data(as_text=True)
    assert "Sept postes depuis janvier." in page
    # read-only again
    data["insertion_jobs"] = "1"
    client.post(f"/espace-fournisseur/{vendor.id}/dossier/identite", data=data)
    assert vendor.insertion_jobs == 7


def test_withdraw_asks_for_confirmation(submitted, client):
    application, _owner = submitted
    url = f"/espace-fournisseur/{application.vendor_id}/dossier/retirer"
    page = client.get(url)
    assert page.status_code == 200 and "Oui, retirer la candidature" in page.get_data(as_text=True)
    assert application.status == S.SUBMITTED
    assert client.post(url).status_code == 302
    assert application.status == S.WITHDRAWN


def test_another_vendor_cannot_see_or_edit_the_dossier(submitted, client, login_as, db):
    application, _owner = submitted
    from tests.factories import VendorMembershipFactory

    other = VendorMembershipFactory().user
    db.session.commit()
    login_as(other)
    assert client.get(f"/espace-fournisseur/{application.vendor_id}/dossier").status_code == 404
    assert client.post(f"/espace-fournisseur/{application.vendor_id}/dossier/retirer").status_code == 404
    assert application.status == S.SUBMITTED


def test_new_application_after_rejection_respects_the_delay(db, make_dossier, committee, client, login_as):
    freeze(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    application, owner = make_dossier(status=S.IN_REVIEW)
    workflow.reject(application, committee[0], "Non.")
    db.session.commit()
    login_as(owner)
    page = client.get("/espace-fournisseur").get_data(as_text=True)
    assert "31 août 2026" in page
    assert client.post(f"/espace-fournisseur/{application.vendor_id}/nouvelle-candidature").status_code == 302
    latest = db.session.scalars(
        sa.select(Application).where(Application.vendor_id == application.vendor_id).order_by(Application.id.desc())
    ).first()
    assert latest.id != application.id and latest.status == S.DRAFT
    assert len(latest.answers) == len(application.answers)
    response = client.post(f"/espace-fournisseur/{application.vendor_id}/dossier/deposer")
    assert response.status_code == 302
    assert latest.status == S.DRAFT
    freeze(dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC))
    client.post(f"/espace-fournisseur/{application.vendor_id}/dossier/deposer")
    assert latest.status == S.SUBMITTED


def test_submission_needs_the_csrf_token(csrf_app, db, make_dossier, client, login_as, committee):
    from tests.conftest import csrf_token_from

    application, owner = make_dossier()
    db.session.commit()
    login_as(owner)
    url = f"/espace-fournisseur/{application.vendor_id}/dossier"
    assert client.post(f"{url}/deposer").status_code == 400
    assert application.status == S.DRAFT
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    assert client.post(f"{url}/deposer", data={"csrf_token": token}).status_code == 302
    assert application.status == S.SUBMITTED
