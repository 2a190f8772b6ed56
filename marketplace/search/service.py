"""The one search service every page uses; views never talk to a backend.

``search`` runs the exact query, retries with typo tolerance when it finds
few hits, proposes a correction when nothing is found, and falls back to a
plain database query (logged) if the index cannot answer: never a 500.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.catalogue.models import Category, Offer
from marketplace.catalogue.services import visible_offers_query
from marketplace.core.pagination import Page
from marketplace.extensions import db
from marketplace.search import analysis
from marketplace.search.backends.base import (
    FACET_NAMES,
    MULTI_VALUED,
    PRICE_BANDS,
    SORTS,
    Hit,
    SearchBackend,
    SearchQuery,
    SearchResult,
    price_band,
)
from marketplace.search.documents import (
    approved_vendors_query,
    build_offer_doc,
    build_vendor_doc,
    count_all_documents,
    iter_all_documents,
    parse_doc_id,
)
from marketplace.vendors.models import Vendor

log = logging.getLogger(__name__)

PER_PAGE = 20
MAX_PAGE = 500
MAX_QUERY_LENGTH = 200
MAX_FILTER_VALUES = 20
FEW_HITS = 3
FALLBACK_LIMIT = 1000
_rebuild_lock = threading.Lock()


# ---------------------------------------------------------------- backend


def make_backend(app=None) -> SearchBackend:
    app = app or current_app
    name = (app.config.get("SEARCH_BACKEND") or "whoosh").lower()
    if name == "postgres":
        from marketplace.search.backends.postgres_backend import PostgresBackend

        return PostgresBackend()
    from marketplace.search.backends.whoosh_backend import WhooshBackend

    return WhooshBackend(app.config["SEARCH_INDEX_DIR"])


def get_backend() -> SearchBackend:
    """The application's backend (one per process and configuration)."""
    app = current_app._get_current_object()
    key = (app.config.get("SEARCH_BACKEND"), app.config.get("SEARCH_INDEX_DIR"))
    cached = app.extensions.get("search_backend")
    if cached is None or cached[0] != key:
        cached = (key, make_backend(app))
        app.extensions["search_backend"] = cached
    return cached[1]


