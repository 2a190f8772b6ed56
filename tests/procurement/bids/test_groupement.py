"""Bids alone and as a groupement, through HTTP: creation, invitations, acceptance,
conjoint shares, reserved lots, one bid per vendor and lot, submission, withdrawal,
and the deadline, judged by the clock."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from marketplace.core.audit import events_for
from marketplace.procurement.bids.models import Bid, BidMode, BidStatus, InvitationStatus
from marketplace.procurement.bids.services import vendors_with_started_bids
from marketplace.procurement.tenders.models import Reservation
from marketplace.vendors.models import LegalForm
from tests.factories.bids import BidFactory, bid_with_owner
from tests.factories.tenders import TenderFactory, vendor_member
from tests.procurement.bids.conftest import PDF_BYTES, after_deadline, text, vendor_url


def _start(client, world, lot, vendor, mode="alone"):
    return client.post(
        f"/appels-d-offres/{world.tender.id}/lots/{lot.id}/repondre", data={"vendor_id": vendor.id, "mode": mode}
    )


def _the_bid(db, lot, vendor) -> Bid:
    return db.session.scalar(sa.select(Bid).where(Bid.lot_id == lot.id, Bid.lead_vendor_id == vendor.id))


def _content(price="12 000,00", memo="Notre méthode.", **extra):
    return {"price": price, "technical_memo": memo, "social_commitments": "Insertion",
            "environmental_commitments": "Vélo", **extra}


def test_a_vendor_bids_alone_and_every_step_is_audited(client, login_as, world, db, outbox):
    login_as(world.lead)
    page = client.get(f"/appels-d-offres/{world.tender.id}/lots/{world.lot1.id}/repondre")
    assert page.status_code == 200 and "Répondre au lot 1" in text(page)
    response = _start(client, world, world.lot1, world.lead_vendor)
    bid = _the_bid(db, world.lot1, world.lead_vendor)
    assert response.headers["Location"].endswith(vendor_url(world.lead_vendor, bid))
    assert bid.status is BidStatus.DRAFT and bid.mode is BidMode.ALONE

    page = client.get(vendor_url(world.lead_vendor, bid))
    assert "Indiquez le prix de l'offre (HT)." in text(page)
    response = client.post(
        vendor_url(world.lead_vendor, bid) + "/modifier",
        data={**_content(), "memo_file": (io.BytesIO(PDF_BYTES), "memoire.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert bid.price_cents == 1_200_000 and bid.memo_file_name == "memoire.pdf"
    assert client.get(f"/offres/{bid.id}/memoire").data == PDF_BYTES

    response = client.post(vendor_url(world.lead_vendor, bid) + "/deposer")
    assert response.status_code == 302
    assert bid.status is BidStatus.SUBMITTED and bid.submitted_at is not None
    receipts = outbox(world.lead.email)
    assert receipts[-1].subject.startswith("Accusé de réception de votre offre")
    assert [e.action for e in events_for(bid)] == [
        "bid.created", "bid.updated", "bid.memo_attached", "bid.submitted",
    ]
    # The same vendor cannot start a second bid on the lot: the page leads to its bid.
    again = client.get(f"/appels-d-offres/{world.tender.id}/lots/{world.lot1.id}/repondre")
    assert again.headers["Location"].endswith(vendor_url(world.lead_vendor, bid))
    assert vendors_with_started_bids(world.tender) == [world.lead_vendor]


def test_groupement_needs_every_member_to_accept(client, login_as, world, db, outbox):
    login_as(world.lead)
    _start(client, world, world.lot1, world.lead_vendor, mode="solidaire")
    bid = _the_bid(db, world.lot1, world.lead_vendor)
    client.post(vendor_url(world.lead_vendor, bid) + "/modifier", data=_content())
    response = client.post(vendor_url(world.lead_vendor, bid) + "/inviter", data={"vendor_id": world.partner_vendor.id})
    assert response.status_code == 302
    member = next(m for m in bid.members if m.vendor_id == world.partner_vendor.id)
    assert member.status is InvitationStatus.INVITED
    invitation = outbox(world.partner.email)[-1]
    assert invitation.subject.startswith("Invitation à un groupement")
    assert f"/espace-fournisseur/{world.partner_vendor.id}/reponses/{bid.id}" in invitation.body

    # Submission is refused while the invitation is pending, with the member's name.
    client.post(vendor_url(world.lead_vendor, bid) + "/deposer")
    assert bid.status is BidStatus.DRAFT
    page = text(client.get(vendor_url(world.lead_vendor, bid)))
    assert "en attente : Recyclerie du Trièves" in page

    # The invited vendor sees the bid and its invitation, and accepts.
    login_as(world.partner)
    space = text(client.get(f"/espace-fournisseur/{world.partner_vendor.id}/reponses"))
    assert "Les Jardins de Cocagne" in space and "Accepter l'invitation" in space
    response = client.post(f"/espace-fournisseur/{world.partner_vendor.id}/invitations/{member.id}/accepter")
    assert response.status_code == 302
    assert member.status is InvitationStatus.ACCEPTED
    assert "a accepté votre invitation" in outbox(world.lead.email)[-1].subject

    login_as(world.lead)
    client.post(vendor_url(world.lead_vendor, bid) + "/deposer")
    assert bid.status is BidStatus.SUBMITTED
    assert outbox(world.partner.email)[-1].subject.startswith("Accusé de réception")
    assert outbox(world.lead.email)[-1].subject.startswith("Accusé de réception")
    assert set(vendors_with_started_bids(world.tender)) == {world.lead_vendor, world.partner_vendor}


def test_a_declined_invitation_is_told_to_the_lead_and_frees_the_vendor(client, login_as, world, db, outbox):
    bid, lead = bid_with_owner(world.lot1, lead_vendor=world.lead_vendor, mode=BidMode.SOLIDAIRE)
    db.session.commit()
    login_as(lead)
    client.post(vendor_url(world.lead_vendor, bid) + "/inviter", data={"vendor_id": world.partner_vendor.id})
    member = next(m for m in bid.members if m.vendor_id == world.partner_vendor.id)
    login_as(world.partner)
    confirm = client.get(f"/espace-fournisseur/{world.partner_vendor.id}/invitations/{member.id}/decliner")
    assert "Décliner l'invitation" in text(confirm)
    client.post(f"/espace-fournisseur/{world.partner_vendor.id}/invitations/{member.id}/decliner")
    assert member.status is InvitationStatus.DECLINED
    assert "a décliné votre invitation" in outbox(world.lead.email)[-1].subject
    # A declined member no longer reads the bid.
    assert client.get(vendor_url(world.partner_vendor, bid)).status_code == 404
    # … and may bid on its own.
    assert _start(client, world, world.lot1, world.partner_vendor).status_code == 302


def test_conjoint_shares_must_sum_to_the_price(client, login_as, world, db):
    bid, lead = bid_with_owner(world.lot1, lead_vendor=world.lead_vendor, mode=BidMode.CONJOINT,
                               partners=[world.partner_vendor])
    db.session.commit()
    lead_row, partner_row = bid.members
    login_as(lead)
    data = _content(price="10 000,00", **{
        f"share_text_{lead_row.id}": "Tonte et taille", f"share_amount_{lead_row.id}": "6 000,00",
        f"share_text_{partner_row.id}": "Évacuation des déchets verts", f"share_amount_{partner_row.id}": "3 000,00",
    })
    assert client.post(vendor_url(world.lead_vendor, bid) + "/modifier", data=data).status_code == 302
    client.post(vendor_url(world.lead_vendor, bid) + "/deposer")
    assert bid.status is BidStatus.DRAFT
    page = text(client.get(vendor_url(world.lead_vendor, bid)))
    assert "la somme des parts (9 000,00 €) doit être égale au prix de l'offre (10 000,00 €)" in page
    assert "écart de 1 000,00 €" in page

    data[f"share_amount_{partner_row.id}"] = "4 000,00"
    client.post(vendor_url(world.lead_vendor, bid) + "/modifier", data=data)
    client.post(vendor_url(world.lead_vendor, bid) + "/deposer")
    assert bid.status is BidStatus.SUBMITTED

    # Editing a submitted bid keeps the rule: a price no longer matching the shares is refused.
    data["price"] = "11 000,00"
    response = client.post(vendor_url(world.lead_vendor, bid) + "/modifier", data=data)
    assert response.status_code == 422
    assert "la somme des parts (10 000,00 €)" in text(response)
    db.session.refresh(bid)
    assert bid.price_cents == 1_000_000 and bid.status is BidStatus.SUBMITTED


@pytest.fixture
def reserved_lot(db):
    tender = TenderFactory(reservation=Reservation.SIAE)
    db.session.commit()
    return tender, tender.lots[0]


def test_reserved_lot_checks_every_member_at_invitation(client, login_as, db, reserved_lot):
    tender, lot = reserved_lot
    lead, lead_vendor = vendor_member(name="Chantier d'insertion du Vercors", legal_form=LegalForm.SIAE_ACI)
    _scop_owner, scop = vendor_member(name="La SCOP des Cimes", legal_form=LegalForm.SCOP)
    db.session.commit()
    login_as(lead)
    client.post(f"/appels-d-offres/{tender.id}/lots/{lot.id}/repondre",
                data={"vendor_id": lead_vendor.id, "mode": "conjoint"})
    bid = _the_bid(db, lot, lead_vendor)
    # The SCOP is not even offered; forcing it is refused with a message naming it.
    page = text(client.get(vendor_url(lead_vendor, bid)))
    assert "La SCOP des Cimes" not in page
    response = client.post(vendor_url(lead_vendor, bid) + "/inviter", data={"vendor_id": scop.id})
    assert response.status_code == 422
    from marketplace.procurement.bids.services import invite

    with pytest.raises(Exception) as refused:
        invite(bid, lead, scop)
    assert "La SCOP des Cimes ne peut pas répondre à ce lot" in str(refused.value)
    assert "art. L2113-13" in str(refused.value)


def test_reserved_lot_checks_every_member_at_submission(client, login_as, db, reserved_lot):
    tender, lot = reserved_lot
    lead, lead_vendor = vendor_member(name="Entreprise d'insertion Alpes", legal_form=LegalForm.SIAE_EI)
    _owner, partner = vendor_member(name="Atelier ESAT du Grésivaudan", legal_form=LegalForm.SIAE_AI)
    bid = BidFactory(lot=lot, lead_vendor=lead_vendor, mode=BidMode.SOLIDAIRE, partners=[partner])
    db.session.commit()
    # The partner changed its legal form after accepting: submission names it.
    partner.legal_form = LegalForm.ESAT
    db.session.commit()
    login_as(lead)
    client.post(vendor_url(lead_vendor, bid) + "/deposer")
    assert bid.status is BidStatus.DRAFT
    page = text(client.get(vendor_url(lead_vendor, bid)))
    assert "Atelier ESAT du Grésivaudan ne peut pas répondre à ce lot" in page
    assert "(ESAT)" in page


def test_an_ineligible_vendor_cannot_lead_a_bid_on_a_reserved_lot(client, login_as, db, reserved_lot):
    tender, lot = reserved_lot
    owner, scop = vendor_member(name="La SCOP des Cimes", legal_form=LegalForm.SCOP)
    db.session.commit()
    login_as(owner)
    response = client.post(f"/appels-d-offres/{tender.id}/lots/{lot.id}/repondre",
                           data={"vendor_id": scop.id, "mode": "alone"})
    assert response.status_code == 422
    assert "La SCOP des Cimes ne peut pas répondre à ce lot" in text(response)
    assert _the_bid(db, lot, scop) is None


def test_a_vendor_is_in_one_bid_per_lot(client, login_as, world, db):
    BidFactory(lot=world.lot1, lead_vendor=world.partner_vendor, submitted=True)
    bid, lead = bid_with_owner(world.lot1, lead_vendor=world.lead_vendor, mode=BidMode.SOLIDAIRE)
    db.session.commit()
    login_as(lead)
    client.post(vendor_url(world.lead_vendor, bid) + "/inviter", data={"vendor_id": world.partner_vendor.id})
    assert len(bid.members) == 1
    # Not offered in the list either, but refused anyway when forced through the service.
    from marketplace.procurement.bids.errors import BidError
    from marketplace.procurement.bids.services import invite

    with pytest.raises(BidError, match="participe déjà à une autre offre sur ce lot"):
        invite(bid, lead, world.partner_vendor)
    # Lot 2 is another lot: the partner may join there.
    bid2 = BidFactory(lot=world.lot2, lead_vendor=world.lead_vendor, mode=BidMode.SOLIDAIRE)
    db.session.commit()
    assert invite(bid2, lead, world.partner_vendor).status is InvitationStatus.INVITED


def test_withdraw_and_take_back_before_the_deadline(client, login_as, world, db, outbox):
    bid, lead = bid_with_owner(world.lot1, lead_vendor=world.lead_vendor, submitted=True)
    db.session.commit()
    login_as(lead)
    confirm = client.get(vendor_url(world.lead_vendor, bid) + "/retirer")
    assert "L'offre ne sera plus examinée" in text(confirm)
    client.post(vendor_url(world.lead_vendor, bid) + "/retirer")
    assert bid.status is BidStatus.WITHDRAWN and bid.withdrawn_at is not None
    assert outbox(lead.email)[-1].subject.startswith("Offre retirée")
    assert vendors_with_started_bids(world.tender) == []
    client.post(vendor_url(world.lead_vendor, bid) + "/reprendre")
    assert bid.status is BidStatus.DRAFT
    client.post(vendor_url(world.lead_vendor, bid) + "/deposer")
    assert bid.status is BidStatus.SUBMITTED


def test_nothing_changes_after_the_deadline_whatever_the_status(client, login_as, world, db):
    """The tender is still « published » (the clock job has not run): the clock decides."""
    bid, lead = bid_with_owner(world.lot1, lead_vendor=world.lead_vendor, mode=BidMode.SOLIDAIRE, submitted=True)
    invited = BidFactory(lot=world.lot2, lead_vendor=world.rival_vendor, mode=BidMode.SOLIDAIRE)
    from marketplace.procurement.bids.models import BidMember, MemberRole

    invitation = BidMember(vendor=world.lead_vendor, role=MemberRole.MEMBER, status=InvitationStatus.INVITED)
    invited.members.append(invitation)
    db.session.commit()
    after_deadline(world.tender)
    login_as(lead)
    base = vendor_url(world.lead_vendor, bid)
    client.post(base + "/modifier", data=_content(price="1,00"))
    client.post(base + "/retirer")
    client.post(base + "/reprendre")
    client.post(f"/espace-fournisseur/{world.lead_vendor.id}/invitations/{invitation.id}/accepter")
    response = client.post(f"/appels-d-offres/{world.tender.id}/lots/{world.lot2.id}/repondre",
                           data={"vendor_id": world.lead_vendor.id, "mode": "alone"})
    assert "La date limite de remise des offres est passée" in text(response)
    db.session.refresh(bid)
    assert bid.status is BidStatus.SUBMITTED and bid.price_cents == 1_000_000
    assert invitation.status is InvitationStatus.INVITED
    assert [e.action for e in events_for(bid)] == []
