"""Evaluation: the scoring maths and ranking ties, admissibility, scoring and award through
HTTP, rejection letters, unsuccessful lots and the tender's outcome, the award notice."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from marketplace.core.audit import events_for
from marketplace.procurement.bids.errors import EvaluationError
from marketplace.procurement.bids.evaluation import (
    Ranked,
    award_lot,
    parse_points,
    price_points,
    rank,
    ranking,
    score_bid,
)
from marketplace.procurement.bids.models import (
    AwardNotice,
    BidMode,
    LotDecision,
    LotOutcome,
    RejectionLetter,
)
from marketplace.procurement.tenders import services as tender_services
from marketplace.procurement.tenders.models import CriterionKind, LotStatus, Procedure, TenderStatus
from tests.factories.bids import BidFactory, score
from tests.factories.tenders import TenderFactory, buyer_of, vendor_member
from tests.procurement.bids.conftest import after_deadline, buyer_url, text, vendor_url

# ---------------------------------------------------------------- the maths


@pytest.mark.parametrize(
    ("lowest", "price", "weight", "expected"),
    [
        (1000, 1000, 40, 4000),  # the lowest price gets the full weight
        (1000, 2000, 40, 2000),
        (1000, 3000, 40, 1333),  # 13.333… → 13.33
        (2000, 3000, 40, 2667),  # 26.666… → 26.67
        (100, 800, 1, 13),  # 0.125 → 0.13 (half up)
        (3_999_000, 4_321_000, 60, 5553),  # 55.527… → 55.53
    ],
)
def test_price_points_are_lowest_over_price_times_weight_rounded_to_hundredths(lowest, price, weight, expected):
    assert price_points(lowest, price, weight) == expected


@pytest.mark.parametrize(("raw", "hundredths"), [("12", 1200), ("12,5", 1250), ("12.25", 1225), (" 0 ", 0)])
def test_points_are_parsed_in_hundredths(raw, hundredths):
    assert parse_points(raw) == hundredths


@pytest.mark.parametrize("raw", ["", "douze", "12,345", "1e3", "NaN"])
def test_bad_points_are_refused(raw):
    with pytest.raises(ValueError):
        parse_points(raw)


class _Bid:
    def __init__(self, id, price, minutes):
        self.id, self.price_cents = id, price
        self.submitted_at = dt.datetime(2026, 3, 1, 10, minutes, tzinfo=dt.UTC)


def test_ties_share_a_rank_and_are_ordered_by_price_then_submission_then_id():
    entries = [
        Ranked(_Bid(1, 5000, 30), [], 8000, None),
        Ranked(_Bid(2, 4000, 40), [], 9000, None),
        Ranked(_Bid(3, 4500, 10), [], 8000, None),  # same total as 1, cheaper
        Ranked(_Bid(4, 4500, 5), [], 8000, None),  # same total and price as 3, earlier
        Ranked(_Bid(5, 9000, 0), [], None, None),  # not fully scored
        Ranked(_Bid(6, 3000, 0), [], 7000, None),
    ]
    ordered = rank(entries)
    assert [(e.bid.id, e.rank) for e in ordered] == [(2, 1), (4, 2), (3, 2), (1, 2), (6, 5), (5, None)]
    assert [(e.bid.id, e.rank) for e in rank(list(reversed(entries)))] == [(e.bid.id, e.rank) for e in ordered]


def test_ranking_counts_admissible_submitted_bids_only(db):
    tender = TenderFactory()
    lot = tender.lots[0]
    price, technique, social = tender.criteria
    cheap = BidFactory(lot=lot, submitted=True, price_cents=800_000)
    dear = BidFactory(lot=lot, submitted=True, price_cents=1_000_000)
    cheapest_but_out = BidFactory(lot=lot, submitted=True, price_cents=100_000, admissible=False,
                                  inadmissible_reason="Offre anormalement basse non justifiée")
    BidFactory(lot=lot, price_cents=50_000)  # a draft
    score(cheap, {technique: 2000, social: 1000})
    score(dear, {technique: 4000, social: 2000})
    score(cheapest_but_out, {technique: 4000, social: 2000})
    entries = ranking(lot)
    assert [e.bid for e in entries] == [dear, cheap]
    # price: cheap 40, dear 800/1000 × 40 = 32; totals 40+20+10 = 70 and 32+40+20 = 92
    assert [(e.total, e.rank) for e in entries] == [(9200, 1), (7000, 2)]
    assert [line.points for line in entries[0].lines] == [3200, 4000, 2000]


# ---------------------------------------------------------------- through HTTP


@pytest.fixture
def evaluating(world, db):
    """Lot 1: a conjoint groupement and a vendor alone, submitted; lot 2: one bid. Evaluation open."""
    groupement = BidFactory(
        lot=world.lot1, lead_vendor=world.lead_vendor, mode=BidMode.CONJOINT, partners=[world.partner_vendor],
        partners__shares={world.lead_vendor: ("Tonte", 2_000_000), world.partner_vendor: ("Déchets", 2_000_000)},
        submitted=True, price_cents=4_000_000,
    )
    alone = BidFactory(lot=world.lot1, lead_vendor=world.rival_vendor, submitted=True, price_cents=5_000_000)
    lot2_bid = BidFactory(lot=world.lot2, lead_vendor=world.rival_vendor, submitted=True, price_cents=900_000)
    db.session.commit()
    after_deadline(world.tender)
    tender_services.start_evaluation(world.tender, world.buyer)
    db.session.commit()
    return groupement, alone, lot2_bid


def _score(client, tender, bid, technique, social, comment="Justification"):
    technique_c, social_c = [c for c in tender.criteria if c.kind is CriterionKind.OTHER]
    return client.post(buyer_url(tender, f"/offres/{bid.id}/notes"), data={
        f"points_{technique_c.id}": technique, f"comment_{technique_c.id}": comment,
        f"points_{social_c.id}": social, f"comment_{social_c.id}": comment,
    })


def test_scores_are_checked_against_the_weight_and_need_a_comment(client, login_as, world, evaluating, db):
    groupement, alone, _ = evaluating
    login_as(world.buyer)
    response = _score(client, world.tender, groupement, "45", "10")
    assert response.status_code == 422
    assert "« Valeur technique » : la note doit être comprise entre 0 et 40." in text(response)
    response = _score(client, world.tender, groupement, "35", "10", comment="")
    assert response.status_code == 422 and "justifiez la note par un commentaire" in text(response)
    response = _score(client, world.tender, groupement, "trente", "10")
    assert response.status_code == 422 and "Saisissez une note, par exemple 12,5." in text(response)
    assert groupement.scores == []
    assert _score(client, world.tender, groupement, "35,5", "12").status_code == 302
    assert sorted(s.points for s in groupement.scores) == [1200, 3550]
    assert "bid.scored" in [e.action for e in events_for(groupement)]


def test_the_buyer_scores_awards_and_the_others_receive_their_letter(client, login_as, world, evaluating, db, outbox):
    groupement, alone, lot2_bid = evaluating
    login_as(world.buyer)
    _score(client, world.tender, groupement, "30", "15")
    # Not fully scored yet: no award.
    page = text(client.get(buyer_url(world.tender, f"/lots/{world.lot1.id}/analyse")))
    assert "à noter" in page and "Attribuer le lot…" not in page
    refused = client.post(buyer_url(world.tender, f"/lots/{world.lot1.id}/attribuer"), data={"winner": groupement.id})
    assert refused.status_code == 422 and "Notez d'abord chaque critère" in text(refused)

    _score(client, world.tender, alone, "38", "18")
    page = text(client.get(buyer_url(world.tender, f"/lots/{world.lot1.id}/analyse")))
    # groupement: 40 + 30 + 15 = 85; alone: 4000/5000 × 40 = 32 + 38 + 18 = 88
    assert re.search(r"1\s+Nettoyage Solidaire.*88,00", " ".join(re.sub(r"<[^>]+>", " ", page).split()))
    confirm = client.get(buyer_url(world.tender, f"/lots/{world.lot1.id}/attribuer"))
    assert "Nettoyage Solidaire" in text(confirm)
    # Only a bid ranked first can win.
    refused = client.post(buyer_url(world.tender, f"/lots/{world.lot1.id}/attribuer"), data={"winner": groupement.id})
    assert refused.status_code == 422
    response = client.post(buyer_url(world.tender, f"/lots/{world.lot1.id}/attribuer"),
                           data={"winner": alone.id, "reason": "Meilleure valeur technique."})
    assert response.status_code == 302

    assert world.lot1.status is LotStatus.AWARDED
    decision = db.session.scalar(sa.select(LotDecision).where(LotDecision.lot_id == world.lot1.id))
    assert decision.outcome is LotOutcome.AWARDED and decision.winning_bid_id == alone.id
    assert outbox(world.rival.email)[-1].subject.startswith("Votre offre est retenue")
    # Every member of the losing groupement is told, and reads the letter in its space.
    for user, vendor in ((world.lead, world.lead_vendor), (world.partner, world.partner_vendor)):
        mail = outbox(user.email)[-1]
        assert mail.subject.startswith("Résultat de l'appel d'offres") and "Nettoyage Solidaire" in mail.body
        login_as(user)
        letter = text(client.get(vendor_url(vendor, groupement) + "/lettre"))
        flat = " ".join(re.sub(r"<[^>]+>", " ", letter).split())
        assert "Le lot est attribué à Nettoyage Solidaire, pour un montant de 50 000,00 € HT." in flat
        assert "Votre offre est classée 2." in flat
        assert "Total 100 85,00" in flat and "Total 100 88,00" in flat
        assert "Meilleure valeur technique." in flat
    letter = db.session.scalar(sa.select(RejectionLetter).where(RejectionLetter.bid_id == groupement.id))
    assert letter.data["winner"]["name"] == "Nettoyage Solidaire" and letter.data["own"]["total"] == 8500
    assert db.session.scalar(sa.select(RejectionLetter).where(RejectionLetter.bid_id == alone.id)) is None
    # The tender waits for lot 2.
    assert world.tender.status is TenderStatus.UNDER_EVALUATION
    assert client.get(f"/appels-d-offres/{world.tender.id}/avis-d-attribution").status_code == 404

    # Lot 2 declared unsuccessful: its bidder gets a letter with the reason; the tender is awarded.
    login_as(world.buyer)
    refused = client.post(buyer_url(world.tender, f"/lots/{world.lot2.id}/infructueux"), data={"reason": ""})
    assert refused.status_code == 422
    client.post(buyer_url(world.tender, f"/lots/{world.lot2.id}/infructueux"),
                data={"reason": "Offre supérieure au budget."})
    assert world.lot2.status is LotStatus.UNSUCCESSFUL
    assert world.tender.status is TenderStatus.AWARDED
    assert db.session.scalar(sa.select(AwardNotice).where(AwardNotice.tender_id == world.tender.id)) is not None
    assert "déclaré infructueux" in outbox(world.rival.email)[-1].body
    login_as(None)
    notice = text(client.get(f"/appels-d-offres/{world.tender.id}/avis-d-attribution"))
    flat = " ".join(re.sub(r"<[^>]+>", " ", notice).split())
    assert "Titulaire Nettoyage Solidaire Montant 50 000,00 € HT" in flat
    assert "Offre supérieure au budget." in flat
    assert "Les Jardins de Cocagne" not in flat  # unsuccessful bidders are not named


def test_inadmissible_bids_are_left_out_of_the_ranking_and_told_why(client, login_as, world, evaluating, db):
    groupement, alone, _ = evaluating
    login_as(world.buyer)
    refused = client.post(buyer_url(world.tender, f"/offres/{groupement.id}/recevabilite"), data={"admissible": "non"})
    assert refused.status_code == 422 and "Indiquez pourquoi l'offre n'est pas recevable." in text(refused)
    client.post(buyer_url(world.tender, f"/offres/{groupement.id}/recevabilite"),
                data={"admissible": "non", "reason": "Attestation d'assurance manquante."})
    assert groupement.admissible is False
    _score(client, world.tender, alone, "20", "10")
    entries = ranking(world.lot1)
    assert [e.bid for e in entries] == [alone] and entries[0].total == 4000 + 2000 + 1000
    client.post(buyer_url(world.tender, f"/lots/{world.lot1.id}/attribuer"), data={"winner": alone.id})
    letter = db.session.scalar(sa.select(RejectionLetter).where(RejectionLetter.bid_id == groupement.id))
    assert letter.data["own"]["admissible"] is False
    login_as(world.lead)
    page = text(client.get(vendor_url(world.lead_vendor, groupement) + "/lettre"))
    assert "Attestation d'assurance manquante." in page


def test_all_lots_unsuccessful_make_the_tender_unsuccessful(client, login_as, world, evaluating, db):
    login_as(world.buyer)
    for lot in world.tender.lots:
        client.post(buyer_url(world.tender, f"/lots/{lot.id}/infructueux"), data={"reason": "Offres trop chères."})
    assert world.tender.status is TenderStatus.UNSUCCESSFUL
    assert db.session.scalar(sa.func.count(RejectionLetter.id)) == 3


def test_an_open_procedure_letter_states_the_standstill_period(db):
    tender = TenderFactory(procedure=Procedure.OPEN, lots=["Lot unique"])
    buyer = buyer_of(tender)
    lot = tender.lots[0]
    technique, social = [c for c in tender.criteria if c.kind is CriterionKind.OTHER]
    _o1, winner_vendor = vendor_member()
    _o2, loser_vendor = vendor_member()
    winner = BidFactory(lot=lot, lead_vendor=winner_vendor, submitted=True, price_cents=100_000)
    loser = BidFactory(lot=lot, lead_vendor=loser_vendor, submitted=True, price_cents=200_000)
    after_deadline(tender)
    tender_services.start_evaluation(tender, buyer)
    for bid in (winner, loser):
        score_bid(bid, buyer, {technique.id: (3000, "Bien"), social.id: (1000, "Correct")})
    with pytest.raises(EvaluationError):
        award_lot(lot, buyer, loser)
    decision = award_lot(lot, buyer, winner)
    letter = db.session.scalar(sa.select(RejectionLetter).where(RejectionLetter.bid_id == loser.id))
    assert letter.data["standstill_until"] == (decision.decided_at + dt.timedelta(days=11)).isoformat()
