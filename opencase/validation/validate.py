"""Validation: every check on a set of records, collected into one :class:`Report`.

``validate(records, snapshots)`` reads the record files (:mod:`opencase.reading.files`),
checks that ids are unique, validates the sources and corrections against their models (what
the checks of every record need to know), then takes each record in turn: it is validated
once against its model (:mod:`opencase.validation.model_check`), then checked: references
(:mod:`opencase.validation.references`), citations and quotes
(:mod:`opencase.validation.citations`, those of name variants and reported values too), that
citations state the numbers, dates and names they back (:mod:`opencase.validation.evidence`),
reported values and unknown or not-applicable fields (:mod:`opencase.validation.reported`),
people's identity and name variants (:mod:`opencase.validation.identity`), corrections'
justification and record (:mod:`opencase.validation.corrections`). When only the issues are
asked for, a large dataset's records are taken in two halves at once
(:mod:`opencase.validation.halves`). Nothing stops at the first problem. The validated
records, and where each quote was found, are kept on ``report.dataset`` for publishing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from opencase.codes import Code
from opencase.language.casemodel import CaseModel
from opencase.language.models import (
    MODEL_VERSION,
    Correction,
    Person,
    Proceeding,
    Record,
    Source,
)
from opencase.reading.files import RawRecord, RecordSet, read_records
from opencase.report import Report
from opencase.validation.citations import (
    check_citations,
    check_cite_list,
    check_shared_snapshots,
    check_snapshots,
    check_uncited,
)
from opencase.validation.corrections import (
    check_correction,
    check_new_values,
    held_value,
    wanted_values,
)
from opencase.validation.declared import declared_model
from opencase.validation.evidence import check_evidence
from opencase.validation.halves import in_two
from opencase.validation.identity import check_names, check_person
from opencase.validation.kinds import class_info
from opencase.validation.model_check import Valid, check_model
from opencase.validation.quotes import SnapshotIndex
from opencase.validation.references import check_ids, check_proceeding, check_refs
from opencase.validation.reported import check_reported, check_statuses
from opencase.validation.salvage import Partial
from opencase.validation.validated import CitationCheck, Dataset

__all__ = ["CitationCheck", "Dataset", "validate"]


def validate(
    records: str | os.PathLike[str] | RecordSet = "records",
    snapshots: str | os.PathLike[str] | SnapshotIndex | None = None,
    *,
    strict: bool = False,
    dataset: bool = True,
    config: str | os.PathLike[str] | None = None,
) -> Report:
    """Check every record under ``records`` and return a :class:`Report` of all problems.

    ``snapshots`` is the folder holding the source snapshots (found by SHA-256); without it,
    quotes are not verified and each source with a hash gets a ``snapshot-missing`` warning.
    ``strict`` turns every warning into an error. Raises :class:`FileNotFoundError` if
    ``records`` or ``snapshots`` does not exist (an unusable input, not an invalid one).

    ``dataset=False`` asks only for the issues (``report.dataset`` is then ``None``): each
    record's model object is then dropped once checked, and quotes that occur once are only
    counted, not located.

    ``config`` is the dataset's package.yaml (default: the one beside ``records``, if any),
    whose ``model`` and ``extensions`` say which case model the records are checked against
    (see :mod:`opencase.validation.declared`).
    """
    return _explain_cascades(_validate(records, snapshots, strict=strict, dataset=dataset,
                                       config=config))


_UNREAD = frozenset({
    Code.YAML_SYNTAX, Code.YAML_TOO_DEEP, Code.TOO_MANY_PROBLEMS, Code.UNKNOWN_KIND,
    Code.NOT_A_MAPPING,
    Code.NOT_A_LIST, Code.ENCODING, Code.CONTROL_CHARACTER, Code.IO_ERROR, Code.FILE_TOO_LARGE,
    Code.NOT_A_REGULAR_FILE,
})


def _explain_cascades(report: Report) -> Report:
    """When some records could not be read, references to them fail too: say so on each
    ``unknown-reference``, so that the cause is fixed first."""
    unread = sorted({i.file for i in report.issues if i.code in _UNREAD and i.file})
    if unread and any(i.code == Code.UNKNOWN_REFERENCE for i in report.issues):
        named = ", ".join(unread[:3]) + (f" and {len(unread) - 3} more" if len(unread) > 3 else "")
        note = f" (some records in {named} could not be read: fix the errors there first)"
        report.issues = [
            replace(i, message=i.message + note) if i.code == Code.UNKNOWN_REFERENCE else i
            for i in report.issues
        ]
    return report


def _validate(
    records: str | os.PathLike[str] | RecordSet,
    snapshots: str | os.PathLike[str] | SnapshotIndex | None,
    *,
    strict: bool,
    dataset: bool = True,
    config: str | os.PathLike[str] | None = None,
) -> Report:
    report = Report(strict=strict)
    rs = records if isinstance(records, RecordSet) else read_records(records)
    index = _index(snapshots)
    case_model = declared_model(rs.root, config, report)
    for issue in rs.issues:
        report.add(issue.code, issue.message, file=issue.file, line=issue.line,
                   column=issue.column, record_id=issue.record_id, field=issue.field,
                   severity=issue.severity)
    if index is not None:
        for path, why in index.problems:
            report.add(Code.SNAPSHOT_UNREADABLE, f"snapshot file {path} {why}", file=path)
    if any(i.code == Code.MODEL_OUTDATED for i in report.issues):
        _newer_fields(report, rs.records)
    owner = check_ids(report, rs.records)
    kind_of = {rid: raw.kind for rid, raw in owner.items()}
    # sources and corrections first: the checks of every record need to know them
    early: dict[int, Record | Partial | None] = {}  # by id() of the raw record
    valid: Valid = []  # those of them that passed, in file order
    for raw in rs.records:
        if raw.kind in _EARLY and not raw.tainted:
            rec = early[id(raw)] = check_model(report, raw, case_model.kinds[raw.kind])
            if isinstance(rec, Record):
                valid.append((raw, rec))
    sources: dict[str, str | None] = {}  # the first valid source of each id, in file order
    for _, rec in valid:
        if isinstance(rec, Source):
            sources.setdefault(rec.id, rec.sha256)
    check_shared_snapshots(report, valid)
    checks = _Checks(kind_of, sources, index, case_model, wanted_values(valid), early, strict)
    data = Dataset(snapshots=index, case_model=case_model) if dataset else None
    if data is None:  # issues only: a large dataset is checked in two halves at once
        results = in_two(rs.records, _work, checks.run)
    else:
        results = [checks.run(rs.records, data)]
    now: dict[tuple[str, str], Any] = {}
    for found, values in results:
        report.extend(found.issues)
        report.omitted.extend(found.omitted)
        now.update(values)
    check_new_values(report, [(raw, rec) for raw, rec in valid if isinstance(rec, Correction)],
                     now)
    check_snapshots(report, sorted(sources.items()), owner, index)
    report.stats = {"files": len(rs.files), "records": len(rs.records)}
    report.dataset = data
    return report


_EARLY = frozenset({"sources", "corrections"})


def _work(raw: RawRecord) -> int:
    """How much checking a record takes, roughly: its citations (quotes are most of it)."""
    cite = raw.data.get("cite")
    return 1 + (len(cite) if isinstance(cite, list) else 0)


@dataclass(frozen=True)
class _Checks:
    """What the checks of each record need to know of the whole dataset."""

    kind_of: dict[str, str]  # the kind of each id
    sources: dict[str, str | None]  # the sha256 of each valid source, by id
    index: SnapshotIndex | None
    case_model: CaseModel
    wanted: dict[str, set[str]]  # the fields corrections give a new value of, by record id
    early: dict[int, Record | Partial | None]  # the records checked against their model first
    strict: bool

    def run(self, records: Sequence[RawRecord], data: Dataset | None = None,
            ) -> tuple[Report, dict[tuple[str, str], Any]]:
        """Check each record: its model, then (if it passes) its references, citations and
        the rest, else what can still be checked of it. Return what it found, and the values of
        the fields corrections name (by record id and field, as ``held_value`` gives them).
        The records that pass go into ``data`` (if any), with where their quotes are."""
        report = Report(strict=self.strict)
        now: dict[tuple[str, str], Any] = {}
        kinds = self.case_model.kinds
        for raw in records:
            if raw.tainted:  # its YAML problem is reported; its fields would only echo it
                continue
            rec = (self.early[id(raw)] if id(raw) in self.early
                   else check_model(report, raw, kinds[raw.kind]))
            if not isinstance(rec, Record):
                if rec is not None:
                    self._partial(report, raw, rec, kinds[raw.kind])
                continue
            if rec.id in self.wanted:
                for name in self.wanted[rec.id] & type(rec).model_fields.keys():
                    now[(rec.id, name)] = held_value(getattr(rec, name))
            self._check(report, raw, rec, data)
            if data is not None:
                data.records.setdefault(raw.kind, []).append(rec)
        return report, now

    def _check(self, report: Report, raw: RawRecord, rec: Record, data: Dataset | None,
               ) -> None:
        check_refs(report, raw, rec, self.kind_of)
        check_citations(report, raw, rec, self.kind_of, self.sources, self.index, data)
        check_evidence(report, raw, rec)
        if isinstance(rec, Source) and rec.uncited:
            check_uncited(report, raw, rec, self.index, data)
        _check_structure(report, raw, rec, self.kind_of, self.case_model.kinds)

    def _partial(self, report: Report, raw: RawRecord, part: Partial,
                 model: type[Record]) -> None:
        """What can be checked of a record that failed its model."""
        kind_of, sources, index = self.kind_of, self.sources, self.index
        check_refs(report, raw, part, kind_of, model)
        if part.cite:
            check_cite_list(report, raw, model, part.cite, kind_of, sources, index)
        for name in class_info(model).nested_cites:
            for n, item in enumerate(getattr(part, name)):
                if item is not None and item.cite:
                    check_cite_list(report, raw, model, item.cite, kind_of, sources, index,
                                    (name, n))


_EVERY_KIND = ("reported", "unknown", "not_applicable")
MODEL_2_FIELDS = {
    "people": (*_EVERY_KIND, "names", "title", "rank", "office"),
    "organisations": (*_EVERY_KIND, "names"),
    "groups": (*_EVERY_KIND, "names"),
    "proceedings": (*_EVERY_KIND, "names", "parties", "links"),
}
"""The record fields that case model 2 added, by kind (the first three on every kind)."""


def _newer_fields(report: Report, records: list[RawRecord]) -> None:
    """``model-features-newer`` at the first record that uses a field of case model 2 in a
    dataset whose package.yaml says model 1 (once: the fix is one line of package.yaml)."""
    for raw in records:
        used = [k for k in MODEL_2_FIELDS.get(raw.kind, _EVERY_KIND) if k in raw.data]
        if used:
            line, column = raw.locate((used[0],))
            report.add(Code.MODEL_FEATURES_NEWER,
                       f"{used[0]}: a field of case model {MODEL_VERSION}, but package.yaml "
                       "says the records are written for model 1; run `opencase migrate`",
                       file=raw.file.display, line=line, column=column, record_id=raw.id,
                       field=used[0])
            return


def _index(snapshots: str | os.PathLike[str] | SnapshotIndex | None) -> SnapshotIndex | None:
    if isinstance(snapshots, SnapshotIndex) or snapshots is None:
        return snapshots
    return SnapshotIndex(Path(snapshots))


def _check_structure(report: Report, raw: RawRecord, rec: Record, kind_of: dict[str, str],
                     kinds: Mapping[str, type[Record]]) -> None:
    """Reported values, unknown and not-applicable fields, name variants, a person's identity,
    a proceeding's parties and links, and a correction's justification and record (each
    skipped at once when the record has none)."""
    if rec.reported:
        check_reported(report, raw, rec, kind_of)
    if rec.unknown or rec.not_applicable:
        check_statuses(report, raw, rec)
    if class_info(type(rec)).named:  # (getattr of a field a model lacks: microseconds)
        names = getattr(rec, "names", None)
        if names:
            check_names(report, raw, rec, names)
    if isinstance(rec, Person):
        check_person(report, raw, rec)
    elif isinstance(rec, Proceeding):
        check_proceeding(report, raw, rec, kind_of)
    elif isinstance(rec, Correction):
        check_correction(report, raw, rec, kind_of, kinds)
