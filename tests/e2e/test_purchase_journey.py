"""A consumer buys from two structures through the Stripe simulator's hosted page; structure A
prepares, hands over and completes its part; structure B cancels with a reason; the consumer
sees the partial refund and the credit note; structure A sees the sale on its dashboard."""
from __future__ import annotations

import re

from playwright.sync_api import expect

DEMO_PASSWORD = "solidaire2026"
CONSUMER = "camille.martin@courriel.example"
VENDOR_A = ("le-panier-des-cimes", "Confiture de myrtilles sauvages")
VENDOR_B = ("les-simples-du-diois", "Savon au miel et à l'avoine")
REASON = "Rupture de stock : le dernier lot de savons n'a pas séché à temps."


def _login(page, base, email):
    page.goto(f"{base}/compte/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_have_count(0)


def _add_to_cart(page, base, vendor_slug, title):
    page.goto(f"{base}/fournisseurs/{vendor_slug}")
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    page.get_by_role("button", name="Ajouter au panier").click()


def _vendor_page(browser, base, vendor_slug):
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR").new_page()
    page.set_default_timeout(10_000)
    _login(page, base, f"contact@{vendor_slug}.example")
    page.goto(f"{base}/espace-fournisseur")
    return page


def _open_vendor_order(page, reference):
    page.get_by_role("link", name="Commandes", exact=True).first.click()
    page.get_by_role("link", name=re.compile(re.escape(reference))).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)


def test_buy_from_two_vendors_one_completes_one_cancels(live_server, browser, page, artifacts):
    base = live_server
    _login(page, base, CONSUMER)
    _add_to_cart(page, base, *VENDOR_A)
    _add_to_cart(page, base, *VENDOR_B)

    page.goto(f"{base}/panier")
    expect(page.get_by_text(VENDOR_A[1]).first).to_be_visible()
    expect(page.get_by_text(VENDOR_B[1]).first).to_be_visible()
    page.get_by_role("link", name="Passer commande").click()
    name = page.get_by_label("Nom", exact=False).first
    if not name.input_value():
        name.fill("Camille Martin")
    email = page.get_by_label("Adresse e-mail")
    if not email.input_value():
        email.fill(CONSUMER)
    page.get_by_role("button", name="Payer par carte").click()

    # The simulator's hosted Checkout page
    expect(page.get_by_label("Numéro de carte")).to_be_visible()
    assert "/checkout/" in page.url and not page.url.startswith(base)
    page.get_by_label("Numéro de carte").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile("^Payer")).click()

    expect(page.get_by_role("heading", name="Merci pour votre commande")).to_be_visible()
    reference = re.search(r"C-\d{6}", page.locator("main").inner_text()).group(0)
    page.get_by_role("link", name="Suivre ma commande").click()
    # the payment is confirmed by the signed webhook, delivered in the background
    for _ in range(50):
        if page.get_by_text("Payée, à préparer").count() >= 2:
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(page.get_by_text("Payée, à préparer")).to_have_count(2)
    order_url = page.url

    # Structure A prepares, hands over and completes its part.
    vendor_a = _vendor_page(browser, base, VENDOR_A[0])
    _open_vendor_order(vendor_a, reference)
    vendor_a.get_by_role("button", name="Commencer la préparation").click()
    expect(vendor_a.get_by_text("Commande passée en préparation.")).to_be_visible()
    ready = vendor_a.get_by_role("button", name="Prête à retirer : prévenir le client")
    if ready.count():
        ready.click()
    else:
        vendor_a.get_by_role("button", name="Marquer comme expédiée").click()
    vendor_a.get_by_role("button", name="Marquer comme terminée (remise au client)").click()
    expect(vendor_a.get_by_text("Commande terminée").first).to_be_visible()

    # Its sales dashboard counts the sale.
    vendor_a.goto(f"{base}/espace-fournisseur")
    vendor_a.get_by_role("link", name="Ventes", exact=True).first.click()
    expect(vendor_a.get_by_role("heading", name="Ventes par mois")).to_be_visible()
    expect(vendor_a.locator("svg[role=img]")).to_be_visible()
    vendor_a.screenshot(path=str(artifacts / "vendor-sales-dashboard.png"), full_page=True)
    vendor_a.context.close()

    # Structure B cancels its part with a reason: refunded at once.
    vendor_b = _vendor_page(browser, base, VENDOR_B[0])
    _open_vendor_order(vendor_b, reference)
    vendor_b.get_by_role("link", name="Annuler et rembourser…").click()
    vendor_b.get_by_label("Motif de l'annulation (communiqué au client)").fill(REASON)
    vendor_b.get_by_role("button", name="Annuler et rembourser le client").click()
    expect(vendor_b.get_by_text("le client est remboursé et prévenu")).to_be_visible()
    vendor_b.context.close()

    # The consumer sees the partial refund, the reason and the credit note.
    page.goto(order_url)
    expect(page.get_by_text("Partiellement remboursée").first).to_be_visible()
    expect(page.get_by_text("Terminée").first).to_be_visible()
    expect(page.get_by_text(REASON)).to_be_visible()
    expect(page.get_by_text(re.compile(r"Remboursement de .+ effectué sur votre carte"))).to_be_visible()
    page.screenshot(path=str(artifacts / "order-partially-refunded.png"), full_page=True)
    page.get_by_role("link", name=re.compile(r"Avoir n° AV-\d{4}-\d{6}")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Avoir n° AV-")
    expect(page.get_by_text(re.compile("Remboursement sur la commande C-")).first).to_contain_text(REASON)
    expect(page.get_by_text("Facture d'origine", exact=True)).to_be_visible()
