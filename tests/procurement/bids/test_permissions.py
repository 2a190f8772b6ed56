"""Who may do what on a bid: every page of the bids package × every kind of person, before
and after the deadline, through HTTP (the role gate, then the object rules)."""
from __future__ import annotations

import pytest

from marketplace.procurement.bids.models import BidMember, BidMode, InvitationStatus, MemberRole
from marketplace.procurement.bids.permissions import can_read_bid
from marketplace.procurement.tenders import services as tender_services
from tests.factories import BuyerMembershipFactory, CommitteeMandateFactory, UserFactory
from tests.factories.bids import BidFactory
from tests.factories.tenders import vendor_member
from tests.procurement.bids.conftest import after_deadline, buyer_url, vendor_url

PEOPLE = ("anonymous", "consumer", "committee", "admin", "other_buyer", "buyer", "lead", "member", "invited",
          "rival")


@pytest.fixture
def setup(world, db):
    bid = BidFactory(lot=world.lot1, lead_vendor=world.lead_vendor, mode=BidMode.SOLIDAIRE,
                     partners=[world.partner_vendor], submitted=True)
    invited_user, invited_vendor = vendor_member(name="Structure invitée")
    draft = BidFactory(lot=world.lot2, lead_vendor=world.lead_vendor, mode=BidMode.SOLIDAIRE)
    invitation = BidMember(vendor=invited_vendor, role=MemberRole.MEMBER, status=InvitationStatus.INVITED)
    draft.members.append(invitation)
    rival_bid = BidFactory(lot=world.lot1, lead_vendor=world.rival_vendor, submitted=True)
    people = {
        "anonymous": None,
        "consumer": UserFactory(),
        "committee": CommitteeMandateFactory().user,
        "admin": UserFactory(admin=True),
        "other_buyer": BuyerMembershipFactory().user,
        "buyer": world.buyer,
        "lead": world.lead,
        "member": world.partner,
        "invited": invited_user,
        "rival": world.rival,
    }
    db.session.commit()
    return bid, draft, invitation, invited_vendor, rival_bid, people


def _expect(table: dict, default: int) -> dict:
    return {person: table.get(person, default) for person in PEOPLE}


LOGIN = 302  # anonymous: to the login page


def test_reading_a_bid_before_and_after_the_deadline(client, login_as, world, setup, db):
    bid, draft, invitation, invited_vendor, rival_bid, people = setup
    vendor_of = {"lead": world.lead_vendor, "member": world.partner_vendor, "invited": invited_vendor,
                 "rival": world.rival_vendor}
    vendor_gate = {"anonymous": LOGIN, "consumer": 403, "committee": 403, "admin": 404, "other_buyer": 403,
                   "buyer": 403}
    buyer_gate = {"anonymous": LOGIN, "consumer": 403, "committee": 403, "lead": 403, "member": 403,
                  "invited": 403, "rival": 403}

    def check(expected_vendor_page, expected_draft_page, expected_buyer_page, expected_file):
        for person, user in people.items():
            login_as(user)
            vendor = vendor_of.get(person, world.lead_vendor)
            got = (
                client.get(vendor_url(vendor, bid)).status_code,
                client.get(vendor_url(vendor, draft)).status_code,
                client.get(buyer_url(world.tender, f"/offres/{bid.id}")).status_code,
                client.get(f"/offres/{bid.id}/memoire").status_code,
            )
            want = (expected_vendor_page[person], expected_draft_page[person], expected_buyer_page[person],
                    expected_file[person])
            assert got == want, f"{person}: got {got}, expected {want}"

    # Before the deadline. (The memo file: 404 for everyone, as the bid has none.)
    vendor_page = _expect({**vendor_gate, "lead": 200, "member": 200}, 404)
    draft_page = _expect({**vendor_gate, "lead": 200, "invited": 200}, 404)
    sealed = _expect(buyer_gate, 404)
    no_file = _expect({"anonymous": LOGIN}, 404)
    check(vendor_page, draft_page, sealed, no_file)

    after_deadline(world.tender)
    tender_services.start_evaluation(world.tender, world.buyer)
    db.session.commit()
    opened = _expect({**buyer_gate, "buyer": 200}, 404)
    check(vendor_page, draft_page, opened, no_file)


def test_acting_on_a_bid_is_for_its_lead(client, login_as, world, setup, db):
    bid, draft, invitation, invited_vendor, rival_bid, people = setup
    # A member (not the lead) may neither edit, invite, withdraw nor submit.
    login_as(world.partner)
    base = vendor_url(world.partner_vendor, bid)
    assert client.get(base + "/modifier").status_code == 403
    client.post(base + "/retirer")
    client.post(base + "/inviter", data={"vendor_id": world.rival_vendor.id})
    assert bid.status.value == "submitted" and len(bid.members) == 2
    # The invited vendor answers its invitation; nobody else can answer it.
    login_as(world.rival)
    response = client.post(f"/espace-fournisseur/{world.rival_vendor.id}/invitations/{invitation.id}/accepter")
    assert response.status_code == 404
    response = client.post(f"/espace-fournisseur/{invited_vendor.id}/invitations/{invitation.id}/accepter")
    assert response.status_code == 404
    assert invitation.status is InvitationStatus.INVITED
    # Buyer pages refuse scoring before the deadline and to other buyers after it.
    login_as(people["other_buyer"])
    assert client.post(buyer_url(world.tender, f"/lots/{world.lot1.id}/infructueux"),
                       data={"reason": "Non"}).status_code == 404
    assert world.lot1.status.value == "open"


def test_the_rule_itself(world, setup):
    bid, draft, invitation, invited_vendor, rival_bid, people = setup
    assert can_read_bid(people["lead"], bid) and can_read_bid(people["member"], bid)
    assert not can_read_bid(people["buyer"], bid)
    assert not can_read_bid(people["rival"], bid) and not can_read_bid(people["lead"], rival_bid)
    assert can_read_bid(people["invited"], draft) and not can_read_bid(people["invited"], bid)
    after = world.tender.submission_deadline
    assert can_read_bid(people["buyer"], bid, after) and not can_read_bid(people["buyer"], draft, after)
    for person in ("admin", "other_buyer", "committee", "consumer", "rival", "anonymous"):
        assert not can_read_bid(people[person], bid, after), person
