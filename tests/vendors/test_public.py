"""Public pages: becoming a vendor, the directory, profiles, transparency."""
from __future__ import annotations

import datetime as dt

import pytest

from marketplace.core.clock import freeze
from marketplace.vendors import workflow
from marketplace.vendors.models import ApplicationStatus, LegalForm, Sector, VendorStatus
from tests.factories import VendorFactory

S = ApplicationStatus


def test_become_page(client, db, criteria, charter):
    db.session.commit()
    response = client.get("/devenir-fournisseur")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "SCOP" in body and "Entreprise adaptée (EA)" in body and "ESUS" in body
    assert "La structure poursuit une finalité d&#39;utilité sociale." in body  # the charter from the database
    assert "Utilité sociale" in body and "Gouvernance" in body and "Critère retiré" not in body
    assert "Haute-Savoie (74)" in body and "Allier (03)" in body and "Paris (75)" not in body
    assert "six semaines" in body
    assert "/espace-fournisseur/nouvelle-structure" in body


def test_become_page_without_grid_or_charter(client, db):
    body = client.get("/devenir-fournisseur").get_data(as_text=True)
    assert "sera publiée prochainement" in body


def _approved(name, sector=Sector.ALIMENTATION, legal_form=LegalForm.SCOP, dep="38", **kw):
    vendor = VendorFactory(name=name, legal_form=legal_form, departement_code=dep, **kw)
    vendor.set_sectors([sector])
    return vendor


@pytest.fixture
def listed(db):
    vendors = {
        "miel": _approved("Miellerie du Vercors", Sector.ALIMENTATION, LegalForm.SCOP, "38"),
        "velo": _approved("Atelier Vélo Lyon", Sector.MOBILITE_DOUCE, LegalForm.ASSOCIATION, "69"),
        "ea": _approved("Blanchisserie Adaptée", Sector.SERVICES_ENTREPRISES, LegalForm.EA, "38"),
        "cand": VendorFactory(name="Candidate Cachée", candidate=True),
        "susp": VendorFactory(name="Suspendue Cachée", status=VendorStatus.SUSPENDED),
        "exp": VendorFactory(name="Expirée Cachée", status=VendorStatus.EXPIRED),
        "rej": VendorFactory(name="Refusée Cachée", status=VendorStatus.REJECTED),
    }
    db.session.commit()
    return vendors


def test_directory_lists_only_approved(client, listed):
    body = client.get("/fournisseurs").get_data(as_text=True)
    for key in ("miel", "velo", "ea"):
        assert listed[key].name in body
    assert "Cachée" not in body


