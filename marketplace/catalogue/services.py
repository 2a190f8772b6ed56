"""The catalogue's business rules: visibility, browsing queries, offer life cycle.

Stock is not changed here: the shop's reservations decrement and restore it
with row locks.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import NamedTuple

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, joinedload, lazyload

from marketplace.catalogue import markup
from marketplace.catalogue.models import (
    VAT_RATES_BP,
    Category,
    Channels,
    Label,
    Offer,
    OfferKind,
    OfferStatus,
    Unit,
)
from marketplace.catalogue.permissions import can_edit_offer, can_manage_offers
from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.errors import DomainError
from marketplace.core.page_cache import remembered
from marketplace.core.pagination import Page, paginate
from marketplace.core.territories import departement_from_postal_code
from marketplace.extensions import db
from marketplace.vendors.models import Vendor, VendorStatus

MAX_PRICE_CENTS = 10_000_000  # 100 000 €
MAX_DELIVERY_FEE_CENTS = 100_000
MAX_STOCK = 1_000_000


class CatalogueError(DomainError):
    """A refusal; ``str(error)`` is a French message for the user, translated at once."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(str(message), field)


class FieldError(CatalogueError):
    """A refusal tied to one form field."""

    def __init__(self, field: str, message) -> None:
        super().__init__(message, field)


class OfferNotFound(CatalogueError):
    """The offer does not exist, or the user may not know about it (404)."""


class OfferUnavailable(CatalogueError):
    """The offer cannot be bought online (not visible, or sold on quote only)."""


class TransitionError(CatalogueError):
    """An illegal status change."""


# ---------------------------------------------------------------- hooks


def offer_changed(offer: Offer) -> None:
    """Called on every change of an offer (creation, edit, status, images).

    The single place where derived data (the search index) is refreshed,
    after the commit.
    """
    from marketplace.search import indexing

    indexing.offer_changed(offer)


# ---------------------------------------------------------------- visibility


def visible_offers_query() -> sa.Select:
    """Published offers of approved structures only (a suspended vendor's offers vanish at once)."""
    return (
        sa.select(Offer)
        .join(Vendor, Vendor.id == Offer.vendor_id)
        .where(Offer.status == OfferStatus.PUBLISHED, Vendor.status == VendorStatus.APPROVED)
    )


def get_visible_offer(offer_id: int) -> Offer | None:
    return db.session.scalar(visible_offers_query().where(Offer.id == offer_id))


# What buying reads of an offer: the offer and its structure, in one statement (its
# labels, images, category and the structure's sectors only if asked for).
BUYABLE_OFFER = (
    joinedload(Offer.vendor).lazyload(Vendor.sector_rows),
    lazyload(Offer.label_rows),
    lazyload(Offer.images),
    lazyload(Offer.category),
)


def get_buyable_offer(offer_id: int) -> Offer:
    """A visible offer sold online to consumers, or OfferUnavailable with a French message."""
    try:
        offer_id = int(offer_id)
    except (TypeError, ValueError):
        raise OfferUnavailable(_("Cette offre n'existe pas.")) from None
    offer = db.session.get(Offer, offer_id, options=BUYABLE_OFFER)
    if offer is None:
        raise OfferUnavailable(_("Cette offre n'existe pas."))
    if offer.vendor.status is not VendorStatus.APPROVED:
        raise OfferUnavailable(
            _("« %(title)s » n'est plus disponible : la structure qui la propose n'est pas en mesure de vendre actuellement.",
              title=offer.title)
        )
    if offer.status is not OfferStatus.PUBLISHED:
        raise OfferUnavailable(_("« %(title)s » n'est plus en vente.", title=offer.title))
    if offer.channels not in (Channels.B2C, Channels.BOTH):
        raise OfferUnavailable(
            _("« %(title)s » est proposée sur devis aux professionnels et ne peut pas être achetée en ligne.",
              title=offer.title)
        )
    return offer


