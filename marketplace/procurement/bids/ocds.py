"""Open data: every published tender and its awards as an OCDS 1.1 release package.

- The ocid of a tender is ``<OCDS_OCID_PREFIX>-<tender id>``; the prefix
  (setting ``OCDS_OCID_PREFIX``, default ``ocds-msol01``) stands for the
  platform until a prefix is registered with the Open Contracting Partnership.
- One release per tender describes its current state (tag ``tender``,
  ``tenderAmendment``, ``tenderUpdate``, ``award``, ``tenderCancellation``);
  lots follow the lots extension (``tender.lots``, ``awards[].relatedLots``).
- Parties: the buyer organisation (roles buyer, procuringEntity); once a lot
  is decided, the vendors of its submitted bids (role tenderer) and of the
  winning bid (role supplier). Before a decision nothing about bids is
  published; the number of bids only once the deadline has passed.
- Amounts are EUR decimal numbers (integer cents ÷ 100); dates are UTC
  RFC 3339.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app

from marketplace.core.clock import now_utc
from marketplace.core.pagination import paginate
from marketplace.core.urls import external_url
from marketplace.extensions import db
from marketplace.procurement.bids.evaluation import decisions_of
from marketplace.procurement.bids.models import Bid, LotOutcome
from marketplace.procurement.bids.queries import submitted_bids
from marketplace.procurement.tenders.models import (
    CriterionKind,
    LotStatus,
    Tender,
    TenderStatus,
)

OCDS_VERSION = "1.1"
LOTS_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.3/extension.json"
)
LICENSE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
FEED_PER_PAGE = 50

TENDER_STATUS = {
    TenderStatus.PUBLISHED: "active",
    TenderStatus.CLOSED: "active",
    TenderStatus.UNDER_EVALUATION: "active",
    TenderStatus.AWARDED: "complete",
    TenderStatus.UNSUCCESSFUL: "unsuccessful",
    TenderStatus.CANCELLED: "cancelled",
}
LOT_STATUS = {LotStatus.OPEN: "active", LotStatus.AWARDED: "complete", LotStatus.UNSUCCESSFUL: "unsuccessful"}


def is_published(tender: Tender | None) -> bool:
    """Published or later (drafts are never exported)."""
    return tender is not None and tender.status is not TenderStatus.DRAFT and tender.published_at is not None


def ocid(tender: Tender) -> str:
    return f"{current_app.config['OCDS_OCID_PREFIX']}-{tender.id}"


def _date(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _amount(cents: int | None) -> dict | None:
    if cents is None:
        return None
    return {"amount": float(Decimal(cents) / 100), "currency": "EUR"}


def _lot_id(lot) -> str:
    return f"lot-{lot.number}"


def _release_date(tender: Tender) -> dt.datetime:
    moments = [tender.published_at, tender.closed_at, tender.evaluation_started_at, tender.decided_at,
               tender.cancelled_at]
    moments += [a.created_at for a in tender.amendments]
    return max(m for m in moments if m is not None)


def _tags(tender: Tender) -> list[str]:
    if tender.status is TenderStatus.CANCELLED:
        return ["tenderCancellation"]
    if tender.status in (TenderStatus.AWARDED, TenderStatus.UNSUCCESSFUL):
        return ["tenderUpdate", "award"]
    if tender.status in (TenderStatus.CLOSED, TenderStatus.UNDER_EVALUATION):
        return ["tenderUpdate"]
    return ["tenderAmendment"] if tender.amendments else ["tender"]


# ---------------------------------------------------------------- parties


class _Parties:
    def __init__(self) -> None:
        self.by_id: dict[str, dict[str, Any]] = {}

    def add(self, party: dict[str, Any], *roles: str) -> dict[str, str]:
        entry = self.by_id.setdefault(party["id"], {**party, "roles": []})
        for role in roles:
            if role not in entry["roles"]:
                entry["roles"].append(role)
        return {"id": party["id"], "name": party["name"]}

    def as_list(self) -> list[dict[str, Any]]:
        return list(self.by_id.values())


def _organisation(kind: str, obj, siret: str | None, legal_name: str | None) -> dict[str, Any]:
    party: dict[str, Any] = {
        "id": f"FR-SIRET-{siret}" if siret else f"{kind}-{obj.id}",
        "name": obj.name,
    }
    if siret:
        party["identifier"] = {"scheme": "FR-SIRET", "id": siret, "legalName": legal_name or obj.name}
    address = {"locality": getattr(obj, "commune", None), "postalCode": getattr(obj, "postal_code", None)}
    address = {k: v for k, v in address.items() if v}
    if address:
        party["address"] = {**address, "countryName": "France"}
    return party


def _buyer_party(tender: Tender) -> dict[str, Any]:
    organisation = tender.buyer_organisation
    return _organisation("msol-buyer", organisation, organisation.siret, organisation.name)


def _vendor_party(vendor) -> dict[str, Any]:
    return _organisation("msol-vendor", vendor, vendor.siret, vendor.legal_name)


# ---------------------------------------------------------------- the release


def _award_criteria(tender: Tender) -> tuple[str | None, str | None]:
    criteria = list(tender.criteria)
    if not criteria:
        return None, None
    kinds = {c.kind for c in criteria if c.weight}
    if kinds == {CriterionKind.PRICE}:
        code = "priceOnly"
    elif CriterionKind.PRICE not in kinds:
        code = "qualityOnly"
    else:
        code = "ratedCriteria"
    details = "; ".join(f"{c.name} : {c.weight} %" for c in criteria)
    return code, details


def _eligibility(tender: Tender) -> str | None:
    parts = []
    if tender.reservation.is_reserved:
        parts.append(f"{tender.reservation.label} (art. {tender.reservation.article} du Code de la commande publique)")
    for lot in tender.lots:
        if not tender.reservation.is_reserved and lot.reservation.is_reserved:
            parts.append(
                f"Lot {lot.number} : {lot.reservation.label} (art. {lot.reservation.article} du Code de la commande publique)"
            )
    return " ; ".join(parts) or None


def release(tender: Tender) -> dict[str, Any]:
    """The OCDS release describing ``tender`` as it stands."""
    now = now_utc()
    the_ocid = ocid(tender)
    date = _release_date(tender)
    tags = _tags(tender)
    parties = _Parties()
    buyer_ref = parties.add(_buyer_party(tender), "buyer", "procuringEntity")
    decisions = decisions_of(tender)

    tender_data: dict[str, Any] = {
        "id": tender.reference,
        "title": tender.title,
        "description": tender.object,
        "status": TENDER_STATUS.get(tender.status, "active"),
        "procuringEntity": buyer_ref,
        "procurementMethod": "open",
        "procurementMethodDetails": str(tender.procedure.label),
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": _date(tender.published_at), "endDate": _date(tender.submission_deadline)},
        "enquiryPeriod": {"startDate": _date(tender.published_at), "endDate": _date(tender.question_deadline)},
        "hasEnquiries": bool(tender.questions),
        "items": [
            {"id": f"item-{lot.number}", "description": lot.title, "relatedLot": _lot_id(lot)} for lot in tender.lots
        ],
        "lots": [],
    }
    if (value := _amount(tender.estimated_amount_cents)) is not None:
        tender_data["value"] = value
    code, details = _award_criteria(tender)
    if code:
        tender_data["awardCriteria"] = code
        tender_data["awardCriteriaDetails"] = details
    if (eligibility := _eligibility(tender)) is not None:
        tender_data["eligibilityCriteria"] = eligibility
    if tender.status is TenderStatus.CANCELLED and tender.cancel_reason:
        tender_data["statusDetails"] = tender.cancel_reason

    tenderers: dict[str, dict[str, str]] = {}
    bids_count = 0
    awards = []
    for lot in tender.lots:
        lot_data: dict[str, Any] = {
            "id": _lot_id(lot),
            "title": lot.title,
            "description": lot.description,
            "status": "cancelled" if tender.status is TenderStatus.CANCELLED and lot.status is LotStatus.OPEN
            else LOT_STATUS[lot.status],
        }
        if (value := _amount(lot.estimated_amount_cents)) is not None:
            lot_data["value"] = value
        tender_data["lots"].append(lot_data)
        if not tender.deadline_passed(now):
            continue
        bids = submitted_bids(lot)
        bids_count += len(bids)
        decision = decisions.get(lot.id)
        if decision is None:
            continue
        for bid in bids:
            for member in bid.accepted_members:
                ref = parties.add(_vendor_party(member.vendor), "tenderer")
                tenderers.setdefault(ref["id"], ref)
        awards.append(_award(the_ocid, lot, decision, parties))

    if tender.deadline_passed(now) and tender.status is not TenderStatus.CANCELLED:
        tender_data["numberOfTenderers"] = bids_count
    if tenderers:
        tender_data["tenderers"] = list(tenderers.values())
    data: dict[str, Any] = {
        "ocid": the_ocid,
        "id": f"{the_ocid}-{tags[-1]}-{date.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}",
        "date": _date(date),
        "tag": tags,
        "initiationType": "tender",
        "language": "fr",
        "buyer": buyer_ref,
        "tender": tender_data,
    }
    if awards:
        data["awards"] = awards
    data["parties"] = parties.as_list()
    return data


def _award(the_ocid: str, lot, decision, parties: _Parties) -> dict[str, Any]:
    award: dict[str, Any] = {
        "id": f"{the_ocid}-award-{_lot_id(lot)}",
        "title": f"Lot {lot.number} : {lot.title}",
        "date": _date(decision.decided_at),
        "relatedLots": [_lot_id(lot)],
    }
    winner: Bid | None = decision.winning_bid
    if decision.outcome is LotOutcome.AWARDED and winner is not None:
        award["status"] = "active"
        award["value"] = _amount(winner.price_cents)
        award["suppliers"] = [parties.add(_vendor_party(m.vendor), "supplier") for m in winner.accepted_members]
        if winner.mode.is_groupement:
            award["description"] = f"{winner.mode.label}, mandataire : {winner.lead_vendor.name}"
    else:
        award["status"] = "unsuccessful"
        if decision.reason:
            award["description"] = decision.reason
    return award


# ---------------------------------------------------------------- packages and the feed


def _package(uri: str, releases: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": [LOTS_EXTENSION],
        "publishedDate": _date(now_utc()),
        "publisher": {"name": current_app.config["PLATFORM_NAME"], "uri": current_app.config["PLATFORM_URL"]},
        "license": LICENSE,
        "releases": releases,
    }


def release_package(tender: Tender) -> dict[str, Any]:
    return _package(external_url("bids.ocds_package", tender_id=tender.id), [release(tender)])


def published_tenders_stmt() -> sa.Select:
    return (
        sa.select(Tender)
        .where(Tender.status != TenderStatus.DRAFT, Tender.published_at.is_not(None))
        .order_by(Tender.published_at.desc(), Tender.id.desc())
    )


def feed(page: int = 1, per_page: int | None = None) -> dict[str, Any]:
    """One page of the feed: the release packages of the published tenders, newest first,
    each with its ocid, address, release date and tags; ``links.next`` / ``links.prev``
    lead to the neighbouring pages."""
    result = paginate(db.session, published_tenders_stmt(), page, per_page or FEED_PER_PAGE)
    links = {"self": external_url("bids.ocds_feed", page=result.page)}
    if result.has_next:
        links["next"] = external_url("bids.ocds_feed", page=result.page + 1)
    if result.has_prev:
        links["prev"] = external_url("bids.ocds_feed", page=result.page - 1)
    return {
        "version": OCDS_VERSION,
        "publisher": {"name": current_app.config["PLATFORM_NAME"], "uri": current_app.config["PLATFORM_URL"]},
        "publishedDate": _date(now_utc()),
        "license": LICENSE,
        "links": links,
        "page": result.page,
        "pages": result.pages,
        "total": result.total,
        "packages": [
            {
                "ocid": ocid(tender),
                "uri": external_url("bids.ocds_package", tender_id=tender.id),
                "title": tender.title,
                "date": _date(_release_date(tender)),
                "tag": _tags(tender),
            }
            for tender in result.items
        ],
    }
