"""Source snapshots and quote matching.

Snapshots are plain-text files found by the SHA-256 of their raw bytes in a snapshot folder.
The text a quote is checked against is decoded from the very bytes that were hashed (the file
is read once). A quote is matched against its snapshot after both are folded the same way
(:mod:`opencase.validation.folding`: typography, white space and compatibility forms may differ;
words,
numbers and case may not).

A match counts only where the source says exactly that (:func:`find_quote`): it begins and ends
on whole characters of the source (never inside the expansion of a ligature, a precomposed
letter or ``≠``) and never inside a token, judged on the source's own characters
(:mod:`opencase.validation.boundaries`: not inside a word or number, not between a character and its
combining marks). A quote must carry meaning (:func:`quote_problem`).

Offsets are kept in characters (Unicode code points) of the snapshot decoded as UTF-8, a byte
order mark and carriage returns kept, as in the W3C Web Annotation ``TextPositionSelector``:
``text[start:end]`` is exactly the matched passage.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from opencase.errors import NotAFolder
from opencase.safeio import FileTooLarge, NotARegularFile, read_regular
from opencase.validation.boundaries import splits_token
from opencase.validation.folding import Offsets, fold, fold_mapped, normalise

__all__ = [
    "Match", "Offsets", "Snapshot", "SnapshotIndex", "count_quote", "find_quote", "normalise",
    "quote_problem",
]

MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024


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
            self._norm = fold_mapped(self.text)
        return self._norm


def find_quote(
    snapshot: Snapshot,
    quote: str,
    prefix: str | None = None,
    suffix: str | None = None,
    *,
    limit: int | None = None,
) -> list[Match]:
    """Every place ``quote`` occurs in the snapshot that fits ``prefix``/``suffix`` and
    starts and ends at a boundary of the source's own text (see the module docstring), or the
    first ``limit`` of them. A quote that :func:`quote_problem` refuses is found nowhere."""
    where = snapshot.matchable[1]
    found, size = _positions(snapshot, quote, prefix, suffix, limit)
    return [Match(where(pos), where(pos + size - 1) + 1) for pos in found]


def count_quote(
    snapshot: Snapshot,
    quote: str,
    prefix: str | None = None,
    suffix: str | None = None,
    *,
    limit: int | None = None,
) -> int:
    """How many places :func:`find_quote` would give (counting up to ``limit``), without
    working out their offsets."""
    return len(_positions(snapshot, quote, prefix, suffix, limit)[0])


# Letters that show nothing (Hangul fillers, the Braille blank, the Arabic tatweel)
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800\u0640")


def _whole(snapshot: Snapshot, pos: int, size: int) -> bool:
    """Whether the normalised match ``[pos, pos + size)`` is a passage of the source in its own
    right: it begins and ends on whole source characters (not inside the expansion of a
    ligature, a precomposed letter, ``≠``...), and neither boundary splits a token."""
    text = snapshot.text
    norm, where = snapshot.matchable
    if where.identity:  # (a text normalising leaves as it is)
        return not (splits_token(text, pos) or splits_token(text, pos + size))
    start, last = where(pos), where(pos + size - 1)
    if pos > 0 and where(pos - 1) == start:
        return False  # starts inside the expansion of text[start]
    if pos + size < len(norm) and where(pos + size) == last:
        return False  # ends inside the expansion of text[last]
    return not (splits_token(text, start) or splits_token(text, last + 1))


def quote_problem(quote: str) -> str | None:
    """Why ``quote`` cannot be a quote, or ``None``: a quote must carry meaning, so it needs a
    letter or digit and more than one visible character. (Such a quote would "occur" in almost
    any text, or inside any word.)"""
    if quote.isascii():  # (most quotes: no character-by-character look)
        bare = quote.strip()
        if len(bare) > 1 and bare.isprintable() and _ASCII_ALNUM.search(bare):
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
    snapshot: Snapshot, quote: str, prefix: str | None, suffix: str | None, limit: int | None
) -> tuple[list[int], int]:
    """Where (in the folded text) the folded quote starts (the first ``limit`` places), and its
    length."""
    text = snapshot.matchable[0]
    q = fold(quote).strip()
    if not q or quote_problem(quote) is not None:
        return [], 0
    p = fold(prefix).strip() if prefix else ""
    s = fold(suffix).strip() if suffix else ""
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
            if len(found) == limit:
                break
        pos = text.find(q, pos + 1)
    return found, len(q)


class SnapshotIndex:
    """The snapshots in a folder, by SHA-256. Symlinks are not followed."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.by_hash: dict[str, Snapshot] = {}
        self.problems: list[tuple[str, str]] = []  # (path, why)
        if not self.folder.is_dir():
            raise NotAFolder(f"snapshot folder not found: {folder}")
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
