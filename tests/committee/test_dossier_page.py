"""The committee's dossier page: its header, contents bar, synthesis layout and
counts written with proper French plurals."""
from __future__ import annotations

import html
import re

from marketplace.committee.models import Opinion
from tests.factories import UserFactory


def _section(page: str, element_id: str) -> str:
    start = page.index(f'<section id="{element_id}"')
    return page[start:page.index("</section>", start)]


def test_the_back_link_title_and_badges_share_one_block_of_the_header(db, client, login_as, make_dossier, members):
    application = make_dossier()
    login_as(members[0])
    page = client.get(f"/comite/dossiers/{application.id}").text
    header = re.search(r'<div class="page-header">\s*<div>(.*?)</div>\s*</div>', page, re.S)
    assert header, "the header's contents are not grouped"
    block = header.group(1)
    assert block.index("← Tous les dossiers") < block.index("<h1>") < block.index('class="badge badge-submitted"')


def test_the_contents_bar_is_a_plain_list_of_anchors(db, client, login_as, make_dossier, members):
    application = make_dossier()
    login_as(members[0])
    page = client.get(f"/comite/dossiers/{application.id}").text
    toc = re.search(r'<nav aria-label="Sommaire du dossier" class="toc">\s*<ul>(.*?)</ul>', page, re.S)
    assert toc, "the contents bar must not use the bordered link-list"
    anchors = re.findall(r'<li><a href="#(\w+)">', toc.group(1))
    assert anchors == ["structure", "engagements", "documents", "echanges", "avis", "decision", "historique"]
    for anchor in anchors:
        assert f'id="{anchor}"' in page


def test_the_synthesis_and_the_decision_are_spaced_and_counted_in_french(
    db, client, login_as, make_dossier, members, chair, post_review
):
    application = make_dossier()
    opinions = [Opinion.FAVORABLE, Opinion.FAVORABLE, Opinion.RESERVED, Opinion.UNFAVORABLE]
    for member, opinion in zip(members, opinions, strict=True):
        assert post_review(member, application, opinion=opinion, comment="Motivé.").status_code == 302
    login_as(chair)
    response = client.post(
        f"/comite/dossiers/{application.id}/decision",
        data={"outcome": "approved", "motivation": "Projet cohérent.", "justification": "", "confirm_decision": "y"},
    )
    assert response.status_code == 302

    decision = html.unescape(_section(client.get(f"/comite/dossiers/{application.id}").text, "decision"))
    stack = re.search(r'<h2>Synthèse et décision</h2>\s*<div class="stack">\s*(.*)', decision, re.S)
    assert stack, "the tally and the decision must sit in a .stack"
    cards = re.findall(r'<div class="card">', stack.group(1))
    assert len(cards) == 2
    assert "avis au moment de la décision : 2 favorables, 1 réservé, 1 défavorable." in decision
    assert "(s)" not in decision


def test_opinions_nobody_gave_are_left_out_of_the_decision_line(
    db, client, login_as, make_dossier, members, chair, post_review
):
    application = make_dossier()
    for member in members[:3]:
        post_review(member, application, opinion=Opinion.FAVORABLE)
    login_as(chair)
    client.post(
        f"/comite/dossiers/{application.id}/decision",
        data={"outcome": "approved", "motivation": "Projet cohérent.", "justification": "", "confirm_decision": "y"},
    )
    decision = html.unescape(_section(client.get(f"/comite/dossiers/{application.id}").text, "decision"))
    assert "avis au moment de la décision : 3 favorables." in decision


def test_a_criterion_in_use_gives_its_counts_in_french(db, client, login_as, make_dossier, members, post_review, grid):
    first = make_dossier()
    post_review(members[0], first)
    admin = UserFactory(admin=True)
    login_as(admin)
    url = f"/comite/administration/grille/{grid[0].id}"
    assert "déjà servi (1 note, 1 réponse)" in html.unescape(client.get(f"{url}/supprimer").text)

    second = make_dossier()
    post_review(members[1], second)
    login_as(admin)
    assert "déjà servi (2 notes, 2 réponses)" in html.unescape(client.get(f"{url}/supprimer").text)
    assert "déjà servi (2 notes, 2 réponses)" in html.unescape(client.get(url).text)
    refused = html.unescape(client.post(f"{url}/supprimer", data={"confirm": "y"}).text)
    assert "(s)" not in refused


def test_every_committee_page_header_groups_its_title(db, client, login_as, grid, chair):
    from tests.committee.conftest import approved_vendor

    vendor = approved_vendor()
    admin = UserFactory(admin=True)
    pages = [
        (chair, "/comite/"),
        (chair, "/comite/structures"),
        (chair, f"/comite/structures/{vendor.id}/suspendre"),
        (admin, "/comite/administration/grille"),
        (admin, "/comite/administration/grille/nouveau"),
        (admin, f"/comite/administration/grille/{grid[0].id}"),
        (admin, f"/comite/administration/grille/{grid[0].id}/supprimer"),
        (admin, "/comite/administration/charte"),
    ]
    for user, url in pages:
        login_as(user)
        response = client.get(url)
        assert response.status_code == 200, url
        header = re.search(
            r'<div class="page-header">\s*<div>\s*(?:<p class="muted"><a [^>]+>[^<]+</a></p>\s*)?<h1>', response.text
        )
        assert header, url