def reindex(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database; returns the number of documents."""
    return get_backend().rebuild(iter_all_documents(), progress)


def document_count() -> int:
    return count_all_documents()


def _repair(backend: SearchBackend) -> bool:
    """Rebuild a missing or broken Whoosh index once; True if it is usable again."""
    if backend.name != "whoosh" or not _rebuild_lock.acquire(blocking=False):
        return False
    try:
        log.warning("search index missing or unreadable: rebuilding it")
        backend.rebuild(iter_all_documents())
        return backend.healthy()
    except Exception:
        log.exception("search index rebuild failed")
        return False
    finally:
        _rebuild_lock.release()


# ---------------------------------------------------------------- queries


def _category_and_descendants(slugs: list[str]) -> list[str]:
    rows = db.session.execute(sa.select(Category.id, Category.parent_id, Category.slug)).all()
    children: dict[int | None, list[tuple[int, str]]] = {}
    ids = {}
    for cid, parent, slug in rows:
        children.setdefault(parent, []).append((cid, slug))
        ids[slug] = cid
    out = list(dict.fromkeys(slugs))
    frontier = [ids[s] for s in slugs if s in ids]
    seen = set(frontier)
    while frontier:
        nxt = []
        for cid in frontier:
            for child_id, child_slug in children.get(cid, []):
                if child_id not in seen:
                    seen.add(child_id)
                    nxt.append(child_id)
                    out.append(child_slug)
        frontier = nxt
    return out


def clean_filters(filters: dict | None) -> dict[str, list[str]]:
    """Known filter names only, short string values, at most MAX_FILTER_VALUES each."""
    out: dict[str, list[str]] = {}
    for name in FACET_NAMES:
        values = (filters or {}).get(name) or []
        if isinstance(values, str):
            values = [values]
        cleaned = [str(v).strip()[:80] for v in values if str(v).strip()]
        if name == "price_band":
            cleaned = [v for v in cleaned if v in PRICE_BANDS]
        if cleaned:
            out[name] = list(dict.fromkeys(cleaned))[:MAX_FILTER_VALUES]
    return out


def normalise_text(text: str | None) -> str:
    return " ".join((text or "").split())[:MAX_QUERY_LENGTH]


def search(
    query_text: str | None = "",
    filters: dict | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> SearchResult:
    """Offers and structures matching ``query_text`` and ``filters``."""
    text = normalise_text(query_text)
    filters = clean_filters(filters)
    backend_filters = dict(filters)
    if "category" in backend_filters:
        backend_filters["category"] = _category_and_descendants(backend_filters["category"])
    query = SearchQuery(
        text=text,
        filters=backend_filters,
        sort=sort if sort in SORTS else "relevance",
        page=min(max(1, page), MAX_PAGE),
        per_page=max(1, min(per_page, 100)),
    )
    backend = get_backend()
    try:
        return _search_with_retry(backend, query)
    except Exception:
        log.warning("search backend %s failed", backend.name, exc_info=True)
    if _repair(backend):
        try:
            return _search_with_retry(backend, query)
        except Exception:
            log.warning("search backend %s failed after a rebuild", backend.name, exc_info=True)
    log.error("search falls back to a database query for %r", text)
    return database_search(query)


def _search_with_retry(backend: SearchBackend, query: SearchQuery) -> SearchResult:
    result = backend.search(query)
    if not analysis.terms(query.text) or result.total >= FEW_HITS:
        result.corrected_query = None if result.total else result.corrected_query
        return result
    fuzzy = backend.search(SearchQuery(**{**query.__dict__, "fuzzy": True}))
    if fuzzy.total > result.total:
        fuzzy.used_fuzzy = True
        fuzzy.corrected_query = fuzzy.corrected_query or result.corrected_query
        return fuzzy
    if result.total == 0:
        result.corrected_query = result.corrected_query or fuzzy.corrected_query
    else:
        result.corrected_query = None
    return result


def suggest(prefix: str | None, limit: int = 8) -> list[str]:
    """Completions for the search box; an empty list if the index cannot answer."""
    prefix = normalise_text(prefix)[:60]
    if len(analysis.fold(prefix).strip()) < 2:
        return []
    try:
        return get_backend().suggest(prefix, max(1, min(limit, 20)))
    except Exception:
        log.warning("search suggestions unavailable", exc_info=True)
        return []


# ---------------------------------------------------------------- fallback


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _text_condition(columns, words: list[str]):
    conditions = []
    for word in words:
        variants = dict.fromkeys((word, word.capitalize(), word.upper()))
        conditions.append(sa.or_(*(c.ilike(_like(v), escape="\\") for c in columns for v in variants)))
    return sa.and_(*conditions) if conditions else sa.true()


def _matches(doc: dict, filters: dict[str, list[str]]) -> bool:
    for name, values in filters.items():
        if name in MULTI_VALUED:
            if not set(values) & set(doc.get(name) or []):
                return False
        elif name == "price_band":
            if price_band(doc.get("price_cents")) not in values:
                return False
        else:
            key = "category_slug" if name == "category" else name
            if doc.get(key) not in values:
                return False
    return True


def _doc_values(doc: dict, name: str) -> list[str]:
    if name in MULTI_VALUED:
        return list(doc.get(name) or [])
    if name == "price_band":
        band = price_band(doc.get("price_cents"))
        return [band] if band else []
    value = doc.get("category_slug" if name == "category" else name)
    return [value] if value else []


def database_search(query: SearchQuery) -> SearchResult:
    """A plain database query used when the index is unavailable (words in title, description, vendor, commune)."""
    words = [w for w in query.text.split() if analysis.fold(w) not in analysis.STOP_WORDS][: analysis.MAX_TERMS]
    offers = db.session.scalars(
        visible_offers_query()
        .where(_text_condition((Offer.title, Offer.description_text, Vendor.name, Vendor.commune), words))
        .order_by(Offer.published_at.desc(), Offer.id.desc())
        .limit(FALLBACK_LIMIT)
    )
    vendors = db.session.scalars(
        approved_vendors_query()
        .where(_text_condition((Vendor.name, Vendor.description, Vendor.commune), words))
        .order_by(Vendor.name, Vendor.id)
        .limit(FALLBACK_LIMIT)
    )
    docs = [build_offer_doc(o) for o in offers] + [build_vendor_doc(v) for v in vendors]
    matching = [d for d in docs if _matches(d, query.filters)]
    facets: dict[str, list[tuple[str, int]]] = {}
    for name in FACET_NAMES:
        others = {k: v for k, v in query.filters.items() if k != name}
        counts: dict[str, int] = {}
        for doc in docs:
            if _matches(doc, others):
                for value in _doc_values(doc, name):
                    counts[value] = counts.get(value, 0) + 1
        facets[name] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if query.sort == "price_asc":
        matching.sort(key=lambda d: (d["price_cents"] is None, d["price_cents"] or 0))
    elif query.sort == "price_desc":
        matching.sort(key=lambda d: -(d["price_cents"] or -1))
    elif query.sort == "newest" or (query.sort == "relevance" and not words):
        matching.sort(key=lambda d: d["published_at"] is not None and d["published_at"].timestamp(), reverse=True)
    elif query.sort == "title":
        matching.sort(key=lambda d: analysis.fold(d["title"]))
    start = (query.page - 1) * query.per_page
    folded = [analysis.fold(w) for w in words]
    hits = [
        Hit(
            id=d["id"], kind=d["kind"], title=d["title"], url=d["url"],
            snippet_html=str(analysis.highlight(d["description"], folded)),
            price_cents=d["price_cents"], vendor_name=d["vendor_name"], commune=d["commune"],
            departement=d["departement"], labels=list(d["labels"]),
        )
        for d in matching[start:start + query.per_page]
    ]
    return SearchResult(hits=hits, total=len(matching), facets=facets, degraded=True)


# ---------------------------------------------------------------- search page

# URL parameter (French) -> filter name.
URL_FILTERS = {
    "type": "kind",
    "categorie": "category",
    "label": "labels",
    "departement": "departement",
    "statut": "legal_form",
    "secteur": "sector",
    "prix": "price_band",
    "canal": "channel",
}
URL_SORTS = {"pertinence": "relevance", "prix-croissant": "price_asc", "prix-decroissant": "price_desc", "nouveautes": "newest"}


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class FacetGroup:
    name: str
    param: str
    legend: str
    options: list[FacetOption]


@dataclass
class SearchPage:
    text: str
    filters: dict[str, list[str]]
    sort: str
    result: SearchResult
    page: Page
    facets: list[FacetGroup]
    kind_counts: dict[str, int]
    total_all_kinds: int

    @property
    def has_filters(self) -> bool:
        return any(v for k, v in self.filters.items() if k != "kind")


def parse_args(args) -> tuple[str, dict[str, list[str]], str, int]:
    """(text, filters, sort, page) from the query string of the search page."""
    filters = {name: args.getlist(param) for param, name in URL_FILTERS.items()}
    sort = URL_SORTS.get(args.get("tri", ""), "relevance")
    try:
        page = int(args.get("page", 1))
    except (TypeError, ValueError):
        page = 1
    return normalise_text(args.get("q")), clean_filters(filters), sort, page


def _value_labels(name: str, values: list[str]) -> dict[str, str]:
    from marketplace.catalogue.models import CHANNEL_LABELS, LABEL_LABELS, Channels, Label
    from marketplace.core.territories import departement
    from marketplace.vendors.models import LEGAL_FORM_LABELS, SECTOR_LABELS, LegalForm, Sector

    if name == "kind":
        return {"product": _("Produits"), "service": _("Services"), "supplier": _("Fournisseurs")}
    if name == "category":
        rows = db.session.execute(sa.select(Category.slug, Category.name).where(Category.slug.in_(values)))
        return dict(rows.all())
    if name == "labels":
        return {lab.value: str(LABEL_LABELS[lab]) for lab in Label}
    if name == "departement":
        out = {}
        for code in values:
            dep = departement(code)
            out[code] = dep.label if dep else code
        return out
    if name == "legal_form":
        return {f.value: str(LEGAL_FORM_LABELS[f]) for f in LegalForm}
    if name == "sector":
        return {s.value: str(SECTOR_LABELS[s]) for s in Sector}
    if name == "price_band":
        return {
            "0-10": _("Moins de 10 €"), "10-25": _("De 10 à 25 €"), "25-50": _("De 25 à 50 €"),
            "50-100": _("De 50 à 100 €"), "100+": _("Plus de 100 €"),
        }
    if name == "channel":
        return {c.value: str(CHANNEL_LABELS[c]) for c in Channels}
    return {}


FACET_LEGENDS = {
    "category": _l("Catégorie"),
    "labels": _l("Labels"),
    "departement": _l("Département"),
    "legal_form": _l("Statut de la structure"),
    "sector": _l("Secteur"),
    "price_band": _l("Prix"),
    "channel": _l("Mode d'achat"),
}


def search_page(text: str, filters: dict[str, list[str]], sort: str, page: int, per_page: int = PER_PAGE) -> SearchPage:
    """Everything the search page shows: hits, labelled facets with counts, pagination."""
    result = search(text, filters, sort, page, per_page)
    params = {name: param for param, name in URL_FILTERS.items()}
    groups = []
    for name in FACET_NAMES:
        if name == "kind":
            continue
        counts = dict(result.facets.get(name, []))
        selected = filters.get(name, [])
        for value in selected:
            counts.setdefault(value, 0)
        labels = _value_labels(name, list(counts))
        options = [
            FacetOption(value=v, label=str(labels.get(v, v)), count=c, selected=v in selected)
            for v, c in counts.items()
        ]
        if name == "price_band":
            order = list(PRICE_BANDS)
            options.sort(key=lambda o: order.index(o.value) if o.value in order else 99)
        elif name != "category":
            options.sort(key=lambda o: (-o.count, o.label))
        if options:
            groups.append(FacetGroup(name, params[name], str(FACET_LEGENDS[name]), options))
    kind_counts = dict(result.facets.get("kind", []))
    return SearchPage(
        text=text,
        filters=filters,
        sort=sort,
        result=result,
        page=Page(items=result.hits, page=min(max(1, page), MAX_PAGE), per_page=per_page, total=result.total),
        facets=groups,
        kind_counts=kind_counts,
        total_all_kinds=sum(kind_counts.values()),
    )


def results_url(args: dict[str, list[str]]) -> str:
    from flask import url_for

    return url_for("search.results", **{k: v for k, v in args.items() if v})


def label_names() -> dict[str, str]:
    return _value_labels("labels", [])


def price_band_names() -> dict[str, str]:
    """Price band code -> its French name, cheapest first."""
    return _value_labels("price_band", [])


# ---------------------------------------------------------------- listing pages


def record_ids(result: SearchResult, kind: str) -> list[int]:
    """The database ids of the hits that are offers (``kind="offer"``) or structures (``"vendor"``), in order."""
    ids = []
    for hit in result.hits:
        parsed = parse_doc_id(hit.id)
        if parsed is not None and parsed[0] == kind:
            ids.append(parsed[1])
    return ids


def facet_counts(result: SearchResult, name: str) -> dict[str, int]:
    """value -> count of one facet of a result."""
    return dict(result.facets.get(name, []))
