"""Questions asked by vendors before the question deadline, and the buyer's answers.

Answers are published to everyone without the asker's identity: no public
page and no e-mail to anyone but the asker names the structure or person
who asked. Unanswered questions are seen by the buyer only.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.outbox import email_user
from marketplace.extensions import db
from marketplace.procurement.tenders.models import Tender, TenderQuestion
from marketplace.procurement.tenders.permissions import can_ask_question, can_manage_tender
from marketplace.procurement.tenders.services import (
    TenderNotFound,
    email_buyers,
    email_vendors,
    manage_url,
    tender_url,
    vendors_with_started_bids,
)
from marketplace.procurement.tenders.workflow import TenderError

MAX_LENGTH = 4000


def _text(value: str | None, field: str, empty_message) -> str:
    text = (value or "").strip()
    if not text:
        raise TenderError(empty_message, field=field)
    if len(text) > MAX_LENGTH:
        raise TenderError(_l("%(n)s caractères au maximum.", n=MAX_LENGTH), field=field)
    return text


def ask(tender: Tender, actor, vendor, body: str) -> TenderQuestion:
    """A vendor member asks a question in the name of the structure, before the question deadline."""
    if not can_ask_question(actor, vendor):
        raise TenderError(_l("Seuls les membres d'une structure fournisseur peuvent poser une question."))
    if not vendor.is_public:
        raise TenderError(_l("Seule une structure agréée peut poser une question sur un appel d'offres."))
    if not tender.accepts_questions(now_utc()):
        raise TenderError(_l("La date limite des questions est passée : plus aucune question n'est acceptée."))
    text = _text(body, "body", _l("Écrivez votre question."))
    question = TenderQuestion(asked_by_id=actor.id, vendor_id=vendor.id, body=text, asked_at=now_utc())
    tender.questions.append(question)
    db.session.flush()
    record_event(actor, question, "tender.question_asked", None, None, {"tender_id": tender.id})
    email_buyers(
        tender,
        _l("Nouvelle question sur l'appel d'offres %(ref)s", ref=tender.reference),
        "tenders/question_asked",
        question=question,
        manage_url=manage_url(tender),
    )
    return question


def question_for(user, tender: Tender, question_id: int) -> TenderQuestion:
    if not can_manage_tender(user, tender):
        raise TenderNotFound()
    question = next((q for q in tender.questions if q.id == question_id), None)
    if question is None:
        raise TenderNotFound()
    return question


def answer(question: TenderQuestion, actor, text: str) -> TenderQuestion:
    """The buyer answers (or corrects an answer); it is published on the tender page at once."""
    tender = question.tender
    if not can_manage_tender(actor, tender):
        raise TenderNotFound()
    if tender.status.is_final:
        raise TenderError(_l("L'appel d'offres est terminé : les réponses ne peuvent plus être modifiées."))
    body = _text(text, "answer", _l("Écrivez la réponse."))
    first = question.answered_at is None
    question.answer = body
    question.answered_at = now_utc()
    question.answered_by_id = actor.id
    record_event(
        actor, question, "tender.question_answered" if first else "tender.answer_corrected", None, None,
        {"tender_id": tender.id},
    )
    db.session.flush()
    subject = _l("Réponse publiée sur l'appel d'offres %(ref)s", ref=tender.reference)
    context = {"tender": tender, "question": question, "tender_url": tender_url(tender)}
    notified = {question.asked_by_id}
    email_user(question.asked_by, subject, "tenders/question_answered", **context)
    bidders = [v for v in vendors_with_started_bids(tender)
               if not any(m.user_id in notified for m in v.memberships)]
    email_vendors(bidders, subject, "tenders/question_answered", **context)
    return question


def public_questions(tender: Tender) -> list[TenderQuestion]:
    """Answered questions, in the order asked: what everyone reads."""
    return [q for q in tender.questions if q.is_answered]


def questions_of_vendor(vendor, limit: int = 50) -> list[TenderQuestion]:
    return list(
        db.session.scalars(
            sa.select(TenderQuestion)
            .where(TenderQuestion.vendor_id == vendor.id)
            .order_by(TenderQuestion.asked_at.desc(), TenderQuestion.id.desc())
            .limit(limit)
        )
    )
