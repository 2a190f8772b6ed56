"""The committee's queue: tabs, counts, sorting, and who may see it."""
from __future__ import annotations

import re

import pytest

from marketplace.vendors.models import ApplicationKind, ApplicationStatus
from tests.factories import BuyerMembershipFactory, UserFactory, VendorMembershipFactory


def _names_in_order(html: str, names: list[str]) -> list[str]:
    positions = {name: html.find(name) for name in names if name in html}
    return sorted(positions, key=positions.get)


def test_tabs_show_their_dossiers_with_counts(client, login_as, members, make_dossier):
    make_dossier(ApplicationStatus.SUBMITTED, name="Épicerie Déposée")
    make_dossier(ApplicationStatus.SUBMITTED, name="Recyclerie Déposée")
    make_dossier(ApplicationStatus.IN_REVIEW, name="Scop En Examen")
    make_dossier(ApplicationStatus.INFO_REQUESTED, name="Asso Questionnée")
    make_dossier(ApplicationStatus.APPROVED, name="Ferme Agréée")
    make_dossier(ApplicationStatus.REJECTED, name="Négoce Refusé")
    make_dossier(ApplicationStatus.DRAFT, name="Brouillon Secret")
    login_as(members[0])

    page = client.get("/comite/")
    assert page.status_code == 200
    assert "Épicerie Déposée" in page.text and "Recyclerie Déposée" in page.text
    assert "Scop En Examen" not in page.text
    tabs = dict(re.findall(r'tab=(\w+)[^>]*>[^<]*<span class="badge">(\d+)</span>', page.text))
    assert tabs == {"submitted": "2", "in_review": "1", "info_requested": "1", "decided": "2"}

    review = client.get("/comite/?tab=in_review")
    assert "Scop En Examen" in review.text and "Épicerie Déposée" not in review.text
    info = client.get("/comite/?tab=info_requested")
    assert "Asso Questionnée" in info.text
    decided = client.get("/comite/?tab=decided")
    assert "Ferme Agréée" in decided.text and "Négoce Refusé" in decided.text
    for response in (page, review, info, decided):
        assert "Brouillon Secret" not in response.text


def test_queue_sorts_by_age_both_ways(client, login_as, members, make_dossier):
    make_dossier(name="Dossier Récent", submitted_days_ago=1)
    make_dossier(name="Dossier Ancien", submitted_days_ago=20)
    make_dossier(name="Dossier Moyen", submitted_days_ago=8)
    login_as(members[0])
    names = ["Dossier Récent", "Dossier Ancien", "Dossier Moyen"]

    oldest = client.get("/comite/?tab=submitted")
    assert _names_in_order(oldest.text, names) == ["Dossier Ancien", "Dossier Moyen", "Dossier Récent"]
    newest = client.get("/comite/?tab=submitted&sort=newest")
    assert _names_in_order(newest.text, names) == ["Dossier Récent", "Dossier Moyen", "Dossier Ancien"]


def test_unknown_tab_and_sort_fall_back_instead_of_failing(client, login_as, members, make_dossier):
    make_dossier(name="Dossier Unique")
    login_as(members[0])
    response = client.get("/comite/?tab=nimportequoi&sort=%27;drop&page=abc")
    assert response.status_code == 200
    assert "Dossier Unique" in response.text


def test_renewal_is_marked_in_the_queue(client, login_as, members, make_dossier):
    make_dossier(kind=ApplicationKind.RENEWAL, name="Coop Renouvelée")
    login_as(members[0])
    page = client.get("/comite/")
    row = page.text[page.text.index("Coop Renouvelée"):]
    assert "Renouvellement" in row[: row.index("</tr>")]


def test_empty_tab_has_a_helpful_message(client, login_as, members):
    login_as(members[0])
    page = client.get("/comite/")
    assert "Aucune nouvelle candidature en attente" in page.text


def test_draft_dossiers_are_unknown_to_the_committee(client, login_as, members, make_dossier):
    draft = make_dossier(ApplicationStatus.DRAFT)
    withdrawn_draft = make_dossier(ApplicationStatus.DRAFT, name="Retirée Avant Dépôt")
    withdrawn_draft.status = ApplicationStatus.WITHDRAWN
    login_as(members[0])
    assert client.get(f"/comite/dossiers/{draft.id}").status_code == 404
    assert client.get(f"/comite/dossiers/{withdrawn_draft.id}").status_code == 404
    decided = client.get("/comite/?tab=decided")
    assert "Retirée Avant Dépôt" not in decided.text


def test_dossier_page_shows_identity_territory_answers_and_documents(client, login_as, members, make_dossier, grid):
    application = make_dossier(name="La Fabrique Solidaire")
    login_as(members[0])
    page = client.get(f"/comite/dossiers/{application.id}")
    assert page.status_code == 200
    text = page.text
    assert "La Fabrique Solidaire" in text
    assert application.vendor.siret in text
    assert "Isère (38)" in text and "Auvergne-Rhône-Alpes" in text
    for criterion in grid:
        assert criterion.label in text
        assert f"Notre réponse sur {criterion.label.lower()}." in text
    assert "Aucun document joint." in text


@pytest.mark.parametrize("role", ["consumer", "vendor", "buyer"])
def test_other_roles_are_refused(client, login_as, make_dossier, role):
    application = make_dossier()
    user = {
        "consumer": lambda: UserFactory(),
        "vendor": lambda: VendorMembershipFactory().user,
        "buyer": lambda: BuyerMembershipFactory().user,
    }[role]()
    login_as(user)
    assert client.get("/comite/").status_code == 403
    assert client.get(f"/comite/dossiers/{application.id}").status_code == 403
    assert client.get("/comite/structures").status_code == 403
    assert client.post(f"/comite/dossiers/{application.id}/question", data={"question": "?"}).status_code == 403


def test_the_applicant_cannot_open_the_committee_page_of_their_own_dossier(client, login_as, make_dossier):
    application = make_dossier()
    owner = application.vendor.memberships[0].user
    login_as(owner)
    assert client.get(f"/comite/dossiers/{application.id}").status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, make_dossier):
    application = make_dossier()
    response = client.get(f"/comite/dossiers/{application.id}")
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


def test_admin_reads_the_queue_and_dossiers_but_cannot_act(client, login_as, make_dossier, grid):
    application = make_dossier(name="Dossier Pour Admin")
    admin = UserFactory(admin=True)
    login_as(admin)
    assert "Dossier Pour Admin" in client.get("/comite/").text
    page = client.get(f"/comite/dossiers/{application.id}")
    assert page.status_code == 200
    assert "Lecture seule" in page.text
    assert f'action="/comite/dossiers/{application.id}/avis"' not in page.text
    assert f'action="/comite/dossiers/{application.id}/question"' not in page.text
    data = {f"score_{c.id}": "3" for c in grid} | {"opinion": "favorable"}
    assert client.post(f"/comite/dossiers/{application.id}/avis", data=data).status_code == 403
    assert client.post(f"/comite/dossiers/{application.id}/question", data={"question": "Pourquoi ?"}).status_code == 403
    assert client.post(f"/comite/dossiers/{application.id}/conflit-interets", data={"reason": "x"}).status_code == 403
    assert application.status == ApplicationStatus.SUBMITTED
