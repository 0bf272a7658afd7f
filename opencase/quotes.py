"""Source snapshots and quote matching.

Snapshots are plain-text files found by the SHA-256 of their raw bytes in a snapshot folder.
The text a quote is checked against is decoded from the very bytes that were hashed (the file
is read once). A quote is matched against its snapshot after both are normalised the same way:

- Unicode NFKD, character by character (so ``é`` = ``e`` + combining accent, ``ﬁ`` = ``fi``,
  a non-breaking space = a space, a full-width digit = an ASCII digit), except that no
  character is folded into digits it is not (superscripts, subscripts, fractions, circled and
  other enclosed numbers stay as they are: ``10⁴`` never reads as ``104``);
- typographic single quotes and apostrophes (‘ ’ ‚ ‛ ′) = ``'``, double quotes (“ ” „ ‟ ″) = ``"``;
- hyphens and dashes (‐ ‑ ‒ – — ― −) = ``-``;
- any run of white space (including non-breaking spaces) = one space, and none around a dash
  (``town—and`` matches ``town - and``).

A match counts only where the source says exactly that, judged on the source's own characters
(:func:`find_quote`): it never starts or ends inside a token (between two letters, digits or
combining marks, or between the digits of one number such as ``1.6`` or ``10,000``), inside the
expansion of one source character (a ligature, a precomposed letter, ``≠``), or between a
character and its combining marks. A quote must carry meaning (:func:`quote_problem`).

Offsets are kept in characters (Unicode code points) of the snapshot decoded as UTF-8, a byte
order mark and carriage returns kept, as in the W3C Web Annotation ``TextPositionSelector``:
``text[start:end]`` is exactly the matched passage.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

from .safeio import FileTooLarge, NotARegularFile, read_regular

__all__ = [
    "Match", "Offsets", "Snapshot", "SnapshotIndex", "count_quote", "find_quote", "normalise",
    "quote_problem",
]

_QUOTES = {c: "'" for c in "\u2018\u2019\u201a\u201b\u2032"}
_QUOTES.update({c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"})
_DASHES = {c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"}
MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024


_NOT_FOLDED = ("<super>", "<sub>", "<fraction>", "<circle>")


@lru_cache(maxsize=4096)
def _norm_char(c: str) -> str:
    if c in _QUOTES:
        return _QUOTES[c]
    if c in _DASHES:
        return _DASHES[c]
    if c.isspace() or c in "\u200b\ufeff":
        return " "
    n = unicodedata.normalize("NFKD", c)
    if n == c or _keeps_its_form(c, n):
        return c
    return "".join(_norm_char(x) if x != c else x for x in n)


def _keeps_its_form(c: str, folded: str) -> bool:
    """Whether compatibility folding would make ``c`` into a number (or word) the source does
    not hold: superscripts, subscripts, fractions, circled and other enclosed or composed
    numbers (``²``, ``₂``, ``½``, ``①``, ``⑴``, ``⒈``, ``㏡``). A decimal digit of another width
    or font (``３``, ``𝟑``) is still the digit it is."""
    if unicodedata.category(c) == "Nd":
        return False
    if unicodedata.decomposition(c).startswith(_NOT_FOLDED):
        return True
    return unicodedata.category(c) == "No" or any(x.isdigit() for x in folded)


class Offsets:
    """Maps a character position in a normalised text back to the original text.

    Normalising expands some characters (NFKD: ``é`` -> ``e`` + accent) and deletes some
    spaces; both are rare, so the map keeps only where they happen and answers with a binary
    search, instead of one integer per character."""

    __slots__ = ("_del_at", "_del_cum", "_exp_at", "_exp_cum", "_exp_len", "_exp_orig")

    def __init__(
        self,
        expansions: list[tuple[int, int, int]],
        deletions: list[tuple[int, int]],
    ) -> None:
        # expansions: (index in the original, its position in the expanded text, length)
        self._exp_orig = [e[0] for e in expansions]
        self._exp_at = [e[1] for e in expansions]
        self._exp_len = [e[2] for e in expansions]
        self._exp_cum = list(accumulate(e[2] - 1 for e in expansions))
        # deletions: (position in the expanded text, length) -> where they fall in the output
        self._del_at: list[int] = []
        self._del_cum: list[int] = []
        gone = 0
        for at, length in deletions:
            self._del_at.append(at - gone)
            gone += length
            self._del_cum.append(gone)

    @property
    def identity(self) -> bool:
        """Whether every position maps to itself (normalising changed nothing)."""
        return not self._del_at and not self._exp_at

    def __call__(self, pos: int) -> int:
        if not self._del_at and not self._exp_at:
            return pos
        k = bisect_right(self._del_at, pos)
        q = pos + self._del_cum[k - 1] if k else pos
        k = bisect_right(self._exp_at, q) - 1
        if k < 0:
            return q
        if q < self._exp_at[k] + self._exp_len[k]:
            return self._exp_orig[k]
        return q - self._exp_cum[k]


def _spaces_to_drop(text: str) -> list[tuple[int, int]]:
    """The spaces normalising drops from ``text`` (in which all white space is already a
    space), as (start, length): all of a run next to a dash, all but the first of any other
    run. Found with ``str.find``: only runs of two or more, or next to a dash, matter."""
    size = len(text)
    runs: dict[int, int] = {}
    for pair, first in (("  ", 0), (" -", 0), ("- ", 1)):
        i = text.find(pair)
        while i != -1:
            a = i + first
            while a and text[a - 1] == " ":
                a -= 1
            b = i + first + 1
            while b < size and text[b] == " ":
                b += 1
            runs[a] = b
            i = text.find(pair, b)
    out = []
    for a in sorted(runs):
        b = runs[a]
        if (a and text[a - 1] == "-") or (b < size and text[b] == "-"):
            out.append((a, b - a))  # no space around a dash
        elif b - a > 1:
            out.append((a + 1, b - a - 1))  # a run of spaces counts as one
    return out
_CHANGED: dict[str, str] = {}  # every character seen that normalising changes -> what it becomes
_SEEN: set[str] = set()


_ASCII_SPACE = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # ASCII white space other than " "
_ASCII = bytes(range(128))


def _chars(text: str) -> set[str]:
    """The characters of ``text`` that normalising may change: its non-ASCII ones (found
    through its UTF-8 bytes, much faster than ``set(text)``) and its ASCII white space."""
    found = set(text.encode("utf-8").translate(None, _ASCII).decode("utf-8"))
    found.update(c for c in _ASCII_SPACE if c in text)
    return found


def _normalise(text: str, offsets: bool = True) -> tuple[str, Offsets | None]:
    """The normalised text and, with ``offsets``, the map back to ``text``."""
    if (
        text.isascii()
        and text.isprintable()  # no tab, line break or other control character
        and "  " not in text
        and " -" not in text
        and "- " not in text
    ):
        return text, (Offsets([], []) if offsets else None)
    chars = _chars(text)
    new = chars - _SEEN
    changed = _CHANGED
    if new:
        if len(_SEEN) > 100_000:  # a text of many rare characters: do not keep them all
            changed = {}
            new = chars
        else:
            _SEEN.update(new)
        for c in new:
            n = _norm_char(c)
            if n != c:
                changed[c] = n
    present = sorted(chars & changed.keys())
    # each replacement is made of characters normalising keeps, so the order does not matter
    expanded = text
    for c in present:
        expanded = expanded.replace(c, changed[c])
    longer = [c for c in present if len(changed[c]) > 1]
    deletions = _spaces_to_drop(expanded)
    if deletions:
        parts = []
        last = 0
        for at, length in deletions:
            parts.append(expanded[last:at])
            last = at + length
        parts.append(expanded[last:])
        norm = "".join(parts)
    else:
        norm = expanded
    if not offsets:
        return norm, None
    expansions: list[tuple[int, int, int]] = []
    if longer:
        at: list[int] = []
        for c in longer:
            i = text.find(c)
            while i != -1:
                at.append(i)
                i = text.find(c, i + 1)
        at.sort()
        extra = 0
        for i in at:
            length = len(changed[text[i]])
            expansions.append((i, i + extra, length))
            extra += length - 1
    return norm, Offsets(expansions, deletions)


def normalise(text: str) -> tuple[str, list[int]]:
    """Normalise ``text`` for matching; also return, for each output character, its index in
    ``text`` (white space runs collapse to their first character)."""
    norm, where = _normalise(text)
    assert where is not None
    return norm, [where(i) for i in range(len(norm))]


@dataclass(frozen=True, slots=True)
class Match:
    """Where a quote was found: ``[start, end)`` in the snapshot's characters."""

    start: int
    end: int


