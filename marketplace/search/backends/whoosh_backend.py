"""The default backend: a Whoosh index in a directory (instance/search-index).

Writes are serialised by Whoosh's lock file. A writer that cannot get the
lock in time appends its operations to a journal (pending.jsonl, one JSON
line per operation, appended atomically) that the next writer replays first,
so several web processes never lose an update nor fail on the lock.
A rebuild fills a fresh directory and swaps it in.

Searching does not ask Whoosh to collect every hit: the matching documents,
the filters and the facet counts are computed over per-segment bitsets
(``bitsets.py``), kept between queries; then only the page of hits is read.
When at most ``RANK_ALL_LIMIT`` documents match, they are all ranked (the
weight of the field each word is found in, times the word's rarity); beyond,
documents with the words in their title come first, newest first. A few
searchers are kept open between queries and replaced when the index changes.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
import shutil
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from heapq import merge
from itertools import islice
from pathlib import Path

from whoosh import index as windex
from whoosh import query as Q

from marketplace.search import analysis
from marketplace.search.backends.base import (
    FACET_NAMES,
    Hit,
    SearchBackend,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
)
from marketplace.search.backends.bitsets import SegmentCache, positions

# Indexes built by earlier versions pickled the analyzer under this module: it stays importable, so
# that they open and are found outdated (then rebuilt).
from marketplace.search.backends.whoosh_schema import (  # noqa: F401
    FACET_FIELDS,
    SORT_COLUMNS,
    TEXT_FIELDS,
    FrenchFilter,
    make_schema,
    to_fields,
)

log = logging.getLogger(__name__)

INDEX_NAME = "MAIN"
JOURNAL = "pending.jsonl"
LOCK_TIMEOUT = 5.0
# Up to this many matches, every match is ranked; beyond, title matches come first, newest first.
RANK_ALL_LIMIT = 1500
MAX_IDLE_SEARCHERS = 4
CLOSE_WORDS_CACHE = 1024
MAX_PREFIX_WORDS = 200  # words completing what is typed, for suggestions


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
        self._epoch = 0  # changes whenever the index object is dropped: idle searchers of an older epoch are closed
        self._idle: list[tuple[int, object]] = []
        self._sets = SegmentCache()
        self._close_words: OrderedDict[tuple, list[str]] = OrderedDict()

    # ------------------------------------------------------------ index access

    def _open(self):
        if self._ix is None:
            if not windex.exists_in(str(self.path), indexname=INDEX_NAME):
                raise SearchUnavailable(f"no search index in {self.path}")
            ix = windex.open_dir(str(self.path), indexname=INDEX_NAME)
            if set(ix.schema.names()) != set(make_schema().names()):
                raise SearchUnavailable(f"the search index in {self.path} was built with another schema")
            self._ix = ix
        return self._ix

    def _reset(self) -> None:
        with self._mutex:
            self._ix = None
            self._epoch += 1
            idle, self._idle = self._idle, []
        for _epoch, searcher in idle:
            searcher.close()

    @contextmanager
    def _reading(self):
        """A searcher on the latest version of the index, taken from (and given back to) a small pool."""
        ix = self._open()
        with self._mutex:
            epoch = self._epoch
            entry = self._idle.pop() if self._idle else None
        searcher = None
        if entry is not None:
            # Not Searcher.refresh(): it reuses a segment's reader even when the segment has new deletions.
            if entry[0] == epoch and entry[1].up_to_date():
                searcher = entry[1]
            else:
                entry[1].close()
        if searcher is None:
            searcher = ix.searcher()
            self._sets.keep_only([leaf for leaf, _offset in searcher.reader().leaf_readers()])
        try:
            yield searcher
        except BaseException:
            searcher.close()
            raise
        with self._mutex:
            if epoch == self._epoch and len(self._idle) < MAX_IDLE_SEARCHERS:
                self._idle.append((epoch, searcher))
                searcher = None
        if searcher is not None:
            searcher.close()

    def clear_caches(self) -> None:
        """Forget the documents of each term and the close spellings (a segment's facet values stay)."""
        self._sets.forget_terms()
        with self._mutex:
            self._close_words.clear()

    def healthy(self) -> bool:
        try:
            with self._reading() as searcher:
                searcher.doc_count()
                searcher.search(Q.Every(), limit=1)
            return True
        except Exception:
            self._reset()
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
        self._reset()
        if old_ops:
            self._write(old_ops)
        return count

    # ------------------------------------------------------------ reading

    def _expansions(self, reader, word: str, maxdist: int) -> list[str]:
        """The indexed (folded, unstemmed) words within ``maxdist`` edits of ``word``, same first letter.

        An edit is an insertion, a deletion or a substitution; swapping two
        neighbouring letters counts as one too ("fromgae" is one edit from
        "fromage"). Kept per index version: building the automaton is slow.
        """
        if not maxdist:
            return []
        key = (self._epoch, reader.generation(), word, maxdist)
        with self._mutex:
            found = self._close_words.get(key)
        if found is None:
            candidates = set(reader.terms_within("fuzzy", word, maxdist, prefix=1))
            for i in range(1, len(word) - 1):
                swapped = word[:i] + word[i + 1] + word[i] + word[i + 2:]
                if swapped != word and ("fuzzy", swapped) in reader:
                    candidates.add(swapped)
            found = sorted(candidates)
            with self._mutex:
                self._close_words[key] = found
                while len(self._close_words) > CLOSE_WORDS_CACHE:
                    self._close_words.popitem(last=False)
        return found

    @staticmethod
    def _stems(word: str, expansions: list[str]) -> list[tuple[str, float]]:
        """(stem, weight) of a query word: its own stem counts fully, those of its close spellings half."""
        own = analysis.stem(word)
        found = {own: 1.0}
        for other in expansions:
            found.setdefault(analysis.stem(other), 0.5)
        return list(found.items())

    def _word_bits(self, leaf, sets, word: str, expansions: list[str], in_title: bool = False) -> int:
        """The documents of a segment containing ``word``: its stem, or the stem of a close spelling."""
        bits = 0
        for stemmed, _weight in self._stems(word, expansions):
            for field in ("title",) if in_title else TEXT_FIELDS:
                bits |= sets.term(leaf, field, stemmed)
        return bits

    @staticmethod
    def _any_of(leaf, sets, name: str, values: list[str]) -> int:
        known = sets.values(leaf, FACET_FIELDS[name])
        bits = 0
        for value in values:
            bits |= known.get(value, 0)
        return bits

    def _live_count(self, leaves, terms: list[tuple[str, str]]) -> int:
        """How many live documents have one of these (field, text) terms."""
        count = 0
        for leaf, _offset, sets in leaves:
            bits = 0
            for field, text in terms:
                bits |= sets.term(leaf, field, text)
            count += (bits & sets.live(leaf)).bit_count()
        return count

    def _correction(self, reader, leaves, words: list[str], maxdist_for: Callable[[str], int]) -> str | None:
        """The words, each replaced by the closest indexed word when it is not found itself.

        Only words of documents still in the index are proposed (a segment keeps
        the words of its deleted documents until it is merged).
        """
        changed = False
        corrected = []
        for word in words:
            if self._live_count(leaves, [(field, analysis.stem(word)) for field in TEXT_FIELDS]):
                corrected.append(word)
                continue
            scored = []
            for candidate in self._expansions(reader, word, maxdist_for(word)):
                if candidate == word:
                    continue
                documents = self._live_count(leaves, [("fuzzy", candidate)])
                if documents:
                    scored.append((analysis.edit_distance(word, candidate), -documents, candidate))
            if scored:
                corrected.append(min(scored)[2])
                changed = True
            else:
                corrected.append(word)
        return " ".join(corrected) if changed else None

    @staticmethod
    def _first(segments, bits_of, column: str, need: int) -> list[int]:
        """The first ``need`` documents (global numbers) over all segments in the order of ``column``."""
        if need <= 0:
            return []
        runs = []
        for leaf, offset, sets, bits in ((seg[0], seg[1], seg[2], bits_of(seg)) for seg in segments):
            if not bits:
                continue
            keys = sets.keys(leaf, column)
            runs.append([(keys[d], offset + d) for d in sets.first(leaf, bits, column, need)])
        return [docnum for _key, docnum in merge(*runs)][:need]

    def search(self, query: SearchQuery) -> SearchResult:
        words = analysis.terms(query.text)
        try:
            with self._reading() as searcher:
                return self._search(searcher, query, words)
        except SearchUnavailable:
            raise
        except Exception as exc:
            self._reset()
            raise SearchUnavailable(str(exc)) from exc

    def _search(self, searcher, query: SearchQuery, words: list[str]) -> SearchResult:
        reader = searcher.reader()
        leaves = [(leaf, offset, self._sets.get(leaf)) for leaf, offset in reader.leaf_readers()]
        expansions = {w: self._expansions(reader, w, analysis.max_edits(w)) for w in words} if query.fuzzy else {}
        active = {name: list(values) for name, values in query.filters.items() if values and name in FACET_FIELDS}

        total = 0
        counts: dict[str, Counter] = {name: Counter() for name in FACET_NAMES}
        segments = []  # (leaf, offset, sets, documents matching the words and the filters)
        for leaf, offset, sets in leaves:
            match = sets.live(leaf)
            for word in words:
                if match:
                    match &= self._word_bits(leaf, sets, word, expansions.get(word, []))
            filters = {name: self._any_of(leaf, sets, name, values) for name, values in active.items()}
            final = match
            for bits in filters.values():
                final &= bits
            total += final.bit_count()
            for name in FACET_NAMES:
                base = final
                if name in filters:  # a facet counts with the filters of the others
                    base = match
                    for other, bits in filters.items():
                        if other != name:
                            base &= bits
                if base:
                    for value, bits in sets.values(leaf, FACET_FIELDS[name]).items():
                        found = (base & bits).bit_count()
                        if found:
                            counts[name][value] += found
            segments.append((leaf, offset, sets, final))
        facets = {name: sorted(counts[name].items(), key=lambda kv: (-kv[1], kv[0])) for name in FACET_NAMES}

        per_page = max(1, query.per_page)
        start = (max(1, query.page) - 1) * per_page
        need = start + per_page
        sort = query.sort if query.sort == "relevance" or query.sort in SORT_COLUMNS else "relevance"
        if sort == "relevance" and not words:
            sort = "newest"
        docnums: list[int] = []
        if total and start < total:
            if sort != "relevance":
                docnums = self._first(segments, lambda seg: seg[3], SORT_COLUMNS[sort], need)[start:]
            elif total <= RANK_ALL_LIMIT:
                docnums = self._ranked(segments, words, expansions)[start:need]
            else:
                docnums = self._title_first(segments, words, expansions, start, need)

        highlight_words = list(words)
        corrected = None
        if words and query.fuzzy:
            corrected = self._correction(reader, leaves, words, analysis.max_edits)
            if corrected:
                highlight_words += analysis.terms(corrected)
        elif words and total == 0:
            corrected = self._correction(reader, leaves, words, lambda w: 2 if len(w) >= 4 else 1)
        hits = [self._hit(searcher.stored_fields(docnum), highlight_words) for docnum in docnums]
        return SearchResult(hits=hits, total=total, facets=facets, corrected_query=corrected, used_fuzzy=query.fuzzy)

    def _ranked(self, segments, words: list[str], expansions: dict) -> list[int]:
        """Few enough matches to rank them all: each word found scores its field's weight times its rarity.

        A close spelling (typo tolerance) scores half. Ties go to the shorter
        title, then to the newest document.
        """
        documents = sum(sets.live(leaf).bit_count() for leaf, _offset, sets, _final in segments)
        rarity = {}
        for word in words:
            found = sum(
                (self._word_bits(leaf, sets, word, expansions.get(word, [])) & sets.live(leaf)).bit_count()
                for leaf, _offset, sets, _final in segments
            )
            rarity[word] = math.log(1 + documents / (1 + found))
        ranked = []
        for leaf, offset, sets, final in segments:
            docs = positions(final)
            if not docs:
                continue
            score = [0.0] * len(docs)
            for word in words:
                weighted = [
                    (sets.term(leaf, field, stemmed), field_weight * spelling_weight)
                    for stemmed, spelling_weight in self._stems(word, expansions.get(word, []))
                    for field, field_weight in TEXT_FIELDS.items()
                ]
                for bits, weight in weighted:
                    found = final & bits
                    if not found:
                        continue
                    data = found.to_bytes((found.bit_length() + 7) // 8, "little")
                    last = len(data) * 8
                    points = weight * rarity[word]
                    for i, doc in enumerate(docs):
                        if doc < last and data[doc >> 3] >> (doc & 7) & 1:
                            score[i] += points
            titles = sets.keys(leaf, SORT_COLUMNS["title"])
            newest = sets.keys(leaf, SORT_COLUMNS["newest"])
            ranked += [(-score[i], len(titles[d]), newest[d], offset + d) for i, d in enumerate(docs)]
        ranked.sort()
        return [docnum for *_keys, docnum in ranked]

    def _title_first(self, segments, words: list[str], expansions: dict, start: int, need: int) -> list[int]:
        """Too many documents to rank them all: those with the words in their title first, newest first."""
        titled = []
        for leaf, offset, sets, final in segments:
            bits = final
            for word in words:
                if bits:
                    bits &= self._word_bits(leaf, sets, word, expansions.get(word, []), in_title=True)
            titled.append((leaf, offset, sets, final, bits))
        first = self._first(titled, lambda seg: seg[4], SORT_COLUMNS["newest"], need)
        if len(first) < need:  # every title match is read: the others follow
            first += self._first(titled, lambda seg: seg[3] & ~seg[4], SORT_COLUMNS["newest"], need - len(first))
        return first[start:need]

    @staticmethod
    def _hit(stored: dict, highlight_words: list[str]) -> Hit:
        return Hit(
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

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Titles with every word typed, the last one as a prefix: those starting with what is typed first."""
        words = analysis.words(prefix)
        if not words:
            return []
        complete = [w for w in words[:-1] if w not in analysis.STOP_WORDS]
        last = words[-1] if words[-1] not in analysis.STOP_WORDS else None
        typed = " ".join(words).encode("utf-8")
        column = SORT_COLUMNS["title"]
        with self._reading() as searcher:
            reader = searcher.reader()
            endings = list(islice(reader.expand_prefix("title_fold", last), MAX_PREFIX_WORDS)) if last else []
            if not complete and not endings:
                return []
            starting, others = [], []
            for leaf, offset in reader.leaf_readers():
                sets = self._sets.get(leaf)
                bits = sets.live(leaf)
                for word in complete:
                    bits &= sets.term(leaf, "title_fold", word)
                if endings:
                    any_ending = 0
                    for ending in endings:
                        any_ending |= sets.term(leaf, "title_fold", ending.decode("utf-8"))
                    bits &= any_ending
                if bits:
                    starting += [offset + d for d in sets.first_distinct(leaf, bits, column, limit, prefix=typed)]
                    others += [offset + d for d in sets.first_distinct(leaf, bits, column, limit * 3)]
            titles = [searcher.stored_fields(docnum).get("title", "") for docnum in dict.fromkeys(starting + others)]
        out: list[str] = []
        seen: set[str] = set()
        for title in sorted(titles, key=lambda t: (not analysis.fold(t).startswith(typed.decode()), len(t), t)):
            key = analysis.fold(title)
            if title and key not in seen:
                seen.add(key)
                out.append(title)
        return out[:limit]
