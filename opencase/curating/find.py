"""``opencase find``: where a phrase occurs in the sources' snapshots, and how to cite it.

:func:`find` looks for a phrase in the snapshot of every source of the records (or of one),
by the very rules validation matches quotes by (:func:`opencase.validation.quotes.find_quote`:
typography and white space folded, whole passages only), and gives:

- every occurrence: the source, the line and column in its snapshot, and the text around it;
- for a phrase that occurs more than once in a source, for each occurrence the shortest
  ``prefix`` (the words right before it) or ``suffix`` (the words right after it) with which
  it occurs once: the whole words nearest to it, one more at a time, each tried with
  ``find_quote`` itself, up to :data:`MAX_WORDS` words;
- for a phrase found nowhere, the nearest passages (:mod:`opencase.validation.nearest`, as
  ``quote-not-found`` names them), with what differs;
- a ready-to-paste ``cite:`` entry for each occurrence that can be cited (:meth:`Found.cite`):
  the source's own words for the quote, and the prefix or suffix it needs, checked again with
  ``find_quote``.

Sources known only through another (no ``sha256`` of their own) have no snapshot to search: a
passage quoted from them is in the snapshot of the source that quotes them, which is its
``source`` here. At most :data:`MAX_SHOWN` occurrences are listed per source.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opencase.curating.newfiles import yaml_scalar
from opencase.errors import InvalidArgument
from opencase.reading.files import display_path, read_records
from opencase.reading.formulas import formula_start
from opencase.validation.nearest import Lines, Nearest, nearest_passages
from opencase.validation.quotes import Match, Snapshot, SnapshotIndex, find_quote, quote_problem

__all__ = ["MAX_SHOWN", "MAX_WORDS", "FindResult", "Found", "Occurrence", "find"]

MAX_SHOWN = 20
"""The most occurrences listed per source (and given a prefix or suffix)."""

MAX_WORDS = 12
"""The most words a suggested prefix or suffix may have."""

_CONTEXT = 40  # characters of context shown on each side of an occurrence (on its line)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One place a phrase occurs: ``text[start:end]`` of the source's snapshot, at ``line``
    and ``column`` (1-based); the text of its line ``before`` and ``after`` it (at most 40
    characters each); the ``quote`` to cite (the source's own words, its white space made
    single spaces); the ``prefix`` or ``suffix`` that makes it the only match (when the
    phrase occurs more than once in the source), and whether it can be cited at all
    (``citable``: false when no prefix or suffix of up to :data:`MAX_WORDS` words tells it
    apart)."""

    source: str
    snapshot: str
    start: int
    end: int
    line: int
    column: int
    text: str
    before: str
    after: str
    quote: str
    prefix: str | None = None
    suffix: str | None = None
    citable: bool = True

    def cite(self) -> dict[str, str] | None:
        """The citation of this passage (``source``, ``quote``, and ``prefix`` or ``suffix``
        if needed), or ``None`` if it cannot be told apart."""
        if not self.citable:
            return None
        out = {"source": self.source, "quote": self.quote}
        if self.prefix is not None:
            out["prefix"] = self.prefix
        if self.suffix is not None:
            out["suffix"] = self.suffix
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "snapshot": self.snapshot, "line": self.line,
            "column": self.column, "start": self.start, "end": self.end, "text": self.text,
            "quote": self.quote, "before": self.before, "after": self.after, "prefix": self.prefix,
            "suffix": self.suffix, "citable": self.citable, "cite": self.cite(),
        }


@dataclass(frozen=True, slots=True)
class Found:
    """A passage near an absent phrase, in a source's snapshot."""

    source: str
    snapshot: str
    nearest: Nearest

    def as_dict(self) -> dict[str, Any]:
        n = self.nearest
        return {"source": self.source, "snapshot": self.snapshot, "line": n.line,
                "column": n.column, "start": n.start, "end": n.end, "text": n.text,
                "similarity": n.similarity, "marked": n.marked()}


