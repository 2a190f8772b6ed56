"""The shop through HTTP: cart, checkout with the Stripe simulator, orders, invoices."""
from __future__ import annotations

import re

import pytest
import requests
import sqlalchemy as sa

from marketplace.shop.models import (
    Cart,
    CreditNote,
    OrderGroup,
    OrderGroupStatus,
    VendorOrderStatus,
)
from marketplace.vendors.models import VendorStatus
from tests.factories import PASSWORD, UserFactory
from tests.shop.conftest import place_order

V = VendorOrderStatus
CHECKOUT_FORM = {
    "contact_name": "Camille Martin",
    "contact_email": "camille@exemple.fr",
    "contact_phone": "06 12 34 56 78",
    "address_line": "3 place du Marché",
    "postal_code": "38000",
    "city": "Grenoble",
}


def _stranger(db):
    user = UserFactory()
    db.session.commit()
    return user


def _stock(db, offer):
    db.session.refresh(offer)
    return offer.stock


def _add(client, offer, quantity=1, **extra):
    return client.post("/panier/ajouter", data={"offer_id": offer.id, "quantity": quantity, **extra})


# ---------------------------------------------------------------- cart


def test_anonymous_cart_groups_by_vendor_and_merges_at_login(db, client, world):
    db.session.commit()
    assert _add(client, world.jam, 2).status_code == 302
    assert _add(client, world.soap, 1).status_code == 302
    page = client.get("/panier").get_data(as_text=True)
    assert "Les Confitures de Belledonne" in page and "Savonnerie du Vercors" in page
    assert "17,80" in page  # 2 × 6,50 + 4,80
    # the consumer already had one jar in their own cart
    from marketplace.shop import cart as carts

    carts.add_to_cart(carts.cart_for_user(world.consumer, create=True), world.jam.id, 1, user=world.consumer)
    db.session.commit()
    response = client.post("/compte/connexion", data={"email": world.consumer.email, "password": PASSWORD})
    assert response.status_code == 302
    cart = carts.cart_for_user(world.consumer)
    db.session.refresh(cart)
    assert sorted((line.offer_id, line.quantity) for line in cart.lines) == sorted(
        [(world.jam.id, 3), (world.soap.id, 1)]
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cart).where(Cart.user_id.is_(None))) == 0


def _badge(page: str) -> str | None:
    match = re.search(r'<li class="nav-cart">.*?<span class="badge">(\d+)</span>', page, re.S)
    return match.group(1) if match else None


def test_the_header_counts_the_items_of_the_current_cart(db, client, login_as, world):
    db.session.commit()
    assert _badge(client.get("/").text) is None
    _add(client, world.jam, 2)
    _add(client, world.soap, 1)
    assert _badge(client.get("/").text) == "3"  # an anonymous cart, by its token
    login_as(world.consumer)
    assert _badge(client.get("/").text) is None  # another cart: the user's, empty
    _add(client, world.jam, 1)
    assert _badge(client.get("/catalogue").text) == "1"


def test_quantity_above_stock_is_refused_with_a_clear_message(db, client, world):
    response = _add(client, world.honey, 4)
    assert response.status_code == 302
    page = client.get("/panier").get_data(as_text=True)
    assert "Il ne reste que 3 exemplaire(s)" in page
    assert "Votre panier est vide" in page


def test_price_tampering_is_ignored(db, client, login_as, world):
    login_as(world.consumer)
    _add(client, world.jam, 1, price_cents=1, unit_price_cents=1, total_cents=1)
    client.post(f"/panier/remise/{world.vendor_a.id}", data={"fulfilment": "pickup"})
    response = client.post("/commande/validation", data={**CHECKOUT_FORM, "total_cents": 1, "price": 1,
                                                          f"fulfilment-{world.vendor_a.id}": "pickup"})
    # no payment service in this test: the checkout fails cleanly, but the amount was computed server-side
    group = db.session.scalar(sa.select(OrderGroup).order_by(OrderGroup.id.desc()))
    assert group is not None and group.total_cents == 650
    assert response.status_code in (303, 422)


def test_ones_own_offer_and_a_suspended_vendor_are_refused(db, client, login_as, world):
    login_as(world.owner_a)
    _add(client, world.jam, 1)
    assert "votre propre structure" in client.get("/panier").get_data(as_text=True)
    world.vendor_b.status = VendorStatus.SUSPENDED
    db.session.commit()
    login_as(world.consumer)
    _add(client, world.soap, 1)
    page = client.get("/panier").get_data(as_text=True)
    assert "n&#39;est plus disponible" in page


