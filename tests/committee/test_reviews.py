"""Reviews, conflicts of interest, and reviews hidden until one has reviewed or recused."""
from __future__ import annotations

import sqlalchemy as sa

from marketplace.committee import services
from marketplace.committee.models import Opinion, Review
from marketplace.core.audit import events_for
from marketplace.vendors.models import ApplicationStatus
from tests.committee.conftest import review_data


def _reviews(db, application):
    return list(db.session.scalars(sa.select(Review).where(Review.application_id == application.id)))


def test_a_member_reviews_a_submitted_dossier_which_goes_into_review(db, client, grid, members, make_dossier, post_review):
    application = make_dossier()
    response = post_review(members[0], application, scores=(3, 2, 1), opinion=Opinion.FAVORABLE, comment="Bien.")
    assert response.status_code == 302
    assert application.status == ApplicationStatus.IN_REVIEW
    [review] = _reviews(db, application)
    assert review.reviewer_id == members[0].id and review.opinion == Opinion.FAVORABLE
    assert {s.criterion_id: (s.score, s.weight) for s in review.scores} == {
        grid[0].id: (3, 1),
        grid[1].id: (2, 2),
        grid[2].id: (1, 3),
    }
    actions = [e.action for e in events_for(application)]
    assert "start_review" in actions and "committee.review" in actions
    page = client.get(response.headers["Location"])
    assert "Vous avez rendu votre avis" in page.text
    history = page.text.split('id="historique"')[1]
    assert "Examen ouvert" in history and "(Déposée → En cours d&#39;examen)" in history
    assert "Avis rendu par un membre du comité" in history


def test_a_missing_score_is_refused_next_to_the_field_and_nothing_is_saved(db, client, login_as, grid, members, make_dossier):
    application = make_dossier()
    login_as(members[0])
    response = client.post(
        f"/comite/dossiers/{application.id}/avis", data=review_data(grid, (3, None, 1), Opinion.FAVORABLE)
    )
    assert response.status_code == 400
    assert "Notez ce critère de 0 à 3." in response.text
    assert _reviews(db, application) == []
    assert application.status == ApplicationStatus.SUBMITTED


def test_an_out_of_range_score_is_refused(db, client, login_as, grid, members, make_dossier):
    application = make_dossier()
    login_as(members[0])
    response = client.post(f"/comite/dossiers/{application.id}/avis", data=review_data(grid, (3, 7, 1)))
    assert response.status_code == 400
    assert _reviews(db, application) == []


def test_a_reserved_or_unfavorable_opinion_needs_a_comment(db, client, grid, members, make_dossier, post_review):
    application = make_dossier()
    response = post_review(members[0], application, opinion=Opinion.UNFAVORABLE, comment="  ")
    assert response.status_code == 400
    assert "Expliquez votre avis réservé ou défavorable" in response.text
    assert _reviews(db, application) == []
    assert post_review(members[0], application, opinion=Opinion.UNFAVORABLE, comment="Gouvernance floue.").status_code == 302


def test_one_review_per_member(db, client, grid, members, make_dossier, post_review):
    application = make_dossier()
    assert post_review(members[0], application).status_code == 302
    assert post_review(members[0], application, scores=(0, 0, 0)).status_code == 403
    assert len(_reviews(db, application)) == 1


def test_a_decided_dossier_cannot_be_reviewed(db, client, grid, members, make_dossier, post_review):
    application = make_dossier(ApplicationStatus.APPROVED)
    assert post_review(members[0], application).status_code == 403
    assert _reviews(db, application) == []


def test_others_reviews_are_hidden_until_one_has_reviewed(db, client, login_as, grid, members, make_dossier, post_review):
    application = make_dossier()
    post_review(members[0], application, opinion=Opinion.RESERVED, comment="Commentaire-de-Alice-unique")

    login_as(members[1])
    before = client.get(f"/comite/dossiers/{application.id}")
    assert before.status_code == 200
    assert "Commentaire-de-Alice-unique" not in before.text
    assert members[0].name not in before.text.split('id="avis"')[1].split('id="historique"')[0]
    assert "Les avis des autres membres restent masqués" in before.text
    assert "Avis réservés" not in before.text  # no tally either

    post_review(members[1], application, opinion=Opinion.FAVORABLE, comment="Mon avis à moi.")
    after = client.get(f"/comite/dossiers/{application.id}")
    assert "Commentaire-de-Alice-unique" in after.text
    assert "Mon avis à moi." in after.text
    assert "Avis réservés" in after.text