@dataclass
class FindResult:
    """What :func:`find` found. ``ok``: the phrase occurs, and every occurrence listed can be
    cited (it is the only one in its source, or a prefix or suffix makes it so)."""

    phrase: str
    searched: list[str] = field(default_factory=list)  # the ids of the sources searched
    occurrences: list[Occurrence] = field(default_factory=list)
    truncated: list[str] = field(default_factory=list)  # sources with more than MAX_SHOWN
    nearest: list[Found] = field(default_factory=list)  # when the phrase occurs nowhere
    unreadable: list[str] = field(default_factory=list)  # snapshots not UTF-8: not searched

    @property
    def ok(self) -> bool:
        return (bool(self.occurrences) and not self.truncated
                and all(o.citable for o in self.occurrences))

    def summary(self) -> str:
        """One line: where the phrase was found, or that it was not."""
        if not self.occurrences:
            where = (f"in {self.searched[0]!r}" if len(self.searched) == 1
                     else f"in any of {len(self.searched)} sources")
            near = "; the nearest passages are above" if self.nearest else ""
            return f"not found {where}{near}"
        counts: dict[str, int] = {}
        for o in self.occurrences:
            counts[o.source] = counts.get(o.source, 0) + 1
        parts = [f"{_times(n, sid in self.truncated)} in {sid!r}" for sid, n in counts.items()]
        out = "found " + ", ".join(parts)
        if any(n > 1 for n in counts.values()):
            stuck = sum(not o.citable for o in self.occurrences)
            out += ("; each is unique with the prefix or suffix shown" if not stuck else
                    f"; {stuck} cannot be told apart by a prefix or suffix (or both) of up to "
                    f"{MAX_WORDS} words (the same words around them): cite a longer passage")
        if self.truncated:
            out += f" (the first {MAX_SHOWN} shown: cite a longer passage)"
        return out

    def format_text(self) -> str:
        lines = [f"note: snapshot {u} cannot be read as UTF-8 text; not searched"
                 for u in self.unreadable]
        for o in self.occurrences:
            lines.append(f"{o.snapshot}:{o.line}:{o.column}: {o.source}: "
                         f"{o.before}[{o.quote}]{o.after}")
            if o.prefix is not None and o.suffix is not None:
                lines.append(f"  unique with prefix: {o.prefix}  and suffix: {o.suffix}")
            elif o.prefix is not None:
                lines.append(f"  unique with prefix: {o.prefix}")
            elif o.suffix is not None:
                lines.append(f"  unique with suffix: {o.suffix}")
            elif not o.citable:
                lines.append("  no prefix or suffix (nor both) tells it apart")
        if self.nearest:
            lines.append("nearest passages, [-phrase-]{+source+}:")
            for f in self.nearest:
                n = f.nearest
                lines.append(f"{f.snapshot}:{n.line}:{n.column}: {f.source} "
                             f"({n.similarity}% alike): {n.marked()}")
        lines.append(self.summary())
        return "\n".join(lines)

    def format_json(self) -> str:
        return json.dumps({
            "phrase": self.phrase,
            "ok": self.ok,
            "sources": self.searched,
            "occurrences": [o.as_dict() for o in self.occurrences],
            "truncated": self.truncated,
            "nearest": [f.as_dict() for f in self.nearest],
            "unreadable": self.unreadable,
        }, indent=2, ensure_ascii=False)

    def format(self, fmt: str) -> str:
        """The result as ``text`` or ``json``."""
        return self.format_json() if fmt == "json" else self.format_text()

    def cite_yaml(self) -> str:
        """A ``cite:`` list item for each occurrence that can be cited, ready to paste under a
        record's ``cite:``; each after a comment saying where it is when there are several (a
        comment alone for one that cannot be told apart)."""
        citable = [o for o in self.occurrences if o.citable]
        out: list[str] = []
        for o in self.occurrences:
            entry = o.cite()
            if entry is None:
                out.append(f"# {o.snapshot}:{o.line}:{o.column}: no prefix or suffix (nor both) "
                           "tells it apart")
                continue
            if len(citable) > 1 or len(citable) < len(self.occurrences):
                out.append(f"# {o.snapshot}:{o.line}:{o.column}")
            lead = "- "
            for key, value in entry.items():
                out.append(f"{lead}{key}: {yaml_scalar(value)}")
                lead = "  "
        for sid in self.truncated:
            out.append(f"# only the first {MAX_SHOWN} occurrences in {sid!r} are listed: cite a "
                       "longer passage")
        return "\n".join(out)


