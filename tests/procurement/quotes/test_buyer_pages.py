"""The buyer's pages through HTTP: the request form (picker without JavaScript), the
detail with the comparison, acceptance with confirmation, the threads."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from marketplace.core.clock import now_utc
from marketplace.procurement.quotes import pricing, quoting
from marketplace.procurement.quotes.models import QuoteRequest, QuoteStatus, RequestStatus
from marketplace.shop.models import VendorOrder
from tests.procurement.quotes.conftest import open_request, quote_data


def _form(world, **overrides):
    deadline = (now_utc() + dt.timedelta(days=12)).astimezone(dt.timezone(dt.timedelta(hours=2)))
    values = {
        "organisation_id": str(world.org_a.id),
        "title": "Repas bio pour la restauration scolaire",
        "need": "Repas bio en liaison froide, 180 couverts par jour.",
        "category_id": str(world.traiteur.id),
        "quantity": "180",
        "unit": "repas",
        "budget": "6 500",
        "delivery_commune": "Grenoble",
        "delivery_departement_code": "38",
        "response_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
        "recipient_mode": "matching",
        "publish": "Envoyer la demande",
    }
    values.update(overrides)
    return values


def _only_request(db):
    return db.session.scalars(sa.select(QuoteRequest)).one()


def test_new_request_to_matching_structures_says_how_many_were_notified(world, db, login_as, client, outbox):
    login_as(world.buyer_a)
    assert client.get("/compte/professionnels/devis/nouvelle").status_code == 200
    response = client.post("/compte/professionnels/devis/nouvelle", data=_form(world), follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Demande envoyée : 3 structures correspondantes ont été prévenues par e-mail" in page
    request = _only_request(db)
    assert request.status is RequestStatus.OPEN and request.budget_cents == 650_000
    assert request.notified_count == 3
    assert "3 structures correspondantes ont été prévenues" in page
    assert [m.to_address for m in outbox()] == [
        "contact@les-cuisines-partagees.example", "contact@comptoir-lyonnais.example",
        "contact@bocaux-du-rhone.example",
    ]


def test_picker_search_is_a_postback_that_keeps_the_choices(world, db, login_as, client):
    login_as(world.buyer_a)
    data = _form(world, recipient_mode="chosen", vendor_ids=[str(world.local.id)], search_vendors="Rechercher",
                 vendor_departement="69", publish="")
    data.pop("publish")
    response = client.post("/compte/professionnels/devis/nouvelle", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="vendor-{world.local.id}" value="{world.local.id}" checked' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuoteRequest)) == 0
    data.pop("search_vendors")
    data["publish"] = "Envoyer la demande"
    data["vendor_ids"] = [str(world.local.id), str(world.paris.id)]
    response = client.post("/compte/professionnels/devis/nouvelle", data=data, follow_redirects=True)
    assert "Demande envoyée aux 2 structures choisies" in response.get_data(as_text=True)
    assert {r.vendor_id for r in _only_request(db).recipients} == {world.local.id, world.paris.id}


def test_invalid_request_is_refused_with_the_field_named(world, db, login_as, client):
    login_as(world.buyer_a)
    past = (now_utc() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/compte/professionnels/devis/nouvelle", data=_form(world, response_deadline=past))
    assert response.status_code == 422
    assert "au moins une heure aux structures" in response.get_data(as_text=True)
    response = client.post("/compte/professionnels/devis/nouvelle",
                           data=_form(world, recipient_mode="chosen"))
    assert response.status_code == 422
    assert "Choisissez au moins une structure" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuoteRequest)) == 0


def test_draft_then_edit_then_send(world, db, login_as, client, outbox):
    login_as(world.buyer_a)
    data = _form(world, save_draft="Enregistrer le brouillon")
    data.pop("publish")
    response = client.post("/compte/professionnels/devis/nouvelle", data=data, follow_redirects=True)
    assert "Brouillon enregistré" in response.get_data(as_text=True)
    request = _only_request(db)
    assert request.status is RequestStatus.DRAFT and outbox() == []
    page = client.get(f"/compte/professionnels/devis/{request.id}/modifier").get_data(as_text=True)
    assert "Repas bio pour la restauration scolaire" in page
    data = _form(world, title="Repas bio — rentrée 2026")
    response = client.post(f"/compte/professionnels/devis/{request.id}/modifier", data=data, follow_redirects=True)
    assert response.status_code == 200
    db.session.refresh(request)
    assert request.title == "Repas bio — rentrée 2026" and request.status is RequestStatus.OPEN
    assert len(outbox()) == 3


def test_comparison_shows_amounts_lead_times_and_vendor_facts(world, db, login_as, client):
    request = open_request(world, vendor_ids=[world.local.id, world.lyon.id, world.paris.id])
    quoting.submit(request, world.local, world.owners["local"], quote_data(lead=20))
    quoting.submit(request, world.lyon, world.owners["lyon"],
                   quote_data(pricing.LineInput("Repas", 180, "repas", 350, 550),
                              pricing.LineInput("Livraison", 1, "forfait", 4000, 2000), lead=5))
    db.session.commit()
    login_as(world.buyer_a)
    page = client.get(f"/compte/professionnels/devis/{request.id}").get_data(as_text=True)
    # Lyon: 630,00 + 40,00 = 670,00 HT; VAT 34,65 + 8,00; 712,65 TTC — first (cheapest)
    lyon_at = page.index("Comptoir Lyonnais")
    local_at = page.index("Les Cuisines Partagées", page.index("compare-title"))
    assert lyon_at < local_at
    for text in ("670,00", "42,65", "712,65", "693,00", "69,30", "762,30", "5 jours", "20 jours",
                 "Le moins cher", "Le plus rapide", "SIAE – Entreprise d&#39;insertion (EI)", "Rhône (69)"):
        assert text.replace("\u202f", " ") in page.replace("\u202f", " ").replace("\xa0", " "), text


def test_accept_asks_for_confirmation_then_creates_the_order(world, db, login_as, client, outbox):
    request = open_request(world)
    chosen = quoting.submit(request, world.local, world.owners["local"], quote_data())
    other = quoting.submit(request, world.lyon, world.owners["lyon"], quote_data())
    db.session.commit()
    login_as(world.buyer_a2)  # any member of the organisation
    url = f"/compte/professionnels/devis/{request.id}/devis/{chosen.id}/accepter"
    page = client.get(url).get_data(as_text=True)
    assert "Accepter ce devis et commander" in page and "30 jours" in page
    response = client.post(url, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Devis accepté : le bon de commande BC-" in page
    assert "Confirmée, à préparer" in page
    assert chosen.status is QuoteStatus.ACCEPTED and other.status is QuoteStatus.NOT_SELECTED
    assert request.status is RequestStatus.AWARDED
    order = db.session.scalars(sa.select(VendorOrder)).one()
    assert order.ordered_by_id == world.buyer_a2.id and order.buyer_organisation_id == world.org_a.id
    subjects = {m.to_address: m.subject for m in outbox()}
    assert subjects["contact@les-cuisines-partagees.example"].startswith("Devis accepté : bon de commande BC-")
    assert subjects["contact@comptoir-lyonnais.example"].startswith("Votre devis n'a pas été retenu")


def test_buyer_thread_with_a_structure(world, db, login_as, client, outbox):
    request = open_request(world)
    db.session.commit()
    login_as(world.buyer_a)
    url = f"/compte/professionnels/devis/{request.id}/messages/{world.local.id}"
    response = client.post(url, data={"body": "Les repas végétariens sont-ils <b>possibles</b> ?"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "&lt;b&gt;possibles&lt;/b&gt;" in page and "<b>possibles</b>" not in page
    assert outbox()[-1].to_address == "contact@les-cuisines-partagees.example"
    login_as(world.owners["local"])
    page = client.get(f"/espace-fournisseur/{world.local.id}/devis/{request.id}").get_data(as_text=True)
    assert "&lt;b&gt;possibles&lt;/b&gt;" in page
    login_as(world.owners["lyon"])
    page = client.get(f"/espace-fournisseur/{world.lyon.id}/devis/{request.id}").get_data(as_text=True)
    assert "possibles" not in page
