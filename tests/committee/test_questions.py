"""A member asks the applicant a question; the exchange is kept and shown."""
from __future__ import annotations

import sqlalchemy as sa

from marketplace.committee.models import DossierMessage
from marketplace.vendors import workflow
from marketplace.vendors.models import ApplicationStatus
from tests.committee.conftest import owner_of, review_data
from tests.conftest import csrf_token_from


def _messages(db, application):
    return list(
        db.session.scalars(
            sa.select(DossierMessage).where(DossierMessage.application_id == application.id).order_by(DossierMessage.id)
        )
    )


def test_a_question_puts_the_dossier_on_hold_and_reaches_the_applicant(db, app, client, login_as, members, make_dossier, outbox):
    application = make_dossier(ApplicationStatus.IN_REVIEW, complete=True)
    owner = owner_of(application.vendor)
    login_as(members[0])
    response = client.post(
        f"/comite/dossiers/{application.id}/question",
        data={"question": "Quelle part de vos achats est locale ?"},
    )
    assert response.status_code == 302
    assert application.status == ApplicationStatus.INFO_REQUESTED
    [message] = _messages(db, application)
    assert message.from_committee and message.author_id == members[0].id
    assert any("Quelle part de vos achats est locale ?" in m.body for m in outbox(owner.email))

    on_hold = client.get(f"/comite/dossiers/{application.id}")
    assert "Quelle part de vos achats est locale ?" in on_hold.text
    assert "Le dossier attend la réponse de la structure" in on_hold.text
    assert f'action="/comite/dossiers/{application.id}/question"' not in on_hold.text
    assert f'action="/comite/dossiers/{application.id}/avis"' not in on_hold.text

    with app.test_request_context():
        workflow.resubmit(application, owner, "Environ 70 %, justificatifs joints.")
    db.session.commit()
    assert application.status == ApplicationStatus.IN_REVIEW
    back = client.get(f"/comite/dossiers/{application.id}")
    text = back.text
    assert text.index("Quelle part de vos achats est locale ?") < text.index("Environ 70 %, justificatifs joints.")
    assert "Réponse de la structure" in text
    assert back.text.count(f'action="/comite/dossiers/{application.id}/question"') == 1


def test_a_question_can_be_asked_on_a_freshly_submitted_dossier(db, client, login_as, members, make_dossier):
    application = make_dossier(ApplicationStatus.SUBMITTED)
    login_as(members[0])
    assert client.post(f"/comite/dossiers/{application.id}/question", data={"question": "Vos statuts ?"}).status_code == 302
    assert application.status == ApplicationStatus.INFO_REQUESTED


def test_an_empty_question_is_refused(db, client, login_as, members, make_dossier):
    application = make_dossier(ApplicationStatus.IN_REVIEW)
    login_as(members[0])
    response = client.post(f"/comite/dossiers/{application.id}/question", data={"question": "   "})
    assert response.status_code == 400
    assert "Écrivez la question posée à la structure." in response.text
    assert _messages(db, application) == []
    assert application.status == ApplicationStatus.IN_REVIEW


def test_no_review_while_information_is_requested(db, client, login_as, grid, members, make_dossier):
    application = make_dossier(ApplicationStatus.INFO_REQUESTED)
    login_as(members[0])
    response = client.post(f"/comite/dossiers/{application.id}/avis", data=review_data(grid, (2, 2, 2)))
    assert response.status_code == 403


def test_the_question_form_is_protected_against_cross_site_requests(db, csrf_app, client, login_as, members, make_dossier):
    application = make_dossier(ApplicationStatus.IN_REVIEW)
    login_as(members[0])
    forged = client.post(f"/comite/dossiers/{application.id}/question", data={"question": "Forgée"})
    assert forged.status_code == 400
    assert application.status == ApplicationStatus.IN_REVIEW
    token = csrf_token_from(client.get(f"/comite/dossiers/{application.id}").text)
    genuine = client.post(
        f"/comite/dossiers/{application.id}/question", data={"question": "Authentique", "csrf_token": token}
    )
    assert genuine.status_code == 302
    assert [m.body for m in _messages(db, application)] == ["Authentique"]
