"""A newcomer signs up, verifies the e-mail through the dev mailbox, logs in,
switches the interface to English and back; home page screenshots are saved."""
from __future__ import annotations

import re

from playwright.sync_api import expect

ADMIN_EMAIL = "admin@marche-solidaire.example"
DEMO_PASSWORD = "solidaire2026"


def _login(page, base, email, password):
    page.goto(f"{base}/compte/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_sign_up_verify_login_and_switch_language(live_server, browser, page, artifacts):
    base = live_server
    email = "nouvelle.personne@courriel.example"
    password = "un-mot-de-passe-solide"

    page.goto(f"{base}/compte/inscription")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Nom affiché").fill("Nouvelle Personne")
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_label("Confirmez le mot de passe").fill(password)
    page.get_by_label("J'accepte les conditions d'utilisation de la plateforme").check()
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_text("Confirmez votre adresse e-mail").first).to_be_visible()

    # An administrator reads the verification e-mail in the dev mailbox.
    admin = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _login(admin, base, ADMIN_EMAIL, DEMO_PASSWORD)
    admin.goto(f"{base}/admin/boite-mail?to={email}")
    admin.get_by_role("link", name=re.compile("Confirmez votre adresse e-mail|Vérifiez|Confirm", re.I)).first.click()
    link = admin.locator("a[href*='/compte/verifier/']").first.get_attribute("href")
    assert link and "/compte/verifier/" in link
    admin.context.close()

    page.goto(link)
    expect(page.get_by_text("Votre adresse e-mail est confirmée").first).to_be_visible()

    # Log out, then in again.
    page.locator("summary").filter(has_text="Nouvelle Personne").click()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("navigation", name="Compte").get_by_role("link", name="Se connecter")).to_be_visible()
    _login(page, base, email, password)
    expect(page.locator("summary").filter(has_text="Nouvelle Personne")).to_be_visible()

    # Switch to English and back.
    page.goto(base + "/")
    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Changer").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    page.screenshot(path=str(artifacts / "home-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    page.screenshot(path=str(artifacts / "home-mobile.png"), full_page=True)
