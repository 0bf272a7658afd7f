"""Ids unique across all kinds and files, and references that name a record of the right kind."""

from __future__ import annotations

import difflib
import re
from typing import Any

from opencase.codes import Code
from opencase.language.fields import ID_PATTERN
from opencase.language.models import Record
from opencase.reading.files import RawRecord
from opencase.report import Report
from opencase.validation.kinds import class_info
from opencase.validation.locations import field_issue, field_name

__all__ = ["check_ids", "check_refs"]

_VALID_ID = re.compile(ID_PATTERN)


def check_ids(report: Report, records: list[RawRecord]) -> dict[str, RawRecord]:
    """Ids unique across all kinds (also counting records that failed their model); returns
    the first record of each id."""
    owner: dict[str, RawRecord] = {}
    for raw in records:
        rid = raw.id
        if rid is None:
            continue
        first = owner.get(rid)
        if first is not None:
            at, col = raw.locate(("id",))
            report.add(Code.DUPLICATE_ID,
                       f"id {rid!r} is already used by a {first.kind} record at "
                       f"{first.file.display}:{first.line}; ids must be unique across all kinds "
                       "and files", file=raw.file.display, line=at, column=col, record_id=rid,
                       field="id")
        else:
            owner[rid] = raw
    return owner


def check_refs(report: Report, raw: RawRecord, rec: Record, kind_of: dict[str, str]) -> None:
    """Every reference of ``rec`` names a record (``kind_of``: the kind of each id) of a kind
    the field refers to."""
    for ref in class_info(type(rec)).refs:
        value = getattr(rec, ref.field)
        if value is None:
            continue
        kinds = ref.kinds
        if not ref.many:
            if kind_of.get(value) not in kinds:  # (most references are fine: say so quickly)
                _check_ref(report, raw, value, kinds, (ref.field,), kind_of)
            continue
        for i, item in enumerate(value):
            if ref.sub is None:
                if kind_of.get(item) not in kinds:
                    _check_ref(report, raw, item, kinds, (ref.field, i), kind_of)
            else:
                sub = getattr(item, ref.sub)
                if kind_of.get(sub) not in kinds:
                    _check_ref(report, raw, sub, kinds, (ref.field, i, ref.sub), kind_of)


def _check_ref(
    report: Report, raw: RawRecord, value: str, kinds: tuple[str, ...], path: tuple[Any, ...],
    kind_of: dict[str, str],
) -> None:
    actual = kind_of.get(value)
    if actual is None:
        close = difflib.get_close_matches(
            value, [k for k in kind_of if _VALID_ID.fullmatch(k)], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        field_issue(report, raw, Code.UNKNOWN_REFERENCE,
                    f"{field_name(path)}: no record has id {value!r}{hint}", path)
    elif actual not in kinds:
        field_issue(report, raw, Code.WRONG_REFERENCE_KIND,
                    f"{field_name(path)}: {value!r} is a {actual} record; this field refers to "
                    f"{' or '.join(kinds)}", path)