def test_visible_reviews_service_hides_reviews_from_a_member_who_has_not_reviewed(db, app, grid, members, make_dossier, post_review):
    application = make_dossier()
    post_review(members[0], application)
    with app.test_request_context():
        assert services.visible_reviews(application, members[1]) is None
        assert [r.reviewer_id for r in services.visible_reviews(application, members[0])] == [members[0].id]


def test_recusal_is_recorded_and_audited_then_the_member_cannot_act(db, client, login_as, grid, members, make_dossier, post_review):
    application = make_dossier()
    post_review(members[0], application, comment="Avis-visible-après-déport")
    login_as(members[1])
    response = client.post(
        f"/comite/dossiers/{application.id}/conflit-interets",
        data={"reason": "Je siège au conseil d'administration.", "confirm_recusal": "y"},
    )
    assert response.status_code == 302
    [recusal] = [r for r in _reviews(db, application) if r.reviewer_id == members[1].id]
    assert recusal.recused and recusal.recusal_reason == "Je siège au conseil d'administration."
    assert recusal.opinion is None and recusal.scores == []
    event = [e for e in events_for(application) if e.action == "committee.recusal"][0]
    assert event.actor_id == members[1].id

    page = client.get(f"/comite/dossiers/{application.id}")
    assert "Vous avez déclaré un conflit d'intérêts" in page.text
    assert "Avis-visible-après-déport" in page.text  # recused members may read, not act
    assert f'action="/comite/dossiers/{application.id}/avis"' not in page.text
    assert f'action="/comite/dossiers/{application.id}/question"' not in page.text

    assert client.post(f"/comite/dossiers/{application.id}/avis", data=review_data(grid, (3, 3, 3))).status_code == 403
    assert client.post(f"/comite/dossiers/{application.id}/question", data={"question": "Et alors ?"}).status_code == 403
    assert client.post(
        f"/comite/dossiers/{application.id}/conflit-interets", data={"reason": "encore", "confirm_recusal": "y"}
    ).status_code == 403
    assert len(_reviews(db, application)) == 2
    assert application.status == ApplicationStatus.IN_REVIEW


def test_recusal_needs_a_reason_and_a_confirmation(db, client, login_as, members, make_dossier):
    application = make_dossier()
    login_as(members[0])
    no_reason = client.post(
        f"/comite/dossiers/{application.id}/conflit-interets", data={"reason": " ", "confirm_recusal": "y"}
    )
    assert no_reason.status_code == 400
    assert "Indiquez la nature du conflit d'intérêts." in no_reason.text
    unconfirmed = client.post(f"/comite/dossiers/{application.id}/conflit-interets", data={"reason": "Ancien salarié."})
    assert unconfirmed.status_code == 400
    assert "Cochez la case pour confirmer votre déport." in unconfirmed.text
    assert _reviews(db, application) == []


def test_after_reviewing_one_can_no_longer_recuse(db, client, login_as, members, make_dossier, post_review):
    application = make_dossier()
    post_review(members[0], application)
    response = client.post(
        f"/comite/dossiers/{application.id}/conflit-interets", data={"reason": "Oups", "confirm_recusal": "y"}
    )
    assert response.status_code == 403
    assert [r.recused for r in _reviews(db, application)] == [False]


def test_deactivated_criteria_are_not_scored_in_new_reviews(db, client, login_as, grid, members, make_dossier):
    application = make_dossier()
    grid[2].active = False
    login_as(members[0])
    page = client.get(f"/comite/dossiers/{application.id}")
    assert f'name="score_{grid[0].id}"' in page.text
    assert f'name="score_{grid[2].id}"' not in page.text
    response = client.post(
        f"/comite/dossiers/{application.id}/avis", data=review_data(grid[:2], (2, 2), Opinion.FAVORABLE)
    )
    assert response.status_code == 302
    [review] = _reviews(db, application)
    assert {s.criterion_id for s in review.scores} == {grid[0].id, grid[1].id}


def test_once_the_dossier_is_closed_every_member_may_read_the_reviews(db, client, login_as, members, make_dossier, post_review):
    application = make_dossier()
    post_review(members[0], application, comment="Avis-archivé")
    application.status = ApplicationStatus.WITHDRAWN
    login_as(members[1])
    assert "Avis-archivé" in client.get(f"/comite/dossiers/{application.id}").text
