"""Source coverage: which sentences of each source no record cites yet.

``coverage(records, snapshots)`` validates the records (see :func:`opencase.validate`), splits
the snapshot of every source that has one into sentences, and sorts each sentence into one of:

- **cited**: at least one citation quote found in that snapshot overlaps the sentence (a quote
  of a few words covers its sentence; a quote spanning several sentences covers them all;
  secondary sources cited ``via`` a snapshot count for that snapshot);
- **marked**: not cited, but the source lists it under ``uncited:`` with a reason (a headline
  repeated as a sub-heading, a caption...); the marked passage must span the whole sentence;
- **not cited**: what a curator still has to look at.

Sentence splitting is deliberately simple and predictable (no NLP model):

1. Every line is a block: a headline, a sub-heading, a paragraph. A sentence never runs across
   a line break, so snapshots keep one paragraph per line. Blank lines are skipped.
2. Within a line, a sentence ends at ``.``, ``!``, ``?`` or ``…`` (with any closing quotes or
   brackets right after it) when white space follows and the next word does not start with a
   lowercase letter.
3. Except after a common abbreviation (``Mr.``, ``Dr.``, ``St.``, ``e.g.``, months...), a single
   capital initial (``J. Smith``) or a word holding a dot (``U.S.``).
4. A "sentence" without any letter or digit (``* * *``) is not counted.

Offsets are characters of the snapshot text (as in the ``citations`` table); a sentence's
``line`` and ``column`` are 1-based.
"""

from __future__ import annotations

import json
import math
import os
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import accumulate, pairwise
from pathlib import Path
from typing import Any

from opencase.codes import Code
from opencase.errors import InvalidArgument
from opencase.reading.files import RecordSet, display_path
from opencase.report import Report, github_annotation
from opencase.validation.quotes import SnapshotIndex

__all__ = [
    "CoverageReport",
    "Sentence",
    "SentenceStatus",
    "SourceCoverage",
    "coverage",
    "split_sentences",
]

ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "mx", "dr", "prof", "rev", "st", "sr", "jr", "gen", "col", "capt", "lt",
    "sgt", "insp", "supt", "det", "ch", "cllr", "hon", "vs", "etc", "eg", "ie", "cf", "approx",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "fig",
})
"""Words (lowercase, without their dot) after which a ``.`` does not end a sentence."""

_LINE = re.compile(r"[^\r\n\u2028\u2029\x85]+")
_END = re.compile(r"[.!?\u2026]+[\"'\u2019\u201d\u203a\u00bb)\]]*(?=\s)")
_NEXT = re.compile(r"\s*(\S)")
_ALNUM = re.compile(r"\w")
_OPENERS = "\"'\u2018\u201c\u2039\u00ab([{"


def _ends_sentence(line: str, m: re.Match[str]) -> bool:
    nxt = _NEXT.match(line, m.end())  # (no copies of the rest: lines may be long)
    if nxt is None or nxt.group(1).islower():
        return False
    if line[m.start()] != "." or (m.end() - m.start() > 1 and line[m.start() + 1] == "."):
        return True  # ! ? … and ellipses "..." always end, when a capital follows
    words = line[max(0, m.start() - 40) : m.start()].rsplit(None, 1)
    if not words or line[m.start() - 1].isspace():
        return True
    w = words[-1].lstrip(_OPENERS)
    if not w:
        return True
    if w.lower() in ABBREVIATIONS or "." in w:
        return False
    return not (len(w) == 1 and w.isupper())


def split_sentences(text: str) -> list[tuple[int, int]]:
    """The ``[start, end)`` character spans of the sentences (and heading lines) of ``text``.

    Spans hold no surrounding white space; see the module documentation for the rules.
    """
    spans: list[tuple[int, int]] = []
    for lm in _LINE.finditer(text):
        line, base = lm.group(), lm.start()
        cuts = [0]
        cuts.extend(m.end() for m in _END.finditer(line) if _ends_sentence(line, m))
        cuts.append(len(line))
        for s, e in pairwise(cuts):
            seg = line[s:e]
            if not _ALNUM.search(seg):
                continue
            lead = len(seg) - len(seg.lstrip())
            spans.append((base + s + lead, base + s + len(seg.rstrip())))
    return spans