@dataclass
class Snapshot:
    """A source's text. In a :class:`SnapshotIndex`, it holds the bytes that were hashed, and
    its :attr:`text` is decoded from those (the file is not read again); made by hand, without
    them, it reads ``path`` once."""

    sha256: str
    path: Path
    _text: str | None = field(default=None, repr=False)
    _norm: tuple[str, Offsets] | None = field(default=None, repr=False)
    _data: bytes | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        """The snapshot decoded as UTF-8, every character kept (a byte order mark, ``\\r``):
        what quote offsets count in. Raises ``UnicodeDecodeError`` if it is not UTF-8."""
        if self._text is None:
            data = self._data
            if data is None:
                data = read_regular(self.path, MAX_SNAPSHOT_BYTES)
            self._text = data.decode("utf-8")
            self._data = None
        return self._text

    @property
    def matchable(self) -> tuple[str, Offsets]:
        """The normalised text (computed once) and the map back to :attr:`text`."""
        if self._norm is None:
            norm, where = _normalise(self.text)
            assert where is not None
            self._norm = (norm, where)
        return self._norm


def find_quote(
    snapshot: Snapshot, quote: str, prefix: str | None = None, suffix: str | None = None
) -> list[Match]:
    """Every place ``quote`` occurs in the snapshot that fits ``prefix``/``suffix`` and
    starts and ends at a boundary of the source's own text (see the module docstring). A
    quote that :func:`quote_problem` refuses is found nowhere."""
    where = snapshot.matchable[1]
    found, size = _positions(snapshot, quote, prefix, suffix)
    return [Match(where(pos), where(pos + size - 1) + 1) for pos in found]


