"""The professional space and the public page for professional buyers."""
from __future__ import annotations

from marketplace.accounts.models import BuyerKind
from marketplace.accounts.permissions import can_view_buyer_organisation, is_buyer_member
from tests.accounts.helpers import text
from tests.factories import BuyerMembershipFactory, BuyerOrganisationFactory, UserFactory


def test_buyer_space_lists_the_users_organisations(client, db, user, login_as):
    mine = BuyerMembershipFactory(
        user=user,
        organisation=BuyerOrganisationFactory(name="CSE Transports Alpins", kind=BuyerKind.WORKS_COUNCIL, payment_term_days=45),
    ).organisation
    BuyerMembershipFactory(user=user, organisation=BuyerOrganisationFactory(name="Commune de Voiron"))
    BuyerMembershipFactory(organisation=BuyerOrganisationFactory(name="Département de l'Isère"))
    login_as(user)

    response = client.get("/compte/professionnels")
    assert response.status_code == 200
    page = text(response)
    assert "CSE Transports Alpins" in page
    assert "Comité social et économique (CSE)" in page
    assert mine.siret in page
    assert "45 jours" in page
    assert page.index("Commune de Voiron") < page.index("CSE Transports Alpins")
    assert "Département de l'Isère" not in page


def test_buyer_space_is_closed_to_consumers_and_visitors(client, user, login_as):
    response = client.get("/compte/professionnels")
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]
    login_as(user)
    assert client.get("/compte/professionnels").status_code == 403


def test_admin_without_organisation_sees_an_empty_state(client, db, login_as):
    login_as(UserFactory(admin=True))
    response = client.get("/compte/professionnels")
    assert response.status_code == 200
    assert "Vous n'êtes rattaché à aucune organisation acheteuse." in text(response)


def test_buyer_organisation_predicates(db, user):
    organisation = BuyerOrganisationFactory()
    admin = UserFactory(admin=True)
    assert not is_buyer_member(user, organisation)
    assert not can_view_buyer_organisation(user, organisation)
    assert can_view_buyer_organisation(admin, organisation)
    BuyerMembershipFactory(user=user, organisation=organisation)
    assert is_buyer_member(user, organisation)
    assert can_view_buyer_organisation(user, organisation)


def test_pro_landing_is_public_and_explains_the_offer(client):
    response = client.get("/professionnels")
    assert response.status_code == 200
    page = text(response)
    for words in ("Communes", "Départements", "Entreprises", "CSE", "Demandes de devis", "Appels d'offres par lots",
                  "L2113-13", "L2113-12", "groupement", "Contacter la plateforme"):
        assert words in page, words
    assert 'href="/contact"' in page


def test_home_page_links_to_the_pro_landing(client):
    assert 'href="/professionnels"' in client.get("/").text