# ---------------------------------------------------------------- the report


class SentenceStatus(StrEnum):
    CITED = "cited"
    MARKED = "marked"
    NOT_CITED = "not-cited"


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a snapshot: where it is, its text, and whether it is covered."""

    start: int
    end: int
    line: int
    column: int
    text: str
    status: SentenceStatus
    reason: str | None = None  # for a marked sentence: why it is not cited
    mark: int | None = None  # for a marked sentence: its index in the source's `uncited`

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "line": self.line,
            "column": self.column,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }
        if self.status is SentenceStatus.MARKED:
            out["reason"] = self.reason
            out["mark"] = self.mark
        return out


@dataclass
class SourceCoverage:
    """The coverage of one source's snapshot."""

    source: str
    sha256: str
    snapshot: str  # the snapshot file, as shown in messages
    sentences: list[Sentence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # marks that cover nothing, stale marks

    def _count(self, status: SentenceStatus) -> int:
        return sum(1 for s in self.sentences if s.status is status)

    @property
    def total(self) -> int:
        return len(self.sentences)

    @property
    def cited(self) -> int:
        return self._count(SentenceStatus.CITED)

    @property
    def marked(self) -> int:
        return self._count(SentenceStatus.MARKED)

    @property
    def not_cited(self) -> int:
        return self._count(SentenceStatus.NOT_CITED)

    @property
    def share(self) -> float:
        """Covered (cited or marked) sentences over all sentences; 1.0 for an empty text."""
        return (self.total - self.not_cited) / self.total if self.total else 1.0

    @property
    def complete(self) -> bool:
        return self.not_cited == 0

    def uncited_sentences(self) -> list[Sentence]:
        return [s for s in self.sentences if s.status is SentenceStatus.NOT_CITED]

    def marked_sentences(self) -> list[Sentence]:
        return [s for s in self.sentences if s.status is SentenceStatus.MARKED]

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "sha256": self.sha256,
            "snapshot": self.snapshot,
            "sentences": self.total,
            "cited": self.cited,
            "marked": self.marked,
            "not_cited": self.not_cited,
            "share": round(self.share, 6),
            "complete": self.complete,
            "uncited_sentences": [s.as_dict() for s in self.uncited_sentences()],
            "marked_sentences": [s.as_dict() for s in self.marked_sentences()],
            "notes": list(self.notes),
        }


def _percent(share: float) -> str:
    """A share as a percentage, rounded down: 100.0% only when everything is covered."""
    return f"{math.floor(share * 1000) / 10:.1f}%"