def test_cart_line_update_and_remove(db, client, login_as, world):
    login_as(world.consumer)
    _add(client, world.jam, 1)
    cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == world.consumer.id))
    line_id = cart.lines[0].id
    client.post(f"/panier/ligne/{line_id}", data={"quantity": 4})
    db.session.refresh(cart.lines[0])
    assert cart.lines[0].quantity == 4
    response = client.post(f"/panier/ligne/{line_id}", data={"quantity": "beaucoup"})
    assert response.status_code == 302
    client.post(f"/panier/ligne/{line_id}/retirer")
    db.session.refresh(cart)
    assert cart.lines == []


def test_checkout_needs_an_account(db, client):
    response = client.get("/commande/validation")
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]


def test_checkout_form_errors_are_shown_next_to_the_fields_and_nothing_is_reserved(db, client, login_as, world):
    login_as(world.consumer)
    _add(client, world.honey, 2)
    response = client.post(
        "/commande/validation",
        data={**CHECKOUT_FORM, "address_line": "", f"fulfilment-{world.vendor_a.id}": "delivery"},
    )
    assert response.status_code == 422
    assert "Indiquez l&#39;adresse de livraison." in response.get_data(as_text=True)
    assert _stock(db, world.honey) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 0


# ---------------------------------------------------------------- payment


def _checkout(client, world, fulfilment_a="pickup"):
    data = {**CHECKOUT_FORM, f"fulfilment-{world.vendor_a.id}": fulfilment_a, f"fulfilment-{world.vendor_b.id}": "pickup"}
    return client.post("/commande/validation", data=data)


@pytest.fixture
def sim(stripe_simulator):
    class Sim:
        url = stripe_simulator.url

        def mode(self, mode, hang_seconds=None):
            requests.post(f"{self.url}/_simulator/mode", json={"mode": mode, "hang_seconds": hang_seconds}, timeout=5)

        def fault(self, **fault):
            requests.post(f"{self.url}/_simulator/faults", json=fault, timeout=5).raise_for_status()

        def clear_faults(self):
            requests.delete(f"{self.url}/_simulator/faults", timeout=5)

        def calls(self, path):
            data = requests.get(f"{self.url}/_simulator/requests", timeout=5).json()["data"]
            return [r for r in data if r["path"] == path]

    return Sim()


@pytest.fixture
def short_timeout(app, stripe_simulator):
    """The production policy with a short timeout: one retry after a failure or a timeout."""
    app.config.update(STRIPE_TIMEOUT_SECONDS=0.3, STRIPE_MAX_NETWORK_RETRIES=1)


@pytest.mark.parametrize("fault", [
    {"kind": "error"},
    {"kind": "hang", "hang_seconds": 5},
    {"kind": "error", "path": "/v1/checkout/sessions", "count": 2},  # the call and its retry
    {"kind": "hang", "path": "/v1/checkout/sessions", "count": 2, "hang_seconds": 5},
], ids=["500", "timeout", "500-twice-on-checkout", "timeout-twice-on-checkout"])
def test_payment_service_down_keeps_the_cart_and_releases_the_stock(
    db, client, login_as, world, sim, short_timeout, fault
):
    login_as(world.consumer)
    _add(client, world.honey, 2)
    sim.fault(**fault)
    response = _checkout(client, world)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ("Le service de paiement ne répond pas pour le moment. Votre panier est intact et rien "
            "n&#39;a été débité : réessayez dans quelques minutes.") in page
    assert "Le formulaire contient des erreurs" not in page  # the form was right: only the payment failed
    assert len(sim.calls("/v1/checkout/sessions")) == 2  # one retry, no more
    assert _stock(db, world.honey) == 3
    group = db.session.scalar(sa.select(OrderGroup))
    assert group.status is OrderGroupStatus.CANCELLED
    cart = client.get("/panier").get_data(as_text=True)
    assert "Miel de montagne" in cart and 'value="2"' in cart
    # once the service answers again, the same cart checks out
    sim.clear_faults()
    assert _checkout(client, world).status_code == 303
    assert _stock(db, world.honey) == 1


