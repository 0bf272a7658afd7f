"""Each record against its model: the problems pydantic finds, worded for curators, and values
that would run as spreadsheet formulas."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from opencase.codes import Code
from opencase.language.models import Correction, Record
from opencase.language.spec import fields_of
from opencase.reading.files import RawRecord
from opencase.reading.formulas import formula_start
from opencase.report import Report
from opencase.suggest import closest
from opencase.validation.kinds import class_info
from opencase.validation.locations import field_name, first_lower
from opencase.validation.reported import reported_field_issue, status_key_issue
from opencase.validation.salvage import Partial, salvage

__all__ = ["Valid", "check_model"]

Valid = list[tuple[RawRecord, Record]]
"""The records that passed their model, each with its model object."""

_QUOTED = re.compile(r"'([^']*)'")  # the values in pydantic's list of allowed ones
_SHA256 = re.compile(r"[0-9a-f]{64}")

_TYPE_CODES = {
    "missing": Code.MISSING_KEY,
    "extra_forbidden": Code.UNKNOWN_KEY,
    "enum": Code.NOT_IN_VOCABULARY,
    "edtf": Code.INVALID_DATE,
    "edtf_order": Code.DATE_ORDER,
}


def check_model(report: Report, raw: RawRecord, model: type[Record], *,
                salvaged: bool = True) -> Record | Partial | None:
    """Validate one record (not ``tainted``) with its ``model``: its model object, or, when
    it fails, the fields that can still be checked (``None`` unless ``salvaged``)."""
    if raw.file.formulas:  # False: no value of the file starts like a formula
        _formulas(report, raw, raw.data, ())
    try:
        return model.model_validate(raw.data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        for err in errors:
            _model_issue(report, raw, err, model)
        return salvage(raw, model, errors) if salvaged else None


def _model_issue(report: Report, raw: RawRecord, err: Any, model: type[Record]) -> None:
    loc = tuple(err["loc"])
    etype = err["type"]
    if loc[-1:] == ("[key]",) and len(loc) == 3 and loc[0] in ("unknown", "not_applicable"):
        status_key_issue(report, raw, model, loc[:-1],
                         f"{str(loc[1])!r} is not a field name (lowercase letters, digits and "
                         "underscores)")
        return
    if len(loc) == 3 and loc[0] == "reported" and loc[2] == "field" and etype.startswith(
            "string_") and isinstance(err.get("input"), str):
        reported_field_issue(report, raw, model, loc[1], err["input"])
        return
    fname = field_name(loc)
    code = _TYPE_CODES.get(etype)
    if code == Code.UNKNOWN_KEY:
        allowed = _fields_at(model, loc[:-1])
        close = closest(str(loc[-1]), allowed)
        hint = f"did you mean {close!r}? " if close else ""
        msg = f"unknown field {loc[-1]!r}; {hint}allowed fields: {', '.join(allowed)}"
    elif code == Code.MISSING_KEY:
        msg = f"{model.singular} is missing required field {fname!r}"
    elif code == Code.NOT_IN_VOCABULARY:
        expected = err.get("ctx", {}).get("expected", "")
        given = err["input"]
        close = closest(given, _QUOTED.findall(expected)) if isinstance(given, str) else None
        hint = f"did you mean {close!r}? " if close else ""
        msg = f"{fname}: {given!r} is not allowed; {hint}use one of {expected}"
    elif code in (Code.INVALID_DATE, Code.DATE_ORDER):
        msg = f"{fname}: {err['ctx']['reason']}"
    elif (etype == "string_pattern_mismatch" and loc[-1] == "sha256"
          and isinstance(err["input"], str) and _SHA256.fullmatch(err["input"].lower())):
        code = Code.INVALID_VALUE
        msg = (f"{fname}: {err['input']!r} has capital letters; write the SHA-256 in lower "
               "case, as `sha256sum` prints it")
    elif (etype == "string_pattern_mismatch" and loc == ("version",)
          and issubclass(model, Correction)):
        code = Code.INVALID_VALUE
        msg = (f"{fname}: {err['input']!r} is not a semantic version; write the dataset "
               "version as major.minor.patch, e.g. '2.0.0'")
    elif etype == "string_pattern_mismatch" and (
            loc[-1] == "id" or _is_ref(model, loc)
            or (loc == ("record",) and issubclass(model, Correction))):
        code = Code.INVALID_ID
        msg = (f"{fname}: {err['input']!r} is not a valid id; use lowercase letters, digits "
               "and single hyphens, e.g. 'stephen-port'")
    elif etype.endswith(("_type", "_parsing")):
        code = Code.INVALID_TYPE
        shown = err.get("input")
        shown_s = repr(shown) if not isinstance(shown, (dict, list)) else type(shown).__name__
        # a mapping given as something else: said as for any mapping, not naming the model
        said = "input should be a valid dictionary" if etype == "model_type" \
            else first_lower(err["msg"])
        msg = f"{fname}: {said} (got {shown_s})"
    else:
        code = Code.INVALID_VALUE
        msg = f"{fname}: {first_lower(err['msg'])}"
    line, col = raw.locate(loc)
    report.add(code, msg, file=raw.file.display, line=line, column=col,
               record_id=raw.id, field=fname)


def _fields_at(model: type[Record], loc: tuple[Any, ...]) -> list[str]:
    """The fields (sorted) of the mapping at ``loc`` inside a ``model`` record; none when the
    value there is not a mapping of known fields."""
    specs = fields_of(model)
    for part in loc:
        if isinstance(part, int):
            continue
        spec = next((s for s in specs if s.name == part), None)
        if spec is None:
            return []
        specs = (spec.item or spec).fields
    return sorted(s.name for s in specs)


def _is_ref(model: type[Record], loc: tuple[Any, ...]) -> bool:
    names = {str(p) for p in loc if not isinstance(p, int)}
    return any(r.field in names for r in class_info(model).refs) or bool({"source", "via"} & names)


_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")  # (a spreadsheet reads a number)


def _formulas(report: Report, raw: RawRecord, value: Any, path: tuple[Any, ...]) -> None:
    if isinstance(value, str):
        at = None if _PLAIN_NUMBER.fullmatch(value) else formula_start(value)
        if at is not None:
            line, col = raw.locate(path)
            lead = f" after {value[:at]!r}" if at else ""
            report.add(Code.SPREADSHEET_FORMULA,
                       f"{field_name(path)}: {value[:40]!r} starts with {value[at]!r}{lead} and "
                       "would run as a formula when the CSV is opened in a spreadsheet",
                       file=raw.file.display, line=line, column=col, record_id=raw.id,
                       field=field_name(path))
    elif isinstance(value, dict):
        for k, v in value.items():
            _formulas(report, raw, v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _formulas(report, raw, v, (*path, i))
