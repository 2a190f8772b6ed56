"""Questions before the question deadline; answers published without the asker's identity."""
from __future__ import annotations

import datetime as dt

from marketplace.core.clock import advance
from marketplace.procurement.tenders.models import TenderQuestion
from tests.factories import UserFactory
from tests.factories.tenders import TenderFactory, TenderQuestionFactory, buyer_of, vendor_member
from tests.procurement.tenders.conftest import text

QUESTION = "Les produits d'entretien écolabellisés sont-ils fournis par la commune ?"
ANSWER = "Non, ils sont à la charge du titulaire et doivent porter l'Écolabel européen."


def _ask(client, tender, vendor, body=QUESTION):
    return client.post(f"/appels-d-offres/{tender.id}/questions", data={"vendor_id": vendor.id, "body": body})


def test_a_vendor_asks_and_only_the_buyer_sees_the_unanswered_question(client, login_as, db, outbox):
    tender = TenderFactory()
    buyer = buyer_of(tender)
    user, vendor = vendor_member(name="Les Jardins de la Gresse")
    db.session.commit()
    login_as(user)
    page = text(client.get(f"/appels-d-offres/{tender.id}"))
    assert "Poser une question" in page
    response = _ask(client, tender, vendor)
    assert response.status_code == 302
    (question,) = tender.questions
    assert (question.vendor_id, question.asked_by_id, question.body) == (vendor.id, user.id, QUESTION)
    (mail,) = outbox(buyer.email)
    assert QUESTION in mail.body and vendor.name not in mail.body and user.email not in mail.body
    assert QUESTION not in text(client.get(f"/appels-d-offres/{tender.id}"))
    login_as(buyer)
    buyer_page = text(client.get(f"/compte/professionnels/appels-d-offres/{tender.id}/questions"))
    assert QUESTION in buyer_page and "Sans réponse" in buyer_page
    assert vendor.name not in buyer_page and user.email not in buyer_page
    vendor_page = text(client.get(f"/espace-fournisseur/{vendor.id}/appels-d-offres"))
    assert QUESTION not in vendor_page  # the buyer has no access to the structure's space
    login_as(user)
    assert QUESTION in text(client.get(f"/espace-fournisseur/{vendor.id}/appels-d-offres"))


def test_the_answer_is_public_and_anonymous(client, login_as, db, outbox):
    tender = TenderFactory()
    buyer = buyer_of(tender)
    asker, vendor = vendor_member(name="Coup de Main Services")
    question = TenderQuestionFactory(tender=tender, vendor_id=vendor.id, asked_by_id=asker.id)
    db.session.commit()
    login_as(buyer)
    response = client.post(
        f"/compte/professionnels/appels-d-offres/{tender.id}/questions/{question.id}/repondre",
        data={f"q{question.id}-answer": ANSWER},
    )
    assert response.status_code == 302
    assert question.answer == ANSWER and question.answered_by_id == buyer.id
    (mail,) = outbox(asker.email)
    assert ANSWER in mail.body
    for viewer in (None, UserFactory(), buyer, asker):
        login_as(viewer)
        page = text(client.get(f"/appels-d-offres/{tender.id}"))
        qa = page.split('id="questions"')[1].split("</section>")[0]
        assert question.body in qa and ANSWER in qa
        # the asker's own page names them in the account menu only
        for shown in (qa,) if viewer is asker else (qa, page):
            assert "Coup de Main Services" not in shown
            assert asker.email not in shown and asker.display_name not in shown


def test_an_answer_can_be_corrected(client, login_as, db):
    tender = TenderFactory()
    buyer = buyer_of(tender)
    question = TenderQuestionFactory(tender=tender, answer="Oui.")
    question.answered_at = question.asked_at
    db.session.commit()
    login_as(buyer)
    url = f"/compte/professionnels/appels-d-offres/{tender.id}/questions/{question.id}/repondre"
    empty = client.post(url, data={f"q{question.id}-answer": " "})
    assert empty.status_code == 422 and "Écrivez la réponse." in text(empty)
    client.post(url, data={f"q{question.id}-answer": "Non, finalement."})
    assert question.answer == "Non, finalement."


def test_no_question_after_the_question_deadline_even_before_the_tick(client, login_as, db):
    tender = TenderFactory()
    user, vendor = vendor_member()
    db.session.commit()
    advance(dt.timedelta(days=10))  # the question deadline, bids still open
    login_as(user)
    page = text(client.get(f"/appels-d-offres/{tender.id}"))
    assert "Poser une question" not in page and "La date limite des questions est passée." in page
    response = _ask(client, tender, vendor)
    assert response.status_code == 302
    follow = text(client.get(response.headers["Location"]))
    assert "plus aucune question n'est acceptée" in follow
    assert db.session.query(TenderQuestion).count() == 0


def test_only_members_of_approved_structures_ask(client, login_as, db):
    tender = TenderFactory()
    candidate_user, candidate = vendor_member(candidate=True)
    user, vendor = vendor_member()
    consumer = UserFactory()
    db.session.commit()
    login_as(consumer)
    assert _ask(client, tender, vendor).status_code == 403
    login_as(candidate_user)
    response = _ask(client, tender, candidate)
    assert response.status_code == 422 and "Choisissez une structure agréée" in text(response)
    login_as(user)
    assert _ask(client, tender, candidate).status_code == 422  # not a member of it
    assert _ask(client, tender, vendor, body=" ").status_code == 422
    assert db.session.query(TenderQuestion).count() == 0
