"""Sealed bids, through HTTP: before the deadline the buyer sees only how many bids each
lot has; competitors never see each other's bids; every opening by the buyer is audited."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from marketplace.core.audit import AuditEvent
from marketplace.procurement.bids.models import BidMode
from marketplace.procurement.tenders import services as tender_services
from tests.factories import BuyerMembershipFactory, UserFactory
from tests.factories.bids import BidFactory
from tests.procurement.bids.conftest import PDF_BYTES, after_deadline, buyer_url, text, vendor_url

SECRET_MEMO = "Notre méthode secrète de tri des biodéchets"


def _openings(db, bid) -> list[AuditEvent]:
    return list(db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.subject_type == "bid", AuditEvent.subject_id == bid.id, AuditEvent.action == "bid.opened"
        ).order_by(AuditEvent.id)
    ))


@pytest.fixture
def bids(world, db, client, login_as):
    """Two submitted bids on lot 1 (one a groupement with a memo file), a draft on lot 2."""
    groupement = BidFactory(lot=world.lot1, lead_vendor=world.lead_vendor, mode=BidMode.SOLIDAIRE,
                            partners=[world.partner_vendor], submitted=True, price_cents=4_321_000,
                            technical_memo=SECRET_MEMO)
    alone = BidFactory(lot=world.lot1, lead_vendor=world.rival_vendor, submitted=True, price_cents=3_999_000,
                       technical_memo="Méthode du concurrent")
    draft = BidFactory(lot=world.lot2, lead_vendor=world.rival_vendor, price_cents=1_234_500)
    db.session.commit()
    login_as(world.lead)
    client.post(vendor_url(world.lead_vendor, groupement) + "/modifier", content_type="multipart/form-data",
                data={"price": "43 210,00", "technical_memo": SECRET_MEMO, "social_commitments": "",
                      "environmental_commitments": "", "memo_file": (io.BytesIO(PDF_BYTES), "memoire.pdf")})
    assert groupement.memo_file_name == "memoire.pdf"
    login_as(None)
    return groupement, alone, draft


def _secrets_absent(page: str) -> None:
    for secret in (SECRET_MEMO, "43 210,00", "39 990,00", "12 345,00", "Les Jardins de Cocagne",
                   "Nettoyage Solidaire", "Recyclerie du Trièves", "Méthode du concurrent"):
        assert secret not in page, secret


def test_before_the_deadline_the_buyer_sees_counts_only(client, login_as, world, bids, db):
    groupement, alone, draft = bids
    login_as(world.buyer)
    page = client.get(buyer_url(world.tender, "/offres"))
    assert page.status_code == 200
    body = text(page)
    assert "Lot 1 : Écoles 2 offres reçues" in " ".join(re.sub(r"<[^>]+>", " ", body).split())
    assert re.search(r"Bâtiments administratifs\s*</strong><br>\s*<span class=\"bid-count\">0 offres? reçues?", body)
    _secrets_absent(body)
    tender_page = text(client.get(f"/appels-d-offres/{world.tender.id}"))
    assert "2 offres" in tender_page
    _secrets_absent(tender_page)
    for bid in (groupement, alone, draft):
        assert client.get(buyer_url(world.tender, f"/offres/{bid.id}")).status_code == 404
    assert client.get(f"/offres/{groupement.id}/memoire").status_code == 404
    response = client.get(buyer_url(world.tender, f"/lots/{world.lot1.id}/analyse"))
    assert response.status_code == 302
    _secrets_absent(text(client.get(response.headers["Location"])))
    # Nor through the vendor-space addresses, nor by scoring.
    assert client.get(vendor_url(world.lead_vendor, groupement)).status_code == 403
    assert client.post(buyer_url(world.tender, f"/offres/{alone.id}/notes")).status_code == 404
    assert _openings(db, groupement) == [] and _openings(db, alone) == []


def test_after_the_deadline_the_buyer_opens_submitted_bids_and_each_opening_is_audited(
    client, login_as, world, bids, db
):
    groupement, alone, draft = bids
    after_deadline(world.tender)
    tender_services.start_evaluation(world.tender, world.buyer)
    db.session.commit()
    login_as(world.buyer)
    lot_page = text(client.get(buyer_url(world.tender, f"/lots/{world.lot1.id}/analyse")))
    assert "Nettoyage Solidaire" in lot_page and "43 210,00" in lot_page
    assert [e.data for e in _openings(db, groupement)] == [{"purpose": "analyse"}]

    page = client.get(buyer_url(world.tender, f"/offres/{groupement.id}"))
    assert page.status_code == 200 and SECRET_MEMO in text(page)
    assert client.get(f"/offres/{groupement.id}/memoire").data == PDF_BYTES
    openings = _openings(db, groupement)
    assert [e.data["purpose"] for e in openings] == ["analyse", "lecture", "fichier du mémoire"]
    assert {e.actor_id for e in openings} == {world.buyer.id}
    # A draft bid is never opened, even after the deadline.
    assert client.get(buyer_url(world.tender, f"/offres/{draft.id}")).status_code == 404
    assert _openings(db, draft) == []


def test_competitors_never_see_each_others_bids(client, login_as, world, bids, db):
    groupement, alone, draft = bids
    for moment in ("before", "after"):
        if moment == "after":
            after_deadline(world.tender)
            tender_services.start_evaluation(world.tender, world.buyer)
            db.session.commit()
        login_as(world.rival)
        # Through its own vendor's address, through the lead's, and the memo file.
        assert client.get(vendor_url(world.rival_vendor, groupement)).status_code == 404
        assert client.get(vendor_url(world.lead_vendor, groupement)).status_code == 404
        assert client.get(f"/offres/{groupement.id}/memoire").status_code == 404
        assert client.get(vendor_url(world.rival_vendor, groupement) + "/lettre").status_code == 404
        space = text(client.get(f"/espace-fournisseur/{world.rival_vendor.id}/reponses"))
        assert "Les Jardins de Cocagne" not in space and SECRET_MEMO not in space
        # The buyer pages are not theirs.
        assert client.get(buyer_url(world.tender, f"/offres/{groupement.id}")).status_code == 403
        login_as(world.lead)
        assert client.get(vendor_url(world.lead_vendor, alone)).status_code == 404
        assert client.get(f"/offres/{alone.id}/memoire").status_code == 404
        login_as(world.partner)  # a member of the groupement reads it
        assert SECRET_MEMO in text(client.get(vendor_url(world.partner_vendor, groupement)))
    assert _openings(db, groupement) == []


def test_other_buyers_and_administrators_never_open_bids(client, login_as, world, bids, db):
    groupement, alone, draft = bids
    after_deadline(world.tender)
    tender_services.start_evaluation(world.tender, world.buyer)
    other_buyer = BuyerMembershipFactory().user
    admin = UserFactory(admin=True)
    db.session.commit()
    for user in (other_buyer, admin):
        login_as(user)
        assert client.get(buyer_url(world.tender, "/offres")).status_code == 404
        assert client.get(buyer_url(world.tender, f"/offres/{groupement.id}")).status_code == 404
        assert client.get(buyer_url(world.tender, f"/lots/{world.lot1.id}/analyse")).status_code == 404
        assert client.get(f"/offres/{groupement.id}/memoire").status_code == 404
    login_as(None)
    assert client.get(f"/offres/{groupement.id}/memoire").status_code == 302  # to the login page
    assert _openings(db, groupement) == []
