"""French text analysis shared by the search backends.

``fold`` lowercases and removes accents; ``stem`` applies the French
Snowball stemmer to a folded word, so "épicée", "epicee" and "épicées" meet.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from markupsafe import Markup, escape

WORD_RE = re.compile(r"\w+", re.UNICODE)

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "’": "'"})

# French stop words (folded), plus words that only locate the need
# ("près de Grenoble") and would otherwise have to appear in the text.
STOP_WORDS = frozenset(
    """
    a afin ai aie aient aies ait alors as au aucun aucune aupres auquel aura aurai auraient aurais
    aurait auras aurez auriez aurions aurons auront aussi autre autres aux avaient avais avait avec
    avez aviez avions avoir avons ayant c ca ce ceci cela celle celles celui cependant ces cet cette
    ceux chaque chez ci comme comment d dans de des deja depuis dont du elle elles en encore entre es
    est et etaient etais etait etant ete etes etre eu eue eues eurent eus eut eux furent fut il ils
    j je jusqu l la le les leur leurs lui m ma mais me meme memes mes moi mon n ne ni nos notre nous
    on ont ou par parce pas peu peut plus pour pourquoi pres proche proches qu quand que quel quelle
    quelles quels qui quoi s sa sans se sera serai seraient serais serait seras serez seriez serions
    serons seront ses si sien sienne son sont sous soyez sur t ta te tes toi ton tous tout toute
    toutes tres tu un une unes uns vers via vos votre vous vu y
    """.split()
)

MAX_TERMS = 10


def fold(text: str | None) -> str:
    """Lowercase, accents and ligatures folded: "Épicée Œuf" -> "epicee oeuf"."""
    if not text:
        return ""
    if text.isascii():
        return text.lower()
    text = text.lower().translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str | None) -> list[str]:
    """Folded words of ``text`` (stop words kept)."""
    return WORD_RE.findall(fold(text))


def terms(text: str | None) -> list[str]:
    """Folded words without stop words, duplicates removed, at most MAX_TERMS."""
    seen = dict.fromkeys(w for w in words(text) if w not in STOP_WORDS)
    return list(seen)[:MAX_TERMS]


@lru_cache(maxsize=1)
def _stemmer():
    from whoosh.lang.snowball.french import FrenchStemmer

    return FrenchStemmer()


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """French stem of a folded word ("confitures" -> "confitur")."""
    if len(word) <= 2 or word.isdigit():
        return word
    return _stemmer().stem(word)


@lru_cache(maxsize=50_000)
def _word_stem(word: str) -> str:
    return stem(fold(word))


def max_edits(word: str) -> int:
    """Typo tolerance: one edit for words of 5+ letters, two for 8+."""
    if len(word) >= 8:
        return 2
    if len(word) >= 5:
        return 1
    return 0


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count as one), capped at ``limit``."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) >= limit:
            return limit
        prev2, prev = prev, cur
    return min(prev[-1], limit)


def highlight(text: str | None, query_terms: list[str], max_chars: int = 220) -> Markup:
    """An escaped excerpt of ``text`` around the first matching word, matches in <mark>.

    A word matches when its stem equals the stem of a query term (so plurals
    and missing accents are highlighted too).
    """
    text = " ".join((text or "").split())
    if not text:
        return Markup("")
    stems = {stem(t) for t in query_terms}
    matches = [m for m in WORD_RE.finditer(text) if stems and _word_stem(m.group()) in stems]
    start = 0
    if matches and matches[0].start() > max_chars // 3:
        start = text.rfind(" ", 0, matches[0].start() - max_chars // 4) + 1
    end = len(text) if len(text) - start <= max_chars else text.rfind(" ", start, start + max_chars)
    if end <= start:
        end = min(len(text), start + max_chars)
    out = [Markup("… ") if start > 0 else Markup("")]
    pos = start
    for m in matches:
        if m.start() < start or m.end() > end:
            continue
        out.append(escape(text[pos:m.start()]))
        out.append(Markup("<mark>%s</mark>") % m.group())
        pos = m.end()
    out.append(escape(text[pos:end]))
    if end < len(text):
        out.append(Markup(" …"))
    return Markup("").join(out)
