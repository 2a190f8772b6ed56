"""Vendor vetting in the browser: a newcomer signs up, creates a structure through
"Devenir fournisseur", fills every section of its dossier, confirms the e-mail
address (refused before) and submits it; three committee members review it, the
chair approves it, and an anonymous visitor finds the structure in the public
directory. Screenshots go to artifacts/vetting/, at 1280 and 375 px wide."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from marketplace.core.identifiers import make_siret
from seeds.committee import CRITERIA

DEMO_PASSWORD = "solidaire2026"
ADMIN_EMAIL = "admin@marche-solidaire.example"
APPLICANT_EMAIL = "lucie.bernard@remise-grenobloise.example"
CHAIR = "martine.reynaud@ess-sud-isere.example"
REVIEWERS = [
    ("karim.belkacem@insertion-dauphine.example", "3"),
    ("helene.faure@echirolles.example", "2"),
    ("jean-paul.morel@conso-solidaires-isere.example", "3"),
]
CRITERION_LABELS = [label for _code, label, _description, _weight in CRITERIA]

STRUCTURE = "La Remise Grenobloise"
SIRET = make_siret(48372915)
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 812}


def _pdf_bytes(text: str) -> bytes:
    """A small, well-formed one-page PDF (cross-reference table with exact offsets)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _new_page(browser, viewport=DESKTOP):
    page = browser.new_context(viewport=viewport, locale="fr-FR").new_page()
    page.set_default_timeout(10_000)
    return page


def _login(page, base, email, password=DEMO_PASSWORD):
    page.goto(f"{base}/compte/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se connecter")).to_have_count(0)


def _section(page, name):
    page.get_by_role("navigation", name="Sections du dossier").get_by_role("link", name=name, exact=True).click()


def _saved(page):
    expect(page.get_by_text("Section enregistrée.")).to_be_visible()


def _sign_up(page, base, email, password):
    page.goto(f"{base}/compte/inscription")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Nom affiché").fill("Lucie Bernard")
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_label("Confirmez le mot de passe").fill(password)
    page.get_by_label("J'accepte les conditions d'utilisation de la plateforme").check()
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.locator("summary").filter(has_text="Lucie Bernard")).to_be_visible()


def _fill_dossier(page, base, tmp_path):
    page.goto(base + "/")
    page.get_by_role("link", name="Devenir fournisseur").first.click()
    expect(page.get_by_role("heading", name="Devenir fournisseur", level=1)).to_be_visible()
    page.get_by_role("link", name="Déposer une candidature").first.click()

    # Identity
    page.get_by_label("Nom de la structure").fill(STRUCTURE)
    page.get_by_label("Raison sociale").fill("Association La Remise Grenobloise")
    page.get_by_label("Numéro SIRET").fill(SIRET)
    page.get_by_label("Statut juridique").select_option(label="Association")
    page.get_by_role("group", name=re.compile("Agrément ESUS")).get_by_label("Non", exact=True).check()
    page.get_by_label("Année de création").fill("2012")
    page.get_by_label("Nombre de salariés").fill("14")
    page.get_by_label("Dont postes en insertion").fill("6")
    page.get_by_role("button", name="Créer la structure").click()
    expect(page.get_by_text("Structure créée.")).to_be_visible()

    # Territory (the creation leads there)
    expect(page.get_by_role("heading", name="Territoire", level=1)).to_be_visible()
    page.get_by_label("Adresse").fill("12 rue Très-Cloîtres")
    page.get_by_label("Code postal").fill("38000")
    page.get_by_label("Commune").fill("Grenoble")
    page.get_by_role("button", name="Enregistrer").click()
    _saved(page)
    expect(page.get_by_text("Département : Isère")).to_be_visible()

    # Activity
    _section(page, "Activité")
    page.get_by_label("Réemploi", exact=True).check()
    page.get_by_label("Éco-produits", exact=True).check()
    page.get_by_label("Présentation de l'activité").fill(
        "Recyclerie associative du centre de Grenoble : nous collectons, réparons et revendons "
        "meubles, vélos et objets du quotidien.\nL'atelier accueille des salariés en parcours d'insertion."
    )
    page.get_by_label("Site web").fill("https://www.remise-grenobloise.example")
    page.get_by_label("E-mail de contact public").fill("contact@remise-grenobloise.example")
    page.get_by_label("Téléphone").fill("04 76 00 12 34")
    page.get_by_role("button", name="Enregistrer").click()
    _saved(page)
    expect(page.get_by_label("Réemploi", exact=True)).to_be_checked()

    # Commitments: one answer per criterion of the grid
    _section(page, "Engagements")
    for label in CRITERION_LABELS:
        page.get_by_label(label, exact=True).fill(f"{label} : ce que La Remise Grenobloise fait concrètement.")
    page.get_by_role("button", name="Enregistrer").click()
    _saved(page)

    # Documents: the statutes and the registration proof, as small PDF files
    _section(page, "Documents")
    for kind, filename in (("Statuts", "statuts.pdf"), ("Justificatif d'immatriculation", "avis-situation-sirene.pdf")):
        path = tmp_path / filename
        path.write_bytes(_pdf_bytes(f"{kind} - {STRUCTURE}"))
        page.get_by_label("Type de document").select_option(label=kind)
        page.get_by_label("Fichier (PDF, JPEG ou PNG, 5 Mo au plus)").set_input_files(str(path))
        page.get_by_role("button", name="Envoyer le document").click()
        expect(page.get_by_text("Document ajouté au dossier.")).to_be_visible()
        expect(page.get_by_role("link", name=filename, exact=True)).to_be_visible()

    # Charter
    _section(page, "Charte")
    page.get_by_label("J'ai lu la charte et j'engage la structure à la respecter.").check()
    page.get_by_role("button", name="Accepter la charte").click()
    expect(page.get_by_text("Charte acceptée au nom de la structure le")).to_be_visible()
    expect(page.get_by_text("Le dossier est complet.")).to_be_visible()


