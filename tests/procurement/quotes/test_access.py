"""Who sees what, at HTTP level: another buyer organisation, structures not addressed,
another structure's quote, threads and attached files."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from marketplace.procurement.quotes import messages, quoting
from marketplace.procurement.quotes.models import QuoteRequest, QuoteStatus
from tests.factories import UserFactory
from tests.procurement.quotes.conftest import open_request, quote_data

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def scene(world, db):
    """A private request of org A to the Grenoble and Lyon caterers, both quoted, one message each."""
    request = open_request(world)
    local_quote = quoting.submit(request, world.local, world.owners["local"], quote_data())
    lyon_quote = quoting.submit(request, world.lyon, world.owners["lyon"], quote_data(
        quoting.pricing.LineInput("Repas du Comptoir", 180, "repas", 399, 1000)))
    messages.post(request, world.local, world.owners["local"], "Question des Cuisines", from_buyer=False)
    messages.post(request, world.lyon, world.owners["lyon"], "Question du Comptoir", from_buyer=False)
    db.session.commit()
    return request, local_quote, lyon_quote


def test_another_organisation_gets_404_everywhere(world, scene, login_as, client):
    request, quote, _ = scene
    login_as(world.buyer_b)
    base = f"/compte/professionnels/devis/{request.id}"
    for url in (base, f"{base}/modifier", f"{base}/annuler", f"{base}/devis/{quote.id}",
                f"{base}/devis/{quote.id}/accepter", f"{base}/messages/{world.local.id}"):
        assert client.get(url).status_code == 404, url
    for url in (f"{base}/envoyer", f"{base}/annuler", f"{base}/devis/{quote.id}/accepter",
                f"{base}/messages/{world.local.id}"):
        assert client.post(url, data={"reason": "x", "body": "x"}).status_code == 404, url
    assert request.title not in client.get("/compte/professionnels/devis").get_data(as_text=True)
    assert quote.status is QuoteStatus.SUBMITTED and request.status.value == "open"


def test_administrators_read_but_do_not_decide(world, scene, db, login_as, client):
    request, quote, _ = scene
    admin = UserFactory(admin=True)
    db.session.commit()
    login_as(admin)
    assert client.get(f"/compte/professionnels/devis/{request.id}").status_code == 200
    assert client.post(f"/compte/professionnels/devis/{request.id}/devis/{quote.id}/accepter").status_code == 403
    assert quote.status is QuoteStatus.SUBMITTED


def test_a_structure_not_addressed_cannot_see_a_private_request(world, scene, login_as, client):
    request, _, _ = scene
    login_as(world.owners["lyon_sector"])
    base = f"/espace-fournisseur/{world.lyon_sector.id}/devis"
    assert request.title not in client.get(base).get_data(as_text=True)
    for url in (f"{base}/{request.id}", f"{base}/{request.id}/repondre", f"{base}/{request.id}/decliner"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}/{request.id}/messages", data={"body": "Bonjour"}).status_code == 404
    # nor through another structure's space
    assert client.get(f"/espace-fournisseur/{world.local.id}/devis/{request.id}").status_code == 404


def test_a_structure_sees_its_own_quote_and_thread_only(world, scene, login_as, client):
    request, local_quote, lyon_quote = scene
    login_as(world.owners["local"])
    page = client.get(f"/espace-fournisseur/{world.local.id}/devis/{request.id}").get_data(as_text=True)
    assert "Question des Cuisines" in page and "693,00" in page.replace("\u202f", " ")
    assert "Question du Comptoir" not in page and "718,20" not in page.replace("\u202f", " ")
    assert "Comptoir Lyonnais" not in page
    # the buyer's pages (comparison, other quotes, threads) are closed to structures
    base = f"/compte/professionnels/devis/{request.id}"
    for url in (base, f"{base}/devis/{lyon_quote.id}", f"{base}/messages/{world.lyon.id}"):
        assert client.get(url).status_code == 403, url


def test_buyer_threads_are_per_structure(world, scene, login_as, client):
    request, _, _ = scene
    login_as(world.buyer_a2)
    page = client.get(f"/compte/professionnels/devis/{request.id}/messages/{world.local.id}").get_data(as_text=True)
    assert "Question des Cuisines" in page and "Question du Comptoir" not in page
    assert client.get(f"/compte/professionnels/devis/{request.id}/messages/{world.paris.id}").status_code == 404


def test_attachments_are_served_only_to_those_concerned(world, db, login_as, client):
    login_as(world.buyer_a)
    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(days=12)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/compte/professionnels/devis/nouvelle", data={
        "organisation_id": str(world.org_a.id), "title": "Mobilier de réemploi pour la médiathèque",
        "need": "Vingt chaises et quatre tables.", "category_id": str(world.traiteur.id),
        "delivery_commune": "Grenoble", "delivery_departement_code": "38", "response_deadline": deadline,
        "recipient_mode": "chosen", "vendor_ids": [str(world.local.id)], "publish": "Envoyer",
        "attachments": [(io.BytesIO(PDF), "cahier-des-charges.pdf")],
    }, content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    request = db.session.scalars(sa.select(QuoteRequest)).one()
    spec = request.attachments[0]
    assert spec.original_name == "cahier-des-charges.pdf" and spec.content_type == "application/pdf"

    login_as(world.owners["local"])
    valid = (quoting.paris_today() + dt.timedelta(days=30)).isoformat()
    response = client.post(f"/espace-fournisseur/{world.local.id}/devis/{request.id}/repondre", data={
        "lines-0-designation": "Chaise restaurée", "lines-0-quantity": "20", "lines-0-unit_price": "35",
        "lines-0-vat_rate": "2000", "valid_until": valid, "lead_time_days": "21", "send": "Envoyer",
        "attachment": (io.BytesIO(PDF), "devis-detaille.pdf"),
    }, content_type="multipart/form-data", follow_redirects=True)
    assert "Devis envoyé" in response.get_data(as_text=True)
    quote_file = request.quotes[0].current.attachment
    assert quote_file.original_name == "devis-detaille.pdf"
    db.session.commit()

    allowed = {
        "buyer": (world.buyer_a2, [spec, quote_file]),
        "vendor": (world.owners["local"], [spec, quote_file]),
    }
    for _who, (user, files) in allowed.items():
        login_as(user)
        for f in files:
            response = client.get(f"/devis/pieces-jointes/{f.id}")
            assert response.status_code == 200 and response.data == PDF
            assert response.headers["X-Content-Type-Options"] == "nosniff"
    stranger = UserFactory()
    db.session.commit()
    for user in (world.buyer_b, world.owners["lyon"], world.owners["lyon_sector"], stranger):
        login_as(user)
        for f in (spec, quote_file):
            assert client.get(f"/devis/pieces-jointes/{f.id}").status_code == 404


def test_a_file_that_is_not_a_pdf_or_image_is_refused(world, db, login_as, client):
    request = open_request(world)
    db.session.commit()
    login_as(world.owners["local"])
    valid = (quoting.paris_today() + dt.timedelta(days=30)).isoformat()
    response = client.post(f"/espace-fournisseur/{world.local.id}/devis/{request.id}/repondre", data={
        "lines-0-designation": "Repas", "lines-0-quantity": "1", "lines-0-unit_price": "5",
        "lines-0-vat_rate": "1000", "valid_until": valid, "lead_time_days": "5", "send": "Envoyer",
        "attachment": (io.BytesIO(b"<html><script>alert(1)</script></html>"), "devis.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "pas un PDF, un JPEG ou un PNG valide" in response.get_data(as_text=True)
    assert request.quotes == []
