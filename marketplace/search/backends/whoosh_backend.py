"""The default backend: a Whoosh index in a directory (instance/search-index).

Writes are serialised by Whoosh's lock file. A writer that cannot get the
lock in time appends its operations to a journal (pending.jsonl, one JSON
line per operation, appended atomically) that the next writer replays first,
so several web processes never lose an update nor fail on the lock.
A rebuild fills a fresh directory and swaps it in.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from whoosh import index as windex
from whoosh import query as Q
from whoosh import sorting
from whoosh.analysis import Filter, RegexTokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from marketplace.search import analysis
from marketplace.search.backends.base import (
    FACET_NAMES,
    Hit,
    SearchBackend,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    price_band,
)

log = logging.getLogger(__name__)

INDEX_NAME = "MAIN"
JOURNAL = "pending.jsonl"
LOCK_TIMEOUT = 5.0
NO_PRICE = 10**12


class FrenchFilter(Filter):
    """Folds accents, drops French stop words and, if ``stemming``, stems."""

    def __init__(self, stemming: bool = True):
        self.stemming = stemming

    def __eq__(self, other):
        return type(other) is type(self) and other.stemming == self.stemming

    def __call__(self, tokens):
        for t in tokens:
            word = analysis.fold(t.text)
            if word in analysis.STOP_WORDS:
                continue
            t.text = analysis.stem(word) if self.stemming else word
            yield t


def french_analyzer():
    return RegexTokenizer(r"\w+") | FrenchFilter(stemming=True)


def folded_analyzer():
    return RegexTokenizer(r"\w+") | FrenchFilter(stemming=False)


# Text fields queried for each term, with their weight (title > category and
# labels > vendor, sectors, commune > description).
TEXT_FIELDS = {"title": 5.0, "category": 2.5, "labels_text": 2.5, "vendor": 1.5, "description": 1.0}

FACET_FIELDS = {
    "kind": "kind",
    "category": "category_slug",
    "labels": "labels",
    "departement": "departement",
    "legal_form": "legal_form",
    "price_band": "price_band",
    "channel": "channel",
}
assert set(FACET_FIELDS) == set(FACET_NAMES)


def make_schema() -> Schema:
    fr = french_analyzer()
    folded = folded_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True, sortable=True),
        title=TEXT(analyzer=fr, stored=True),
        title_fold=TEXT(analyzer=folded),
        category=TEXT(analyzer=fr),
        labels_text=TEXT(analyzer=fr),
        vendor=TEXT(analyzer=fr),
        description=TEXT(analyzer=fr, stored=True),
        fuzzy=TEXT(analyzer=folded),
        category_slug=ID(stored=True, sortable=True),
        labels=KEYWORD(stored=True, commas=True, scorable=False),
        departement=ID(stored=True, sortable=True),
        legal_form=ID(stored=True, sortable=True),
        price_band=ID(stored=True, sortable=True),
        channel=ID(stored=True, sortable=True),
        price_asc=NUMERIC(bits=64, sortable=True, signed=True),
        price_desc=NUMERIC(bits=64, sortable=True, signed=True),
        published=NUMERIC(bits=64, sortable=True, signed=True),
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
        "price_asc": NO_PRICE if price is None else int(price),
        "price_desc": -1 if price is None else int(price),
        "published": _timestamp(doc.get("published_at")),
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


def _json_default(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(type(value))


class WhooshBackend(SearchBackend):
    name = "whoosh"

    def __init__(self, directory: str | os.PathLike):
        self.path = Path(directory)
        self._ix = None
        self._mutex = threading.Lock()

    # ------------------------------------------------------------ index access

    def _open(self):
        if self._ix is None:
            if not windex.exists_in(str(self.path), indexname=INDEX_NAME):
                raise SearchUnavailable(f"no search index in {self.path}")
            self._ix = windex.open_dir(str(self.path), indexname=INDEX_NAME)
        return self._ix

    def healthy(self) -> bool:
        try:
            ix = self._open()
            with ix.searcher() as searcher:
                searcher.doc_count()
                searcher.search(Q.Every(), limit=1)
            return True
        except Exception:
            self._ix = None
            log.warning("search index %s is missing or unreadable", self.path, exc_info=True)
            return False

    def exists(self) -> bool:
        return windex.exists_in(str(self.path), indexname=INDEX_NAME)

    # ------------------------------------------------------------ writing

    def index(self, docs: list[dict]) -> None:
        self._write([{"op": "index", "doc": doc} for doc in docs])

    def remove(self, ids: list[str]) -> None:
        self._write([{"op": "remove", "id": doc_id} for doc_id in ids])

    def pending(self) -> int:
        journal = self.path / JOURNAL
        try:
            with journal.open() as fh:
                return sum(1 for _ in fh)
        except FileNotFoundError:
            return 0

    def _journal(self, ops: list[dict]) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        data = "".join(json.dumps(op, default=_json_default) + "\n" for op in ops).encode()
        fd = os.open(self.path / JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def _take_journal(self) -> list[dict]:
        """The journalled operations, removed from the journal (called under the write lock)."""
        journal = self.path / JOURNAL
        if not journal.exists():
            return []
        taken = journal.with_name(f"{JOURNAL}.{os.getpid()}")
        os.replace(journal, taken)
        ops = []
        for line in taken.read_text().splitlines():
            try:
                ops.append(json.loads(line))
            except ValueError:
                log.error("unreadable search journal line skipped: %r", line[:200])
        taken.unlink()
        return ops

    def _write(self, ops: list[dict]) -> None:
        if not ops:
            return
        try:
            ix = self._open()
        except SearchUnavailable:
            self._journal(ops)  # replayed after the next rebuild
            return
        try:
            writer = ix.writer(timeout=LOCK_TIMEOUT, delay=0.05)
        except windex.LockError:
            log.warning("search index busy: %d operation(s) journalled", len(ops))
            self._journal(ops)
            return
        try:
            self._apply(writer, self._take_journal() + ops)
            writer.commit()
        except Exception:
            writer.cancel()
            raise

    @staticmethod
    def _apply(writer, ops: list[dict]) -> None:
        for op in ops:
            if op.get("op") == "index":
                writer.update_document(**to_fields(op["doc"]))
            elif op.get("op") == "remove":
                writer.delete_by_term("id", op["id"])

    def drain(self) -> int:
        """Apply the journalled operations now; returns how many were applied."""
        if not self.pending():
            return 0
        writer = self._open().writer(timeout=LOCK_TIMEOUT, delay=0.05)
        try:
            ops = self._take_journal()
            self._apply(writer, ops)
            writer.commit()
        except Exception:
            writer.cancel()
            raise
        return len(ops)

    def rebuild(self, docs_iter: Iterable[dict], progress: Callable[[int], None] | None = None) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = self.path.with_name(f"{self.path.name}.new-{os.getpid()}")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir()
        new_ix = windex.create_in(str(fresh), make_schema(), indexname=INDEX_NAME)
        writer = new_ix.writer(limitmb=128)
        count = 0
        try:
            for doc in docs_iter:
                writer.add_document(**to_fields(doc))
                count += 1
                if progress is not None:
                    progress(1)
            writer.commit()
        except Exception:
            writer.cancel()
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        # Operations journalled meanwhile (or while the index was missing) are newer: replay them.
        old_ops = self._take_journal() if self.path.exists() else []
        with self._mutex:
            old = self.path.with_name(f"{self.path.name}.old-{os.getpid()}")
            if self.path.exists():
                os.replace(self.path, old)
            os.replace(fresh, self.path)
            shutil.rmtree(old, ignore_errors=True)
            self._ix = None
        if old_ops:
            self._write(old_ops)
        return count

    # ------------------------------------------------------------ reading

    def _term_query(self, word: str, fuzzy: bool) -> Q.Query:
        stemmed = analysis.stem(word)
        parts: list[Q.Query] = [Q.Term(field, stemmed, boost=boost) for field, boost in TEXT_FIELDS.items()]
        if fuzzy and analysis.max_edits(word):
            parts.append(Q.FuzzyTerm("fuzzy", word, boost=0.5, maxdist=analysis.max_edits(word), prefixlength=1))
        return Q.Or(parts)

    @staticmethod
    def _filter_query(filters: dict[str, list[str]], skip: str | None = None) -> Q.Query | None:
        clauses = []
        for name, values in filters.items():
            if name == skip or name not in FACET_FIELDS or not values:
                continue
            clauses.append(Q.Or([Q.Term(FACET_FIELDS[name], v) for v in values]))
        return Q.And(clauses) if clauses else None

    @staticmethod
    def _facet_counts(searcher, q: Q.Query, flt: Q.Query | None, names: list[str]) -> dict:
        if not names:
            return {}
        groupedby = {
            name: sorting.FieldFacet(FACET_FIELDS[name], allow_overlap=(name == "labels")) for name in names
        }
        results = searcher.search(q, filter=flt, groupedby=groupedby, maptype=sorting.Count, limit=1)
        out = {}
        for name in names:
            counts = results.groups(name)
            pairs = [(str(k), int(v)) for k, v in counts.items() if k not in (None, "", b"")]
            out[name] = sorted(pairs, key=lambda kv: (-kv[1], kv[0]))
        return out

    def _correction(self, searcher, words: list[str], maxdist_for: Callable[[str], int]) -> str | None:
        """The words, each replaced by the most frequent close index word when it is not found itself."""
        reader = searcher.reader()
        changed = False
        corrected = []
        for word in words:
            if any(reader.doc_frequency(f, analysis.stem(word)) for f in TEXT_FIELDS):
                corrected.append(word)
                continue
            best = None
            maxdist = maxdist_for(word)
            if maxdist:
                candidates = [c for c in reader.terms_within("fuzzy", word, maxdist, prefix=1) if c != word]
                scored = [
                    (analysis.edit_distance(word, c), -reader.doc_frequency("fuzzy", c), c) for c in candidates
                ]
                if scored:
                    best = min(scored)[2]
            if best:
                corrected.append(best)
                changed = True
            else:
                corrected.append(word)
        return " ".join(corrected) if changed else None

    def search(self, query: SearchQuery) -> SearchResult:
        try:
            ix = self._open()
        except SearchUnavailable:
            raise
        except Exception as exc:
            self._ix = None
            raise SearchUnavailable(str(exc)) from exc
        words = analysis.terms(query.text)
        if words:
            q: Q.Query = Q.And([self._term_query(w, query.fuzzy) for w in words])
        else:
            q = Q.Every()
        flt = self._filter_query(query.filters)
        sort = query.sort
        if sort == "relevance" and not words:
            sort = "newest"
        sortedby, reverse = {
            "price_asc": ("price_asc", False),
            "price_desc": ("price_desc", True),
            "newest": ("published", True),
        }.get(sort, (None, False))
        per_page = max(1, query.per_page)
        page = max(1, query.page)
        try:
            with ix.searcher() as searcher:
                active = [n for n in FACET_NAMES if query.filters.get(n)]
                inactive = [n for n in FACET_NAMES if n not in active]
                groupedby = {
                    n: sorting.FieldFacet(FACET_FIELDS[n], allow_overlap=(n == "labels")) for n in inactive
                }
                results = searcher.search(
                    q, filter=flt, limit=page * per_page, sortedby=sortedby, reverse=reverse,
                    groupedby=groupedby, maptype=sorting.Count,
                )
                total = len(results)
                facets = {}
                for name in inactive:
                    counts = results.groups(name)
                    pairs = [(str(k), int(v)) for k, v in counts.items() if k not in (None, "", b"")]
                    facets[name] = sorted(pairs, key=lambda kv: (-kv[1], kv[0]))
                for name in active:
                    facets.update(self._facet_counts(searcher, q, self._filter_query(query.filters, skip=name), [name]))
                facets = {name: facets.get(name, []) for name in FACET_NAMES}
                hits = []
                highlight_words = list(words)
                corrected = None
                if words and query.fuzzy:
                    corrected = self._correction(searcher, words, analysis.max_edits)
                    if corrected:
                        highlight_words += analysis.terms(corrected)
                elif words and total == 0:
                    corrected = self._correction(searcher, words, lambda w: 2 if len(w) >= 4 else 1)
                for hit in results[(page - 1) * per_page: page * per_page]:
                    stored = hit.fields()
                    hits.append(
                        Hit(
                            id=stored["id"],
                            kind=stored.get("kind", ""),
                            title=stored.get("title", ""),
                            url=stored.get("url", ""),
                            snippet_html=str(analysis.highlight(stored.get("description", ""), highlight_words)),
                            price_cents=stored.get("price_cents"),
                            vendor_name=stored.get("vendor_name", ""),
                            commune=stored.get("commune", ""),
                            departement=stored.get("departement", ""),
                            labels=[v for v in (stored.get("labels") or "").split(",") if v],
                        )
                    )
        except SearchUnavailable:
            raise
        except Exception as exc:
            self._ix = None
            raise SearchUnavailable(str(exc)) from exc
        return SearchResult(hits=hits, total=total, facets=facets, corrected_query=corrected, used_fuzzy=query.fuzzy)

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        words = analysis.words(prefix)
        if not words:
            return []
        ix = self._open()
        complete = [w for w in words[:-1] if w not in analysis.STOP_WORDS]
        last = words[-1]
        parts: list[Q.Query] = [Q.Term("title_fold", w) for w in complete]
        parts.append(Q.Prefix("title_fold", last) if last not in analysis.STOP_WORDS else Q.Every())
        out: list[str] = []
        seen: set[str] = set()
        with ix.searcher() as searcher:
            for hit in searcher.search(Q.And(parts), limit=limit * 3):
                title = hit.get("title", "")
                key = analysis.fold(title)
                if title and key not in seen:
                    seen.add(key)
                    out.append(title)
                if len(out) >= limit:
                    break
        return out