def _times(n: int, more: bool) -> str:
    if more:
        return f"more than {MAX_SHOWN} times"
    return "once" if n == 1 else f"{n} times"


def find(
    phrase: str,
    records: str | os.PathLike[str] = "records",
    snapshots: str | os.PathLike[str] | SnapshotIndex | None = None,
    *,
    source: str | None = None,
) -> FindResult:
    """Where ``phrase`` occurs in the snapshots of the sources of ``records`` (only in that
    of ``source``, if given), as validation would match it as a quote; see the module
    documentation.

    Raises :class:`~opencase.errors.InvalidArgument` when ``snapshots`` is not given, when
    the phrase could not be a quote (``quote-meaningless``), when ``source`` is no source of
    the records or has no snapshot there, or when no source has its snapshot there;
    :class:`FileNotFoundError` / :class:`NotADirectoryError` for a missing folder.
    """
    if snapshots is None:
        raise InvalidArgument("find needs the snapshot folder (--snapshots DIR)")
    why = quote_problem(phrase)
    if why is not None:
        raise InvalidArgument(f"the phrase {phrase!r} {why}: it could not be a quote; give "
                              "the words to look for")
    index = snapshots if isinstance(snapshots, SnapshotIndex) else SnapshotIndex(Path(snapshots))
    texts = _snapshots(records, index, source)
    result = FindResult(phrase)
    for sid, snap in texts:
        try:
            found = find_quote(snap, phrase, limit=MAX_SHOWN + 1)
        except (OSError, UnicodeDecodeError):
            if source is not None:
                raise InvalidArgument(f"the snapshot of {source!r} ({display_path(snap.path)}) "
                                      "cannot be read as UTF-8 text") from None
            result.unreadable.append(display_path(snap.path))
            continue
        result.searched.append(sid)
        if len(found) > MAX_SHOWN:
            result.truncated.append(sid)
            found = found[:MAX_SHOWN]
        lines = Lines(snap.text)
        for m in found:
            result.occurrences.append(_occurrence(sid, snap, phrase, m, lines,
                                                  several=len(found) > 1))
    if not result.occurrences:
        near = [Found(sid, display_path(snap.path), n)
                for sid, snap in texts if sid in result.searched
                for n in nearest_passages(snap, phrase)]
        order = {sid: k for k, sid in enumerate(result.searched)}
        near.sort(key=lambda f: (-f.nearest.similarity, order[f.source], f.nearest.start))
        result.nearest = near[:3]
    return result


def _snapshots(
    records: str | os.PathLike[str], index: SnapshotIndex, only: str | None
) -> list[tuple[str, Snapshot]]:
    """The sources of ``records`` (the first of each id, in file order) whose snapshot is in
    ``index``, with it; only ``only``, if given."""
    rs = read_records(records)
    shas: dict[str, str | None] = {}
    for raw in rs.records:
        sid = raw.id
        if raw.kind == "sources" and sid is not None and sid not in shas:
            sha = raw.data.get("sha256")
            shas[sid] = sha.lower() if isinstance(sha, str) else None
    if only is not None:
        if only not in shas:
            known = ", ".join(sorted(shas)) or "none"
            raise InvalidArgument(f"no source {only!r} in {display_path(rs.root)} "
                                  f"(sources: {known})")
        sha = shas[only]
        if sha is None:
            raise InvalidArgument(f"source {only!r} has no snapshot of its own (no sha256); "
                                  "a passage quoted from it is in the snapshot of the source "
                                  "that quotes it: look there")
        snap = index.get(sha)
        if snap is None:
            raise InvalidArgument(f"no snapshot of source {only!r} (sha256 {sha[:12]}...) in "
                                  f"{index.folder}")
        return [(only, snap)]
    out = []
    for sid, sha in shas.items():
        snap = index.get(sha) if sha else None
        if snap is not None:
            out.append((sid, snap))
    if not out:
        unread = " (some record files cannot be read: run `opencase validate`)" if any(
            i.severity == "error" for i in rs.issues) else ""
        raise InvalidArgument(f"no source of {display_path(rs.root)} has its snapshot in "
                              f"{index.folder}; check --records and --snapshots{unread}")
    return out


