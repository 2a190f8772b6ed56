"""Quote fixtures: two buyer organisations, structures around Grenoble, Lyon and Paris,
and helpers that drive requests and quotes through the services."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from marketplace.accounts.models import BuyerKind
from marketplace.core.clock import now_utc
from marketplace.procurement.quotes import pricing, quoting, services
from marketplace.procurement.quotes.models import RecipientMode
from marketplace.vendors.models import LegalForm, Sector, VendorStatus
from tests.factories import (
    BuyerMembershipFactory,
    BuyerOrganisationFactory,
    CategoryFactory,
    OfferFactory,
    UserFactory,
    VendorFactory,
    VendorMembershipFactory,
)


@dataclass
class World:
    org_a: object  # Ville de Grenoble (38), 30-day term
    org_b: object  # a company in Lyon, 45-day term
    buyer_a: object
    buyer_a2: object  # a colleague of buyer_a
    buyer_b: object
    traiteur: object  # category "Traiteur & restauration"
    culture: object
    local: object  # 38, sells catering: best match
    lyon: object  # 69, same région, sells catering
    lyon_sector: object  # 69, sector alimentation only
    paris: object  # 75, other région, sells catering
    artist: object  # 38, culture: no match
    suspended: object  # 38, sells catering, suspended
    owners: dict  # vendor slug → owner user


def _vendor(name, slug, departement, region, legal_form=LegalForm.SCOP, sectors=(), status=VendorStatus.APPROVED):
    owner = UserFactory(display_name=f"Responsable {name}", email=f"contact@{slug}.example")
    membership = VendorMembershipFactory(
        user=owner,
        vendor=VendorFactory(name=name, slug=slug, departement_code=departement, region_code=region,
                             commune={"38": "Grenoble", "69": "Lyon", "75": "Paris"}[departement],
                             legal_form=legal_form, status=status),
    )
    membership.vendor.set_sectors(list(sectors))
    return membership.vendor, owner


@pytest.fixture
def world(db):
    org_a = BuyerOrganisationFactory(name="Ville de Grenoble", kind=BuyerKind.COMMUNE, departement_code="38",
                                     commune="Grenoble", postal_code="38000", address="11 boulevard Jean-Pain",
                                     payment_term_days=30)
    org_b = BuyerOrganisationFactory(name="Alpitech Systèmes", kind=BuyerKind.COMPANY, departement_code="69",
                                     commune="Lyon", postal_code="69003", payment_term_days=45)
    buyer_a = BuyerMembershipFactory(organisation=org_a, user=UserFactory(display_name="Céline Dumas",
                                                                          email="celine@grenoble.example")).user
    buyer_a2 = BuyerMembershipFactory(organisation=org_a, user=UserFactory(display_name="Paul Girard",
                                                                           email="paul@grenoble.example")).user
    buyer_b = BuyerMembershipFactory(organisation=org_b, user=UserFactory(display_name="Isabelle Mercier",
                                                                          email="isabelle@alpitech.example")).user
    traiteur = CategoryFactory(name="Traiteur & restauration", slug="traiteur-restauration")
    culture = CategoryFactory(name="Culture & loisirs", slug="culture-loisirs")
    owners = {}
    local, owners["local"] = _vendor("Les Cuisines Partagées", "les-cuisines-partagees", "38", "84",
                                     LegalForm.SIAE_EI, [Sector.ALIMENTATION, Sector.INSERTION])
    lyon, owners["lyon"] = _vendor("Comptoir Lyonnais", "comptoir-lyonnais", "69", "84", LegalForm.SCOP,
                                   [Sector.COMMERCE_EQUITABLE])
    lyon_sector, owners["lyon_sector"] = _vendor("Bocaux du Rhône", "bocaux-du-rhone", "69", "84",
                                                 LegalForm.ASSOCIATION, [Sector.ALIMENTATION])
    paris, owners["paris"] = _vendor("Cantine de Belleville", "cantine-de-belleville", "75", "11", LegalForm.SCIC,
                                     [Sector.ALIMENTATION])
    artist, owners["artist"] = _vendor("La Cabane à Sons", "la-cabane-a-sons", "38", "84", LegalForm.SCIC,
                                       [Sector.CULTURE])
    suspended, owners["suspended"] = _vendor("Traiteur Suspendu", "traiteur-suspendu", "38", "84",
                                             sectors=[Sector.ALIMENTATION], status=VendorStatus.SUSPENDED)
    for vendor in (local, lyon, paris, suspended):
        offer = OfferFactory(vendor=vendor, category=traiteur, title=f"Buffet de {vendor.name}", vat_rate_bp=1000)
        offer.set_labels([])
    OfferFactory(vendor=artist, category=culture, title="Concert solidaire")
    db.session.commit()  # views roll back on refusals: the fixture's rows must survive them
    return World(org_a, org_b, buyer_a, buyer_a2, buyer_b, traiteur, culture, local, lyon, lyon_sector, paris,
                 artist, suspended, owners)


def request_data(world, **overrides) -> services.RequestData:
    values = dict(
        title="Repas bio pour la restauration scolaire",
        need="Repas bio en liaison froide pour l'école Jean-Jaurès, 180 couverts par jour scolaire.",
        category_id=world.traiteur.id,
        quantity=180,
        unit="repas",
        delivery_commune="Grenoble",
        delivery_departement_code="38",
        response_deadline=now_utc() + dt.timedelta(days=10),
        recipient_mode=RecipientMode.CHOSEN,
        vendor_ids=[world.local.id, world.lyon.id],
    )
    values.update(overrides)
    return services.RequestData(**values)


def open_request(world, buyer=None, **overrides):
    """A published request of org A (chosen: the Grenoble and Lyon caterers by default)."""
    return services.create_request(world.org_a, buyer or world.buyer_a, request_data(world, **overrides),
                                   publish_now=True)


def quote_data(*lines, valid_days: int = 30, lead: int = 15, comment: str | None = None) -> quoting.QuoteData:
    lines = lines or (pricing.LineInput("Repas bio enfant", 180, "repas", 385, 1000),)
    return quoting.QuoteData(lines=list(lines), valid_until=quoting.paris_today() + dt.timedelta(days=valid_days),
                             lead_time_days=lead, comment=comment)


def owner(world, key: str):
    return world.owners[key]
