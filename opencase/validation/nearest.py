"""The passages of a snapshot nearest to a quote that is not in it, and what differs.

Used by validation (``quote-not-found`` names the nearest passage) and by ``opencase find``
(the nearest passages to an absent phrase). Both sides are compared folded, as quotes are
matched (:mod:`opencase.validation.folding`), so that only what matching does not forgive
counts as a difference: a typographic quote or a double space never does, a comma, a letter
or its case always.

How (rapidfuzz, imported only when a search is made):

1. Windows of the folded snapshot as long as the quote, one every quarter of its length, are
   scored by ``fuzz.ratio``, and the best places kept (each at least half a quote away from a
   better one). A snapshot longer than :data:`WHOLE_TEXT` characters is searched only around
   the places where one of the quote's four longest words occurs (at most
   :data:`MAX_ANCHORS` places), so that the work stays bounded however large the snapshot;
   a quote longer than :data:`MAX_QUOTE` characters is not looked for.
2. Around each place, the quote's best alignment (``fuzz.partial_ratio_alignment``) is
   widened or narrowed to whole words, whichever is more alike, and scored by ``fuzz.ratio``
   (100: the same text). Overlapping passages count once; those under :data:`CUTOFF` are
   dropped.
3. The differences are marked word by word (words, punctuation marks and spaces are the
   units, compared with :mod:`difflib`): ``[-2-]{+23+}`` is ``2`` in the quote where the
   source has ``23``; ``{+,+}`` a comma the quote leaves out; ``[-the-]`` a word the source
   does not have there.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from dataclasses import dataclass

from opencase.validation.folding import fold
from opencase.validation.quotes import Snapshot

__all__ = [
    "CUTOFF", "MAX_ANCHORS", "MAX_QUOTE", "WHOLE_TEXT", "Lines", "Nearest", "line_column",
    "nearest_passages",
]

CUTOFF = 70
"""The least similarity (0-100, rapidfuzz's ``fuzz.ratio``) of a passage shown as nearest."""

WHOLE_TEXT = 1_000_000
"""Snapshots up to this many (folded) characters are searched whole; longer ones only around
the quote's words."""

MAX_ANCHORS = 2_000
"""In a longer snapshot, the most places (occurrences of the quote's words) searched around."""

MAX_QUOTE = 2_000
"""Quotes longer than this (folded) are not looked for: no nearest passage."""

_ANCHOR_WORDS = 4  # the quote's longest words looked for in a longer snapshot
_TOKEN = re.compile(r"\w+|[^\w\s]|\s+")


@dataclass(frozen=True, slots=True)
class Nearest:
    """A passage of a snapshot near a quote: ``text[start:end]`` of the snapshot, where it
    is (1-based ``line`` and ``column``), how alike it is (``similarity``, 0-100), and the
    folded quote and passage it was compared as."""

    start: int
    end: int
    line: int
    column: int
    text: str
    similarity: int
    quote: str
    passage: str

    def marked(self, context: int | None = None) -> str:
        """The passage, with what differs from the quote marked: ``[-in the quote-]`` and
        ``{+in the source+}``. ``context``: keep only that many words on each side of each
        difference (``...`` for the rest); ``None``: the whole passage."""
        a, b = _TOKEN.findall(self.quote), _TOKEN.findall(self.passage)
        ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        out: list[str] = []
        for n, (op, i1, i2, j1, j2) in enumerate(ops):
            if op == "equal":
                out.append(_kept("".join(b[j1:j2]), context, n == 0, n == len(ops) - 1))
                continue
            if i2 > i1:
                out.append(f"[-{''.join(a[i1:i2])}-]")
            if j2 > j1:
                out.append(f"{{+{''.join(b[j1:j2])}+}}")
        return "".join(out)


    def hint(self, width: int = 160) -> str:
        """One phrase for a message: where the passage is, how alike, and what differs (a few
        words around each difference, at most about ``width`` characters)."""
        marked = self.marked(context=4)
        if len(marked) > width:
            marked = marked[:width - 3] + "..."
        return (f"nearest passage (line {self.line}, column {self.column}, {self.similarity}% "
                f"alike), [-quote-]{{+source+}}: {marked!r}")


def _kept(same: str, context: int | None, first: bool, last: bool) -> str:
    """The unchanged text between two differences, cut to ``context`` words each side."""
    if context is None:
        return same
    words = same.split(" ")
    if first and last:
        return same
    if first:
        return same if len(words) <= context + 1 else "... " + " ".join(words[-context - 1:])
    if last:
        return same if len(words) <= context + 1 else " ".join(words[:context + 1]) + " ..."
    if len(words) <= 2 * context + 2:
        return same
    return " ".join(words[:context + 1]) + " ... " + " ".join(words[-context - 1:])


class Lines:
    """The 1-based line and column of positions of one text, as every opencase command gives
    them (coverage, find, the quote hints): lines end at ``\n`` (so ``\r\n`` too; a lone
    ``\r`` or U+2028 is no line end, as for ``grep -n``), and a byte order mark takes no
    column. The line starts are found once, for as many look-ups as needed."""

    def __init__(self, text: str) -> None:
        self._starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
        self._bom = text.startswith("\ufeff")

    def at(self, pos: int) -> tuple[int, int]:
        line = bisect_right(self._starts, pos)
        column = pos - self._starts[line - 1] + 1
        if line == 1 and pos > 0 and self._bom:
            column -= 1
        return line, column


_NEWLINE = re.compile("\n")


def line_column(text: str, pos: int) -> tuple[int, int]:
    """The line and column of character ``pos`` of ``text`` (see :class:`Lines`)."""
    return Lines(text).at(pos)


def nearest_passages(snapshot: Snapshot, quote: str, *, limit: int = 3) -> list[Nearest]:
    """The (at most ``limit``) passages of ``snapshot`` most alike ``quote``, best first (the
    earlier of two equally alike); none under :data:`CUTOFF`, and none for a quote longer than
    :data:`MAX_QUOTE` characters. See the module documentation. Raises ``OSError`` /
    ``UnicodeDecodeError`` if the snapshot cannot be read."""
    from rapidfuzz import fuzz, process

    q = fold(quote).strip()
    norm, where = snapshot.matchable
    size = len(q)
    if not q or not norm or size > MAX_QUOTE:
        return []
    step = max(size // 4, 1)
    last = max(len(norm) - size, 0)
    if len(norm) <= WHOLE_TEXT:
        starts = [*range(0, last + 1, step), *([last] if last % step else [])]
    else:
        starts = _anchored(norm, q, step)
    windows = [norm[s:s + size] for s in starts]
    # the best windows, each at least half a quote away from a better one
    areas: list[int] = []
    for _, _, k in process.extract(q, windows, scorer=fuzz.ratio, limit=20 * limit,
                                   score_cutoff=CUTOFF // 2):
        if all(abs(starts[k] - a) > size // 2 for a in areas):
            areas.append(starts[k])
            if len(areas) == 3 * limit:
                break
    found: list[tuple[int, int, int]] = []  # (similarity, start, end) in the folded text
    for a in areas:
        base = max(a - size // 2, 0)
        at = fuzz.partial_ratio_alignment(q, norm[base:a + size + size // 2])
        if at is not None:
            span = _whole_words(norm, q, base + at.dest_start, base + at.dest_end)
            if span is not None and norm[span[1]:span[2]] != q:  # (not found: never the same)
                found.append(span)
    found.sort(key=lambda f: (-f[0], f[1]))
    chosen: list[tuple[int, int, int]] = []
    for score, a, b in found:
        if score >= CUTOFF and all(b <= c or a >= d for _, c, d in chosen):
            chosen.append((score, a, b))
            if len(chosen) == limit:
                break
    if not chosen:
        return []
    text = snapshot.text
    lines = Lines(text)
    out = []
    for score, a, b in chosen:
        start, end = where(a), where(b - 1) + 1
        line, column = lines.at(start)
        out.append(Nearest(start, end, line, column, text[start:end], score, q, norm[a:b]))
    return out


def _anchored(norm: str, q: str, step: int) -> list[int]:
    """The window starts around the places where the quote's longest words occur (at most
    :data:`MAX_ANCHORS` places, the earliest of each word): every window of the quote's length
    that holds such a place."""
    words = sorted(set(re.findall(r"\w{3,}", q)), key=lambda w: (-len(w), w))
    if not words:
        words = sorted(set(q.split()), key=lambda w: (-len(w), w))
    words = words[:_ANCHOR_WORDS]
    if not words:
        return []
    size, last = len(q), max(len(norm) - len(q), 0)
    starts: set[int] = set()
    for w in words:
        pos, n = norm.find(w), 0
        while pos != -1 and n < MAX_ANCHORS // len(words):
            starts.update(min(max(s, 0), last) for s in range(pos - size, pos + 1, step))
            n += 1
            pos = norm.find(w, pos + 1)
    return sorted(starts)


def _whole_words(norm: str, q: str, a: int, b: int) -> tuple[int, int, int] | None:
    """``[a, b)`` of ``norm`` widened to the whole words it cuts, or narrowed to leave them
    out (each end, whichever is more alike ``q``), without white space at either end; with its
    similarity to ``q``."""
    from rapidfuzz import fuzz

    def wider_start(x: int) -> int:
        while 0 < x < len(norm) and norm[x - 1].isalnum() and norm[x].isalnum():
            x -= 1
        return x

    def narrower_start(x: int) -> int:
        while 0 < x < b and norm[x - 1].isalnum() and norm[x].isalnum():
            x += 1
        return x

    def wider_end(y: int) -> int:
        while 0 < y < len(norm) and norm[y - 1].isalnum() and norm[y].isalnum():
            y += 1
        return y

    def narrower_end(y: int) -> int:
        while a < y < len(norm) and norm[y - 1].isalnum() and norm[y].isalnum():
            y -= 1
        return y

    best: tuple[int, int, int] | None = None
    for x in {wider_start(a), narrower_start(a)}:
        for y in {wider_end(b), narrower_end(b)}:
            while x < y and norm[x] == " ":
                x += 1
            while y > x and norm[y - 1] == " ":
                y -= 1
            if y <= x:
                continue
            score = int(fuzz.ratio(q, norm[x:y]))
            if best is None or score > best[0]:
                best = (score, x, y)
    return best