def test_one_failed_call_is_retried_with_the_same_idempotency_key(db, client, login_as, world, sim, short_timeout):
    login_as(world.consumer)
    _add(client, world.honey, 1)
    sim.fault(kind="error", path="/v1/checkout/sessions", count=1)
    response = _checkout(client, world)
    assert response.status_code == 303 and response.headers["Location"].startswith(sim.url + "/checkout/")
    first, retry = sim.calls("/v1/checkout/sessions")
    assert first["fault"] == "error" and retry["fault"] is None
    assert first["idempotency_key"] == retry["idempotency_key"] is not None
    assert _stock(db, world.honey) == 2


def test_leaving_the_payment_page_cancels_and_frees_the_stock(db, client, login_as, world, sim):
    login_as(world.consumer)
    _add(client, world.honey, 3)
    response = _checkout(client, world)
    assert response.status_code == 303
    assert _stock(db, world.honey) == 0
    group = db.session.scalar(sa.select(OrderGroup))
    response = client.get(f"/commande/paiement-abandonne?session_id={group.checkout_session_id}")
    assert response.status_code == 200
    assert "Votre panier est intact" in response.get_data(as_text=True)
    db.session.refresh(group)
    assert group.status is OrderGroupStatus.CANCELLED
    assert _stock(db, world.honey) == 3
    login_as(_stranger(db))
    assert client.get(f"/commande/confirmation?session_id={group.checkout_session_id}").status_code == 404


def test_purchase_from_two_vendors_then_one_completes_and_the_other_cancels(
    db, client, login_as, world, sim, deliver_webhooks, outbox
):
    world.vendor_a.stripe_account_id = None
    login_as(world.consumer)
    _add(client, world.jam, 2)
    _add(client, world.honey, 1)
    _add(client, world.soap, 2)
    response = _checkout(client, world, fulfilment_a="delivery")
    assert response.status_code == 303
    pay_url = response.headers["Location"]
    assert pay_url.startswith(sim.url + "/checkout/")
    assert _stock(db, world.honey) == 2  # reserved

    # the consumer pays on the hosted page
    paid = requests.post(pay_url, data={"card": "4242 4242 4242 4242"}, allow_redirects=False, timeout=5)
    assert paid.status_code == 303
    success = paid.headers["Location"]
    assert "/commande/confirmation?session_id=" in success
    deliver_webhooks()
    group = db.session.scalar(sa.select(OrderGroup))
    db.session.refresh(group)
    assert group.status is OrderGroupStatus.PAID
    assert client.get(success.replace("http://localhost", "")).status_code == 200
    part_a = next(vo for vo in group.vendor_orders if vo.vendor_id == world.vendor_a.id)
    part_b = next(vo for vo in group.vendor_orders if vo.vendor_id == world.vendor_b.id)
    assert part_a.total_cents == 2 * 650 + 1200 + 750 and part_b.total_cents == 960
    assert group.total_cents == 3250 + 960

    # vendor A moves its part through the statuses; vendor B cannot see it
    login_as(world.owner_b)
    assert client.get(f"/espace-fournisseur/{world.vendor_a.id}/commandes/{part_a.id}").status_code == 404
    assert client.get(f"/espace-fournisseur/{world.vendor_b.id}/commandes/{part_a.id}").status_code == 404
    login_as(world.owner_a)
    listing = client.get(f"/espace-fournisseur/{world.vendor_a.id}/commandes").get_data(as_text=True)
    assert part_a.reference in listing and part_b.reference not in listing
    base = f"/espace-fournisseur/{world.vendor_a.id}/commandes/{part_a.id}"
    for action in ("preparing", "shipped", "completed"):
        assert client.post(base + "/statut", data={"action": action}).status_code == 302
    db.session.refresh(part_a)
    assert part_a.status is V.COMPLETED

    # vendor B cancels with a reason: refunded, credit note, stock unchanged (unlimited)
    login_as(world.owner_b)
    cancel_url = f"/espace-fournisseur/{world.vendor_b.id}/commandes/{part_b.id}/annuler"
    assert "Annuler et rembourser le client" in client.get(cancel_url).get_data(as_text=True)
    response = client.post(cancel_url, data={"reason": ""})
    assert response.status_code == 422
    response = client.post(cancel_url, data={"reason": "Notre atelier est fermé pour inondation."})
    assert response.status_code == 302
    db.session.refresh(part_b)
    db.session.refresh(group)
    assert part_b.status is V.REFUNDED
    assert part_b.refunded_cents == 960
    assert group.status is OrderGroupStatus.PARTIALLY_REFUNDED
    note = db.session.scalar(sa.select(CreditNote))
    assert note.vendor_order_id == part_b.id and note.total_cents == 960

    # the consumer sees both parts, the partial refund and the credit note
    login_as(world.consumer)
    page = client.get(f"/mes-commandes/{group.id}").get_data(as_text=True)
    assert "Partiellement remboursée" in page
    assert "Notre atelier est fermé pour inondation." in page
    assert f"Avoir n° {note.number}" in page
    assert "Terminée" in page
    credit = client.get(f"/avoirs/{note.id}").get_data(as_text=True)
    assert note.number in credit and world.vendor_b.siret in credit
    assert any("a annulé votre commande" in m.subject for m in outbox(world.consumer.email))
    assert _stock(db, world.honey) == 2


