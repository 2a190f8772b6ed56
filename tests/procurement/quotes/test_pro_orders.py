"""The professional order of an accepted quote: the vendor's usual order screens, the
invoice with its payment term, the recorded transfer, cancellation without refund."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.core import clock
from marketplace.payments.models import Refund, Transfer
from marketplace.procurement.quotes import quoting
from marketplace.shop import orders, pro_orders
from marketplace.shop.errors import OrderError
from marketplace.shop.models import Invoice, PaymentMethod, VendorOrderStatus
from tests.procurement.quotes.conftest import open_request, quote_data

V = VendorOrderStatus


@pytest.fixture
def order(world, db):
    clock.freeze(dt.datetime(2026, 4, 14, 9, 0, tzinfo=dt.UTC))
    request = open_request(world)
    quote = quoting.submit(request, world.local, world.owners["local"], quote_data())
    order = quoting.accept(quote, world.buyer_a)
    db.session.commit()
    return order


def test_the_order_is_confirmed_on_invoice(world, db, order):
    assert order.order_group is None and order.reference == f"BC-{order.id:06d}"
    assert order.payment_method is PaymentMethod.INVOICE and order.status is V.PAID and order.paid_at is None
    assert order.status_label == "Confirmée, à préparer"
    assert order.payment_term_days == 30 and order.buyer_reference.startswith("DD-")
    assert order.delivery_place == "Grenoble (Isère (38))"
    assert order.commission_bp == 500 and order.commission_cents == 3812  # 5 % of 762,30
    line = order.lines[0]
    assert (line.unit_net_cents, line.net_cents, line.total_cents, line.vat_rate_bp) == (385, 69300, 76230, 1000)
    assert order.invoice is None


def test_vendor_fulfils_it_through_the_usual_screens(world, db, order, login_as, client, outbox):
    login_as(world.owners["local"])
    base = f"/espace-fournisseur/{world.local.id}/commandes"
    page = client.get(base).get_data(as_text=True)
    assert order.reference in page and "Ville de Grenoble" in page and "Sur facture, par virement" in page
    page = client.get(f"{base}/{order.id}").get_data(as_text=True)
    assert "Confirmée, à préparer" in page and "Prix unitaire HT" in page and "virement à 30 jours" in page
    for action in ("preparing", "shipped"):
        client.post(f"{base}/{order.id}/statut", data={"action": action})
    assert order.status is V.SHIPPED
    assert outbox()[-1].to_address == "celine@grenoble.example"
    clock.freeze(dt.datetime(2026, 4, 20, 15, 0, tzinfo=dt.UTC))
    response = client.post(f"{base}/{order.id}/statut", data={"action": "completed"}, follow_redirects=True)
    assert "la facture est émise et envoyée à l&#39;acheteur" in response.get_data(as_text=True)
    assert order.status is V.COMPLETED
    assert order.payment_due_on == dt.date(2026, 5, 20)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 0  # no card money to transfer
    invoice = order.invoice
    assert invoice.number == "F-2026-000001" and invoice.buyer["siret"] == world.org_a.siret
    mail = outbox()[-1]
    assert mail.subject == "Facture n° F-2026-000001 de Les Cuisines Partagées"
    assert "virement à 30 jours, échéance le 20 mai 2026" in mail.body


def test_invoice_page_carries_the_payment_mentions(world, db, order, login_as, client):
    for step in (orders.mark_preparing, orders.mark_shipped, orders.complete):
        step(order, actor=world.owners["local"])
    db.session.commit()
    login_as(world.buyer_a2)
    page = client.get(f"/factures/{order.invoice.id}").get_data(as_text=True)
    assert "Paiement par virement à 30 jours, échéance le" in page
    assert "indemnité forfaitaire pour frais de recouvrement de 40 €" in page
    assert "Facture acquittée" not in page and world.org_a.siret in page
    assert f'href="/compte/professionnels/commandes/{order.id}"' in page
    login_as(world.buyer_b)
    assert client.get(f"/factures/{order.invoice.id}").status_code == 404


def test_invoice_numbers_share_the_vendor_sequence_with_shop_invoices(world, db, order):
    from marketplace.catalogue.models import Offer
    from tests.factories import UserFactory
    from tests.shop.conftest import place_order

    offer = db.session.scalars(sa.select(Offer).where(Offer.vendor_id == world.local.id)).first()
    group = place_order(UserFactory(), (offer, 1))
    orders.mark_paid(group, group.total_cents)  # the card order's invoice: F-2026-000001
    for step in (orders.mark_preparing, orders.mark_shipped, orders.complete):
        step(order, actor=world.owners["local"])
    numbers = db.session.scalars(sa.select(Invoice.number).where(Invoice.vendor_id == world.local.id)
                                 .order_by(Invoice.sequence)).all()
    assert numbers == ["F-2026-000001", "F-2026-000002"]
    assert order.invoice.number == "F-2026-000002"


def test_recording_the_transfer_makes_it_a_sale(world, db, order, login_as, client, outbox):
    with pytest.raises(OrderError):
        pro_orders.record_payment(order)  # not invoiced yet
    for step in (orders.mark_preparing, orders.mark_shipped, orders.complete):
        step(order, actor=world.owners["local"])
    db.session.commit()
    login_as(world.owners["local"])
    base = f"/espace-fournisseur/{world.local.id}"
    response = client.post(f"{base}/commandes/{order.id}/paiement-recu", follow_redirects=True)
    assert "Paiement enregistré" in response.get_data(as_text=True)
    assert order.paid_at is not None
    assert outbox()[-1].subject == "Paiement reçu par Les Cuisines Partagées"
    with pytest.raises(OrderError):
        pro_orders.record_payment(order)
    page = client.get(f"{base}/ventes").get_data(as_text=True)
    assert page.count("762,30") >= 1
    csv = client.get(f"{base}/ventes/export.csv?start=2026-04-01&end=2026-04-30").get_data(as_text=True)
    assert f"BC-{order.id:06d}" in csv and "Virement du client (sur facture)" in csv and "762,30" in csv


def test_vendor_cancels_without_refund_and_the_buyer_is_told(world, db, order, login_as, client, outbox):
    login_as(world.owners["local"])
    url = f"/espace-fournisseur/{world.local.id}/commandes/{order.id}/annuler"
    page = client.get(url).get_data(as_text=True)
    assert "aucune facture n'a encore été émise" in page
    client.post(url, data={"reason": "Cuisine fermée pour travaux."})
    assert order.status is V.CANCELLED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 0
    assert order.credit_notes == [] and order.invoice is None
    mail = outbox()[-1]
    assert mail.to_address == "celine@grenoble.example" and "Cuisine fermée pour travaux." in mail.body


def test_buyer_pages_of_orders(world, db, order, login_as, client):
    login_as(world.buyer_a2)
    page = client.get("/compte/professionnels/commandes").get_data(as_text=True)
    assert order.reference in page and "Les Cuisines Partagées" in page
    page = client.get(f"/compte/professionnels/commandes/{order.id}").get_data(as_text=True)
    assert "Sur facture, par virement à 30 jours" in page and "Grenoble (Isère (38))" in page
    login_as(world.buyer_b)
    assert order.reference not in client.get("/compte/professionnels/commandes").get_data(as_text=True)
    assert client.get(f"/compte/professionnels/commandes/{order.id}").status_code == 404
