"""The structure's pages through HTTP: the inbox, the quote form edited without
JavaScript, revising, declining, withdrawing."""
from __future__ import annotations

import datetime as dt

from marketplace.procurement.quotes import quoting, services
from marketplace.procurement.quotes.models import QuoteStatus, RecipientMode
from tests.procurement.quotes.conftest import open_request, quote_data


def _quote_form(valid_until: dt.date, lines, lead="12", **extra):
    data = {"valid_until": valid_until.isoformat(), "lead_time_days": lead, "comment": "Pain bio inclus.",
            "send": "Envoyer le devis"}
    for i, (designation, quantity, unit, price, vat) in enumerate(lines):
        data.update({f"lines-{i}-designation": designation, f"lines-{i}-quantity": quantity,
                     f"lines-{i}-unit": unit, f"lines-{i}-unit_price": price, f"lines-{i}-vat_rate": vat})
    for i in range(len(lines), 5):
        data[f"lines-{i}-vat_rate"] = "2000"
    data.update(extra)
    return data


def test_inbox_lists_addressed_and_open_matching_requests(world, db, login_as, client):
    private = open_request(world, title="Buffet du conseil municipal", vendor_ids=[world.local.id])
    services.create_request(world.org_b, world.buyer_b, services.RequestData(
        title="Plateaux-repas pour un séminaire", need="40 plateaux-repas végétariens.",
        category_id=world.traiteur.id, delivery_commune="Lyon", delivery_departement_code="69",
        response_deadline=private.response_deadline, recipient_mode=RecipientMode.MATCHING), publish_now=True)
    db.session.commit()
    login_as(world.owners["local"])
    page = client.get(f"/espace-fournisseur/{world.local.id}/devis").get_data(as_text=True)
    assert "Buffet du conseil municipal" in page and "À répondre" in page
    assert "Plateaux-repas" in page  # notified: it is a recipient too (same région)
    login_as(world.owners["paris"])
    page = client.get(f"/espace-fournisseur/{world.paris.id}/devis?onglet=ouvertes").get_data(as_text=True)
    assert "Buffet du conseil municipal" not in page and "Plateaux-repas" not in page
    login_as(world.owners["lyon_sector"])
    page = client.get(f"/espace-fournisseur/{world.lyon_sector.id}/devis").get_data(as_text=True)
    assert "Plateaux-repas" in page and "Buffet du conseil municipal" not in page


def test_quote_form_adds_lines_computes_totals_and_sends(world, db, login_as, client, outbox):
    request = open_request(world)
    db.session.commit()
    login_as(world.owners["local"])
    url = f"/espace-fournisseur/{world.local.id}/devis/{request.id}/repondre"
    page = client.get(url).get_data(as_text=True)
    assert page.count('class="quote-line"') == 5
    assert 'value="Repas bio pour la restauration scolaire"' in page  # first line prefilled from the need
    valid = quoting.paris_today() + dt.timedelta(days=30)
    lines = [("Repas bio enfant", "180", "repas", "3,85", "1000"), ("Livraison en liaison froide", "1", "forfait",
                                                                     "45", "2000")]
    data = _quote_form(valid, lines, add_lines="Ajouter des lignes")
    data.pop("send")
    page = client.post(url, data=data).get_data(as_text=True)
    assert page.count('class="quote-line"') == 10 and 'value="Livraison en liaison froide"' in page
    data = _quote_form(valid, lines, recalculate="Calculer les totaux")
    data.pop("send")
    page = client.post(url, data=data).get_data(as_text=True).replace("\u202f", " ").replace("\xa0", " ")
    # 693,00 + 45,00 HT; VAT 69,30 + 9,00 = 78,30; 816,30 TTC
    assert "738,00 €" in page and "78,30 €" in page and "816,30 €" in page
    response = client.post(url, data=_quote_form(valid, lines), follow_redirects=True)
    assert "Devis envoyé : l&#39;acheteur est prévenu." in response.get_data(as_text=True)
    quote = request.quotes[0]
    assert quote.status is QuoteStatus.SUBMITTED and quote.current.total_cents == 81630
    assert [line.net_cents for line in quote.current.lines] == [69300, 4500]
    assert {m.to_address for m in outbox()[-2:]} == {"celine@grenoble.example", "paul@grenoble.example"}


