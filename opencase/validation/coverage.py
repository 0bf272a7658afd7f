"""Source coverage: how much of each source's text the records cite, and what they do not.

``coverage(records, snapshots)`` validates the records (see :func:`opencase.validate`) and
measures, for every source with a snapshot, the share of its **letters** (every character for
which ``str.isalnum`` is true: letters and digits of any script; spaces and punctuation do not
count) that lie in

- a **cited** passage: the matched span of a citation quote found in that snapshot (a secondary
  source cited ``via`` the snapshot counts for that snapshot), or
- a **marked** passage: one the source lists under ``uncited:`` with a reason (any passage: a
  headline repeated as a sub-heading, a caption, a byline...). Letters both cited and marked
  count as cited.

So a few words quoted from a paragraph cover those words, not the paragraph. The rest is
listed as **uncovered passages**: the maximal runs of text that no cited or marked passage
covers, cut at sentence boundaries (one passage is at most one sentence, see
:func:`split_sentences`) and trimmed to their first and last letter; a run holding no letter
is not listed. A mark every letter of which is cited is stale: a note says so.

The computation is linear in the text: the spans are sorted and merged, and letters are
counted slice by slice (in C), never character by character in Python.

Sentence splitting is deliberately simple and predictable (no NLP model):

1. Every line is a block: a headline, a sub-heading, a paragraph. A sentence never runs across
   a line break, so snapshots keep one paragraph per line. Blank lines are skipped.
2. Within a line, a sentence ends at ``.``, ``!``, ``?`` or ``…`` (with any closing quotes or
   brackets right after it) when white space follows and the next word does not start with a
   lowercase letter.
3. Except after a common abbreviation (``Mr.``, ``Dr.``, ``St.``, ``e.g.``, months...), a single
   capital initial (``J. Smith``) or a word holding a dot (``U.S.``).
4. A "sentence" without any letter or digit (``* * *``) is not counted.

Offsets are characters of the snapshot text (as in the ``citations`` table), ``end``
exclusive; a passage's ``line`` and ``column`` are 1-based and counted as every opencase
command counts them (:func:`opencase.validation.nearest.line_column`: lines end at ``\n``, a
byte order mark takes no column).
"""

from __future__ import annotations

import heapq
import json
import math
import os
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from opencase.codes import Code
from opencase.errors import InvalidArgument
from opencase.reading.files import RecordSet, display_path
from opencase.report import Report, github_annotation
from opencase.validation.nearest import Lines
from opencase.validation.quotes import SnapshotIndex

__all__ = [
    "CoverageReport",
    "Passage",
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


@dataclass(frozen=True, slots=True)
class Passage:
    """A passage of a snapshot that no record cites or marks: ``text[start:end]``."""

    start: int
    end: int
    line: int
    column: int
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "line": self.line,
                "column": self.column, "text": self.text}


@dataclass
class SourceCoverage:
    """The coverage of one source's snapshot, in letters (``str.isalnum`` characters)."""

    source: str
    sha256: str
    snapshot: str  # the snapshot file, as shown in messages
    letters: int = 0
    covered_cited: int = 0  # letters inside a cited passage
    covered_marked: int = 0  # letters inside a marked (`uncited:`) passage and no cited one
    uncovered: list[Passage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # stale marks

    @property
    def covered(self) -> int:
        return self.covered_cited + self.covered_marked

    @property
    def share(self) -> float:
        """Covered letters over all letters; 1.0 for a text without any."""
        return self.covered / self.letters if self.letters else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "snapshot": self.snapshot,
            "letters": self.letters,
            "covered_cited": self.covered_cited,
            "covered_marked": self.covered_marked,
            "share": round(self.share, 6),
            "uncovered": [p.as_dict() for p in self.uncovered],
            "notes": list(self.notes),
        }


def _percent(share: float) -> str:
    """A share as a percentage, rounded down: 100.0% only when everything is covered."""
    return f"{math.floor(share * 1000) / 10:.1f}%"


def _threshold(minimum: float) -> str:
    return f"{minimum:g}%"