def _occurrence(sid: str, snap: Snapshot, phrase: str, m: Match, lines: Lines, *,
                several: bool) -> Occurrence:
    text = snap.text
    line, column = lines.at(m.start)
    start_of_line = text.rfind("\n", 0, m.start) + 1
    end_of_line = text.find("\n", m.end)
    end_of_line = len(text) if end_of_line == -1 else end_of_line
    before = text[max(start_of_line, m.start - _CONTEXT):m.start]
    after = text[m.end:min(end_of_line, m.end + _CONTEXT)].rstrip("\r")
    if m.start - _CONTEXT > start_of_line:  # cut: from the first whole word
        before = "..." + before[before.find(" ") + 1:]
    if m.end + _CONTEXT < end_of_line:  # cut: up to the last whole word
        after = after[:after.rfind(" ")] + "..." if " " in after.strip() else after + "..."
    prefix = suffix = None
    citable = True
    if several:
        prefix, suffix = _telling_apart(snap, phrase, m)
        citable = prefix is not None or suffix is not None
    quote = " ".join(text[m.start:m.end].split())
    if find_quote(snap, quote, prefix, suffix, limit=2) != [m]:
        quote = phrase  # the source's own words do not match as the phrase does: cite it
    return Occurrence(sid, display_path(snap.path), m.start, m.end, line, column,
                      text[m.start:m.end], before, after, quote, prefix, suffix, citable)


def _telling_apart(snap: Snapshot, phrase: str, m: Match) -> tuple[str | None, str | None]:
    """The shortest prefix or suffix with which ``phrase`` matches only at ``m``: the fewest
    whole words of the source right before or after it (at most :data:`MAX_WORDS`, holding a
    letter or digit: never a lone comma; never starting as a spreadsheet formula, which
    validation would flag), then the fewest characters, a prefix when both are as short; else
    both, the fewest words in all; ``(None, None)`` when nothing does."""
    text = snap.text
    words_before = text[max(0, m.start - 40 * MAX_WORDS):m.start].split()
    words_after = text[m.end:m.end + 40 * MAX_WORDS].split()

    def fit(cand: str) -> bool:  # a letter or digit (never a lone comma), no formula start
        return any(c.isalnum() for c in cand) and formula_start(cand) is None

    def first(words: list[str], before: bool) -> tuple[int, str] | None:
        for k in range(1, min(len(words), MAX_WORDS) + 1):
            cand = " ".join(words[-k:] if before else words[:k])
            if not fit(cand):
                continue
            pre, suf = (cand, None) if before else (None, cand)
            if find_quote(snap, phrase, pre, suf, limit=2) == [m]:
                return k, cand
        return None

    prefix, suffix = first(words_before, True), first(words_after, False)
    if prefix is not None and (suffix is None or (prefix[0], len(prefix[1]))
                               <= (suffix[0], len(suffix[1]))):
        return prefix[1], None
    if suffix is not None:
        return None, suffix[1]
    # neither alone: both, the fewest words in all first
    most_before, most_after = min(len(words_before), MAX_WORDS), min(len(words_after), MAX_WORDS)
    for total in range(2, most_before + most_after + 1):
        for kb in range(max(1, total - most_after), min(most_before, total - 1) + 1):
            pre = " ".join(words_before[-kb:])
            suf = " ".join(words_after[:total - kb])
            if fit(pre) and fit(suf) and find_quote(snap, phrase, pre, suf, limit=2) == [m]:
                return pre, suf
    return None, None
