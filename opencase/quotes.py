"""Source snapshots and quote matching.

Snapshots are plain-text files found by the SHA-256 of their raw bytes in a snapshot folder.
A quote is matched against its snapshot after both are normalised the same way:

- Unicode NFKD, character by character (so ``é`` = ``e`` + combining accent, ``ﬁ`` = ``fi``,
  a non-breaking space = a space);
- typographic single quotes and apostrophes (‘ ’ ‚ ‛ ′) = ``'``, double quotes (“ ” „ ‟ ″) = ``"``;
- hyphens and dashes (‐ ‑ ‒ – — ― −) = ``-``;
- any run of white space (including non-breaking spaces) = one space, and none around a dash
  (``town—and`` matches ``town - and``).

Offsets are kept in characters (Unicode code points) of the original text, as in the W3C Web
Annotation ``TextPositionSelector``: ``text[start:end]`` is the matched passage.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .safeio import FileTooLarge, NotARegularFile, read_regular

__all__ = ["Match", "Snapshot", "SnapshotIndex", "find_quote", "normalise"]

_QUOTES = {c: "'" for c in "\u2018\u2019\u201a\u201b\u2032"}
_QUOTES.update({c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"})
_DASHES = {c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"}
_ODD_SPACE = re.compile(r"\s\s|[^\S ]")
MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024


@lru_cache(maxsize=4096)
def _norm_char(c: str) -> str:
    if c in _QUOTES:
        return _QUOTES[c]
    if c in _DASHES:
        return _DASHES[c]
    if c.isspace() or c in "\u200b\ufeff":
        return " "
    n = unicodedata.normalize("NFKD", c)
    if n != c:
        return "".join(_norm_char(x) if x != c else x for x in n)
    return c


def normalise(text: str) -> tuple[str, list[int]]:
    """Normalise ``text`` for matching; also return, for each output character, its index in
    ``text`` (white space runs collapse to their first character)."""
    if text.isascii() and not _ODD_SPACE.search(text) and "-" not in text:
        return text, list(range(len(text)))
    out: list[str] = []
    idx: list[int] = []
    for i, c in enumerate(text):
        for n in _norm_char(c):
            if n == " ":
                if out and out[-1] in " -":
                    continue  # collapse runs, and no space after a dash
            elif n == "-" and out and out[-1] == " ":
                out.pop()  # no space before a dash
                idx.pop()
            out.append(n)
            idx.append(i)
    return "".join(out), idx


@dataclass(frozen=True, slots=True)
class Match:
    """Where a quote was found: ``[start, end)`` in the snapshot's characters."""

    start: int
    end: int


@dataclass
class Snapshot:
    sha256: str
    path: Path
    _text: str | None = field(default=None, repr=False)
    _norm: tuple[str, list[int]] | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = read_regular(self.path, MAX_SNAPSHOT_BYTES).decode("utf-8")
        return self._text

    @property
    def normalised(self) -> tuple[str, list[int]]:
        if self._norm is None:
            self._norm = normalise(self.text)
        return self._norm


def find_quote(
    snapshot: Snapshot, quote: str, prefix: str | None = None, suffix: str | None = None
) -> list[Match]:
    """Every place ``quote`` occurs in the snapshot that fits ``prefix``/``suffix``."""
    text, idx = snapshot.normalised
    q = normalise(quote)[0].strip()
    if not q:
        return []
    p = normalise(prefix)[0].strip() if prefix else ""
    s = normalise(suffix)[0].strip() if suffix else ""
    found: list[Match] = []
    pos = text.find(q)
    while pos != -1:
        end = pos + len(q)
        ok = (not p or text[:pos].rstrip().endswith(p)) and (
            not s or text[end:].lstrip().startswith(s)
        )
        if ok:
            found.append(Match(idx[pos], idx[end - 1] + 1))
        pos = text.find(q, pos + 1)
    return found


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
                    digest = hashlib.sha256(read_regular(path, MAX_SNAPSHOT_BYTES)).hexdigest()
                except NotARegularFile as exc:
                    self.problems.append((str(path), f"is {exc.what}"))
                    continue
                except FileTooLarge:
                    self.problems.append((str(path), "is larger than 64 MiB"))
                    continue
                except OSError as exc:
                    self.problems.append((str(path), f"cannot be read ({exc.strerror or exc})"))
                    continue
                self.by_hash.setdefault(digest, Snapshot(digest, path))

    def get(self, sha256: str) -> Snapshot | None:
        return self.by_hash.get(sha256)
