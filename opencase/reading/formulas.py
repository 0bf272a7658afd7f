"""Values that would run as a spreadsheet formula once the published CSV is opened.

A value starting with ``=``, ``+``, ``-`` or ``@`` (possibly after white space, control or
invisible characters, which spreadsheets skip) may be run as a formula. The readers note
whether a file may hold such a value (:mod:`opencase.reading.fastyaml`), and validation
reports each one (``spreadsheet-formula``).
"""

from __future__ import annotations

import unicodedata

__all__ = ["FORMULA_CHARACTERS", "formula_start", "may_start_formula"]

FORMULA_CHARACTERS = "=+-@"

# invisible characters that are neither controls nor spaces: the combining grapheme joiner,
# Khmer and Mongolian invisible signs and selectors, Hangul fillers, the Braille blank (and
# the variation selectors, by range)
_BLANKS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f\u2800"
                    "\u3164\uffa0")


def _skipped(c: str) -> bool:
    """A character a spreadsheet may skip before a formula: white space (tab, CR, no-break
    and other spaces), control characters, invisible format characters (zero-width spaces and
    joiners, bidi controls, soft hyphen, byte-order mark) and other invisible characters
    (variation selectors, Hangul fillers, the Braille blank)."""
    return (c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Zs", "Zl", "Zp")
            or c in _BLANKS or "\ufe00" <= c <= "\ufe0f" or "\U000e0100" <= c <= "\U000e01ef")


def may_start_formula(first: str) -> bool:
    """Whether a value starting with the character ``first`` may start like a formula (see
    :func:`formula_start`)."""
    return (first in FORMULA_CHARACTERS or first <= " "
            or (not first.isascii() and _skipped(first)))


def formula_start(value: str) -> int | None:
    """Where a value starts like a spreadsheet formula: the index of the ``=``, ``+``, ``-``
    or ``@`` it starts with once leading white space, control and invisible characters are
    skipped (and something follows it), else None."""
    if not value or (value[0] > " " and value[0].isascii()
                     and value[0] not in FORMULA_CHARACTERS):
        return None  # (most values: one look at the first character)
    i, n = 0, len(value)
    while i < n and _skipped(value[i]):
        i += 1
    return i if i < n - 1 and value[i] in FORMULA_CHARACTERS else None
