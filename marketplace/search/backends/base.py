"""The interface every search backend implements, and the values it exchanges.

A document is a plain dict built by ``marketplace.search.documents``:
id ("offer-<id>" / "vendor-<id>"), kind ("product" | "service" | "supplier"),
title, description, category, category_slug, labels (codes), vendor_name,
vendor_slug, sectors (French names, searched), sector (codes, filtered),
legal_form, commune, departement, price_cents (int or None), channel
("b2c" | "b2b" | "both"), published_at (aware datetime), url.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

KINDS = ("product", "service", "supplier")
SORTS = ("relevance", "price_asc", "price_desc", "newest", "title")
FILTER_NAMES = ("kind", "category", "labels", "departement", "legal_form", "sector", "price_band", "channel")
# Filters whose documents hold a list of values (a document matches when one of them is wanted).
MULTI_VALUED = frozenset({"labels", "sector"})
FACET_NAMES = FILTER_NAMES

# Price bands in euros: code -> (min cents inclusive, max cents exclusive or None).
PRICE_BANDS: dict[str, tuple[int, int | None]] = {
    "0-10": (0, 1_000),
    "10-25": (1_000, 2_500),
    "25-50": (2_500, 5_000),
    "50-100": (5_000, 10_000),
    "100+": (10_000, None),
}


def price_band(price_cents: int | None) -> str | None:
    """The band code of a price, or None for documents without a price (suppliers)."""
    if price_cents is None:
        return None
    for code, (low, high) in PRICE_BANDS.items():
        if price_cents >= low and (high is None or price_cents < high):
            return code
    return None


@dataclass
class SearchQuery:
    text: str = ""
    # Filter name -> accepted values (OR within a filter, AND across filters).
    # "category" holds category slugs, matched exactly: the query service adds the
    # slugs of the descendants of the categories asked for.
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    fuzzy: bool = False


@dataclass
class Hit:
    id: str
    kind: str
    title: str
    url: str
    snippet_html: str  # escaped text with <mark>…</mark> around matched words
    price_cents: int | None = None
    vendor_name: str = ""
    commune: str = ""
    departement: str = ""
    labels: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    # Facet name -> [(value, count)], counted over all matching documents with
    # the filters of the *other* facets applied.
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    corrected_query: str | None = None
    used_fuzzy: bool = False
    # True when the index could not answer and a plain database query did.
    degraded: bool = False


class SearchUnavailable(Exception):
    """The backend cannot answer (missing or broken index, database error)."""


class SearchBackend(ABC):
    """Indexes documents and answers queries; one instance per application."""

    name = "base"

    @abstractmethod
    def index(self, docs: list[dict]) -> None:
        """Add or replace these documents (matched by ``id``)."""

    @abstractmethod
    def remove(self, ids: list[str]) -> None:
        """Remove the documents with these ids; unknown ids are ignored."""

    @abstractmethod
    def rebuild(self, docs_iter: Iterable[dict], progress: Callable[[int], None] | None = None) -> int:
        """Replace the whole index with ``docs_iter``; ``progress(n)`` after each batch. Returns the count."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResult:
        """Run ``query``; raise SearchUnavailable when the index cannot answer."""

    @abstractmethod
    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Completions for what the visitor is typing (titles, categories, vendors)."""

    @abstractmethod
    def healthy(self) -> bool:
        """True when the index exists and can be read."""

    def clear_caches(self) -> None:  # noqa: B027 - optional: a backend without caches has nothing to do
        """Forget what is kept between queries, as if each query came for the first time."""