@dataclass
class CoverageReport:
    """The coverage of every source that has a snapshot, and the validation behind it.

    ``minimum`` is the least share (a percentage, 0-100) every source must reach. ``ok`` is
    true when the records are valid, every source's snapshot was found (and read) and no
    source is below ``minimum``.
    """

    sources: list[SourceCoverage] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # sources without a readable snapshot
    validation: Report = field(default_factory=Report)
    minimum: float = 100.0

    @property
    def letters(self) -> int:
        return sum(s.letters for s in self.sources)

    @property
    def covered_cited(self) -> int:
        return sum(s.covered_cited for s in self.sources)

    @property
    def covered_marked(self) -> int:
        return sum(s.covered_marked for s in self.sources)

    @property
    def share(self) -> float:
        """Covered letters over all letters of all sources (1.0 when there are none)."""
        covered = self.covered_cited + self.covered_marked
        return covered / self.letters if self.letters else 1.0

    @property
    def below(self) -> list[SourceCoverage]:
        """The sources whose share is below ``minimum``."""
        return [s for s in self.sources if s.share * 100 < self.minimum]

    @property
    def ok(self) -> bool:
        return not self.below and not self.missing and self.validation.ok

    def source(self, source_id: str) -> SourceCoverage:
        for s in self.sources:
            if s.source == source_id:
                return s
        raise KeyError(source_id)

    def _below_messages(self) -> list[str]:
        return [f"source {s.source!r}: {_percent(s.share)} of its letters covered, below the "
                f"minimum {_threshold(self.minimum)}" for s in self.below]

    def summary(self) -> str:
        n = len(self.sources)
        verdict = (f"below the minimum {_threshold(self.minimum)} in {len(self.below)} of {n} "
                   f"source{'s' * (n != 1)}" if self.below
                   else f"at least {_threshold(self.minimum)} in every source")
        m = len(self.missing)
        missing = f"; {m} source{'s' * (m != 1)} without a readable snapshot" if m else ""
        covered = self.covered_cited + self.covered_marked
        uncovered = sum(len(s.uncovered) for s in self.sources)
        return (
            f"coverage {_percent(self.share)}, {verdict}: {covered} of {self.letters} letters "
            f"covered ({self.covered_cited} cited, {self.covered_marked} marked uncited), "
            f"{uncovered} passages uncovered{missing}"
        )

    # ---- output formats

    def _validation_lines(self) -> list[str]:
        v = self.validation
        if v.ok:
            return []
        lines = [f"{i.where()}: {i.severity} {i.code} {i.message}" for i in v.sorted()
                 if i.severity == "error"]
        errors = f"{v.error_count} error{'s' if v.error_count != 1 else ''}"
        lines.append(f"the records are invalid ({errors}); coverage counts only "
                     "the citations that validated")
        return lines

    def format_text(self) -> str:
        out = self._validation_lines()
        for sid in self.missing:
            out.append(f"source {sid!r}: no readable snapshot with its sha256 in the snapshot "
                       "folder; its coverage is unknown")
        for sc in self.sources:
            out.append(
                f"{sc.source}: {sc.covered}/{sc.letters} letters covered, {_percent(sc.share)} "
                f"({sc.covered_cited} cited, {sc.covered_marked} marked uncited) in {sc.snapshot}"
            )
            for p in sc.uncovered:
                out.append(f"  {sc.snapshot}:{p.line}:{p.column}: not covered: {p.text}")
            out.extend(f"  note: {n}" for n in sc.notes)
        out.extend(self._below_messages())
        out.append(self.summary())
        return "\n".join(out)

    def as_dict(self) -> dict[str, Any]:
        v = self.validation
        return {
            "ok": self.ok,
            "minimum": self.minimum,
            "letters": self.letters,
            "covered_cited": self.covered_cited,
            "covered_marked": self.covered_marked,
            "share": round(self.share, 6),
            "below_minimum": [s.source for s in self.below],
            "sources": {s.source: s.as_dict() for s in self.sources},
            "missing_snapshots": list(self.missing),
            "validation": {
                "valid": v.ok,
                "errors": v.error_count,
                "warnings": v.warning_count,
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
            for p in sc.uncovered:
                out.append(github_annotation(
                    "warning", Code.PASSAGE_UNCOVERED,
                    f"{sc.source} line {p.line} column {p.column}: no record cites or marks "
                    f"{p.text!r}"))
        out.extend(github_annotation("error", Code.COVERAGE_BELOW_MINIMUM, m)
                   for m in self._below_messages())
        out.append(self.summary())
        return "\n".join(out)

    def format(self, fmt: str) -> str:
        """The report as ``text``, ``json`` or ``github`` (workflow annotations)."""
        return getattr(self, f"format_{fmt}")()


# ---------------------------------------------------------------- computing it

_ALNUM_CHAR = re.compile(r"[^\W_]")  # \w is str.isalnum() or "_"
_ALNUM_RUN = re.compile(r"[^\W_]+")


def _letters(text: str, start: int, end: int) -> int:
    """How many ``str.isalnum`` characters ``text[start:end]`` holds (counted in C)."""
    return sum(map(len, _ALNUM_RUN.findall(text, start, end)))


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of ``[start, end)`` spans, given sorted, as sorted, disjoint, non-touching
    spans."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        elif s < e:
            out.append((s, e))
    return out


def _gaps(merged: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """The complement of ``merged`` spans in ``[0, length)``."""
    cuts = [0, *(x for span in merged for x in span), length]
    return [(s, e) for s, e in zip(cuts[::2], cuts[1::2], strict=True) if s < e]


def _intersect(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The intersection of two sorted lists of disjoint spans (a linear merge)."""
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _core(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span from the first to the last letter or digit of ``text[start:end]``, if any."""
    first = _ALNUM_CHAR.search(text, start, end)
    if first is None:
        return None
    last = end - 1
    while not text[last].isalnum():  # only the punctuation at the end is walked
        last -= 1
    return first.start(), last + 1


def _cited_letters(merged: list[tuple[int, int]], text: str, start: int, end: int) -> int:
    """Letters of ``text[start:end]`` inside the ``merged`` spans."""
    k = max(0, bisect_right(merged, (start, start)) - 1)
    n = 0
    while k < len(merged) and merged[k][0] < end:
        s, e = max(merged[k][0], start), min(merged[k][1], end)
        if s < e:
            n += _letters(text, s, e)
        k += 1
    return n


def _source_coverage(
    sid: str, sha: str, text: str, snapshot: str,
    cites: list[tuple[int, int]], marks: list[tuple[int, int, int]],
) -> SourceCoverage:
    # cited, marked-only and uncovered spans partition the text: each letter is counted once
    cited = _merge(sorted(cites))
    covered = _merge(heapq.merge(cited, sorted((s, e) for s, e, _ in marks)))
    gaps = _gaps(covered, len(text))
    marked = _intersect(_gaps(cited, len(text)), covered)
    sc = SourceCoverage(sid, sha, snapshot)
    sc.covered_cited = sum(_letters(text, s, e) for s, e in cited)
    sc.covered_marked = sum(_letters(text, s, e) for s, e in marked)
    sc.letters = sc.covered_cited + sc.covered_marked + sum(_letters(text, s, e) for s, e in gaps)
    lines = Lines(text)
    for s, e in _intersect(gaps, split_sentences(text)):
        core = _core(text, s, e)
        if core is None:
            continue
        line, column = lines.at(core[0])
        sc.uncovered.append(Passage(core[0], core[1], line, column, text[core[0]:core[1]]))
    for s, e, i in sorted(marks, key=lambda m: m[2]):
        if _cited_letters(cited, text, s, e) == _letters(text, s, e):
            short = text[s:e] if e - s <= 60 else text[s : s + 57] + "..."
            sc.notes.append(f"uncited[{i}] {short!r} is cited by a record now; remove the mark")
    return sc


def coverage(
    records: str | os.PathLike[str] | RecordSet = "records",
    snapshots: str | os.PathLike[str] | SnapshotIndex | None = None,
    *,
    config: str | os.PathLike[str] | None = None,
    minimum: float = 100.0,
) -> CoverageReport:
    """How much of each source's snapshot the records cite or mark, in letters.

    ``records`` is validated first (:func:`opencase.validate`); only the citations whose quotes
    were found count. ``snapshots`` (the snapshot folder) is required. ``minimum``: the least
    share, in percent, each source must reach for the report to be ``ok`` (default 100).
    Raises :class:`FileNotFoundError` / :class:`NotADirectoryError` if either folder is missing.
    ``config``: the dataset's package.yaml, as for :func:`opencase.validate`.
    """
    from opencase.language.models import Source
    from opencase.validation.validate import validate

    if snapshots is None:
        raise InvalidArgument("coverage needs the snapshot folder (snapshots=...)")
    if not 0 <= minimum <= 100:
        raise InvalidArgument(f"the minimum coverage is a percentage from 0 to 100, not "
                              f"{minimum:g}")
    index = snapshots if isinstance(snapshots, SnapshotIndex) else SnapshotIndex(Path(snapshots))
    report = validate(records, index, config=config)
    dataset = report.dataset
    result = CoverageReport(validation=report, minimum=minimum)

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
        for i in range(len(src.uncited)):
            check = dataset.uncited.get((src.id, i))
            if check is not None and check.match is not None:
                marks.append((check.match.start, check.match.end, i))
        result.sources.append(_source_coverage(
            src.id, src.sha256, text, display_path(snap.path),
            by_sha.get(src.sha256, []), marks,
        ))
    return result
