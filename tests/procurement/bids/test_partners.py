"""Partner finding through HTTP: « cherche partenaire(s) » notices, offers to join, and the
one-click invitation into the author's groupement."""
from __future__ import annotations

import sqlalchemy as sa

from marketplace.procurement.bids.models import (
    Bid,
    BidMode,
    InvitationStatus,
    JoinOffer,
    JoinOfferStatus,
    NoticeStatus,
    PartnerNotice,
)
from tests.procurement.bids.conftest import after_deadline, text


def _publish(client, world, lot):
    return client.post(f"/appels-d-offres/{world.tender.id}/lots/{lot.id}/cherche-partenaires",
                       data={"vendor_id": world.lead_vendor.id, "brings": "Une équipe d'entretien des espaces verts.",
                             "needs": "Une structure qui évacue et valorise les déchets verts."})


def test_a_vendor_finds_a_partner_and_invites_it_in_one_click(client, login_as, world, db, outbox):
    login_as(world.lead)
    assert _publish(client, world, world.lot1).status_code == 302
    notice = db.session.scalar(sa.select(PartnerNotice))
    assert notice.status is NoticeStatus.OPEN and notice.vendor == world.lead_vendor

    # Another vendor sees the notice and offers to join; the author is told by e-mail.
    login_as(world.partner)
    page = text(client.get(f"/appels-d-offres/{world.tender.id}/partenaires"))
    assert "Les Jardins de Cocagne" in page and "Une structure qui évacue" in page
    refused = client.post(f"/appels-d-offres/partenaires/{notice.id}/proposer",
                          data={"vendor_id": world.partner_vendor.id, "message": ""})
    assert refused.status_code == 422
    client.post(f"/appels-d-offres/partenaires/{notice.id}/proposer",
                data={"vendor_id": world.partner_vendor.id, "message": "Nous avons un broyeur et une plateforme."})
    offer = db.session.scalar(sa.select(JoinOffer))
    mail = outbox(world.lead.email)[-1]
    assert mail.subject.startswith("Proposition de partenariat") and "Nous avons un broyeur" in mail.body
    assert "Vous avez proposé de rejoindre ce groupement." in text(
        client.get(f"/appels-d-offres/{world.tender.id}/partenaires"))

    # The author, who has no bid yet, invites it in one click: a conjoint groupement starts.
    login_as(world.lead)
    page = text(client.get(f"/appels-d-offres/{world.tender.id}/partenaires"))
    assert "Inviter Recyclerie du Trièves dans mon offre" in page
    response = client.post(f"/appels-d-offres/partenaires/propositions/{offer.id}/inviter")
    bid = db.session.scalar(sa.select(Bid))
    assert response.headers["Location"].endswith(f"/espace-fournisseur/{world.lead_vendor.id}/reponses/{bid.id}")
    assert bid.mode is BidMode.CONJOINT and bid.lead_vendor == world.lead_vendor
    member = next(m for m in bid.members if m.vendor == world.partner_vendor)
    assert member.status is InvitationStatus.INVITED and offer.status is JoinOfferStatus.INVITED
    assert outbox(world.partner.email)[-1].subject.startswith("Invitation à un groupement")


def test_notices_are_for_vendors_only_and_close_with_the_deadline(client, login_as, world, db):
    login_as(world.lead)
    _publish(client, world, world.lot1)
    notice = db.session.scalar(sa.select(PartnerNotice))
    login_as(world.buyer)
    assert client.get(f"/appels-d-offres/{world.tender.id}/partenaires").status_code == 403
    login_as(None)
    assert client.get(f"/appels-d-offres/{world.tender.id}/partenaires").status_code == 302
    # Only the author invites from its notice.
    login_as(world.partner)
    client.post(f"/appels-d-offres/partenaires/{notice.id}/proposer",
                data={"vendor_id": world.partner_vendor.id, "message": "Partant !"})
    offer = db.session.scalar(sa.select(JoinOffer))
    login_as(world.rival)
    assert client.post(f"/appels-d-offres/partenaires/propositions/{offer.id}/inviter").status_code == 404
    assert client.post(f"/appels-d-offres/partenaires/{notice.id}/clore").status_code == 404
    # After the deadline nothing more is published or offered.
    after_deadline(world.tender)
    login_as(world.rival)
    response = client.post(f"/appels-d-offres/partenaires/{notice.id}/proposer",
                           data={"vendor_id": world.rival_vendor.id, "message": "Trop tard ?"})
    assert "La date limite de remise des offres est passée" in text(response)
    assert db.session.scalar(sa.select(sa.func.count(JoinOffer.id))) == 1
    login_as(world.lead)
    response = _publish(client, world, world.lot2)
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(PartnerNotice.id))) == 1
