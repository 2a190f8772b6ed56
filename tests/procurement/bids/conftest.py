"""Helpers for the bids tests: a frozen clock, a published tender with its buyer, vendors."""
from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

import pytest

from marketplace.core import clock
from tests.factories.tenders import TenderFactory, buyer_of, vendor_member

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.freeze(NOW)
    yield NOW


def after_deadline(tender, hours: int = 1) -> None:
    """Move the clock past the tender's submission deadline."""
    clock.freeze(tender.submission_deadline + dt.timedelta(hours=hours))


def text(response) -> str:
    """The page as a reader sees it (entities decoded, narrow and no-break spaces as spaces)."""
    return html.unescape(response.get_data(as_text=True)).replace("\u202f", " ").replace("\xa0", " ")


@dataclass
class World:
    tender: object
    lot1: object
    lot2: object
    buyer: object
    lead: object  # user, owner of lead_vendor
    lead_vendor: object
    partner: object
    partner_vendor: object
    rival: object
    rival_vendor: object


@pytest.fixture
def world(db) -> World:
    """A published tender (2 lots, criteria price 40 / technique 40 / social 20), its buyer,
    and three approved vendors with their owners (committed)."""
    tender = TenderFactory()
    buyer = buyer_of(tender)
    lead, lead_vendor = vendor_member(name="Les Jardins de Cocagne")
    partner, partner_vendor = vendor_member(name="Recyclerie du Trièves")
    rival, rival_vendor = vendor_member(name="Nettoyage Solidaire")
    db.session.commit()
    return World(tender, tender.lots[0], tender.lots[1], buyer, lead, lead_vendor, partner, partner_vendor,
                 rival, rival_vendor)


def vendor_url(vendor, bid) -> str:
    return f"/espace-fournisseur/{vendor.id}/reponses/{bid.id}"


def buyer_url(tender, suffix: str = "") -> str:
    return f"/compte/professionnels/appels-d-offres/{tender.id}{suffix}"
