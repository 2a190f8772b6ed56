from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import BuyerKind, BuyerOrganisation
from marketplace.core.audit import events_for
from marketplace.core.identifiers import make_siret
from marketplace.extensions import db
from tests.factories import BuyerMembershipFactory, BuyerOrganisationFactory

SIRET = make_siret(21380185)


def _form(**overrides):
    data = {
        "name": "Commune de Voiron",
        "kind": "commune",
        "siret": SIRET,
        "address": "Place Léon Chaloin",
        "postal_code": "38500",
        "commune": "Voiron",
        "payment_term_days": "",
    }
    data.update(overrides)
    return data


def _organisations():
    return list(db.session.scalars(sa.select(BuyerOrganisation).order_by(BuyerOrganisation.id)))


def test_organisations_are_listed_by_name_with_their_members(db, as_admin):
    BuyerOrganisationFactory(name="Zèbre SA")
    org = BuyerOrganisationFactory(name="Atelier Commun")
    BuyerMembershipFactory.create_batch(2, organisation=org)
    db.session.commit()

    html = as_admin.get("/admin/organisations").text

    assert html.index("Atelier Commun") < html.index("Zèbre SA")
    row = html[html.index("Atelier Commun") :]
    assert "<td>2</td>" in row[: row.index("</tr>")]


def test_organisations_can_be_searched_by_name_or_siret(db, as_admin):
    BuyerOrganisationFactory(name="CSE Rhône Énergie", siret=make_siret(44306184))
    BuyerOrganisationFactory(name="Mairie de Die")
    db.session.commit()

    by_name = as_admin.get("/admin/organisations?q=rhône").text
    by_siret = as_admin.get(f"/admin/organisations?q={make_siret(44306184)[:9]}").text
    nothing = as_admin.get("/admin/organisations?q=introuvable").text

    assert "CSE Rhône Énergie" in by_name and "Mairie de Die" not in by_name
    assert "CSE Rhône Énergie" in by_siret and "Mairie de Die" not in by_siret
    assert "Aucune organisation ne correspond" in nothing


def test_organisations_list_is_paginated_and_has_an_empty_state(db, as_admin):
    empty = as_admin.get("/admin/organisations").text
    BuyerOrganisationFactory.create_batch(26)
    db.session.commit()

    second = as_admin.get("/admin/organisations?page=2").text

    assert "Aucune organisation acheteuse pour l'instant" in empty
    assert (
        "Page 2 sur 2" in second
        and second.count('href="/admin/organisations/') - second.count('href="/admin/organisations/nouvelle"')
        == 1
    )


def test_a_public_buyer_is_created_with_its_departement_and_a_30_day_term(db, as_admin, admin):
    form = as_admin.get("/admin/organisations/nouvelle")
    response = as_admin.post("/admin/organisations/nouvelle", data=_form(siret=SIRET[:3] + " " + SIRET[3:]))

    assert form.status_code == 200
    assert response.status_code == 302
    [org] = _organisations()
    assert response.headers["Location"].endswith(f"/admin/organisations/{org.id}")
    assert (org.name, org.kind, org.siret) == ("Commune de Voiron", BuyerKind.COMMUNE, SIRET)
    assert (org.postal_code, org.departement_code, org.payment_term_days) == ("38500", "38", 30)
    [event] = events_for(org)
    assert event.action == "buyer_organisation.created" and event.actor_id == admin.id
    page = as_admin.get(f"/admin/organisations/{org.id}").text
    assert "Isère (38)" in page and "30 jours" in page


def test_a_private_buyer_defaults_to_60_days_and_the_term_is_editable(db, as_admin):
    as_admin.post("/admin/organisations/nouvelle", data=_form(kind="company", name="Entreprise A"))
    as_admin.post(
        "/admin/organisations/nouvelle",
        data=_form(kind="region", name="Région", siret=make_siret(23690002), payment_term_days="45"),
    )

    company, region = _organisations()
    assert company.payment_term_days == 60
    assert region.payment_term_days == 45


def test_corsican_postal_codes_map_to_their_departement(db, as_admin):
    as_admin.post("/admin/organisations/nouvelle", data=_form(postal_code="20200", commune="Bastia"))

    [org] = _organisations()
    assert org.departement_code == "2B"


def test_invalid_siret_is_refused_in_french_and_nothing_is_written(db, as_admin):
    response = as_admin.post(
        "/admin/organisations/nouvelle", data=_form(siret=SIRET[:-1] + str((int(SIRET[-1]) + 1) % 10))
    )

    assert response.status_code == 200
    assert 'id="siret-error">Ce numéro SIRET n\'est pas valide' in response.text
    assert _organisations() == []


def test_bad_postal_code_and_term_are_refused(db, as_admin):
    postal = as_admin.post("/admin/organisations/nouvelle", data=_form(postal_code="3800"))
    term = as_admin.post("/admin/organisations/nouvelle", data=_form(payment_term_days="trente"))
    too_long = as_admin.post("/admin/organisations/nouvelle", data=_form(payment_term_days="365"))
    kind = as_admin.post("/admin/organisations/nouvelle", data=_form(kind="pirate"))

    assert "Code postal inconnu" in postal.text
    assert "Saisissez un nombre entier de jours." in term.text
    assert "entre 0 et 120 jours" in too_long.text
    assert 'id="kind-error"' in kind.text
    assert _organisations() == []


def test_a_siret_is_unique(db, as_admin):
    BuyerOrganisationFactory(name="Déjà là", siret=SIRET)
    db.session.commit()

    response = as_admin.post("/admin/organisations/nouvelle", data=_form())

    assert "Une organisation utilise déjà ce numéro SIRET : Déjà là." in response.text
    assert len(_organisations()) == 1


def test_an_organisation_is_edited_and_the_changes_are_audited(db, as_admin):
    org = BuyerOrganisationFactory(name="Mairie", siret=SIRET, payment_term_days=30)
    db.session.commit()

    form = as_admin.get(f"/admin/organisations/{org.id}/modifier").text
    response = as_admin.post(
        f"/admin/organisations/{org.id}/modifier",
        data=_form(name="Mairie de Voiron", payment_term_days="20", postal_code="26150", commune="Die"),
    )

    assert 'value="Mairie"' in form and '<option selected value="commune">' in form
    assert response.status_code == 302
    db.session.refresh(org)
    assert (org.name, org.payment_term_days, org.departement_code, org.siret) == (
        "Mairie de Voiron",
        20,
        "26",
        SIRET,
    )
    [event] = events_for(org)
    assert event.action == "buyer_organisation.updated"
    assert event.data["changes"]["name"] == ["Mairie", "Mairie de Voiron"]
    assert event.data["changes"]["payment_term_days"] == [30, 20]
    assert "siret" not in event.data["changes"]


def test_editing_cannot_take_another_organisations_siret(db, as_admin):
    BuyerOrganisationFactory(siret=SIRET)
    org = BuyerOrganisationFactory(name="Autre")
    db.session.commit()

    response = as_admin.post(f"/admin/organisations/{org.id}/modifier", data=_form(name="Autre"))

    assert "Une organisation utilise déjà ce numéro SIRET" in response.text
    db.session.refresh(org)
    assert org.siret != SIRET


def test_unknown_organisation_is_404(db, as_admin):
    assert as_admin.get("/admin/organisations/999999").status_code == 404
    assert as_admin.get("/admin/organisations/999999/modifier").status_code == 404
    assert (
        as_admin.post("/admin/organisations/999999/membres", data={"email": "a@exemple.fr"}).status_code
        == 404
    )
