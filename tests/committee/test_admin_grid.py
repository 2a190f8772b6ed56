"""Administration of the analysis grid: history kept, never deleting what was used."""
from __future__ import annotations

import sqlalchemy as sa

from marketplace.committee.models import Criterion, Opinion, ReviewScore
from marketplace.core.audit import events_for
from tests.factories import CriterionFactory, UserFactory


def _criterion_form(label="Prix juste", description="", weight="2", position="5", active=True):
    data = {"label": label, "description": description, "weight": weight, "position": position}
    if active:
        data["active"] = "y"
    return data


def test_only_admins_administer_the_grid(db, client, login_as, members):
    login_as(members[0])
    assert client.get("/comite/administration/grille").status_code == 403
    assert client.post("/comite/administration/grille/nouveau", data=_criterion_form()).status_code == 403
    login_as(UserFactory(admin=True))
    assert client.get("/comite/administration/grille").status_code == 200


def test_the_empty_grid_says_what_to_do(db, client, login_as):
    login_as(UserFactory(admin=True))
    page = client.get("/comite/administration/grille")
    assert "La grille est vide" in page.text


def test_an_admin_adds_a_criterion(db, client, login_as):
    admin = UserFactory(admin=True)
    login_as(admin)
    response = client.post(
        "/comite/administration/grille/nouveau",
        data=_criterion_form("Prix juste et transparent", "Comment vos prix sont-ils fixés ?", "4", "2"),
    )
    assert response.status_code == 302
    criterion = db.session.scalars(sa.select(Criterion).where(Criterion.label == "Prix juste et transparent")).one()
    assert (criterion.weight, criterion.position, criterion.active) == (4, 2, True)
    assert criterion.code == "prix-juste-et-transparent"
    assert [e.action for e in events_for(criterion)] == ["criterion.create"]
    assert "Prix juste et transparent" in client.get("/comite/administration/grille").text


def test_criterion_validation_messages_are_french_and_nothing_is_saved(db, client, login_as):
    login_as(UserFactory(admin=True))
    too_heavy = client.post("/comite/administration/grille/nouveau", data=_criterion_form(weight="11"))
    assert too_heavy.status_code == 400
    assert "La pondération doit être un nombre entier entre 1 et 10." in too_heavy.text
    not_a_number = client.post("/comite/administration/grille/nouveau", data=_criterion_form(weight="lourd"))
    assert not_a_number.status_code == 400
    assert "Saisissez un nombre entier." in not_a_number.text
    no_label = client.post("/comite/administration/grille/nouveau", data=_criterion_form(label=" "))
    assert no_label.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Criterion)) == 0


def test_editing_a_used_criterion_keeps_past_reviews_and_its_history(db, client, login_as, grid, members, make_dossier, post_review):
    application = make_dossier()
    post_review(members[0], application, scores=(1, 2, 3), opinion=Opinion.FAVORABLE)
    target = grid[2]
    admin = UserFactory(admin=True)
    login_as(admin)
    response = client.post(
        f"/comite/administration/grille/{target.id}",
        data=_criterion_form("Ancrage local", target.description, "5", "3", active=False),
    )
    assert response.status_code == 302
    assert (target.label, target.weight, target.active) == ("Ancrage local", 5, False)
    [event] = [e for e in events_for(target) if e.action == "criterion.update"]
    assert event.data["changes"]["weight"] == [3, 5]
    assert event.data["changes"]["label"] == ["Ancrage territorial", "Ancrage local"]
    assert (event.before, event.after) == ("active", "inactive")

    score = db.session.scalars(sa.select(ReviewScore).where(ReviewScore.criterion_id == target.id)).one()
    assert (score.score, score.weight) == (3, 3)
    edit_page = client.get(f"/comite/administration/grille/{target.id}")
    assert "Ancrage territorial" in edit_page.text  # the history shows the former label
    assert "Supprimer…" not in edit_page.text

    login_as(members[0])
    dossier = client.get(f"/comite/dossiers/{application.id}")
    assert "Ancrage local" in dossier.text and "Critère retiré de la grille" in dossier.text
    assert "3 / 3" in dossier.text


def test_a_used_criterion_cannot_be_deleted_an_unused_one_can(db, client, login_as, grid, members, make_dossier):
    make_dossier()  # its answers use every criterion of the grid
    unused = CriterionFactory(label="Critère jamais utilisé")
    login_as(UserFactory(admin=True))
    refused = client.post(f"/comite/administration/grille/{grid[0].id}/supprimer")
    assert refused.status_code == 302
    assert db.session.get(Criterion, grid[0].id) is not None
    confirm = client.get(f"/comite/administration/grille/{unused.id}/supprimer")
    assert "Supprimer définitivement" in confirm.text
    done = client.post(f"/comite/administration/grille/{unused.id}/supprimer")
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Criterion, unused.id) is None