# ---------------------------------------------------------------- invoices and orders pages


def _paid_group(world, *items, **kw):
    from marketplace.shop import orders

    group = place_order(world.consumer, *items, **kw)
    orders.mark_paid(group, group.total_cents)
    return group


def test_invoice_page_shows_the_seller_vat_breakdown_and_is_private(db, client, login_as, world):
    group = _paid_group(world, (world.jam, 2), (world.soap, 1))
    invoice = next(vo.invoice for vo in group.vendor_orders if vo.vendor_id == world.vendor_a.id)
    db.session.commit()
    login_as(world.consumer)
    page = client.get(f"/factures/{invoice.id}").get_data(as_text=True)
    assert invoice.number in page
    assert world.vendor_a.siret in page
    assert "5,5" in page and "Récapitulatif de la TVA" in page
    assert "13,00" in page
    login_as(world.owner_a)
    assert client.get(f"/factures/{invoice.id}").status_code == 200
    login_as(world.owner_b)
    assert client.get(f"/factures/{invoice.id}").status_code == 404
    login_as(_stranger(db))
    assert client.get(f"/factures/{invoice.id}").status_code == 404


def test_consumer_order_pages_and_cancellation_before_preparation(db, client, login_as, world, outbox):
    group = _paid_group(world, (world.honey, 2))
    vo = group.vendor_orders[0]
    db.session.commit()
    login_as(world.consumer)
    listing = client.get("/mes-commandes").get_data(as_text=True)
    assert group.reference in listing
    assert client.get(f"/mes-commandes/{group.id}/partie/{vo.id}/annuler").status_code == 200
    response = client.post(f"/mes-commandes/{group.id}/partie/{vo.id}/annuler")
    assert response.status_code == 302
    db.session.refresh(vo)
    assert vo.status is V.CANCELLED and vo.cancelled_by == "consumer"
    assert _stock(db, world.honey) == 3
    assert any("annulée par le client" in m.subject for m in outbox(world.owner_a.email))
    login_as(_stranger(db))
    assert client.get(f"/mes-commandes/{group.id}").status_code == 404


def test_vendor_cannot_skip_a_status(db, client, login_as, world):
    group = _paid_group(world, (world.jam, 1))
    vo = group.vendor_orders[0]
    db.session.commit()
    login_as(world.owner_a)
    base = f"/espace-fournisseur/{world.vendor_a.id}/commandes/{vo.id}"
    response = client.post(base + "/statut", data={"action": "completed"}, follow_redirects=True)
    assert "Action impossible" in response.get_data(as_text=True)
    db.session.refresh(vo)
    assert vo.status is V.PAID
    assert client.post(base + "/statut", data={"action": "n-importe-quoi"}).status_code == 400


def test_empty_states(db, client, login_as, world):
    login_as(world.consumer)
    assert "Votre panier est vide" in client.get("/panier").get_data(as_text=True)
    assert "pas encore passé de commande" in client.get("/mes-commandes").get_data(as_text=True)
    login_as(world.owner_a)
    assert "Aucune commande pour le moment" in client.get(
        f"/espace-fournisseur/{world.vendor_a.id}/commandes"
    ).get_data(as_text=True)


