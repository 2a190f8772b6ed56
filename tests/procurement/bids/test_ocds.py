"""OCDS open data: each published tender as a release package, validated offline against
the OCDS 1.1.5 schema (jsonschema, Draft 4, with the release schema resolved locally), and
the paginated feed that lists them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from marketplace.procurement.bids import ocds
from marketplace.procurement.bids.evaluation import award_lot, declare_unsuccessful, score_bid
from marketplace.procurement.bids.models import BidMode
from marketplace.procurement.tenders import services as tender_services
from marketplace.procurement.tenders.models import CriterionKind, Reservation, TenderStatus
from tests.factories.bids import BidFactory
from tests.factories.tenders import TenderFactory
from tests.procurement.bids.conftest import after_deadline

SCHEMAS = Path(__file__).parent / "ocds_schema"


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    package = json.loads((SCHEMAS / "release-package-schema.json").read_text())
    release = json.loads((SCHEMAS / "release-schema.json").read_text())
    registry = Registry().with_resource(release["id"], Resource.from_contents(release, default_specification=DRAFT4))
    return Draft4Validator(package, registry=registry, format_checker=FormatChecker())


def _errors(validator, package) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(package)]


def test_the_validator_rejects_an_invalid_package(validator):
    """The check can fail: a package missing its publisher, with a bad tag and date, is refused."""
    bad = {"uri": "x", "version": "1.1", "publishedDate": "hier", "releases": [
        {"ocid": "ocds-x-1", "id": "1", "date": "demain", "tag": ["signed"], "initiationType": "tender"}]}
    messages = " | ".join(_errors(validator, bad))
    assert "'publisher' is a required property" in messages
    assert "'signed' is not one of" in messages
    assert "is not a 'date-time'" in messages


def test_a_published_tender_is_a_valid_release_package(client, world, validator):
    response = client.get(f"/tenders/{world.tender.id}/ocds.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    package = response.get_json()
    assert _errors(validator, package) == []
    release = package["releases"][0]
    assert release["ocid"] == f"ocds-msol01-{world.tender.id}"
    assert release["tag"] == ["tender"] and release["tender"]["status"] == "active"
    assert [lot["id"] for lot in release["tender"]["lots"]] == ["lot-1", "lot-2"]
    assert release["tender"]["value"] == {"amount": 50000.0, "currency": "EUR"}
    assert release["tender"]["awardCriteria"] == "ratedCriteria"
    assert [p["roles"] for p in release["parties"]] == [["buyer", "procuringEntity"]]
    assert "numberOfTenderers" not in release["tender"] and "awards" not in release


def test_nothing_about_bids_before_the_deadline(client, world, db, validator):
    BidFactory(lot=world.lot1, lead_vendor=world.lead_vendor, submitted=True)
    db.session.commit()
    body = client.get(f"/tenders/{world.tender.id}/ocds.json").get_data(as_text=True)
    assert "Jardins de Cocagne" not in body and "numberOfTenderers" not in body


def test_an_awarded_tender_lists_awards_suppliers_and_tenderers(client, world, db, validator):
    tender = world.tender
    tender.reservation = Reservation.SIAE
    groupement = BidFactory(lot=world.lot1, lead_vendor=world.lead_vendor, mode=BidMode.SOLIDAIRE,
                            partners=[world.partner_vendor], submitted=True, price_cents=1_234_567)
    loser = BidFactory(lot=world.lot1, lead_vendor=world.rival_vendor, submitted=True, price_cents=2_000_000)
    db.session.commit()
    after_deadline(tender)
    tender_services.start_evaluation(tender, world.buyer)
    criteria = [c for c in tender.criteria if c.kind is CriterionKind.OTHER]
    for bid in (groupement, loser):
        score_bid(bid, world.buyer, {c.id: (1000, "Correct") for c in criteria})
    award_lot(world.lot1, world.buyer, groupement)
    declare_unsuccessful(world.lot2, world.buyer, "Aucune offre reçue.")
    db.session.commit()
    assert tender.status is TenderStatus.AWARDED

    package = client.get(f"/tenders/{tender.id}/ocds.json").get_json()
    assert _errors(validator, package) == []
    release = package["releases"][0]
    assert release["tag"] == ["tenderUpdate", "award"] and release["tender"]["status"] == "complete"
    assert release["tender"]["numberOfTenderers"] == 2
    assert "L2113-13" in release["tender"]["eligibilityCriteria"]
    awarded, unsuccessful = release["awards"]
    assert awarded["status"] == "active" and awarded["relatedLots"] == ["lot-1"]
    assert awarded["value"] == {"amount": 12345.67, "currency": "EUR"}
    assert [s["name"] for s in awarded["suppliers"]] == ["Les Jardins de Cocagne", "Recyclerie du Trièves"]
    assert unsuccessful["status"] == "unsuccessful" and unsuccessful["relatedLots"] == ["lot-2"]
    roles = {p["name"]: p["roles"] for p in release["parties"]}
    assert roles["Les Jardins de Cocagne"] == ["tenderer", "supplier"]
    assert roles["Nettoyage Solidaire"] == ["tenderer"]
    assert roles[tender.buyer_organisation.name] == ["buyer", "procuringEntity"]
    ids = {p["id"] for p in release["parties"]}
    assert {s["id"] for s in awarded["suppliers"]} <= ids


def test_drafts_are_not_published_and_cancelled_tenders_are(client, db, validator):
    draft = TenderFactory(draft=True)
    cancelled = TenderFactory(status=TenderStatus.CANCELLED, cancel_reason="Besoin abandonné.")
    db.session.commit()
    assert client.get(f"/tenders/{draft.id}/ocds.json").status_code == 404
    assert client.get("/tenders/999999/ocds.json").status_code == 404
    package = client.get(f"/tenders/{cancelled.id}/ocds.json").get_json()
    assert _errors(validator, package) == []
    assert package["releases"][0]["tag"] == ["tenderCancellation"]
    assert package["releases"][0]["tender"]["status"] == "cancelled"


def test_the_feed_lists_every_published_package_page_by_page(client, db, validator, monkeypatch):
    monkeypatch.setattr(ocds, "FEED_PER_PAGE", 2)
    tenders = [TenderFactory() for _ in range(3)]
    TenderFactory(draft=True)
    db.session.commit()
    first = client.get("/tenders/ocds/feed.json").get_json()
    assert first["total"] == 3 and first["pages"] == 2 and len(first["packages"]) == 2
    assert "prev" not in first["links"]
    second = client.get(first["links"]["next"].replace("http://127.0.0.1:5000", "")).get_json()
    assert "next" not in second["links"] and second["links"]["prev"].endswith("page=1")
    listed = first["packages"] + second["packages"]
    assert sorted(p["ocid"] for p in listed) == sorted(f"ocds-msol01-{t.id}" for t in tenders)
    for entry in listed:
        path = entry["uri"].replace("http://127.0.0.1:5000", "")
        assert _errors(validator, client.get(path).get_json()) == []
