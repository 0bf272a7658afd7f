"""The rules of a correction that its model cannot state alone: it is justified (a citation or
a ``note``), and it names a record of the dataset (and a field of that record's kind), unless
it removed the record, which it then names by its former id; and its ``new_value`` of a field
holding one value is what the record holds now (a list is written as the curator chooses, so
it is not compared)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

from opencase.codes import Code
from opencase.language.models import Correction, Record
from opencase.reading.files import RawRecord
from opencase.report import Report
from opencase.suggest import closest
from opencase.validation.locations import field_issue

__all__ = [
    "NOT_HELD", "check_correction", "check_new_values", "held_value", "is_removal",
    "wanted_values",
]


def is_removal(rec: Correction) -> bool:
    """Whether ``rec`` removed its record: no ``field`` and no ``new_value``."""
    return rec.field is None and rec.new_value is None


def check_correction(report: Report, raw: RawRecord, rec: Correction, kind_of: dict[str, str],
                     kinds: Mapping[str, type[Record]]) -> None:
    """``correction-unjustified``, ``correction-unknown-record`` and
    ``correction-unknown-field`` for ``rec`` (``kind_of``: the kind of each id of the dataset;
    ``kinds``: the model of each kind)."""
    if not rec.cite and rec.note is None:
        field_issue(report, raw, Code.CORRECTION_UNJUSTIFIED,
                    f"correction {rec.id!r} has neither `cite:` nor `note`; add the passage "
                    "that supports the new value, or a note that justifies the correction", ())
    kind = kind_of.get(rec.record)
    if kind is None:
        if not is_removal(rec):
            close = closest(rec.record, [k for k, v in kind_of.items() if v != "corrections"])
            hint = f"; did you mean {close!r}?" if close else ""
            field_issue(report, raw, Code.CORRECTION_UNKNOWN_RECORD,
                        f"record: no record has id {rec.record!r}{hint} (only a correction "
                        "that removed its record, without `field` and `new_value`, names a "
                        "former id)", ("record",))
        return
    model = kinds.get(kind)
    if rec.field is not None and model is not None and rec.field not in model.model_fields:
        allowed = [f for f in model.model_fields if f != "cite"]
        close = closest(rec.field, allowed)
        hint = f"did you mean {close!r}?" if close else f"the fields are: {', '.join(allowed)}"
        field_issue(report, raw, Code.CORRECTION_UNKNOWN_FIELD,
                    f"field: {kind} have no field {rec.field!r}; {hint}", ("field",))


class _Held(Enum):
    NOT = "not held"  # (an enum member: the same object once pickled and read back)


NOT_HELD = _Held.NOT
"""What :func:`held_value` gives for a list or a nested record, which are not compared."""


def wanted_values(records: Iterable[tuple[RawRecord, Record]]) -> dict[str, set[str]]:
    """The fields the corrections among ``records`` give a new value of, by record id."""
    wanted: dict[str, set[str]] = {}
    for _, rec in records:
        if isinstance(rec, Correction) and rec.field is not None:
            wanted.setdefault(rec.record, set()).add(rec.field)
    return wanted


def held_value(value: Any) -> str | _Held | None:
    """The value of one field as a correction writes it (``None``: no value), or
    :data:`NOT_HELD` for a list or a nested record (not compared)."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float):
        return str(value)
    return None if value is None else NOT_HELD


def check_new_values(report: Report, corrections: list[tuple[RawRecord, Correction]],
                     now: Mapping[tuple[str, str], Any]) -> None:
    """``correction-value-differs`` where a correction's ``new_value`` is not the value its
    record now holds in its field (``now``: each such value as :func:`held_value` gives it,
    by record id and field, of the records that passed their model)."""
    for raw, rec in corrections:
        if rec.field is None or (rec.record, rec.field) not in now:
            continue
        held = now[(rec.record, rec.field)]
        if held is NOT_HELD or held == rec.new_value:
            continue
        shown = "no value" if held is None else repr(held)
        field_issue(report, raw, Code.CORRECTION_VALUE_DIFFERS,
                    f"new_value: {rec.new_value!r} is not what {rec.record}.{rec.field} holds "
                    f"now ({shown}); write the value as the record now has it",
                    ("new_value",) if rec.new_value is not None else ("field",))