def _verify_email(browser, page, base, email):
    """An administrator opens the verification e-mail in the dev mailbox; the applicant follows its link."""
    admin = _new_page(browser)
    _login(admin, base, ADMIN_EMAIL)
    admin.goto(f"{base}/admin/boite-mail?to={email}")
    admin.get_by_role("link", name=re.compile("Confirmez votre adresse e-mail", re.I)).first.click()
    link = admin.locator("a[href*='/compte/verifier/']").first.get_attribute("href")
    assert link and "/compte/verifier/" in link
    admin.context.close()
    page.goto(link)
    expect(page.get_by_text("Votre adresse e-mail est confirmée").first).to_be_visible()


def _fits(page, width):
    """Nothing makes the page scroll sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _directory_filtered(page, base):
    """The public directory, filtered on the structure's sector and département."""
    page.goto(f"{base}/fournisseurs")
    page.get_by_label("Secteur").select_option(value="reemploi")  # its label ends with a count
    page.get_by_label("Département").select_option(value="38")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("link", name="Effacer les filtres")).to_be_visible()


def test_dossier_reviewed_approved_and_published(live_server, browser, page, artifacts, tmp_path):
    base = live_server
    shots = artifacts / "vetting"
    shots.mkdir(exist_ok=True)

    # The applicant signs up, fills the dossier and submits it.
    _sign_up(page, base, APPLICANT_EMAIL, "une-phrase-de-passe-solide")
    _fill_dossier(page, base, tmp_path)
    _section(page, "Récapitulatif")
    dossier_url = page.url
    expect(page.get_by_text("n'est pas encore confirmée")).to_be_visible()

    # Submitting is refused until the e-mail address is confirmed.
    page.get_by_role("button", name="Déposer la candidature").click()
    expect(page.get_by_role("alert")).to_contain_text("Confirmez d'abord votre adresse e-mail")
    expect(page.get_by_role("link", name="Recevoir un nouveau lien de confirmation")).to_be_visible()
    page.screenshot(path=str(shots / "dossier-unverified-desktop.png"), full_page=True)
    _verify_email(browser, page, base, APPLICANT_EMAIL)

    page.goto(dossier_url)
    page.get_by_role("button", name="Déposer la candidature").click()
    expect(page.get_by_text("Votre candidature est déposée.")).to_be_visible()
    expect(page.locator(".page-header .badge")).to_have_text("Déposée")
    expect(page.get_by_role("heading", name=f"Dossier de {STRUCTURE}")).to_be_visible()
    summary = page.locator("section", has=page.get_by_role("heading", name="Contenu du dossier"))
    expect(summary.get_by_text("contact@remise-grenobloise.example")).to_be_visible()
    expect(summary.get_by_text("04 76 00 12 34")).to_be_visible()
    history = page.locator("section", has=page.get_by_role("heading", name="Historique"))
    expect(history.get_by_text("Charte acceptée (version 1)")).to_be_visible()
    page.screenshot(path=str(shots / "dossier-desktop.png"), full_page=True)
    page.set_viewport_size(MOBILE)
    _fits(page, MOBILE["width"])
    page.screenshot(path=str(shots / "dossier-mobile.png"), full_page=True)
    page.set_viewport_size(DESKTOP)

    # Not approved yet: the public does not see the structure.
    visitor = _new_page(browser)
    _directory_filtered(visitor, base)
    expect(visitor.get_by_role("link", name=STRUCTURE)).to_have_count(0)

    # Three members find the dossier in the committee queue and each review it.
    dossier_link = None
    for number, (email, score) in enumerate(REVIEWERS, start=1):
        member = _new_page(browser)
        _login(member, base, email)
        member.get_by_role("link", name="Comité d'éthique").first.click()
        tab = "Déposées" if number == 1 else "En cours d'examen"
        member.get_by_role("link", name=re.compile(f"^{tab}")).click()
        member.get_by_role("link", name="les plus récents d'abord").click()
        member.get_by_role("link", name=STRUCTURE).click()
        expect(member.get_by_role("heading", name=STRUCTURE, level=1)).to_be_visible()
        dossier_link = dossier_link or member.url
        expect(member.get_by_text("Les avis des autres membres restent masqués")).to_be_visible()

        form = member.locator("form").filter(has=member.get_by_role("button", name="Envoyer mon avis"))
        for label in CRITERION_LABELS:
            group = form.get_by_role("group", name=re.compile("^" + re.escape(label) + " — "))
            group.get_by_label(re.compile(f"^{score} – ")).check()
        form.get_by_role("group", name="Mon avis sur la candidature").get_by_label("Favorable", exact=True).check()
        form.get_by_label("Commentaire général").fill(
            f"Avis favorable : dossier complet et engagements concrets (membre n° {number})."
        )
        form.get_by_role("button", name="Envoyer mon avis").click()
        expect(member.get_by_text("Votre avis est enregistré.")).to_be_visible()
        expect(member.get_by_text("Vous avez rendu votre avis le")).to_be_visible()
        expect(member.get_by_role("list", name="Avis rendus").locator("> li")).to_have_count(number)
        member.context.close()

    # The chair sees the quorum reached and records the approval.
    chair = _new_page(browser)
    _login(chair, base, CHAIR)
    chair.goto(dossier_link)
    decision = chair.locator("#decision")
    expect(decision.get_by_text("atteint (3 avis sur 3 requis)")).to_be_visible()
    expect(decision.locator("dt", has_text="Avis favorables").locator("xpath=following-sibling::dd[1]")).to_have_text("3")
    decision.get_by_role("group", name=re.compile("^Décision")).get_by_label("Agréer la structure").check()
    decision.get_by_label("Motivation (transmise à la structure)").fill(
        "Structure de réemploi solidement ancrée à Grenoble, gouvernance associative vivante "
        "et parcours d'insertion de qualité : le comité agrée la candidature."
    )
    decision.get_by_label("Je confirme cette décision ; elle sera notifiée à la structure.").check()
    decision.get_by_role("button", name="Enregistrer la décision").click()
    expect(chair.get_by_text("La décision est enregistrée et notifiée à la structure.")).to_be_visible()
    expect(chair.get_by_role("heading", name=re.compile(r"^Décision du .+ : agrément$"))).to_be_visible()
    expect(chair.locator(".page-header .badge").first).to_have_text("Agréée")
    expect(decision.get_by_text("avis au moment de la décision : 3 favorables.")).to_be_visible()
    expect(chair.locator("#historique").get_by_text("Charte acceptée")).to_be_visible()
    chair.screenshot(path=str(shots / "committee-dossier-desktop.png"), full_page=True)
    chair.set_viewport_size(MOBILE)
    _fits(chair, MOBILE["width"])
    chair.screenshot(path=str(shots / "committee-dossier-mobile.png"), full_page=True)
    chair.context.close()

    # The applicant's dossier now shows the approval.
    page.goto(dossier_url)
    expect(page.get_by_text("Candidature agréée le")).to_be_visible()

    # An anonymous visitor finds the structure in the directory and opens its profile.
    _directory_filtered(visitor, base)
    visitor.get_by_role("link", name=STRUCTURE).click()
    expect(visitor.get_by_role("heading", name=STRUCTURE, level=1)).to_be_visible()
    expect(visitor.get_by_text(re.compile(r"^Agréé par le comité d'éthique le \d{1,2} \w+ \d{4}$"))).to_be_visible()
    expect(visitor.get_by_text("Grenoble").first).to_be_visible()
    expect(visitor.get_by_role("heading", name="Utilité sociale")).to_be_visible()
    visitor.screenshot(path=str(shots / "profile-desktop.png"), full_page=True)
    visitor.set_viewport_size(MOBILE)
    visitor.reload()
    expect(visitor.get_by_role("heading", name=STRUCTURE, level=1)).to_be_visible()
    _fits(visitor, MOBILE["width"])
    visitor.screenshot(path=str(shots / "profile-mobile.png"), full_page=True)
    visitor.context.close()