def test_incomplete_or_bad_lines_are_refused_next_to_their_field(world, db, login_as, client):
    request = open_request(world)
    db.session.commit()
    login_as(world.owners["local"])
    url = f"/espace-fournisseur/{world.local.id}/devis/{request.id}/repondre"
    valid = quoting.paris_today() + dt.timedelta(days=30)
    response = client.post(url, data=_quote_form(valid, [("Repas", "180", "repas", "trois euros", "1000"),
                                                         ("", "2", "", "", "2000")]))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Indiquez un montant en euros" in page and "Indiquez la désignation." in page
    assert "Indiquez le prix unitaire HT." in page
    response = client.post(url, data=_quote_form(valid, []))
    assert response.status_code == 422 and "Ajoutez au moins une ligne" in response.get_data(as_text=True)
    response = client.post(url, data=_quote_form(quoting.paris_today() - dt.timedelta(days=1),
                                                 [("Repas", "1", "", "3", "1000")]))
    assert response.status_code == 422 and "ne peut pas être passée" in response.get_data(as_text=True)
    assert request.quotes == []


def test_revision_prefills_the_form_and_keeps_history(world, db, login_as, client):
    request = open_request(world)
    quoting.submit(request, world.local, world.owners["local"], quote_data())
    db.session.commit()
    login_as(world.owners["local"])
    url = f"/espace-fournisseur/{world.local.id}/devis/{request.id}/repondre"
    page = client.get(url).get_data(as_text=True)
    assert 'value="3,85"' in page and "Envoyer le devis révisé" in page
    valid = quoting.paris_today() + dt.timedelta(days=20)
    response = client.post(url, data=_quote_form(valid, [("Repas bio enfant", "180", "repas", "3,70", "1000")]),
                           follow_redirects=True)
    assert "Devis révisé" in response.get_data(as_text=True)
    quote = request.quotes[0]
    assert [r.number for r in quote.revisions] == [1, 2] and quote.current.net_cents == 66600
    login_as(world.buyer_a)
    page = client.get(f"/compte/professionnels/devis/{request.id}").get_data(as_text=True)
    assert "révisé le" in page and "666,00" in page.replace("\u202f", " ")
    page = client.get(f"/compte/professionnels/devis/{request.id}/devis/{quote.id}").get_data(as_text=True)
    assert "Versions précédentes" in page and "Version 1 du" in page


def test_decline_with_a_reason_and_withdraw(world, db, login_as, client, outbox):
    request = open_request(world)
    quoting.submit(request, world.lyon, world.owners["lyon"], quote_data())
    db.session.commit()
    login_as(world.owners["local"])
    url = f"/espace-fournisseur/{world.local.id}/devis/{request.id}/decliner"
    assert client.post(url, data={"reason": ""}).status_code == 422
    response = client.post(url, data={"reason": "Cuisine complète jusqu'en septembre."}, follow_redirects=True)
    assert "Vous avez décliné la demande" in response.get_data(as_text=True)
    assert outbox()[-1].subject == "Les Cuisines Partagées ne répondra pas à votre demande"
    login_as(world.owners["lyon"])
    url = f"/espace-fournisseur/{world.lyon.id}/devis/{request.id}/retirer"
    assert "Oui, retirer le devis" in client.get(url).get_data(as_text=True)
    client.post(url, follow_redirects=True)
    statuses = {q.vendor_id: q.status for q in request.quotes}
    assert statuses == {world.local.id: QuoteStatus.DECLINED, world.lyon.id: QuoteStatus.WITHDRAWN}
    login_as(world.buyer_a)
    page = client.get(f"/compte/professionnels/devis/{request.id}").get_data(as_text=True)
    assert "Cuisine complète jusqu&#39;en septembre." in page and "Aucun devis reçu" in page