@dataclass
class CoverageReport:
    """The coverage of every source that has a snapshot, and the validation behind it.

    ``ok`` is true when the records are valid, every source's snapshot was found (and read)
    and every sentence is cited or marked.
    """

    sources: list[SourceCoverage] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # sources without a readable snapshot
    validation: Report = field(default_factory=Report)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sources)

    @property
    def cited(self) -> int:
        return sum(s.cited for s in self.sources)

    @property
    def marked(self) -> int:
        return sum(s.marked for s in self.sources)

    @property
    def not_cited(self) -> int:
        return sum(s.not_cited for s in self.sources)

    @property
    def share(self) -> float:
        return (self.total - self.not_cited) / self.total if self.total else 1.0

    @property
    def complete(self) -> bool:
        return self.not_cited == 0 and not self.missing

    @property
    def ok(self) -> bool:
        return self.complete and self.validation.ok

    def source(self, source_id: str) -> SourceCoverage:
        for s in self.sources:
            if s.source == source_id:
                return s
        raise KeyError(source_id)

    def summary(self) -> str:
        verdict = "complete" if self.complete else "incomplete"
        return (
            f"coverage {verdict}: {_percent(self.share)} of {self.total} sentences in "
            f"{len(self.sources)} source{'s' * (len(self.sources) != 1)} covered "
            f"({self.cited} cited, {self.marked} marked uncited, {self.not_cited} not cited)"
        )

    # ---- output formats

    def _validation_lines(self) -> list[str]:
        v = self.validation
        if v.ok:
            return []
        lines = [f"{i.where()}: {i.severity} {i.code} {i.message}" for i in v.sorted()
                 if i.severity == "error"]
        lines.append(f"the records are invalid ({len(v.errors)} errors); coverage counts only "
                     "the citations that validated")
        return lines

    def format_text(self) -> str:
        out = self._validation_lines()
        for sid in self.missing:
            out.append(f"source {sid!r}: no readable snapshot with its sha256 in the snapshot "
                       "folder; its coverage is unknown")
        for sc in self.sources:
            out.append(
                f"{sc.source}: {_percent(sc.share)} of {sc.total} sentences covered "
                f"({sc.cited} cited, {sc.marked} marked uncited, {sc.not_cited} not cited) "
                f"in {sc.snapshot}"
            )
            for s in sc.uncited_sentences():
                out.append(f"  {sc.snapshot}:{s.line}:{s.column}: not cited: {s.text}")
            for s in sc.marked_sentences():
                out.append(f"  {sc.snapshot}:{s.line}:{s.column}: marked uncited: {s.text}")
                out.append(f"      reason: {s.reason}")
            out.extend(f"  note: {n}" for n in sc.notes)
        out.append(self.summary())
        return "\n".join(out)

    def as_dict(self) -> dict[str, Any]:
        v = self.validation
        return {
            "complete": self.complete,
            "ok": self.ok,
            "sentences": self.total,
            "cited": self.cited,
            "marked": self.marked,
            "not_cited": self.not_cited,
            "share": round(self.share, 6),
            "sources": [s.as_dict() for s in self.sources],
            "missing_snapshots": list(self.missing),
            "validation": {
                "valid": v.ok,
                "errors": len(v.errors),
                "warnings": len(v.warnings),
                "issues": [i.as_dict() for i in v.sorted()],
            },
        }

    def format_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)

    def format_github(self) -> str:
        out = [
            github_annotation(i.severity.value, i.code, i.message, file=i.file, line=i.line,
                              column=i.column)
            for i in self.validation.sorted()
        ]
        for sid in self.missing:
            out.append(github_annotation("warning", Code.SNAPSHOT_MISSING,
                                         f"source {sid}: no snapshot; its coverage is unknown"))
        for sc in self.sources:
            for s in sc.uncited_sentences():
                out.append(github_annotation(
                    "warning", "uncited-sentence",
                    f"{sc.source} line {s.line}: no record cites {s.text!r}"))
        out.append(self.summary())
        return "\n".join(out)

    def format(self, fmt: str) -> str:
        """The report as ``text``, ``json`` or ``github`` (workflow annotations)."""
        return getattr(self, f"format_{fmt}")()


# ---------------------------------------------------------------- computing it


