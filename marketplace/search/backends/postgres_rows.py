"""Rows of ``search.document`` built from search documents, and what the PostgreSQL backend derives from them.

A row holds the document's text (weighted by the generated ``tsvector``
columns), its filterable values as ``"<facet>:<value>"`` tags, and the words
added to the vocabulary (``search.word``).
"""
from __future__ import annotations

from markupsafe import Markup, escape

from marketplace.search.analysis import STOP_WORDS, fold, words
from marketplace.search.backends.base import FACET_NAMES, price_band
from marketplace.search.pg_schema import SCOPE_FACETS

SNIPPET_CHARS = 220
# Text columns the vocabulary is taken from.
VOCABULARY_COLUMNS = ("title", "description", "category", "vendor_name", "sectors", "commune", "label_words")

# Words a visitor may type for a label or a legal form, indexed with weight B / C.
LABEL_WORDS = {
    "bio": "bio agriculture biologique",
    "equitable": "équitable commerce équitable",
    "local": "local",
    "reemploi": "réemploi seconde main",
    "fait_main": "fait main artisanal",
    "insertion": "insertion",
    "handicap": "handicap entreprise adaptée ESAT",
}
LEGAL_FORM_WORDS = {
    "association": "association",
    "scop": "SCOP coopérative",
    "scic": "SCIC coopérative",
    "cae": "CAE coopérative d'activité et d'emploi",
    "cooperative": "coopérative",
    "mutuelle": "mutuelle",
    "fondation": "fondation",
    "siae_ei": "SIAE entreprise d'insertion",
    "siae_aci": "SIAE atelier chantier d'insertion",
    "siae_etti": "SIAE entreprise de travail temporaire d'insertion intérim",
    "siae_ai": "SIAE association intermédiaire",
    "ea": "entreprise adaptée EA",
    "esat": "ESAT",
    "esus": "ESUS",
    "other": "",
}

MARK_OPEN = "\u2045"   # sentinels around ts_headline matches, escaped then replaced
MARK_CLOSE = "\u2046"
# ts_headline reads "<...>" as markup and "&...;" as entities: they are swapped
# for private-use characters on the way in and restored before escaping.
RAW = "<>&"
SAFE = "\ue000\ue001\ue002"
_RESTORE = str.maketrans(SAFE, RAW)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set)):
        return " ".join(str(v) for v in value if v)
    return str(value)


def document_row(doc: dict) -> dict:
    labels = [str(code) for code in doc.get("labels") or []]
    sectors = [str(code) for code in doc.get("sector") or []]
    legal_form = doc.get("legal_form") or None
    row = {
        "id": doc["id"],
        "kind": doc["kind"],
        "title": _text(doc.get("title")),
        "description": _text(doc.get("description")),
        "category": _text(doc.get("category")),
        "category_slug": doc.get("category_slug") or None,
        "labels": labels,
        "label_words": " ".join(LABEL_WORDS.get(code, code) for code in labels),
        "vendor_name": _text(doc.get("vendor_name")),
        "vendor_slug": doc.get("vendor_slug") or None,
        "sectors": _text(doc.get("sectors")),
        "sector": sectors,
        "legal_form": legal_form,
        "legal_form_words": LEGAL_FORM_WORDS.get(legal_form or "", legal_form or ""),
        "commune": _text(doc.get("commune")),
        "departement": doc.get("departement") or None,
        "price_cents": doc.get("price_cents"),
        "price_band": price_band(doc.get("price_cents")),
        "channel": doc.get("channel") or None,
        "published_at": doc.get("published_at"),
        "url": doc.get("url") or "",
        "title_folded": fold(_text(doc.get("title"))),
    }
    values = {
        "kind": [row["kind"]], "category": [row["category_slug"]], "labels": labels,
        "departement": [row["departement"]], "legal_form": [legal_form], "sector": sectors,
        "price_band": [row["price_band"]], "channel": [row["channel"]],
    }
    row["tags"] = sorted({tag(name, value) for name in FACET_NAMES for value in values[name] if value})
    return row


def tag(name: str, value: str) -> str:
    return f"{name}:{value}"


def scoped_tags(tags) -> list[tuple[str, str]]:
    """The (scope, tag) pairs a document with these tags adds to ``search.tag_count``."""
    scopes = ["*", *(t for t in tags if t.partition(":")[0] in SCOPE_FACETS)]
    return [(scope, t) for scope in scopes for t in ("*", *tags)]


def vocabulary(row) -> set[str]:
    """The folded words of a document row worth proposing (3 letters or more, no stop words)."""
    text = " ".join(row[key] or "" for key in VOCABULARY_COLUMNS)
    return {w for w in words(text) if len(w) >= 3 and not w.isdigit() and w not in STOP_WORDS}


def variants(term: str) -> set[str]:
    """Singular/plural and masculine/feminine spellings of a folded word."""
    found = {term}
    if len(term) < 3 or term.isdigit():
        return found
    root = term
    if root.endswith("aux") and len(root) > 4:
        found |= {root[:-3] + "al", root[:-3] + "ale", root[:-3] + "ales"}
    if root.endswith(("s", "x")):
        root = root[:-1]
    if root.endswith("al") and len(root) > 3:
        found.add(root[:-2] + "aux")
    roots = {root}
    if root.endswith("e") and len(root) > 3:
        roots.add(root[:-1])
    for r in roots:
        found |= {r, r + "s", r + "x", r + "e", r + "es"}
    return found


def snippet(headline: str | None, fallback: str) -> Markup:
    if headline and MARK_OPEN in headline:
        html = str(escape(headline.translate(_RESTORE))).replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")
        return Markup(html)  # noqa: S704 - escaped above, only <mark> added  # nosec B704
    text = fallback or ""
    if len(text) > SNIPPET_CHARS:
        text = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
    return escape(text)