def offer_url(offer: Offer, external: bool = False) -> str:
    return url_for("catalogue.offer", offer_id=offer.id, slug=offer.slug, _external=external)


# ---------------------------------------------------------------- categories


def categories() -> list[Category]:
    return list(db.session.scalars(sa.select(Category).order_by(Category.position, Category.name)))


def category_tree() -> list[tuple[Category, list[Category]]]:
    """Top-level categories with their children, in display order."""
    rows = categories()
    children: dict[int, list[Category]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(row)
    return [(row, children.get(row.id, [])) for row in rows if row.parent_id is None]


def category_choices() -> list[tuple[int, str]]:
    """(id, label) for a select, children indented under their parent."""
    choices = []
    for parent, kids in category_tree():
        choices.append((parent.id, parent.name))
        choices.extend((kid.id, f"{parent.name} › {kid.name}") for kid in kids)
    return choices


def category_by_slug(slug: str) -> Category | None:
    return db.session.scalar(sa.select(Category).where(Category.slug == slug))


def category_subtree_ids(category_id: int) -> list[int]:
    """The id of a category and of every category below it."""
    ids = [category_id]
    frontier = [category_id]
    while frontier:
        frontier = list(db.session.scalars(sa.select(Category.id).where(Category.parent_id.in_(frontier))))
        ids.extend(frontier)
    return ids


class Crumb(NamedTuple):
    """A category as the breadcrumbs show it."""

    slug: str
    name: str


def category_path(category: Category) -> list[Crumb]:
    """The category and its ancestors, the top one first."""
    tree = remembered("category-tree", None, _category_parents)
    path: list[Crumb] = []
    node: int | None = category.id
    while node is not None and node in tree and len(path) < 10:
        parent_id, crumb = tree[node]
        path.insert(0, crumb)
        node = parent_id
    return path


def _category_parents() -> dict[int, tuple[int | None, Crumb]]:
    rows = db.session.execute(sa.select(Category.id, Category.parent_id, Category.slug, Category.name))
    return {r.id: (r.parent_id, Crumb(r.slug, r.name)) for r in rows}


def visible_counts_by_category() -> dict[int, int]:
    """Visible offers per category, each counted in its own category and its parent.

    Counting means reading every visible offer: each process keeps the answer
    while the catalogue is unchanged (``page_cache.remembered``)."""
    return remembered("category-counts", None, _count_visible_by_category)


def _count_visible_by_category() -> dict[int, int]:
    rows = db.session.execute(
        visible_offers_query().with_only_columns(Offer.category_id, sa.func.count()).group_by(Offer.category_id)
    ).all()
    parents = dict(db.session.execute(sa.select(Category.id, Category.parent_id)).all())
    counts: dict[int, int] = {}
    for category_id, count in rows:
        counts[category_id] = counts.get(category_id, 0) + count
        parent = parents.get(category_id)
        if parent is not None:
            counts[parent] = counts.get(parent, 0) + count
    return counts


def ensure_category(slug: str, name: str, parent: Category | None = None, position: int = 0) -> Category:
    """The category with this slug, created if missing (seeds, administration)."""
    category = category_by_slug(slug)
    if category is None:
        category = Category(slug=slug, name=name, parent=parent, position=position)
        db.session.add(category)
        db.session.flush()
    return category


# ---------------------------------------------------------------- browsing

SORTS = {
    "nouveautes": _l("Nouveautés"),
    "prix-croissant": _l("Prix croissant"),
    "prix-decroissant": _l("Prix décroissant"),
    "alphabetique": _l("Ordre alphabétique"),
}
DEFAULT_SORT = "nouveautes"


def _sorted(stmt: sa.Select, sort: str) -> sa.Select:
    if sort == "prix-croissant":
        return stmt.order_by(Offer.price_cents.asc(), Offer.id)
    if sort == "prix-decroissant":
        return stmt.order_by(Offer.price_cents.desc(), Offer.id)
    if sort == "alphabetique":
        return stmt.order_by(sa.func.lower(Offer.title), Offer.id)
    return stmt.order_by(Offer.published_at.desc(), Offer.id.desc())


# Sort of the listing pages -> sort of the search service.
SEARCH_SORTS = {"nouveautes": "newest", "prix-croissant": "price_asc", "prix-decroissant": "price_desc", "alphabetique": "title"}


@dataclass
class BrowseFilters:
    sort: str = DEFAULT_SORT
    label: Label | None = None
    kind: OfferKind | None = None
    price_band: str | None = None

    @classmethod
    def parse(cls, args) -> BrowseFilters:
        from marketplace.search.backends.base import PRICE_BANDS

        sort = args.get("tri", DEFAULT_SORT)
        if sort not in SORTS:
            sort = DEFAULT_SORT
        label = next((lab for lab in Label if lab.value == args.get("label")), None)
        kind = next((k for k in OfferKind if k.value == args.get("type")), None)
        band = args.get("prix")
        return cls(sort=sort, label=label, kind=kind, price_band=band if band in PRICE_BANDS else None)

    @property
    def active(self) -> bool:
        return any((self.label, self.kind, self.price_band))

    def args(self) -> dict[str, str]:
        """These filters as query string arguments (links to other categories keep them)."""
        values = {
            "tri": self.sort if self.sort != DEFAULT_SORT else None,
            "label": self.label.value if self.label else None,
            "type": self.kind.value if self.kind else None,
            "prix": self.price_band,
        }
        return {key: value for key, value in values.items() if value}


def _for_cards(stmt: sa.Select) -> sa.Select:
    """What an offer card shows, loaded with a query of visible offers: the structure
    from the join already there (without its sectors); category, labels and images
    come by one query each, whatever the number of offers."""
    return stmt.options(contains_eager(Offer.vendor).options(lazyload(Vendor.sector_rows)))


@dataclass
class Listing:
    """One page of the catalogue or of a category, with the counts of its filters."""

    page: Page
    # Facet ("kind", "labels", "price_band") -> value -> offers, each counted with the other filters.
    counts: dict[str, dict[str, int]]
    # Category id -> offers in it or below it, with the same filters.
    by_category: dict[int, int]


def browse(filters: BrowseFilters, category: Category | None = None, page: int = 1, per_page: int = 24) -> Listing:
    """The visible offers of the catalogue, or of a category and its subcategories.

    Read through the search service (an empty query), like the search page:
    the filters, the sorts and the counts come from the index; the offers of
    the page are then loaded for their cards.
    """
    from marketplace.search import service as search

    wanted = {"kind": [filters.kind.value] if filters.kind else [kind.value for kind in OfferKind]}
    if category is not None:
        wanted["category"] = [category.slug]
    if filters.label is not None:
        wanted["labels"] = [filters.label.value]
    if filters.price_band:
        wanted["price_band"] = [filters.price_band]
    result = search.search("", wanted, sort=SEARCH_SORTS[filters.sort], page=page, per_page=per_page)
    return Listing(
        page=Page(items=offers_by_ids(search.record_ids(result, "offer")), page=page, per_page=per_page,
                  total=result.total),
        counts={name: search.facet_counts(result, name) for name in ("kind", "labels", "price_band")},
        by_category=_with_ancestors(search.facet_counts(result, "category")),
    )


def _with_ancestors(by_slug: dict[str, int]) -> dict[int, int]:
    """Offers per category id, each counted in its own category and in every ancestor."""
    rows = categories()
    ids = {row.slug: row.id for row in rows}
    parents = {row.id: row.parent_id for row in rows}
    counts: dict[int, int] = {}
    for slug, count in by_slug.items():
        category_id, depth = ids.get(slug), 0
        while category_id is not None and depth < 10:
            counts[category_id] = counts.get(category_id, 0) + count
            category_id, depth = parents.get(category_id), depth + 1
    return counts


def _newest_ids(stmt: sa.Select, limit: int) -> list[int]:
    return list(db.session.scalars(_sorted(stmt.with_only_columns(Offer.id), "nouveautes").limit(limit)))


def offers_by_ids(ids: list[int]) -> list[Offer]:
    """The visible offers among ``ids``, in that order, ready for their cards."""
    if not ids:
        return []
    found = {o.id: o for o in db.session.scalars(_for_cards(visible_offers_query().where(Offer.id.in_(set(ids)))))}
    return [found[i] for i in ids if i in found]


def new_offers(limit: int = 8) -> list[Offer]:
    return offers_by_ids(_newest_ids(visible_offers_query(), limit))


def _local_ids(dep, limit: int) -> list[int]:
    return _newest_ids(visible_offers_query().where(Vendor.departement_code == dep.code), limit) if dep else []


def local_offers(postal_code: str | None, limit: int = 8) -> tuple[object | None, list[Offer]]:
    """(département, offers of vendors based there) for a user's postal code."""
    dep = departement_from_postal_code(postal_code) if postal_code else None
    if dep is None:
        return None, []
    return dep, offers_by_ids(_local_ids(dep, limit))


def _descendants(category_id: int, rows: list[Category]) -> list[int]:
    """``category_id`` and the ids of its descendants, from the loaded tree."""
    children: dict[int | None, list[int]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row.id)
    ids, frontier = [category_id], [category_id]
    while frontier:
        frontier = [child for cid in frontier for child in children.get(cid, []) if child not in ids]
        ids.extend(frontier)
    return ids


def _section_ids(counts: dict[int, int], per_category: int, max_categories: int) -> list[tuple[Category, list[int]]]:
    rows = categories()
    sections = []
    for parent in (row for row in rows if row.parent_id is None):
        if not counts.get(parent.id):
            continue
        stmt = visible_offers_query().where(Offer.category_id.in_(_descendants(parent.id, rows)))
        sections.append((parent, _newest_ids(stmt, per_category)))
        if len(sections) >= max_categories:
            break
    return sections


def home_sections(per_category: int = 4, max_categories: int = 6) -> list[tuple[Category, list[Offer]]]:
    """The top-level categories that have visible offers, each with its newest offers."""
    sections = _section_ids(visible_counts_by_category(), per_category, max_categories)
    offers = {o.id: o for o in offers_by_ids([i for _parent, ids in sections for i in ids])}
    return [(parent, [offers[i] for i in ids if i in offers]) for parent, ids in sections]


@dataclass
class HomeSections:
    new: list[Offer]
    local_departement: object | None
    local: list[Offer]
    by_category: list[tuple[Category, list[Offer]]]
    top_categories: list[tuple[Category, int]]


def home_page(postal_code: str | None) -> HomeSections:
    """Everything the home page shows from the catalogue; the offers of every section
    are loaded together."""
    dep = departement_from_postal_code(postal_code) if postal_code else None
    counts = visible_counts_by_category()
    top = [(parent, counts[parent.id]) for parent, _kids in category_tree() if counts.get(parent.id)]
    new_ids = _newest_ids(visible_offers_query(), 8)
    local_ids = _local_ids(dep, 8)
    sections = _section_ids(counts, per_category=4, max_categories=3)
    offers = {o.id: o for o in offers_by_ids(new_ids + local_ids + [i for _p, ids in sections for i in ids])}

    def pick(ids: list[int]) -> list[Offer]:
        return [offers[i] for i in ids if i in offers]

    return HomeSections(
        new=pick(new_ids),
        local_departement=dep,
        local=pick(local_ids),
        by_category=[(parent, pick(ids)) for parent, ids in sections],
        top_categories=top,
    )


def vendor_public_offers(vendor: Vendor, page: int = 1, per_page: int = 12) -> Page:
    stmt = visible_offers_query().where(Offer.vendor_id == vendor.id)
    return paginate(db.session, _for_cards(_sorted(stmt, "nouveautes")), page=page, per_page=per_page)


def newest_in_category(category_id: int, limit: int) -> list[Offer]:
    """The newest visible offers of a category, ready for their cards in one statement."""
    stmt = visible_offers_query().where(Offer.category_id == category_id)
    stmt = _for_cards(_sorted(stmt, "nouveautes").limit(limit)).options(
        joinedload(Offer.category), joinedload(Offer.label_rows), joinedload(Offer.images)
    )
    return list(db.session.scalars(stmt).unique())


def offer_for_viewer(user, offer_id: int) -> Offer:
    """The offer page's subject: visible, or previewed by its structure's members."""
    from marketplace.catalogue.permissions import can_view_offer

    # The offer with its structure (and its sectors), category, labels and images: one statement.
    offer = db.session.get(Offer, offer_id, options=[
        joinedload(Offer.vendor).joinedload(Vendor.sector_rows), joinedload(Offer.category),
        joinedload(Offer.label_rows), joinedload(Offer.images),
    ])
    if offer is None or offer.status is OfferStatus.ARCHIVED and not can_manage_offers(user, offer.vendor):
        raise OfferNotFound(_("Cette offre n'existe pas."))
    if not can_view_offer(user, offer):
        raise OfferNotFound(_("Cette offre n'existe pas."))
    return offer


def product_json_ld(offer: Offer, url: str, image_urls: list[str]) -> dict:
    """schema.org Product for the offer page."""
    from marketplace.core.money import cents_to_decimal

    data = {
        "@context": "https://schema.org",
        "@type": "Product" if offer.kind is OfferKind.PRODUCT else "Service",
        "name": offer.title,
        "description": markup.plain(offer.description_text, 500),
        "url": url,
        "category": offer.category.name,
        "brand": {"@type": "Organization", "name": offer.vendor.name},
        "offers": {
            "@type": "Offer",
            "url": url,
            "priceCurrency": "EUR",
            "price": str(cents_to_decimal(offer.price_cents)),
            "availability": "https://schema.org/InStock" if offer.in_stock else "https://schema.org/OutOfStock",
            "seller": {"@type": "Organization", "name": offer.vendor.name},
        },
    }
    if offer.kind is OfferKind.SERVICE:
        data["provider"] = data.pop("brand")
    if image_urls:
        data["image"] = image_urls
    return data


# ---------------------------------------------------------------- vendor space


def managed_vendor_offers(vendor: Vendor, status: OfferStatus | None = None, page: int = 1, per_page: int = 20) -> Page:
    stmt = sa.select(Offer).where(Offer.vendor_id == vendor.id)
    if status is not None:
        stmt = stmt.where(Offer.status == status)
    else:
        stmt = stmt.where(Offer.status != OfferStatus.ARCHIVED)
    stmt = stmt.order_by(Offer.updated_at.desc(), Offer.id.desc())
    return paginate(db.session, stmt, page=page, per_page=per_page)


def status_counts(vendor: Vendor) -> dict[OfferStatus, int]:
    rows = db.session.execute(
        sa.select(Offer.status, sa.func.count()).where(Offer.vendor_id == vendor.id).group_by(Offer.status)
    ).all()
    counts = {status: 0 for status in OfferStatus}
    counts.update(dict(rows))
    return counts


def managed_offer(user, vendor: Vendor, offer_id: int) -> Offer:
    """One of the structure's offers, if the user manages the structure (OfferNotFound otherwise)."""
    offer = db.session.get(Offer, offer_id, options=[joinedload(Offer.vendor), joinedload(Offer.category)])
    if offer is None or offer.vendor_id != vendor.id or not can_edit_offer(user, offer):
        raise OfferNotFound(_("Cette offre n'existe pas."))
    return offer


@dataclass
class OfferData:
    kind: OfferKind
    title: str
    category_id: int
    description: str
    price_cents: int
    vat_rate_bp: int
    unit: Unit
    stock: int | None
    channels: Channels
    labels: list[Label] = field(default_factory=list)
    pickup: bool = True
    pickup_hours: str | None = None
    delivery: bool = False
    delivery_fee_cents: int = 0
    stock_unchanged: bool = False  # the form's stock was left as displayed: keep the live value


def _slugify(text: str) -> str:
    import re
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:160] or "offre"