def _overlaps(intervals: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Starts (sorted) and the running maximum of ends, for overlap look-ups."""
    intervals = sorted(intervals)
    starts = [s for s, _ in intervals]
    max_end = list(accumulate((e for _, e in intervals), max))
    return starts, max_end


def _core(text: str, start: int, end: int) -> tuple[int, int]:
    """The span from the first to the last letter or digit of ``text[start:end]``."""
    first, last = start, end - 1
    while first < last and not text[first].isalnum():
        first += 1
    while last > first and not text[last].isalnum():
        last -= 1
    return first, last + 1


def _source_coverage(
    sid: str, sha: str, text: str, snapshot: str,
    cites: list[tuple[int, int]], marks: list[tuple[int, int, int, str]],
) -> SourceCoverage:
    sc = SourceCoverage(sid, sha, snapshot)
    c_starts, c_max_end = _overlaps(cites)
    marks = sorted(marks)
    m_starts = [m[0] for m in marks]
    # for each prefix of marks (by start), the one reaching furthest
    best: list[int] = []
    for k, m in enumerate(marks):
        best.append(k if not best or m[1] > marks[best[-1]][1] else best[-1])
    used: set[int] = set()
    stale: set[int] = set()
    line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|[\n\r\u2028\u2029\x85]", text)]
    for start, end in split_sentences(text):
        cs, ce = _core(text, start, end)
        k = bisect_left(c_starts, ce)
        cited = k > 0 and c_max_end[k - 1] > cs
        j = bisect_right(m_starts, cs)
        mark = marks[best[j - 1]] if j > 0 and marks[best[j - 1]][1] >= ce else None
        line = bisect_right(line_starts, start)
        col = start - line_starts[line - 1] + 1
        if cited:
            if mark is not None:
                stale.add(mark[2])
            sc.sentences.append(Sentence(start, end, line, col, text[start:end],
                                         SentenceStatus.CITED))
        elif mark is not None:
            used.add(mark[2])
            sc.sentences.append(Sentence(start, end, line, col, text[start:end],
                                         SentenceStatus.MARKED, mark[3], mark[2]))
        else:
            sc.sentences.append(Sentence(start, end, line, col, text[start:end],
                                         SentenceStatus.NOT_CITED))
    for s, e, i, _ in sorted(marks, key=lambda m: m[2]):
        if i in used:
            continue
        short = text[s:e] if e - s <= 60 else text[s : s + 57] + "..."
        if i in stale:
            sc.notes.append(f"uncited[{i}] {short!r} is cited by a record now; remove the mark")
        else:
            sc.notes.append(f"uncited[{i}] {short!r} spans no whole sentence, so it marks "
                            "nothing; quote the whole sentence")
    return sc


def coverage(
    records: str | os.PathLike[str] | RecordSet = "records",
    snapshots: str | os.PathLike[str] | SnapshotIndex | None = None,
    *,
    config: str | os.PathLike[str] | None = None,
) -> CoverageReport:
    """How much of each source's snapshot the records cite, sentence by sentence.

    ``records`` is validated first (:func:`opencase.validate`); only the citations whose quotes
    were found count. ``snapshots`` (the snapshot folder) is required. Raises
    :class:`FileNotFoundError` / :class:`NotADirectoryError` if either folder is missing.
    ``config``: the dataset's package.yaml, as for :func:`opencase.validate`.
    """
    from opencase.language.models import Source
    from opencase.validation.validate import validate

    if snapshots is None:
        raise InvalidArgument("coverage needs the snapshot folder (snapshots=...)")
    index = snapshots if isinstance(snapshots, SnapshotIndex) else SnapshotIndex(Path(snapshots))
    report = validate(records, index, config=config)
    dataset = report.dataset
    result = CoverageReport(validation=report)

    by_sha: dict[str, list[tuple[int, int]]] = {}
    for check in dataset.all_citations():
        if check.match is not None and check.sha256 is not None:
            by_sha.setdefault(check.sha256, []).append((check.match.start, check.match.end))

    sources = sorted((r for r in dataset.records.get("sources", []) if isinstance(r, Source)),
                     key=lambda r: r.id)
    for src in sources:
        if src.sha256 is None:
            continue
        snap = index.get(src.sha256)
        try:
            text = snap.text if snap is not None else None
        except (OSError, UnicodeDecodeError):  # validation reports why, on its quotes
            text = None
        if snap is None or text is None:
            result.missing.append(src.id)
            continue
        marks = []
        for i, passage in enumerate(src.uncited):
            check = dataset.uncited.get((src.id, i))
            if check is not None and check.match is not None:
                marks.append((check.match.start, check.match.end, i, passage.reason))
        result.sources.append(_source_coverage(
            src.id, src.sha256, text, display_path(snap.path),
            by_sha.get(src.sha256, []), marks,
        ))
    return result
