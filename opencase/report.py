"""Findings as data: :class:`Issue` (a stable code, severity, message, location) and
:class:`Report`.

Every code opencase can emit is listed in :data:`CODES` with its default severity, what it
means and how to fix it; ``docs/issue-codes.md`` is generated from that table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["CODES", "Code", "Issue", "Report", "Severity"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    severity: Severity
    meaning: str
    fix: str


def _codes(*rows: tuple[str, str, str, str]) -> dict[str, Code]:
    return {c: Code(c, Severity(s), m, f) for c, s, m, f in rows}


CODES: dict[str, Code] = _codes(
    # --- files and YAML
    (
        "io-error",
        "error",
        "A file or folder could not be read.",
        "Check the path exists and is readable.",
    ),
    (
        "file-too-large",
        "error",
        "A record file is larger than the size limit.",
        "Split it into several files under records/.",
    ),
    (
        "not-a-regular-file",
        "error",
        "A path under the records folder is a symbolic link, FIFO, socket or device; opencase "
        "reads only regular files and follows no link below the folder it is given.",
        "Replace the link with the file itself (or a copy), or remove it.",
    ),
    ("encoding", "error", "A file is not valid UTF-8 text.", "Re-save the file as UTF-8."),
    (
        "control-character",
        "error",
        "A file holds a control character (NUL, ESC, ...), raw or made by an escape in a "
        "double-quoted value (\"\\0\", \"\\e\").",
        "Delete the character or the escape; a raw one is invisible in most editors.",
    ),
    (
        "yaml-syntax",
        "error",
        "The file is not valid YAML.",
        "Fix the syntax at the given line (indentation, a missing colon, an unclosed quote).",
    ),
    (
        "yaml-duplicate-key",
        "error",
        "A mapping has the same key twice; one value would be lost.",
        "Keep one of the two keys.",
    ),
    (
        "yaml-alias",
        "error",
        "The file uses YAML anchors/aliases (&a / *a), which records may not.",
        "Write the value out in full where it is used.",
    ),
    (
        "yaml-tag",
        "error",
        "The file uses a YAML tag (!!python/..., !foo) that records may not.",
        "Remove the tag; records hold only plain text, lists and mappings.",
    ),
    (
        "yaml-too-deep",
        "error",
        "Values are nested deeper than any record needs.",
        "Flatten the structure.",
    ),
    (
        "too-many-problems",
        "error",
        "A file has so many YAML or structural problems (aliases, tags, duplicate keys, unknown "
        "kinds, list items that are not records) that opencase stopped reading it, to bound "
        "time and memory.",
        "Fix the problems reported above it and run again.",
    ),
    ("empty-file", "warning", "A record file holds no records.", "Add records or delete the file."),
    (
        "no-records",
        "error",
        "The records folder holds no record files at all.",
        "Check the path: record files are *.yaml or *.yml files below it.",
    ),
    (
        "not-a-mapping",
        "error",
        "A record file's top level is not a mapping of kind to records.",
        "Start the file with a kind, e.g. `people:`, followed by a list of records.",
    ),
    (
        "unknown-kind",
        "error",
        "A top-level key is not a kind of record opencase knows.",
        "Use one of the kinds listed in the message (check the spelling).",
    ),
    (
        "not-a-list",
        "error",
        "A kind's value is not a list of records.",
        "Write each record as a list item starting with `- id: ...`.",
    ),
    (
        "not-a-record",
        "error",
        "A list item is not a mapping of fields.",
        "Write the record as `- id: ...` followed by its fields.",
    ),
    # --- record fields
    (
        "unknown-key",
        "error",
        "A record has a field its kind does not have (often a typo).",
        "Fix the spelling or remove the field; the message lists the allowed fields.",
    ),
    ("missing-key", "error", "A required field is missing.", "Add the field."),
    (
        "invalid-type",
        "error",
        "A field's value has the wrong type (text, number, list, ...).",
        "Give a value of the type the message names; quote text that YAML reads as a number.",
    ),
    (
        "invalid-value",
        "error",
        "A field's value breaks a constraint (length, range, pattern).",
        "Change the value as the message says.",
    ),
    (
        "not-in-vocabulary",
        "error",
        "A value is not one of the field's controlled vocabulary.",
        "Use one of the values the message lists.",
    ),
    (
        "invalid-id",
        "error",
        "An id or reference is not a lowercase slug (a-z, 0-9, hyphens).",
        "Rewrite it, e.g. `stephen-port`.",
    ),
    (
        "invalid-date",
        "error",
        "A date is not an EDTF date opencase accepts, or does not exist.",
        "Write YYYY, YYYY-MM or YYYY-MM-DD (optionally ?, ~), or an interval A/B.",
    ),
    ("date-order", "error", "An interval ends before it starts.", "Swap or correct the ends."),
    (
        "spreadsheet-formula",
        "warning",
        "A value starts with =, +, - or @ and would run as a formula in a spreadsheet.",
        "Reword the value, or accept the warning if the text really starts so.",
    ),
    # --- dataset
    (
        "duplicate-id",
        "error",
        "Two records share an id (ids are unique across all kinds).",
        "Rename one of them and update references to it.",
    ),
    (
        "unknown-reference",
        "error",
        "A reference names an id no record has.",
        "Fix the id, or add the record it refers to.",
    ),
    (
        "wrong-reference-kind",
        "error",
        "A reference names a record of a kind the field cannot hold.",
        "Refer to a record of one of the kinds the message lists.",
    ),
    # --- citations
    (
        "missing-citation",
        "error",
        "A record has no `cite:` entry.",
        "Add a citation: the source and the exact quote the record rests on.",
    ),
    (
        "unknown-source",
        "error",
        "A citation names a source (or `via`) that is not a source record.",
        "Add the source record or fix its id.",
    ),
    (
        "unknown-supported-field",
        "error",
        "`supports` names a field the record does not have.",
        "List only the record's own fields.",
    ),
    (
        "quote-not-found",
        "error",
        "A quote does not occur in its source's snapshot.",
        "Copy the passage exactly from the snapshot (quotes, dashes, spaces may differ).",
    ),
    (
        "quote-meaningless",
        "error",
        "A quote cannot stand as evidence: it has no letter or digit, only white space or "
        "invisible characters, or a single character, so it would occur almost anywhere.",
        "Quote the words the record rests on: at least two visible characters, among them a "
        "letter or digit.",
    ),
    (
        "quote-ambiguous",
        "error",
        "A quote occurs more than once in its snapshot.",
        "Add `prefix` or `suffix` (the text just before or after) to pick one.",
    ),
    (
        "snapshot-missing",
        "warning",
        "No snapshot with the source's sha256 is in the snapshot folder; quotes are unverified.",
        "Pass --snapshots with the folder holding the snapshot, or fix the hash (an error "
        "under --strict).",
    ),
    (
        "snapshot-unreadable",
        "warning",
        "A file in the snapshot folder could not be used.",
        "Check the file (symlinks are not followed; the file must be readable UTF-8).",
    ),
    (
        "duplicate-snapshot",
        "error",
        "Two source records name the same snapshot (sha256), so one text would stand for two "
        "sources.",
        "Fix the hash of the wrong one; a source known only through another has no snapshot "
        "of its own (cite it `via` the other).",
    ),
    (
        "quote-unverifiable",
        "warning",
        "A quote cannot be checked: its source has no snapshot and no `via`.",
        "Give the source a sha256 and snapshot, or cite it `via` the source that quotes it.",
    ),
    (
        "uncited-without-snapshot",
        "error",
        "A source marks passages as deliberately uncited (`uncited:`) but has no snapshot of its "
        "own, so the passages cannot be found.",
        "Give the source its sha256, or move the marks to the source whose snapshot holds the "
        "text.",
    ),
    # --- publishing
    (
        "quote-unverified",
        "warning",
        "A quote was published without being found in its source's snapshot (no snapshot "
        "folder, or the source has no snapshot); its `start`/`end` offsets are empty.",
        "Publish with --snapshots pointing at the folder that holds the snapshots.",
    ),
    (
        "package-config",
        "error",
        "The package metadata file (package.yaml beside the records folder) is invalid.",
        "Fix the field the message names: `name`, `title` and `version` (semantic "
        "versioning) are required; unknown fields are errors.",
    ),
    (
        "schema-stale",
        "error",
        "A committed schema file (under schemas/) differs from what the record models generate.",
        "Run `opencase schemas` and commit the result.",
    ),
    # --- checking a published package (opencase check)
    ("descriptor-json", "error", "The package descriptor (datapackage.json) is not valid JSON "
     "or not a JSON object.",
     "Fix the syntax at the line and column given, or publish the package again."),
    ("descriptor-invalid", "error", "The descriptor breaks the Data Package v2 profile: a "
     "required property is missing, a property has the wrong type, or a value cannot work (an "
     "empty or two-character delimiter or quote, an unknown encoding, inline `data` that is "
     "not rows).",
     "Add or correct the property the message names (see datapackage.org/standard)."),
    ("descriptor-recommendation", "warning", "The descriptor does not follow a recommendation "
     "of the Data Package standard (e.g. lower-case names, a known profile).",
     "Follow the recommendation, or accept the warning."),
    ("schema-invalid", "error", "A Table Schema is malformed: an unknown type or constraint, a "
     "constraint the type does not have, a value that cannot work (an empty `decimalChar`), "
     "or a key naming a missing field or resource.",
     "Correct the schema as the message says; the data of that field or key is not checked."),
    ("unsafe-path", "error", "A resource path is absolute, contains '..', or leads out of the "
     "package folder (e.g. through a symbolic link); it is not read.",
     "Use a path relative to the folder of datapackage.json, inside it."),
    ("remote-resource", "warning", "A resource (or its schema) is a URL; checking works offline "
     "and does not fetch it.", "Check the package where the file is local, or accept it."),
    ("resource-missing", "error", "A resource's file does not exist or is not a regular file.",
     "Add the file, or fix the `path`."),
    ("bytes-mismatch", "error", "A file's size differs from the resource's `bytes`.",
     "The file changed after publishing: restore it, or publish the package again."),
    ("hash-mismatch", "error", "A file's digest differs from the resource's `hash`.",
     "The file changed after publishing: restore it, or publish the package again."),
    ("format-unsupported", "error", "A resource has a Table Schema but its rows cannot be "
     "read (not CSV, TSV or Parquet, or Parquet or compressed CSV split over several files): "
     "the rows it declares are not checked, only its bytes and hash.",
     "Publish the table as CSV or Parquet (one Parquet file) to have its rows checked."),
    ("dialect-unsupported", "error", "The CSV dialect uses an option opencase check does not "
     "support (commentChar, commentRows, nullSequence, header rows other than the first): "
     "its rows are not checked (under nullSequence, they may be misread).",
     "Use a plain CSV dialect, or check the rows with another tool."),
    ("table-unreadable", "error", "A CSV or Parquet file cannot be parsed (bad encoding, UTF-16 "
     "without a byte-order mark, broken quoting, not a Parquet file), or inline `data` has no "
     "header row.", "Fix or re-export the file; the message says what failed."),
    ("header-mismatch", "error", "The columns of a file do not match the fields of its Table "
     "Schema (name, order or number).",
     "Make the header row (or Parquet columns) list the schema's fields in order."),
    ("row-shape", "error", "A CSV (or inline `data`) row has more or fewer cells than the "
     "header.",
     "Add the missing cells (empty for a missing value) or remove the extra ones; check "
     "for an unquoted delimiter or quote."),
    ("blank-row", "error", "A row has no values at all.", "Delete the row, or fill it in."),
    ("cell-type", "error", "A value is not of its field's type (integer, number, date, ...).",
     "Write the value in the type's format, e.g. 2016-03-01 for a date, 42 for an integer."),
    ("cell-required", "error", "A required field is empty (or holds a missing-value marker).",
     "Fill in the value."),
    ("cell-pattern", "error", "A value does not match its field's `pattern`.",
     "Correct the value so that the whole of it matches the pattern."),
    ("cell-enum", "error", "A value is not one of its field's allowed values (`enum`).",
     "Use one of the values the message lists."),
    ("cell-range", "error", "A value is outside its field's minimum/maximum.",
     "Correct the value, or the bound if the value is right."),
    ("cell-length", "error", "A value is shorter than `minLength` or longer than `maxLength`.",
     "Correct the value, or the bound if the value is right."),
    ("cell-unique", "error", "A field marked unique has the same value in two rows.",
     "Correct one of the two rows (the message names the earlier one)."),
    ("primary-key", "error", "Two rows share a primary key, or a row's primary key is empty.",
     "Give every row its own, non-empty key."),
    ("unique-key", "error", "Two rows share the values of a `uniqueKeys` key.",
     "Correct one of the two rows (the message names the earlier one)."),
    ("foreign-key", "error", "A value refers to a row that the referenced resource does not have.",
     "Fix the value, or add the row it refers to."),
    ("column-type", "error", "A Parquet column's type cannot hold its field's Table Schema type.",
     "Write the column with a matching type (e.g. int64 for integer, date32 for date)."),
    ("twin-mismatch", "error", "A CSV resource and its Parquet twin (the same table in both "
     "formats) do not hold the same rows.", "Publish the package again so that both agree."),
)


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found, with where it is."""

    code: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    record_id: str | None = None
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def where(self) -> str:
        """``file:line:col`` (as much of it as is known)."""
        parts = [self.file or "<records>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass
class Report:
    """Everything one run found. ``ok`` is true when there is no error."""

    issues: list[Issue] = field(default_factory=list)
    strict: bool = False
    stats: dict[str, int] = field(default_factory=dict)
    dataset: Any = None  # the validated dataset, for publishing (see opencase.validation.validate)

    def add(
        self,
        code: str,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        record_id: str | None = None,
        field: str | None = None,
        severity: Severity | None = None,
    ) -> None:
        sev = severity or CODES[code].severity
        if self.strict and sev is Severity.WARNING:
            sev = Severity.ERROR
        self.issues.append(Issue(code, sev, message, file, line, column, record_id, field))

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def sorted(self) -> list[Issue]:
        return sorted(
            self.issues,
            key=lambda i: (i.file or "", i.line or 0, i.column or 0, i.code, i.message),
        )

    def summary(self) -> str:
        e, w = len(self.errors), len(self.warnings)
        counts = ", ".join(f"{v} {k[:-1] if v == 1 and k.endswith('s') else k}"
                           for k, v in self.stats.items())
        verdict = "valid" if self.ok else "invalid"
        tail = f" ({counts})" if counts else ""
        return f"{verdict}: {e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)}{tail}"

    # ---- output formats shared by every CLI verb

    def format_text(self) -> str:
        lines = [f"{i.where()}: {i.severity} {i.code} {i.message}" for i in self.sorted()]
        lines.append(self.summary())
        return "\n".join(lines)

    def format_json(self) -> str:
        return json.dumps(
            {
                "valid": self.ok,
                "errors": len(self.errors),
                "warnings": len(self.warnings),
                "stats": self.stats,
                "issues": [i.as_dict() for i in self.sorted()],
            },
            indent=2,
            ensure_ascii=False,
        )

    def format_github(self) -> str:
        out = [
            github_annotation(i.severity.value, i.code, i.message, file=i.file, line=i.line,
                              column=i.column)
            for i in self.sorted()
        ]
        out.append(self.summary())
        return "\n".join(out)

    def format(self, fmt: str) -> str:
        """The report as ``text``, ``json`` or ``github`` (workflow annotations)."""
        return getattr(self, f"format_{fmt}")()


def _github_escape(s: str, prop: bool = False) -> str:
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return s.replace(":", "%3A").replace(",", "%2C") if prop else s


def github_annotation(
    severity: str,
    title: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    column: int | None = None,
) -> str:
    """One GitHub workflow annotation (``::error file=...,line=...::message``), escaped."""
    props = [f"file={_github_escape(file, True)}"] if file else []
    if line is not None:
        props.append(f"line={line}")
        if column is not None:
            props.append(f"col={column}")
    props.append(f"title={_github_escape(title, True)}")
    return f"::{severity} {','.join(props)}::{_github_escape(message)}"


def codes_markdown() -> str:
    """The table of issue codes for ``docs/issue-codes.md``."""
    rows = [
        "# Issue codes",
        "",
        "Every problem opencase reports has one of these stable codes. Warnings become errors",
        "under `--strict`. Regenerate this page with `python -m opencase.report > "
        "docs/issue-codes.md`.",
        "",
        "| code | severity | meaning | how to fix |",
        "| --- | --- | --- | --- |",
    ]
    for c in CODES.values():
        rows.append(f"| `{c.code}` | {c.severity} | {c.meaning} | {c.fix} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(codes_markdown(), end="")
