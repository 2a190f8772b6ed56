"""Which structures match a quote request, best first.

A structure matches when it is approved (suspended, expired and candidate
structures never do) and its activity fits the request's category:

- it has a published offer in the category or one of its sub-categories
  (an *offer match*, the stronger one), or
- one of its sectors is a sector of the category (``CATEGORY_SECTORS``, read
  from the most specific category upwards: a *sector match*);

and its territory fits the place of delivery: the same département first,
then the other départements of the same région; structures elsewhere only if
the request accepts national answers. Within each territory tier, offer
matches come before sector matches, then names in alphabetical order.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from marketplace.catalogue.models import Category, Offer
from marketplace.catalogue.services import category_path, category_subtree_ids, visible_offers_query
from marketplace.core.territories import departement
from marketplace.extensions import db
from marketplace.vendors.models import Sector, Vendor, VendorSector, VendorStatus

S = Sector

# Category slug → the vendor sectors whose structures answer such needs.
CATEGORY_SECTORS: dict[str, frozenset[Sector]] = {
    "alimentation": frozenset({S.ALIMENTATION, S.AGRICULTURE_BIO_LOCALE}),
    "boissons": frozenset({S.ALIMENTATION, S.COMMERCE_EQUITABLE}),
    "hygiene-beaute": frozenset({S.ECO_PRODUITS}),
    "maison": frozenset({S.ECO_PRODUITS}),
    "bois-mobilier": frozenset({S.ECO_CONSTRUCTION, S.REEMPLOI}),
    "textile": frozenset({S.COMMERCE_EQUITABLE, S.REEMPLOI}),
    "reemploi": frozenset({S.REEMPLOI}),
    "energie": frozenset({S.ENERGIE}),
    "mobilite": frozenset({S.MOBILITE_DOUCE}),
    "services-entreprises": frozenset({S.SERVICES_ENTREPRISES}),
    "mise-a-disposition": frozenset({S.INSERTION, S.SERVICES_ENTREPRISES}),
    "traiteur-restauration": frozenset({S.ALIMENTATION}),
    "nettoyage": frozenset({S.SERVICES_ENTREPRISES}),
    "espaces-verts": frozenset({S.SERVICES_ENTREPRISES, S.AGRICULTURE_BIO_LOCALE}),
    "impression": frozenset({S.CULTURE}),
    "informatique-reconditionnee": frozenset({S.REEMPLOI}),
    "voyages-solidaires": frozenset({S.VOYAGE_SOLIDAIRE}),
    "culture-loisirs": frozenset({S.CULTURE}),
    "eco-construction": frozenset({S.ECO_CONSTRUCTION}),
}

SAME_DEPARTEMENT, SAME_REGION, ELSEWHERE = 0, 1, 2


@dataclass(frozen=True)
class Need:
    """What matching reads of a request (a request itself will do)."""

    category: Category
    delivery_departement_code: str
    accept_national: bool = False


@dataclass(frozen=True)
class Match:
    vendor: Vendor
    tier: int  # SAME_DEPARTEMENT, SAME_REGION or ELSEWHERE
    by_offer: bool  # it sells in the category (else: a sector match)

    @property
    def sort_key(self) -> tuple:
        return (self.tier, not self.by_offer, self.vendor.name.casefold(), self.vendor.id)


def category_sectors(category: Category | None) -> frozenset[Sector]:
    """The sectors of the most specific category (or ancestor) that has some."""
    if category is None:
        return frozenset()
    for node in reversed(category_path(category)):
        if node.slug in CATEGORY_SECTORS:
            return CATEGORY_SECTORS[node.slug]
    return frozenset()


def _region_of(departement_code: str | None) -> str | None:
    dep = departement(departement_code)
    return dep.region_code if dep else None


def territory_tier(vendor: Vendor, departement_code: str) -> int:
    if vendor.departement_code and vendor.departement_code == departement_code:
        return SAME_DEPARTEMENT
    region = _region_of(departement_code)
    if region is not None and _region_of(vendor.departement_code) == region:
        return SAME_REGION
    return ELSEWHERE


def _offer_vendor_ids(category: Category) -> set[int]:
    subtree = category_subtree_ids(category.id)
    stmt = visible_offers_query().where(Offer.category_id.in_(subtree)).with_only_columns(Offer.vendor_id).distinct()
    return set(db.session.scalars(stmt))


def _candidates(category: Category, vendor_ids: list[int] | None = None) -> list[tuple[Vendor, bool]]:
    """Approved structures with an offer or a sector in the category: (vendor, by_offer)."""
    by_offer = _offer_vendor_ids(category)
    sectors = category_sectors(category)
    conditions = [Vendor.id.in_(by_offer or {-1})]
    if sectors:
        conditions.append(
            sa.exists().where(VendorSector.vendor_id == Vendor.id, VendorSector.sector.in_(sorted(sectors, key=str)))
        )
    stmt = sa.select(Vendor).where(Vendor.status == VendorStatus.APPROVED, sa.or_(*conditions))
    if vendor_ids is not None:
        stmt = stmt.where(Vendor.id.in_(vendor_ids or [-1]))
    return [(vendor, vendor.id in by_offer) for vendor in db.session.scalars(stmt)]


def matching_vendors(request, limit: int | None = None) -> list[Match]:
    """The structures matching ``request`` (its category, delivery département and national flag), best first."""
    matches = []
    for vendor, by_offer in _candidates(request.category):
        tier = territory_tier(vendor, request.delivery_departement_code)
        if tier == ELSEWHERE and not request.accept_national:
            continue
        matches.append(Match(vendor, tier, by_offer))
    matches.sort(key=lambda m: m.sort_key)
    return matches[:limit] if limit is not None else matches


def vendor_matches(vendor: Vendor, request) -> bool:
    """Does this structure match the request (as ``matching_vendors`` would find it)?"""
    if vendor is None or vendor.status is not VendorStatus.APPROVED:
        return False
    if not _candidates(request.category, [vendor.id]):
        return False
    return request.accept_national or territory_tier(vendor, request.delivery_departement_code) != ELSEWHERE