def _unique_slug(vendor_id: int, title: str, exclude_id: int | None = None) -> str:
    base = _slugify(title)
    slug, n = base, 2
    while True:
        stmt = sa.select(Offer.id).where(Offer.vendor_id == vendor_id, Offer.slug == slug)
        if exclude_id is not None:
            stmt = stmt.where(Offer.id != exclude_id)
        if db.session.scalar(stmt) is None:
            return slug
        slug, n = f"{base}-{n}", n + 1


def validate(data: OfferData) -> OfferData:
    """Normalise and check an offer's fields; FieldError names the faulty field."""
    title = " ".join((data.title or "").split())
    if len(title) < 3:
        raise FieldError("title", _("Donnez un titre d'au moins 3 caractères."))
    if len(title) > 160:
        raise FieldError("title", _("Le titre ne doit pas dépasser 160 caractères."))
    if db.session.get(Category, data.category_id or 0) is None:
        raise FieldError("category_id", _("Choisissez une catégorie."))
    if len(data.description or "") > 10_000:
        raise FieldError("description", _("La description ne doit pas dépasser 10 000 caractères."))
    if data.price_cents is None or data.price_cents <= 0:
        raise FieldError("price", _("Indiquez un prix supérieur à zéro."))
    if data.price_cents > MAX_PRICE_CENTS:
        raise FieldError("price", _("Le prix ne peut pas dépasser 100 000 €."))
    if data.vat_rate_bp not in VAT_RATES_BP:
        raise FieldError("vat_rate_bp", _("Choisissez un taux de TVA : 20 %, 10 %, 5,5 % ou 2,1 %."))
    stock = data.stock
    if data.kind is OfferKind.SERVICE:
        stock = None
    elif stock is not None and not 0 <= stock <= MAX_STOCK:
        raise FieldError("stock", _("Le stock doit être un nombre entier positif."))
    pickup_hours = (data.pickup_hours or "").strip() or None
    delivery_fee = data.delivery_fee_cents or 0
    if data.channels.sold_online:
        if not data.pickup and not data.delivery:
            raise FieldError(
                "pickup", _("Une offre vendue en ligne doit proposer le retrait sur place, la livraison, ou les deux.")
            )
        if data.pickup and not pickup_hours:
            raise FieldError("pickup_hours", _("Indiquez les jours et horaires de retrait."))
    if delivery_fee < 0 or delivery_fee > MAX_DELIVERY_FEE_CENTS:
        raise FieldError("delivery_fee", _("Les frais de livraison doivent être compris entre 0 et 1 000 €."))
    if not data.delivery:
        delivery_fee = 0
    if pickup_hours and len(pickup_hours) > 500:
        raise FieldError("pickup_hours", _("Les horaires ne doivent pas dépasser 500 caractères."))
    return dataclasses.replace(
        data,
        title=title,
        description=(data.description or "").strip(),
        stock=stock,
        pickup_hours=pickup_hours if data.pickup else None,
        delivery_fee_cents=delivery_fee,
        labels=list(dict.fromkeys(data.labels)),
    )