def count_quote(
    snapshot: Snapshot, quote: str, prefix: str | None = None, suffix: str | None = None
) -> int:
    """How many places :func:`find_quote` would give (without building them)."""
    return len(_positions(snapshot, quote, prefix, suffix)[0])


# Characters that do not separate or join anything: a quote may run across them, and the
# characters on either side decide whether a boundary falls inside a token. (A zero-width
# space is not one of them: it marks a word break.)
_INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u180e\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
# Letters that show nothing (Hangul fillers, the Braille blank)
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# What may stand between the digits of one number: 1.6, 10,000, 1'000, 1٫5
_IN_NUMBERS = frozenset(".,'\u2019\u066b\u066c\u00b7")


def _token_char(c: str) -> bool:
    """A letter, digit or combining mark: what a token (word or number) is made of."""
    return unicodedata.category(c)[0] in "LNM"


def _visible(text: str, i: int, step: int) -> int:
    """The first index from ``i`` (going by ``step``) that is not an invisible character,
    or -1 / ``len(text)`` when there is none."""
    while 0 <= i < len(text) and text[i] in _INVISIBLE:
        i += step
    return i


def _splits_token(text: str, at: int) -> bool:
    """Whether a match boundary just before ``text[at]`` falls inside a token of the source:
    between a character and its combining marks, between two letters or digits, or between the
    digits of one number (``1.6``, ``10,000``)."""
    size = len(text)
    if 0 < at < size:
        a, b = text[at - 1], text[at]
        if a.isascii() and b.isascii() and a not in _IN_NUMBERS and b not in _IN_NUMBERS:
            return a.isalnum() and b.isalnum()  # (most boundaries: plain ASCII)
        if unicodedata.category(b)[0] == "M":
            return True
    after = _visible(text, at, 1)
    before = _visible(text, at - 1, -1)
    if before < 0 or after >= size:
        return False
    a, b = text[before], text[after]
    if _token_char(a) and _token_char(b):
        return True
    # a digit, then a separator, then a digit: one number, whichever side the cut is on
    if b in _IN_NUMBERS and a.isnumeric():
        nxt = _visible(text, after + 1, 1)
        return nxt < size and text[nxt].isnumeric()
    if a in _IN_NUMBERS and b.isnumeric():
        prv = _visible(text, before - 1, -1)
        return prv >= 0 and text[prv].isnumeric()
    return False


