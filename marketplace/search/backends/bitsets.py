"""Document sets of a Whoosh segment as Python integers (bit n set: document n).

Counting a facet value is then one AND and one popcount over the whole
segment instead of a Python loop over every matching document. A segment
never changes once written, so what is derived from it (the documents of each
term, the values of each facet, the sort keys) is computed once and kept
while the segment lives; its deletions only change the mask of live documents.
"""
from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable
from itertools import islice

from whoosh.matching.wrappers import FilterMatcher

# The positions of the set bits of each byte value.
_BIT_POSITIONS = [tuple(j for j in range(8) if value >> j & 1) for value in range(256)]
_NONZERO = re.compile(rb"[^\x00]")
TERMS_PER_SEGMENT = 1024


def from_ids(ids: Iterable[int], size: int) -> int:
    data = bytearray((size + 7) // 8)
    for i in ids:
        data[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(data, "little")


def positions(bits: int) -> list[int]:
    """The set bits of ``bits``, in increasing order."""
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    out: list[int] = []
    for found in _NONZERO.finditer(data):
        i = found.start()
        base = i * 8
        out.extend(base + j for j in _BIT_POSITIONS[data[i]])
    return out


def first_in_order(bits: int, order: list[int], need: int) -> list[int]:
    """The first ``need`` documents of ``order`` that are in ``bits``."""
    data = bits.to_bytes((len(order) + 7) // 8 or 1, "little")
    out: list[int] = []
    if need <= 0:
        return out
    for doc in order:
        if data[doc >> 3] >> (doc & 7) & 1:
            out.append(doc)
            if len(out) >= need:
                break
    return out


def _raw_ids(reader, field: str, text: str) -> Iterable[int]:
    """Every document of a segment with this term, deleted ones included (the live mask removes them)."""
    if (field, text) not in reader:
        return ()
    matcher = reader.postings(field, text)
    if isinstance(matcher, FilterMatcher):  # the segment's deletions, applied later
        matcher = matcher.child
    return matcher.all_ids()


class SegmentSets:
    """What one segment's searches need, derived from it once."""

    def __init__(self, size: int):
        self.size = size
        self.all = (1 << size) - 1
        self._lock = threading.Lock()
        self._terms: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._values: dict[str, dict[str, int]] = {}
        self._keys: dict[str, list] = {}
        self._orders: dict[str, list[int]] = {}
        self._sorted_keys: dict[str, list] = {}
        self._live: tuple[int, int] = (-1, 0)

    def forget_terms(self) -> None:
        with self._lock:
            self._terms.clear()

    def live(self, reader) -> int:
        deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
        count, bits = self._live
        if count != len(deleted):  # a segment's deletions only grow
            bits = self.all & ~from_ids(deleted, self.size)
            self._live = (len(deleted), bits)
        return bits

    def term(self, reader, field: str, text: str) -> int:
        key = (field, text)
        with self._lock:
            bits = self._terms.get(key)
            if bits is not None:
                self._terms.move_to_end(key)
                return bits
        bits = from_ids(_raw_ids(reader, field, text), self.size)
        with self._lock:
            self._terms[key] = bits
            while len(self._terms) > TERMS_PER_SEGMENT:
                self._terms.popitem(last=False)
        return bits

    def values(self, reader, field: str) -> dict[str, int]:
        """Each value of a facet field with its documents."""
        found = self._values.get(field)
        if found is None:
            found = {}
            for btext in reader.lexicon(field):
                text = btext.decode("utf-8")
                found[text] = from_ids(_raw_ids(reader, field, text), self.size)
            self._values[field] = found
        return found

    def keys(self, reader, field: str) -> list:
        """The sort key of every document, from a column field."""
        found = self._keys.get(field)
        if found is None:
            column = reader.column_reader(field)
            found = [column[i] for i in range(self.size)]
            self._keys[field] = found
        return found

    def order(self, reader, field: str) -> list[int]:
        """The documents in increasing order of a column field (ties by document number)."""
        found = self._orders.get(field)
        if found is None:
            keys = self.keys(reader, field)
            found = sorted(range(self.size), key=keys.__getitem__)
            self._orders[field] = found
        return found

    def first_distinct(self, reader, bits: int, field: str, need: int, prefix=None) -> list[int]:
        """Up to ``need`` documents of ``bits`` with different keys of ``field``, in key order.

        With ``prefix``, only the keys that start with it (a range of the order).
        """
        keys = self.keys(reader, field)
        if prefix is None and bits.bit_count() * 32 < self.size:  # few: sort them rather than walk
            docs = sorted(positions(bits), key=lambda d: (keys[d], d))
        else:
            order = self.order(reader, field)
            start = 0
            if prefix is not None:
                sorted_keys = self._sorted_keys.get(field)
                if sorted_keys is None:
                    sorted_keys = self._sorted_keys[field] = [keys[d] for d in order]
                start = bisect_left(sorted_keys, prefix)
            docs = (d for d in islice(order, start, None))
        data = bits.to_bytes((self.size + 7) // 8 or 1, "little")
        out: list[int] = []
        last = None
        for doc in docs:
            key = keys[doc]
            if prefix is not None and not key.startswith(prefix):
                break
            if key != last and data[doc >> 3] >> (doc & 7) & 1:
                out.append(doc)
                last = key
                if len(out) >= need:
                    break
        return out

    def first(self, reader, bits: int, field: str, need: int) -> list[int]:
        """The first ``need`` documents of ``bits`` in the order of ``field``."""
        count = bits.bit_count()
        if count * 32 < self.size:  # few: sort them rather than walk the whole order
            keys = self.keys(reader, field)
            return sorted(positions(bits), key=lambda d: (keys[d], d))[:need]
        return first_in_order(bits, self.order(reader, field), need)


class SegmentCache:
    """The SegmentSets of the segments in use, by segment id."""

    def __init__(self):
        self._lock = threading.Lock()
        self._segments: dict[str, SegmentSets] = {}

    def get(self, reader) -> SegmentSets:
        key = reader.segment().segment_id()
        with self._lock:
            found = self._segments.get(key)
            if found is None:
                found = self._segments[key] = SegmentSets(reader.doc_count_all())
            return found

    def forget_terms(self) -> None:
        with self._lock:
            for sets in self._segments.values():
                sets.forget_terms()

    def keep_only(self, readers) -> None:
        """Forget the segments that are no longer part of the index."""
        wanted = {reader.segment().segment_id() for reader in readers}
        with self._lock:
            for key in list(self._segments):
                if key not in wanted:
                    del self._segments[key]