def test_checkouts_never_paid_are_not_the_vendors_orders(db, client, login_as, world, sim):
    login_as(world.consumer)
    _add(client, world.honey, 1)
    assert _checkout(client, world).status_code == 303
    group = db.session.scalar(sa.select(OrderGroup))
    client.get(f"/commande/paiement-abandonne?session_id={group.checkout_session_id}")
    db.session.refresh(group)
    assert group.status is OrderGroupStatus.CANCELLED
    login_as(world.owner_a)
    listing = client.get(f"/espace-fournisseur/{world.vendor_a.id}/commandes").get_data(as_text=True)
    assert "Aucune commande pour le moment" in listing and group.reference not in listing
    cancelled = client.get(f"/espace-fournisseur/{world.vendor_a.id}/commandes?statut=cancelled").get_data(as_text=True)
    assert "Annulée <span class=\"muted\">(0)</span>" in cancelled


def test_free_delivery_reads_free(db, client, login_as, world):
    def delivery_option(path):
        return re.search(r"Livraison\s+\(([^)]*)\)", client.get(path).get_data(as_text=True)).group(1)

    world.jam.delivery_fee_cents = 0
    db.session.commit()
    login_as(world.consumer)
    _add(client, world.jam, 1)
    assert delivery_option("/panier") == delivery_option("/commande/validation") == "gratuite"
    world.jam.delivery_fee_cents = 590
    db.session.commit()
    assert delivery_option("/panier") == "5,90\u00a0€"


def test_checkout_recalculates_the_total_with_the_chosen_fulfilment_without_ordering(db, client, login_as, world):
    login_as(world.consumer)
    _add(client, world.jam, 1)
    page = client.post(
        "/commande/validation", data={f"fulfilment-{world.vendor_a.id}": "delivery", "recalculate": "1"}
    ).get_data(as_text=True)
    assert "12,40" in page  # 6,50 + 5,90 delivery
    assert "Le formulaire contient des erreurs" not in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 0


def test_a_new_checkout_replaces_the_previous_unpaid_one(db, client, login_as, world, sim):
    login_as(world.consumer)
    _add(client, world.honey, 3)
    assert _checkout(client, world).status_code == 303
    first = db.session.scalar(sa.select(OrderGroup))
    assert _stock(db, world.honey) == 0
    # the consumer came back with the browser's back button and checks out again
    assert _checkout(client, world).status_code == 303
    db.session.refresh(first)
    assert first.status is OrderGroupStatus.CANCELLED
    groups = db.session.scalars(sa.select(OrderGroup).order_by(OrderGroup.id)).all()
    assert len(groups) == 2 and groups[1].status is OrderGroupStatus.PENDING_PAYMENT
    assert _stock(db, world.honey) == 0
    assert first.reference not in client.get("/mes-commandes").get_data(as_text=True)


def _pay_through_simulator(client, login_as, world, deliver_webhooks, *items):
    login_as(world.consumer)
    for offer, quantity in items:
        _add(client, offer, quantity)
    response = _checkout(client, world)
    assert response.status_code == 303
    paid = requests.post(response.headers["Location"], data={"card": "4242424242424242"}, allow_redirects=False,
                         timeout=5)
    assert paid.status_code == 303
    deliver_webhooks()
    from marketplace.extensions import db

    group = db.session.scalar(sa.select(OrderGroup).order_by(OrderGroup.id.desc()))
    db.session.refresh(group)
    assert group.status is OrderGroupStatus.PAID
    return group


def test_vendor_cancel_while_the_payment_service_is_down_changes_nothing(
    db, client, login_as, world, sim, deliver_webhooks
):
    group = _pay_through_simulator(client, login_as, world, deliver_webhooks, (world.honey, 2))
    vo = group.vendor_orders[0]
    assert _stock(db, world.honey) == 1
    sim.mode("error")
    login_as(world.owner_a)
    response = client.post(
        f"/espace-fournisseur/{world.vendor_a.id}/commandes/{vo.id}/annuler", data={"reason": "Récolte perdue."}
    )
    assert response.status_code == 422
    assert "Le remboursement n&#39;a pas pu être effectué" in response.get_data(as_text=True)
    db.session.refresh(vo)
    assert vo.status is V.PAID and vo.cancel_reason is None
    assert _stock(db, world.honey) == 1
    sim.mode("normal")
    response = client.post(
        f"/espace-fournisseur/{world.vendor_a.id}/commandes/{vo.id}/annuler", data={"reason": "Récolte perdue."}
    )
    assert response.status_code == 302
    db.session.refresh(vo)
    assert vo.status is V.REFUNDED and vo.credit_notes
    assert _stock(db, world.honey) == 3