def _whole(snapshot: Snapshot, pos: int, size: int) -> bool:
    """Whether the normalised match ``[pos, pos + size)`` is a passage of the source in its own
    right: it begins and ends on whole source characters (not inside the expansion of a
    ligature, a precomposed letter, ``≠``...), and neither boundary splits a token."""
    text = snapshot.text
    norm, where = snapshot.matchable
    if where.identity:  # (a text normalising leaves as it is)
        return not (_splits_token(text, pos) or _splits_token(text, pos + size))
    start, last = where(pos), where(pos + size - 1)
    if pos > 0 and where(pos - 1) == start:
        return False  # starts inside the expansion of text[start]
    if pos + size < len(norm) and where(pos + size) == last:
        return False  # ends inside the expansion of text[last]
    return not (_splits_token(text, start) or _splits_token(text, last + 1))


def quote_problem(quote: str) -> str | None:
    """Why ``quote`` cannot be a quote, or ``None``: a quote must carry meaning, so it needs a
    letter or digit and more than one visible character. (Such a quote would "occur" in almost
    any text, or inside any word.)"""
    if quote.isascii():  # (most quotes: no character-by-character look)
        bare = quote.strip()
        if len(bare) > 1 and _ASCII_ALNUM.search(bare):
            return None
    else:  # the first few characters decide most quotes
        seen, alnum = 0, False
        for c in quote:
            cat = unicodedata.category(c)[0]
            if not (c.isspace() or c in _BLANK or cat in "CMZ"):
                seen += 1
                alnum = alnum or cat in "LN"
                # (four: composing can make one Hangul syllable of at most three jamo)
                if seen >= 4 and alnum:
                    return None
    # composed first, so that a letter and its accents (or a Hangul syllable) count once
    visible = [
        c for c in unicodedata.normalize("NFC", quote)
        if not (c.isspace() or c in _BLANK or unicodedata.category(c)[0] in "CMZ")
    ]
    if not visible:
        return "holds no visible character (only white space or invisible characters)"
    if not any(unicodedata.category(c)[0] in "LN" for c in visible):
        return "holds no letter or digit"
    if len(visible) == 1:
        return f"is a single character ({visible[0]!r})"
    return None


_ASCII_ALNUM = re.compile("[A-Za-z0-9]")


def _positions(
    snapshot: Snapshot, quote: str, prefix: str | None, suffix: str | None
) -> tuple[list[int], int]:
    """Where (in the normalised text) the normalised quote starts, and its length."""
    text = snapshot.matchable[0]
    q = _normalise(quote, False)[0].strip()
    if not q or quote_problem(quote) is not None:
        return [], 0
    p = _normalise(prefix, False)[0].strip() if prefix else ""
    s = _normalise(suffix, False)[0].strip() if suffix else ""
    found: list[int] = []
    size = len(text)
    pos = text.find(q)
    while pos != -1:
        end = pos + len(q)
        ok = True
        if p:  # the text before the quote, less white space, ends with the prefix
            e = pos
            while e and text[e - 1] == " ":  # a normalised text's only white space is " "
                e -= 1
            ok = text.endswith(p, 0, e)
        if ok and s:  # the text after it, less white space, starts with the suffix
            b = end
            while b < size and text[b] == " ":
                b += 1
            ok = text.startswith(s, b)
        if ok and _whole(snapshot, pos, len(q)):
            found.append(pos)
        pos = text.find(q, pos + 1)
    return found, len(q)


class SnapshotIndex:
    """The snapshots in a folder, by SHA-256. Symlinks are not followed."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.by_hash: dict[str, Snapshot] = {}
        self.problems: list[tuple[str, str]] = []  # (path, why)
        if not self.folder.is_dir():
            raise NotADirectoryError(f"snapshot folder not found: {folder}")
        for dirpath, dirnames, filenames in os.walk(self.folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                path = Path(dirpath, name)
                try:
                    data = read_regular(path, MAX_SNAPSHOT_BYTES)
                except NotARegularFile as exc:
                    self.problems.append((str(path), f"is {exc.what}"))
                    continue
                except FileTooLarge:
                    self.problems.append((str(path), "is larger than 64 MiB"))
                    continue
                except OSError as exc:
                    self.problems.append((str(path), f"cannot be read ({exc.strerror or exc})"))
                    continue
                digest = hashlib.sha256(data).hexdigest()
                if digest not in self.by_hash:  # quotes are matched in the bytes hashed here
                    self.by_hash[digest] = Snapshot(digest, path, _data=data)

    def get(self, sha256: str) -> Snapshot | None:
        return self.by_hash.get(sha256)