def _apply(offer: Offer, data: OfferData, keep_stock: bool = False) -> None:
    offer.kind = data.kind
    offer.title = data.title
    offer.category_id = data.category_id
    offer.description_text = data.description
    offer.description_html = markup.render(data.description)
    offer.price_cents = data.price_cents
    offer.vat_rate_bp = data.vat_rate_bp
    offer.unit = data.unit
    if not keep_stock:
        offer.stock = data.stock
    offer.channels = data.channels
    offer.pickup = data.pickup
    offer.pickup_hours = data.pickup_hours
    offer.delivery = data.delivery
    offer.delivery_fee_cents = data.delivery_fee_cents
    offer.set_labels(data.labels)


def create_offer(vendor: Vendor, actor, data: OfferData) -> Offer:
    """A new draft offer of the structure."""
    if actor is not None and not can_manage_offers(actor, vendor):
        raise OfferNotFound(_("Cette structure n'existe pas."))
    data = validate(data)
    offer = Offer(vendor=vendor, status=OfferStatus.DRAFT)
    _apply(offer, data)
    offer.slug = _unique_slug(vendor.id, data.title)
    db.session.add(offer)
    db.session.flush()
    record_event(actor, offer, "offer.created", None, OfferStatus.DRAFT, {"vendor_id": vendor.id, "title": offer.title})
    offer_changed(offer)
    return offer


