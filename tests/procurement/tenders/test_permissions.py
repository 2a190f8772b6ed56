"""Who may do what: buyers of another organisation, vendors, consumers, anonymous visitors, admins."""
from __future__ import annotations

import pytest

from marketplace.procurement.tenders.models import TenderStatus
from tests.factories import BuyerMembershipFactory, UserFactory
from tests.factories.tenders import TenderFactory, TenderQuestionFactory, buyer_of, vendor_member

BASE = "/compte/professionnels/appels-d-offres"
PAGES = ["", "/modifier", "/lots", "/criteres", "/documents", "/publier", "/avis-rectificatif", "/annuler",
         "/supprimer", "/questions"]
POSTS = ["/modifier", "/lots", "/criteres", "/documents", "/publier", "/avis-rectificatif", "/annuler",
         "/supprimer", "/analyse", "/questions/{q}/repondre", "/documents/1/supprimer"]


@pytest.fixture
def tenders(db):
    draft = TenderFactory(draft=True)
    published = TenderFactory(buyer_organisation=draft.buyer_organisation)
    question = TenderQuestionFactory(tender=published)
    owner = buyer_of(draft)
    db.session.commit()
    return {"draft": draft, "published": published, "question": question, "owner": owner}


@pytest.mark.parametrize("which", ["draft", "published"])
def test_a_buyer_of_another_organisation_gets_404_everywhere(client, login_as, db, tenders, which):
    tender = tenders[which]
    stranger = BuyerMembershipFactory().user
    db.session.commit()
    login_as(stranger)
    for suffix in PAGES:
        assert client.get(f"{BASE}/{tender.id}{suffix}").status_code == 404, suffix
    for suffix in POSTS:
        url = f"{BASE}/{tender.id}{suffix.format(q=tenders['question'].id)}"
        assert client.post(url, data={"reason": "x", "note": "x"}).status_code == 404, suffix
    assert tender.status is (TenderStatus.DRAFT if which == "draft" else TenderStatus.PUBLISHED)
    assert tenders["question"].answer is None
    assert tender.title not in client.get(BASE).text


def test_vendors_and_consumers_are_refused_the_buyer_space(client, login_as, db, tenders):
    vendor_user, _ = vendor_member()
    for user in (vendor_user, UserFactory()):
        db.session.commit()
        login_as(user)
        assert client.get(BASE).status_code == 403
        assert client.get(f"{BASE}/{tenders['draft'].id}").status_code == 403
        assert client.post(f"{BASE}/{tenders['published'].id}/annuler", data={"reason": "x"}).status_code == 403
    login_as(None)
    response = client.get(f"{BASE}/{tenders['draft'].id}")
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]
    assert tenders["published"].status is TenderStatus.PUBLISHED


def test_the_owner_and_administrators_manage(client, login_as, db, tenders):
    admin = UserFactory(admin=True)
    db.session.commit()
    for user in (tenders["owner"], admin):
        login_as(user)
        for suffix in PAGES:
            assert client.get(f"{BASE}/{tenders['draft'].id}{suffix}").status_code in (200, 302), suffix
        assert client.get(f"{BASE}/{tenders['published'].id}/questions").status_code == 200


def test_the_buyer_space_links_to_the_tenders(client, login_as, db, tenders):
    login_as(tenders["owner"])
    assert BASE in client.get("/compte/professionnels").text
    listing = client.get(BASE).text
    assert tenders["draft"].title in listing and tenders["published"].title in listing
    assert tenders["draft"].title in client.get(f"{BASE}?statut=draft").text
    assert tenders["published"].title not in client.get(f"{BASE}?statut=draft").text


def test_the_public_pages_are_open_to_everyone(client, login_as, db, tenders):
    for user in (None, UserFactory(), tenders["owner"]):
        db.session.commit()
        login_as(user)
        assert client.get("/appels-d-offres").status_code == 200
        assert client.get(f"/appels-d-offres/{tenders['published'].id}").status_code == 200
    assert 'href="/appels-d-offres"' in client.get("/").text
