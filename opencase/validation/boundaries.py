"""Where a passage of a source may begin and end: never inside a token.

A token is what a reader takes as one unit, judged on the source's own characters: a word
(letters and their combining marks, with an apostrophe, middle dot or hyphen between letters:
``can't``, ``col·lecció``, ``non-compliant``), a number (digits, with the separators of one
number between them: ``1.6``, ``10,000``, ``10 000`` with a thin or no-break space, ``1٫5``;
with its sign: ``-5``), letters and digits run together (``COVID19``, ``£1.6m``), a character
with its combining marks, and an emoji sequence (skin tones, joiners, tags, flag pairs).
Invisible format characters (soft hyphen, joiners, bidi controls) neither join nor separate:
the characters on either side decide.

A possessive or clitic ``'s`` may be left out (``Port`` out of ``Port's``): it does not change
the word before it.
"""

from __future__ import annotations

import unicodedata

from opencase.validation.folding import invisible

__all__ = ["splits_token"]

# between the digits of one number: 1.6, 10,000, 1'000, 1٫5, 10 000 (no-break, thin, narrow or
# figure space), and their full-width and small forms
_IN_NUMBERS = frozenset(
    ".,'\u2019\u066b\u066c\u00b7\u00a0\u2007\u2008\u2009\u202f\uff0e\uff0c\uff07\ufe50\ufe52"
    "\u2024"
)
# between the letters of one word: can't, O'Brien, col·lecció, non-compliant
_APOSTROPHES = frozenset("'\u2019\uff07\u00b7\u2027")
_HYPHENS = frozenset("-\u2010\u2011")
_SIGNS = frozenset("-+\u2212\u00b1\ufe63\uff0b\uff0d\ufe62")
_ASCII_SPECIAL = frozenset(".,'-+")  # ASCII characters the rules above look at
_ZWJ = "\u200d"
_CANCEL_TAG = "\U000e007f"


def _is_tag(c: str) -> bool:
    return "\U000e0020" <= c <= "\U000e007f"


def _is_flag_letter(c: str) -> bool:  # a regional indicator: two make a flag
    return "\U0001f1e6" <= c <= "\U0001f1ff"


def _letter(c: str) -> bool:
    return unicodedata.category(c)[0] in "LM"


def _token_char(c: str) -> bool:
    """A letter, digit or combining mark: what words and numbers are made of."""
    return unicodedata.category(c)[0] in "LNM"


def _visible(text: str, i: int, step: int) -> int:
    """The first index from ``i`` (going by ``step``) that is not an invisible character,
    or -1 / ``len(text)`` when there is none."""
    while 0 <= i < len(text) and invisible(text[i]):
        i += step
    return i


def splits_token(text: str, at: int) -> bool:
    """Whether a passage beginning or ending just before ``text[at]`` would cut a token."""
    size = len(text)
    if not 0 < at < size:
        return False
    a, b = text[at - 1], text[at]
    if a.isascii() and b.isascii():  # (most boundaries)
        if a.isalnum() and b.isalnum():
            return True
        if a not in _ASCII_SPECIAL and b not in _ASCII_SPECIAL:
            return False
    elif _joined(text, at, a, b):
        return True
    before, after = _visible(text, at - 1, -1), _visible(text, at, 1)
    if before < 0 or after >= size:
        return False
    a, b = text[before], text[after]
    if _token_char(a) and _token_char(b):
        return True
    return _in_number(text, before, after) or _in_word(text, before, after)


def _joined(text: str, at: int, a: str, b: str) -> bool:
    """A character and its combining marks, or the parts of an emoji sequence."""
    if unicodedata.category(b)[0] == "M" or "\U0001f3fb" <= b <= "\U0001f3ff":  # skin tones
        return True
    if _ZWJ in (a, b) or _is_tag(b) or (_is_tag(a) and a != _CANCEL_TAG):
        return True
    if _is_flag_letter(a) and _is_flag_letter(b):  # inside a pair, counted from the run's start
        i = at - 1
        while i >= 0 and _is_flag_letter(text[i]):
            i -= 1
        return (at - 1 - i) % 2 == 1
    return False


def _in_number(text: str, before: int, after: int) -> bool:
    """A cut between a number's digits and a separator, or between a sign and its number."""
    a, b = text[before], text[after]
    if b in _IN_NUMBERS and a.isnumeric():
        nxt = _visible(text, after + 1, 1)
        return nxt < len(text) and text[nxt].isnumeric()
    if a in _IN_NUMBERS and b.isnumeric():
        prv = _visible(text, before - 1, -1)
        return prv >= 0 and text[prv].isnumeric()
    if a in _SIGNS and b.isnumeric():  # -5, +3; not 2014-2015
        prv = _visible(text, before - 1, -1)
        return prv < 0 or not (_token_char(text[prv]) or text[prv] in _IN_NUMBERS)
    return False


def _in_word(text: str, before: int, after: int) -> bool:
    """A cut at an apostrophe or middle dot between two letters (but for a possessive or
    clitic ``'s`` left out at the end), or at a hyphen inside a word or code (``non-compliant``,
    ``COVID-19``; not a range of numbers such as ``2014-2015``)."""
    a, b = text[before], text[after]
    size = len(text)
    if b in _APOSTROPHES and _letter(a):
        nxt = _visible(text, after + 1, 1)
        if nxt >= size or not _letter(text[nxt]):
            return False
        if text[nxt] in "sS":  # 's, then more letters: inside; else a possessive or clitic
            end = _visible(text, nxt + 1, 1)
            return end < size and _letter(text[end])
        return True
    if a in _APOSTROPHES and _letter(b):
        prv = _visible(text, before - 1, -1)
        return prv >= 0 and _letter(text[prv])
    if b in _HYPHENS and _token_char(a):
        nxt = _visible(text, after + 1, 1)
        return nxt < size and _token_char(text[nxt]) and (_letter(a) or _letter(text[nxt]))
    if a in _HYPHENS and _token_char(b):
        prv = _visible(text, before - 1, -1)
        return prv >= 0 and _token_char(text[prv]) and (_letter(b) or _letter(text[prv]))
    return False