def update_offer(offer: Offer, actor, data: OfferData) -> Offer:
    if actor is not None and not can_edit_offer(actor, offer):
        raise OfferNotFound(_("Cette offre n'existe pas."))
    if offer.status is OfferStatus.ARCHIVED:
        raise TransitionError(_("Une offre archivée ne peut plus être modifiée."))
    data = validate(data)
    before = {"price_cents": offer.price_cents, "stock": offer.stock, "title": offer.title}
    if data.title != offer.title and offer.status is OfferStatus.DRAFT:
        offer.slug = _unique_slug(offer.vendor_id, data.title, exclude_id=offer.id)
    # Units reserved by buyers while the form was open must not come back.
    keep_stock = data.stock_unchanged and data.kind is OfferKind.PRODUCT and offer.kind is OfferKind.PRODUCT
    _apply(offer, data, keep_stock=keep_stock)
    after = {"price_cents": offer.price_cents, "stock": offer.stock, "title": offer.title}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    db.session.flush()
    record_event(actor, offer, "offer.updated", offer.status, offer.status, {"changes": changes} if changes else None)
    offer_changed(offer)
    return offer


def _transition(offer: Offer, actor, allowed_from: set[OfferStatus], to: OfferStatus, action: str, message) -> Offer:
    if actor is not None and not can_edit_offer(actor, offer):
        raise OfferNotFound(_("Cette offre n'existe pas."))
    if offer.status not in allowed_from:
        raise TransitionError(message)
    before = offer.status
    offer.status = to
    offer.updated_at = now_utc()
    db.session.flush()
    record_event(actor, offer, action, before, to)
    offer_changed(offer)
    return offer


