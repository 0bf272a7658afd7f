"""The rules of a correction that its model cannot state alone: it is justified (a citation or
a ``note``), and it names a record of the dataset (and a field of that record's kind), unless
it removed the record, which it then names by its former id."""

from __future__ import annotations

from collections.abc import Mapping

from opencase.codes import Code
from opencase.language.models import Correction, Record
from opencase.reading.files import RawRecord
from opencase.report import Report
from opencase.suggest import closest
from opencase.validation.locations import field_issue

__all__ = ["check_correction", "is_removal"]


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
