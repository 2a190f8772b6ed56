"""A buyer publishes a two-lot call for tenders; two structures form a conjoint groupement
and bid on lot 1, a third bids alone; the buyer sees only how many bids came in; the
deadline passes (the served app's clock is moved past it); the buyer opens, scores and
awards lot 1 and declares lot 2 unsuccessful; the losers read their rejection letter."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

DEMO_PASSWORD = "solidaire2026"
BUYER = "commande.publique@saint-martin-dheres.example"
LEAD = ("contact@les-jardins-de-la-gresse.example", "Les Jardins de la Gresse")
PARTNER = ("contact@la-ressourcerie-des-deux-rives.example", "La Ressourcerie des Deux Rives")
ALONE = ("contact@le-panier-des-cimes.example", "Le Panier des Cimes")
TITLE = "Entretien des jardins partagés de la ville"
PARIS = ZoneInfo("Europe/Paris")
LEAD_TIME = dt.timedelta(hours=2)


def _new_page(browser):
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR").new_page()
    page.set_default_timeout(15_000)
    return page


def _login(page, base, email):
    page.goto(f"{base}/compte/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_have_count(0)


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def _publish(page, server) -> tuple[str, dt.datetime]:
    """The buyer's draft, its two lots and two criteria, then publication. Returns the tender's
    public address and its submission deadline."""
    base = str(server)
    deadline = server.now().replace(second=0, microsecond=0) + LEAD_TIME
    page.goto(f"{base}/compte/professionnels/appels-d-offres/nouveau")
    page.locator("[name=reference]").fill("AO-E2E-001")
    page.locator("[name=title]").fill(TITLE)
    page.locator("[name=object]").fill("Tonte, taille et entretien des douze jardins partagés.")
    page.locator("input[name=procedure][value=procedure_adaptee]").check()
    page.locator("input[name=reservation][value=none]").check()
    page.locator("[name=question_deadline]").fill(_local(deadline - dt.timedelta(minutes=1)))
    page.locator("[name=submission_deadline]").fill(_local(deadline))
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    for index, title in enumerate(("Tonte et débroussaillage", "Taille des haies")):
        page.locator(f"[name='lots-{index}-title']").fill(title)
        page.get_by_role("button", name="Enregistrer les lots").click()
        if index == 0:
            page.get_by_role("link", name=re.compile("^Lots")).click()
    page.get_by_role("link", name=re.compile("^Critères")).click()
    rows = (("Prix", "price", "40"), ("Valeur technique", "other", "60"))
    for index, (name, kind, weight) in enumerate(rows):
        page.locator(f"[name='criteria-{index}-name']").fill(name)
        page.locator(f"[name='criteria-{index}-kind']").select_option(kind)
        page.locator(f"[name='criteria-{index}-weight']").fill(weight)
    page.get_by_role("button", name="Enregistrer les critères").click()
    page.get_by_role("link", name="Publier…").click()
    page.get_by_role("button", name="Publier maintenant").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    return page.url, deadline


def _start_bid(page, tender_url, mode_label):
    page.goto(tender_url)
    page.get_by_role("link", name="Répondre à ce lot").first.click()
    page.get_by_label(mode_label).check()
    page.get_by_role("button", name="Créer l'offre").click()
    expect(page.get_by_text("Votre offre est créée.")).to_be_visible()


def _fill_content(page, price, memo, shares=()):
    page.get_by_role("link", name="Modifier l'offre").click()
    page.get_by_label("Prix de l'offre, en euros HT").fill(price)
    page.get_by_label("Mémoire technique", exact=True).fill(memo)
    for vendor, work, amount in shares:
        page.get_by_label(f"Part des prestations de {vendor}").fill(work)
        page.get_by_label(f"Montant de la part de {vendor}, en euros HT").fill(amount)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Offre enregistrée.")).to_be_visible()


def _my_bids(page, base):
    page.goto(f"{base}/espace-fournisseur")
    page.get_by_role("link", name="Mes réponses").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes réponses aux appels d'offres")


def _score(page, vendor_name, points):
    page.get_by_role("link", name=re.compile(re.escape(vendor_name))).first.click()
    page.get_by_label("Note sur 60").fill(points)
    page.get_by_label("Commentaire justifiant la note").fill("Méthode et moyens détaillés.")
    page.get_by_role("button", name="Enregistrer les notes").click()
    expect(page.get_by_text("Notes enregistrées.")).to_be_visible()


def test_groupement_bid_sealed_until_the_deadline_then_scored_awarded_and_letters(live_server, browser, page,
                                                                                   artifacts):
    base = live_server
    _login(page, base, BUYER)
    tender_url, deadline = _publish(page, live_server)

    # Two structures form a conjoint groupement on lot 1.
    lead = _new_page(browser)
    _login(lead, base, LEAD[0])
    _start_bid(lead, tender_url, "Groupement conjoint")
    lead.get_by_label("Structure à inviter").select_option(label=PARTNER[1])
    lead.get_by_role("button", name="Inviter").click()
    expect(lead.get_by_text("Invitation en attente")).to_be_visible()
    bid_url = lead.url

    partner = _new_page(browser)
    _login(partner, base, PARTNER[0])
    _my_bids(partner, base)
    partner.get_by_role("button", name="Accepter l'invitation").click()
    expect(partner.get_by_text("Vous avez rejoint le groupement.")).to_be_visible()

    lead.goto(bid_url)
    _fill_content(lead, "30 000,00", "Deux équipes en insertion, matériel sur batterie.", shares=(
        (LEAD[1], "Tonte et débroussaillage", "21 000,00"),
        (PARTNER[1], "Évacuation et compostage des déchets verts", "9 000,00"),
    ))
    lead.screenshot(path=str(artifacts / "bid-groupement.png"), full_page=True)
    lead.get_by_role("button", name="Déposer l'offre").click()
    expect(lead.get_by_text("Votre offre est déposée.")).to_be_visible()

    # A third structure bids alone.
    alone = _new_page(browser)
    _login(alone, base, ALONE[0])
    _start_bid(alone, tender_url, "Seule")
    _fill_content(alone, "32 000,00", "Une équipe de trois jardiniers, passage hebdomadaire.")
    alone.get_by_role("button", name="Déposer l'offre").click()
    expect(alone.get_by_text("Votre offre est déposée.")).to_be_visible()

    # Before the deadline the buyer sees how many bids came in, nothing else.
    page.get_by_role("link", name="Suivi et analyse des offres").click()
    expect(page.get_by_text("2 offres reçues")).to_be_visible()
    main = page.locator("main")
    for secret in (LEAD[1], PARTNER[1], ALONE[1], "30 000", "32 000"):
        expect(main).not_to_contain_text(secret)
    page.screenshot(path=str(artifacts / "bids-sealed-counts.png"), full_page=True)

    # The deadline passes.
    live_server.shift_clock(deadline - live_server.now() + dt.timedelta(seconds=5))
    page.reload()
    page.get_by_role("button", name="Ouvrir l'analyse des offres").click()
    page.get_by_role("link", name="Analyser le lot 1").click()

    # Price: 30 000 is the lowest → 40; 32 000 → 37,50. Technique: 45 and 55 out of 60.
    _score(page, LEAD[1], "45")
    _score(page, ALONE[1], "55")
    expect(page.get_by_text("92,50")).to_be_visible()
    expect(page.get_by_text("85,00")).to_be_visible()
    page.screenshot(path=str(artifacts / "bids-evaluation.png"), full_page=True)
    page.get_by_role("link", name="Attribuer le lot…").click()
    page.get_by_role("button", name="Attribuer le lot").click()
    expect(page.get_by_text("Le lot 1 est attribué.")).to_be_visible()
    page.get_by_role("link", name="Analyser le lot 2").click()
    page.get_by_role("link", name="Déclarer le lot infructueux…").click()
    page.get_by_label(re.compile("^Motif")).fill("Aucune offre reçue pour ce lot.")
    page.get_by_role("button", name="Déclarer le lot infructueux").click()
    page.get_by_role("link", name="Voir l'avis d'attribution").click()
    expect(page.locator("main")).to_contain_text(ALONE[1])
    page.screenshot(path=str(artifacts / "bids-award-notice.png"), full_page=True)

    # Each member of the losing groupement reads its letter: its scores, the winner's.
    for loser in (lead, partner):
        _my_bids(loser, base)
        loser.get_by_role("link", name="Non retenue : lire la lettre").click()
        letter = loser.locator("article")
        expect(letter).to_contain_text(f"Le lot est attribué à {ALONE[1]}")
        expect(letter).to_contain_text("Votre offre est classée 2.")
        expect(letter).to_contain_text("85,00")
        expect(letter).to_contain_text("92,50")
    partner.screenshot(path=str(artifacts / "bids-rejection-letter.png"), full_page=True)
    _my_bids(alone, base)
    expect(alone.get_by_text("Retenue", exact=True)).to_be_visible()
    for other in (lead, partner, alone):
        other.context.close()
