"""The procurement part of the security tests' world.

The buyer (organisation X) has a quote request addressed to vendor A, answered by
vendor A's quote, with a file and a thread; a draft request; an accepted quote that
became a professional order of vendor A; a published tender with a document, a
question from vendor A and, on its first lot, vendor A's draft bid (vendor B invited
into it, a memo file) and, on its second lot, vendor A's submitted bid — sealed until
the deadline; a draft tender; a tender under evaluation with vendor A's submitted bid.
Vendor A has a tender alert and a partner notice, to which vendor B offered to join.
"buyer_b" belongs to another organisation.
"""
from __future__ import annotations

import datetime as dt
import io

from werkzeug.datastructures import FileStorage

from marketplace.core.clock import now_utc
from marketplace.procurement.bids import files
from marketplace.procurement.bids.models import BidMember, InvitationStatus, JoinOffer, MemberRole
from marketplace.procurement.quotes import attachments, quoting
from marketplace.procurement.tenders import documents as tender_documents
from marketplace.procurement.tenders.models import TenderStatus
from marketplace.vendors.models import Vendor
from tests.factories import BuyerMembershipFactory
from tests.factories.bids import BidFactory, PartnerNoticeFactory
from tests.factories.quotes import (
    QuoteFactory,
    QuoteMessageFactory,
    QuoteRecipientFactory,
    QuoteRequestFactory,
)
from tests.factories.tenders import TenderAlertFactory, TenderFactory, TenderQuestionFactory
from tests.security.world import PDF_BYTES, World


def _pdf(name: str = "cahier-des-charges.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(PDF_BYTES), filename=name, content_type="application/pdf")


def add_procurement(w: World, db) -> None:
    buyer, owner_a = w.users["buyer"], w.users["owner_a"]
    organisation = buyer.buyer_memberships[0].organisation
    vendor_a, vendor_b = db.session.get(Vendor, w["vendor_a"]), db.session.get(Vendor, w["vendor_b"])

    # ---- quotes
    request = QuoteRequestFactory(organisation=organisation, title="Repas bio pour deux écoles")
    QuoteRecipientFactory(request=request, vendor=vendor_a)
    quote = QuoteFactory(request=request, vendor=vendor_a)
    request_file = attachments.store(_pdf(), buyer, request=request)
    QuoteMessageFactory(request_id=request.id, vendor_id=vendor_a.id)
    draft_request = QuoteRequestFactory(organisation=organisation, draft=True)
    ordered = QuoteRequestFactory(organisation=organisation, title="Paniers de fin d'année")
    QuoteRecipientFactory(request=ordered, vendor=vendor_a)
    accepted = QuoteFactory(request=ordered, vendor=vendor_a)
    pro_order = quoting.accept(accepted, buyer)

    # ---- tenders and bids
    tender = TenderFactory(buyer_organisation=organisation, title="Nettoyage des écoles")
    document = tender_documents.store(tender, buyer, "Règlement de la consultation", _pdf("rc.pdf"))
    question = TenderQuestionFactory(tender=tender, asked_by_id=owner_a.id, vendor_id=vendor_a.id)
    draft_tender = TenderFactory(buyer_organisation=organisation, draft=True)
    bid = BidFactory(lot=tender.lots[0], lead_vendor=vendor_a)
    invitation = BidMember(vendor=vendor_b, role=MemberRole.MEMBER, status=InvitationStatus.INVITED,
                           invited_at=now_utc())
    bid.members.append(invitation)
    files.attach_memo(bid, owner_a, _pdf("memoire.pdf"))
    sealed = BidFactory(lot=tender.lots[1], lead_vendor=vendor_a, submitted=True)
    evaluated = TenderFactory(buyer_organisation=organisation, status=TenderStatus.UNDER_EVALUATION,
                              question_deadline=now_utc() - dt.timedelta(days=20),
                              submission_deadline=now_utc() - dt.timedelta(days=2))
    opened = BidFactory(lot=evaluated.lots[0], lead_vendor=vendor_a, submitted=True)
    alert = TenderAlertFactory(vendor=vendor_a, user=owner_a)
    notice = PartnerNoticeFactory(lot=tender.lots[0], vendor=vendor_a)
    join = JoinOffer(notice_id=notice.id, vendor_id=vendor_b.id, created_by_id=w.users["owner_b"].id,
                     message="Nous pouvons fournir les légumes.")
    db.session.add(join)
    buyer_b = BuyerMembershipFactory().user
    db.session.flush()

    w.users["buyer_b"] = buyer_b
    w.ids.update({
        "user_buyer_b": buyer_b.id, "request": request.id, "quote": quote.id, "request_file": request_file.id,
        "draft_request": draft_request.id, "pro_order": pro_order.id, "tender": tender.id,
        "tender_document": document.id, "question": question.id, "draft_tender": draft_tender.id,
        "lot": tender.lots[0].id, "lot_2": tender.lots[1].id, "bid": bid.id, "invitation_b": invitation.id,
        "sealed_bid": sealed.id, "evaluated": evaluated.id, "evaluated_lot": evaluated.lots[0].id,
        "opened_bid": opened.id, "alert": alert.id, "notice": notice.id, "join_offer": join.id,
    })
    db.session.commit()