def publish_offer(offer: Offer, actor) -> Offer:
    """draft | unpublished → published (the structure must be approved)."""
    if offer.vendor.status is not VendorStatus.APPROVED:
        raise TransitionError(
            _("Votre structure doit être agréée par le comité d'éthique pour mettre des offres en ligne.")
        )
    if offer.status is OfferStatus.PUBLISHED:
        raise TransitionError(_("Cette offre est déjà en ligne."))
    offer = _transition(
        offer, actor, {OfferStatus.DRAFT, OfferStatus.UNPUBLISHED}, OfferStatus.PUBLISHED,
        "offer.published", _("Une offre archivée ne peut plus être mise en ligne."),
    )
    if offer.published_at is None:
        offer.published_at = now_utc()
    return offer


def unpublish_offer(offer: Offer, actor) -> Offer:
    """published → unpublished."""
    return _transition(
        offer, actor, {OfferStatus.PUBLISHED}, OfferStatus.UNPUBLISHED,
        "offer.unpublished", _("Seule une offre en ligne peut être retirée de la vente."),
    )


def archive_offer(offer: Offer, actor) -> Offer:
    """draft | published | unpublished → archived (final)."""
    return _transition(
        offer, actor, {OfferStatus.DRAFT, OfferStatus.PUBLISHED, OfferStatus.UNPUBLISHED}, OfferStatus.ARCHIVED,
        "offer.archived", _("Cette offre est déjà archivée."),
    )