@pytest.mark.parametrize(
    "query,expected",
    [
        ("secteur=alimentation", {"miel"}),
        ("statut=association", {"velo"}),
        ("departement=38", {"miel", "ea"}),
        ("departement=38&statut=ea", {"ea"}),
        ("secteur=culture", set()),
        ("secteur=nimportequoi&statut=%3Cscript%3E&departement=75", {"miel", "velo", "ea"}),
    ],
)
def test_directory_filters(client, listed, query, expected):
    response = client.get(f"/fournisseurs?{query}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    shown = {key for key in ("miel", "velo", "ea") if listed[key].name in body}
    assert shown == expected


def test_directory_pagination(client, db):
    for i in range(15):
        _approved(f"Structure {i:02d}")
    db.session.commit()
    first = client.get("/fournisseurs").get_data(as_text=True)
    second = client.get("/fournisseurs?page=2").get_data(as_text=True)
    assert "Structure 00" in first and "Structure 14" not in first
    assert "Structure 14" in second and "Structure 00" not in second
    assert "Page 1 sur 2" in first
    assert client.get("/fournisseurs?page=abc").status_code == 200


def test_directory_empty_state(client, db):
    body = client.get("/fournisseurs").get_data(as_text=True)
    assert "Aucune structure n'est encore agréée" in body


@pytest.mark.parametrize("status", [VendorStatus.CANDIDATE, VendorStatus.SUSPENDED, VendorStatus.EXPIRED, VendorStatus.REJECTED])
def test_profile_404_unless_approved(client, db, status):
    vendor = VendorFactory(status=status)
    db.session.commit()
    assert client.get(f"/fournisseurs/{vendor.slug}").status_code == 404


def test_profile_of_an_approved_structure(client, db, make_dossier, committee):
    freeze(dt.datetime(2026, 4, 15, 10, 0, tzinfo=dt.UTC))
    application, _owner = make_dossier(status=S.IN_REVIEW, esus_agrement=True)
    workflow.approve(application, committee[0], "MOTIVATION-CONFIDENTIELLE")
    db.session.commit()
    vendor = application.vendor
    body = client.get(f"/fournisseurs/{vendor.slug}").get_data(as_text=True)
    assert vendor.name in body
    assert "SCOP" in body and "Agrément ESUS" in body
    assert "Alimentation" in body and "Isère (38)" in body
    assert "Agréé par le comité d'éthique le 15 avril 2026" in body
    assert "Notre engagement : Utilité sociale." in body  # commitments of the approved application
    assert "MOTIVATION-CONFIDENTIELLE" not in body
    assert "/documents/" not in body


def test_transparency_page_shows_composition_grid_counts_and_nothing_confidential(
    client, db, make_dossier, committee, criteria
):
    from marketplace.committee.models import DossierMessage

    freeze(dt.datetime(2026, 2, 10, 10, 0, tzinfo=dt.UTC))
    approved, _ = make_dossier(status=S.DRAFT)
    rejected, _ = make_dossier(status=S.DRAFT)
    pending, _ = make_dossier(status=S.DRAFT)
    for app_ in (approved, rejected, pending):
        workflow.submit(app_, app_.vendor.memberships[0].user)
        workflow.start_review(app_, committee[0])
    workflow.request_info(rejected, committee[1], "QUESTION-CONFIDENTIELLE")
    workflow.resubmit(rejected, rejected.vendor.memberships[0].user, "REPONSE-CONFIDENTIELLE")
    freeze(dt.datetime(2026, 4, 20, 10, 0, tzinfo=dt.UTC))
    workflow.approve(approved, committee[0], "MOTIVATION-CONFIDENTIELLE")
    workflow.reject(rejected, committee[0], "REFUS-CONFIDENTIEL")
    db.session.commit()
    assert db.session.query(DossierMessage).count() == 2

    body = client.get("/transparence").get_data(as_text=True)
    for member in committee:
        assert member.committee_mandates[0].organisation_name in body
        assert member.email not in body and member.display_name not in body
    assert "présidence du comité" in body and "représentation des fournisseurs" in body
    assert "Utilité sociale" in body and "Gouvernance" in body
    assert "La structure poursuit une finalité" in body
    # T1 2026: 3 received; T2 2026: 1 approved, 1 rejected
    assert "<th scope=\"row\">T1 2026</th><td>3</td><td>0</td><td>0</td>" in body
    assert "<th scope=\"row\">T2 2026</th><td>0</td><td>1</td><td>1</td>" in body
    for secret in ("CONFIDENTIEL", "QUESTION-", "REPONSE-", "/documents/", "statuts.pdf"):
        assert secret not in body


def test_dashboard_prompts_renewal_and_charter_resign(client, db, login_as, make_dossier, committee):
    from tests.factories import CharterVersionFactory

    freeze(dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC))
    application, owner = make_dossier(status=S.IN_REVIEW)
    workflow.approve(application, committee[0], "Agréée.")
    db.session.commit()
    login_as(owner)
    page = client.get("/espace-fournisseur").get_data(as_text=True)
    assert "Agréée" in page and "5 janvier 2027" in page
    assert "Demander le renouvellement" not in page
    assert "nouvelle version de la charte" not in page

    freeze(dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC))  # 56 days before expiry
    CharterVersionFactory(version=2, published_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    db.session.commit()
    page = client.get("/espace-fournisseur").get_data(as_text=True)
    assert "Demander le renouvellement" in page
    assert "nouvelle version de la charte (version 2)" in page

    vendor_id = application.vendor_id
    assert client.post(f"/espace-fournisseur/{vendor_id}/renouvellement").status_code == 302
    page = client.get(f"/espace-fournisseur/{vendor_id}/dossier").get_data(as_text=True)
    assert "Renouvellement" in page and "Brouillon" in page
    assert "Demander le renouvellement" not in client.get("/espace-fournisseur").get_data(as_text=True)

    response = client.post(f"/espace-fournisseur/{vendor_id}/dossier/charte?retour=espace", data={"accept": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/espace-fournisseur")
    assert "nouvelle version de la charte" not in client.get("/espace-fournisseur").get_data(as_text=True)


def test_charter_resign_page_for_a_structure_without_an_application(client, db, login_as, charter):
    from tests.factories import VendorMembershipFactory

    membership = VendorMembershipFactory()
    db.session.commit()
    login_as(membership.user)
    page = client.get(f"/espace-fournisseur/{membership.vendor_id}/dossier/charte?retour=espace")
    assert page.status_code == 200 and "Accepter la charte" in page.get_data(as_text=True)
    response = client.post(
        f"/espace-fournisseur/{membership.vendor_id}/dossier/charte?retour=espace", data={"accept": "y", "charter_id": str(charter.id)}
    )
    assert response.status_code == 302
    assert "nouvelle version de la charte" not in client.get("/espace-fournisseur").get_data(as_text=True)
