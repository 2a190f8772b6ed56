"""The Content-Security-Policy in a real browser: the main pages of every space load, run their
scripts (search suggestions, the sales chart, the print button) and raise no CSP violation."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_purchase_journey import _login

CONSUMER = "camille.martin@courriel.example"
VENDOR = "contact@le-panier-des-cimes.example"
ADMIN = "admin@marche-solidaire.example"
CHAIR = "martine.reynaud@ess-sud-isere.example"


class Console:
    """Every console message and page error of a page, and the CSP violations among them."""

    def __init__(self, page) -> None:
        self.messages: list[str] = []
        page.on("console", lambda message: self.messages.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.messages.append(f"pageerror: {error}"))
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => "
            "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
        )

    def violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m or "Content-Security-Policy" in m]


@pytest.fixture
def console(page):
    return Console(page)


def _visit(page, url):
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")


def test_the_detector_sees_a_violation(live_server, page, console):
    """A control: an inline style injected into a page is reported, so silence below means something."""
    _visit(page, live_server + "/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<div style=\"color: red\">x</div>')")
    page.wait_for_timeout(300)
    assert console.violations()


def test_public_pages_and_search_suggestions(live_server, page, console):
    base = live_server
    for url in ("/", "/catalogue", "/fournisseurs", "/transparence", "/charte", "/contact", "/recherche?q=confiture"):
        _visit(page, base + url)
    page.goto(base + "/catalogue")
    page.locator("a[href^='/offres/']").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # suggestions are fetched by static/js/search.js as the visitor types
    box = page.locator("#header-q")
    with page.expect_response(re.compile(r"/recherche/suggestions")):
        box.type("confi", delay=60)
    page.wait_for_timeout(400)
    assert console.violations() == [], console.violations()


def test_cart_checkout_and_orders(live_server, page, console):
    base = live_server
    _login(page, base, CONSUMER)
    page.goto(base + "/fournisseurs/le-panier-des-cimes")
    page.get_by_role("link", name="Confiture de myrtilles sauvages").first.click()
    page.get_by_role("button", name="Ajouter au panier").click()
    for url in ("/panier", "/commande/validation", "/mes-commandes", "/compte/"):
        _visit(page, base + url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert console.violations() == [], console.violations()


def test_vendor_space_with_its_chart_and_an_invoice(live_server, page, console):
    base = live_server
    _login(page, base, VENDOR)
    _visit(page, base + "/espace-fournisseur")
    page.get_by_role("link", name=re.compile("Ventes")).first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    page.goto(base + "/espace-fournisseur")
    page.get_by_role("link", name="Commandes", exact=True).first.click()
    orders = [a.get_attribute("href") for a in page.locator("main a[href*='/commandes/']").all()]
    invoice = None
    for href in orders[:10]:
        _visit(page, base + href)
        if page.locator("a[href^='/factures/']").count():
            invoice = page.locator("a[href^='/factures/']").first.get_attribute("href")
            break
    assert invoice, "no invoiced order in the demo data"
    _visit(page, base + invoice)
    expect(page.locator("button[data-print]")).to_be_visible()  # shown by static/js/print.js
    assert console.violations() == [], console.violations()


def test_admin_and_committee(live_server, browser):
    for email, urls in ((ADMIN, ("/admin/", "/admin/utilisateurs", "/admin/journal", "/admin/boite-mail",
                                  "/comite/administration/grille")),
                        (CHAIR, ("/comite/", "/comite/structures"))):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        page = context.new_page()
        console = Console(page)
        _login(page, live_server, email)
        for url in urls:
            _visit(page, live_server + url)
        if email == CHAIR:
            _visit(page, live_server + "/comite/")
            page.locator("a[href^='/comite/dossiers/']").first.click()
            expect(page.get_by_role("heading", level=1)).to_be_visible()
        context.close()
        assert console.violations() == [], f"{email}: {console.violations()}"
