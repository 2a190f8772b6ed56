"""The Whoosh index's schema: French analysis, the fields of a search document, and their values.

Documents (see ``base.py``) become Whoosh fields here: weighted text fields
(stemmed, and folded for typo tolerance), one indexed term per filterable
value, and columns of ascending sort keys.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from whoosh import columns
from whoosh.analysis import Filter, RegexTokenizer
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from marketplace.search import analysis
from marketplace.search.backends.base import FACET_NAMES, price_band

NO_PRICE = 10**12


class FrenchFilter(Filter):
    """Folds accents, drops French stop words and, if ``stemming``, stems."""

    def __init__(self, stemming: bool = True):
        self.stemming = stemming

    def __eq__(self, other):
        return type(other) is type(self) and other.stemming == self.stemming

    def __call__(self, tokens):
        normal = _stemmed if self.stemming else _folded
        for t in tokens:
            word = normal(t.text)
            if word is None:
                continue
            t.text = word
            yield t


@lru_cache(maxsize=100_000)
def _folded(text: str) -> str | None:
    word = analysis.fold(text)
    return None if word in analysis.STOP_WORDS else word


@lru_cache(maxsize=100_000)
def _stemmed(text: str) -> str | None:
    word = _folded(text)
    return None if word is None else analysis.stem(word)


def french_analyzer():
    return RegexTokenizer(r"\w+") | FrenchFilter(stemming=True)


def folded_analyzer():
    return RegexTokenizer(r"\w+") | FrenchFilter(stemming=False)


# Text fields queried for each term, with their weight (title > category and
# labels > vendor, sectors, commune > description).
TEXT_FIELDS = {"title": 5.0, "category": 2.5, "labels_text": 2.5, "vendor": 1.5, "description": 1.0}

# Filter name -> indexed field (one term per value).
FACET_FIELDS = {
    "kind": "kind",
    "category": "category_slug",
    "labels": "labels",
    "departement": "departement",
    "legal_form": "legal_form",
    "sector": "sector",
    "price_band": "price_band",
    "channel": "channel",
}
assert set(FACET_FIELDS) == set(FACET_NAMES)  # nosec B101 (import-time consistency check of module constants)


# Sort name -> column of ascending keys.
SORT_COLUMNS = {
    "newest": "sort_newest",
    "price_asc": "sort_price_asc",
    "price_desc": "sort_price_desc",
    "title": "sort_title",
}


def make_schema() -> Schema:
    fr = french_analyzer()
    folded = folded_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        title=TEXT(analyzer=fr, stored=True),
        title_fold=TEXT(analyzer=folded),
        category=TEXT(analyzer=fr),
        labels_text=TEXT(analyzer=fr),
        vendor=TEXT(analyzer=fr),
        description=TEXT(analyzer=fr, stored=True),
        fuzzy=TEXT(analyzer=folded),
        category_slug=ID(stored=True),
        labels=KEYWORD(stored=True, commas=True, scorable=False),
        sector=KEYWORD(commas=True, scorable=False),
        departement=ID(stored=True),
        legal_form=ID(stored=True),
        price_band=ID(stored=True),
        channel=ID(stored=True),
        sort_newest=COLUMN(columns.NumericColumn("q", default=0)),
        sort_price_asc=COLUMN(columns.NumericColumn("q", default=NO_PRICE)),
        sort_price_desc=COLUMN(columns.NumericColumn("q", default=NO_PRICE)),
        sort_title=COLUMN(columns.VarBytesColumn()),
        price_cents=STORED,
        vendor_name=STORED,
        commune=STORED,
        url=STORED,
    )


def _label_names(codes: list[str]) -> list[str]:
    from flask_babel import force_locale

    from marketplace.catalogue.models import LABEL_LABELS, Label

    names = []
    with force_locale("fr"):
        for code in codes:
            try:
                names.append(str(LABEL_LABELS[Label(code)]))
            except ValueError:
                names.append(code)
    return names


def _legal_form_name(code: str) -> str:
    from flask_babel import force_locale

    from marketplace.vendors.models import LEGAL_FORM_LABELS, LegalForm

    try:
        with force_locale("fr"):
            return str(LEGAL_FORM_LABELS[LegalForm(code)])
    except ValueError:
        return ""


def _timestamp(value) -> int:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return int(value.timestamp())
    return 0


def to_fields(doc: dict) -> dict:
    """Whoosh fields for a search document."""
    labels = list(doc.get("labels") or [])
    label_text = " ".join(labels + _label_names(labels))
    vendor_text = " ".join(
        [doc.get("vendor_name") or "", " ".join(doc.get("sectors") or []), doc.get("legal_form") or "",
         _legal_form_name(doc.get("legal_form") or ""), doc.get("commune") or ""]
    )
    price = doc.get("price_cents")
    title = doc.get("title") or ""
    description = doc.get("description") or ""
    fields = {
        "id": doc["id"],
        "kind": doc.get("kind") or "",
        "title": title,
        "title_fold": title,
        "category": doc.get("category") or "",
        "labels_text": label_text,
        "vendor": vendor_text,
        "description": description,
        "fuzzy": " ".join([title, doc.get("category") or "", label_text, vendor_text, description]),
        "labels": ",".join(labels),
        "sector": ",".join(doc.get("sector") or []),
        "sort_newest": -_timestamp(doc.get("published_at")),
        "sort_price_asc": NO_PRICE if price is None else int(price),
        "sort_price_desc": NO_PRICE if price is None else -int(price),
        "sort_title": analysis.fold(title).strip().encode("utf-8"),
        "price_cents": price,
        "vendor_name": doc.get("vendor_name") or "",
        "commune": doc.get("commune") or "",
        "url": doc.get("url") or "",
    }
    for name in ("category_slug", "departement", "legal_form", "channel"):
        if doc.get(name):
            fields[name] = doc[name]
    band = price_band(price)
    if band:
        fields["price_band"] = band
    return fields
