"""Vietnamese text folding and ranking for diacritic-insensitive search.

Staff type "nguyen" on a phone keyboard and expect "Nguyễn"; a parent types "Đông Hà" and expects
the school in Đông Hà first, not every "Dòng"/"Dong Ha". Two normal forms give both:

* ``fold(s)``: the *search key*. NFD, combining marks removed, ``đ``/``Đ`` mapped to ``d``/``D`` by
  hand (they are separate letters, not ``d`` plus a mark, so NFD leaves them alone), casefolded,
  whitespace collapsed. Invariant: ``fold(fold(s)) == fold(s)`` and the result is ASCII for
  Vietnamese input.
* ``_exact(s)``: NFC + casefold + collapsed whitespace; keeps the marks, so it distinguishes "Đông"
  from "Dòng" while ignoring case and NFC/NFD encoding differences.

``rank`` returns an int; 0 means "no match", larger is better. A match that still holds with the
diacritics kept always outranks one that only holds after folding; within each tier a whole-string
match beats a prefix, a prefix beats a word prefix, which beats an infix, which beats "every query
word starts some candidate word".

Known limit: old-style and new-style tone placement ("hoà" vs "hòa") are different code points even
in NFC, so they only match at the folded tier. That is acceptable for search.
"""

import re
import unicodedata

__all__ = ["fold", "rank", "tokens"]

_WS = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})

# Position scores within a tier (higher is better).
_WHOLE, _PREFIX, _WORD_PREFIX, _INFIX, _ALL_WORDS = 5, 4, 3, 2, 1
# Tier weight: any exact-diacritic match beats any folded-only match.
_EXACT_TIER = 10


def fold(s: str) -> str:
    """Return the diacritic-, case- and spacing-insensitive search key of ``s``."""
    decomposed = unicodedata.normalize("NFD", s.translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _WS.sub(" ", stripped.casefold()).strip()


def tokens(s: str) -> list[str]:
    """Folded words of ``s`` (letters and digits; punctuation separates words)."""
    return _WORD.findall(fold(s).replace("_", " "))


def _exact(s: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFC", s).casefold()).strip()


def _position(query: str, candidate: str) -> int:
    """Position score of ``query`` inside ``candidate`` (both already in the same normal form)."""
    if not query:
        return 0
    if candidate == query:
        return _WHOLE
    if candidate.startswith(query):
        return _PREFIX
    words = _WORD.findall(candidate)
    if any(w.startswith(query) for w in words):
        return _WORD_PREFIX
    if query in candidate:
        return _INFIX
    q_words = _WORD.findall(query)
    if len(q_words) > 1 and all(any(w.startswith(q) for w in words) for q in q_words):
        return _ALL_WORDS
    return 0


def rank(query: str, candidate: str) -> int:
    """Score how well ``candidate`` matches ``query``; 0 means no match.

    Scores: exact-diacritic matches are 11..15, folded-only matches 1..5, so sorting by
    ``-rank`` puts "Đông Hà" (exact prefix, 14) above "Dòng" (folded whole match, 5) and
    "Dong Ha" (folded prefix, 4) for the query "Đông".
    """
    exact = _position(_exact(query), _exact(candidate))
    if exact:
        return _EXACT_TIER + exact
    return _position(fold(query), fold(candidate))
