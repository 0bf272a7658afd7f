"""Values that sources disagree on (``reported``), and fields the curator marks as unknown or
not applicable (``unknown``, ``not_applicable``).

A reported value is checked as its field would be (with the model's own validation of that
field: type, vocabulary, EDTF date, range, pattern; a reference must name a record of a kind
the field refers to). The record's field holds the preferred value, or is empty, or holds one
of the reported values when none is preferred. A field that is unknown or not applicable is an
optional field of the kind, without a value on the record.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from opencase.codes import Code
from opencase.language.models import Record, ReportedValue
from opencase.language.spec import FieldSpec, fields_of
from opencase.reading.files import RawRecord
from opencase.report import Report
from opencase.suggest import closest
from opencase.validation.locations import field_issue, first_lower
from opencase.validation.references import check_ref

__all__ = [
    "check_reported", "check_statuses", "reported_field_issue", "status_fields", "status_key_issue",
]

_MAPS = ("reported", "unknown", "not_applicable")
_NOT_STATUS = frozenset({"id", "cite", *_MAPS})
_INVALID = object()  # a reported value its field could not hold


@cache
def _specs(model: type[Record]) -> dict[str, FieldSpec]:
    return {f.name: f for f in fields_of(model)}


@cache
def status_fields(model: type[Record]) -> tuple[str, ...]:
    """The fields of ``model`` that ``unknown`` and ``not_applicable`` may name (sorted): its
    optional fields, less the record's own machinery."""
    return tuple(sorted(f.name for f in fields_of(model)
                        if not f.required and f.name not in _NOT_STATUS))


def status_key_issue(report: Report, raw: RawRecord, model: type[Record],
                     path: tuple[Any, ...], what: str) -> None:
    """``status-not-a-field`` at ``path`` (``("unknown", key)``): ``what`` says why the key is
    none of the fields that may be unknown or not applicable; a close one is suggested."""
    allowed = status_fields(model)
    close = closest(str(path[-1]).lower(), allowed)
    hint = f"did you mean {close!r}? " if close else ""
    field_issue(report, raw, Code.STATUS_NOT_A_FIELD,
                f"{path[0]}.{path[-1]}: {what}; {hint}fields that may be: {', '.join(allowed)}",
                path)


@cache
def _scalars(model: type[Record]) -> tuple[str, ...]:
    """The fields of ``model`` that hold one value: what a reported value may be for."""
    return tuple(f.name for f in fields_of(model)
                 if f.item is None and f.type != "object" and f.name != "id")


@cache
def _adapter(model: type[Record], name: str) -> TypeAdapter[Any]:
    """The model's own validation of its field ``name``, on its own."""
    info = model.model_fields[name]
    kind: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    return TypeAdapter(kind)


def check_reported(report: Report, raw: RawRecord, rec: Record, kind_of: dict[str, str]) -> None:
    """The reported values of ``rec``: each for a single-value field of its kind, valid for
    that field; at most one preferred per field, equal to the field's value; with none
    preferred, the field empty or holding one of them; more than one value per field."""
    model = type(rec)
    scalars = _scalars(model)
    specs = _specs(model)
    by_field: dict[str, list[tuple[int, ReportedValue, Any]]] = {}
    for i, rv in enumerate(rec.reported):
        name = rv.field
        if name not in scalars:
            _not_a_scalar(report, raw, i, name, specs.get(name), scalars)
            continue
        try:
            value = _adapter(model, name).validate_python(rv.value)
        except ValidationError as exc:
            field_issue(report, raw, Code.REPORTED_VALUE_INVALID,
                        f"reported[{i}].value: {rv.value!r} is not a valid `{name}`: "
                        f"{_why(exc)}", ("reported", i, "value"))
            value = _INVALID
        else:
            kinds = specs[name].references
            if kinds:
                check_ref(report, raw, value, kinds, ("reported", i, "value"), kind_of)
        by_field.setdefault(name, []).append((i, rv, value))
    for name, entries in by_field.items():
        _check_field(report, raw, rec, name, entries)


def reported_field_issue(report: Report, raw: RawRecord, model: type[Record], i: int,
                         name: str) -> None:
    """``reported-field-unknown`` for ``reported[i].field`` = ``name``, which is not a
    single-value field of ``model`` (a close one is suggested)."""
    _not_a_scalar(report, raw, i, name, _specs(model).get(name), _scalars(model))


def _not_a_scalar(report: Report, raw: RawRecord, i: int, name: str, spec: FieldSpec | None,
                  scalars: tuple[str, ...]) -> None:
    hint = ""
    if spec is None:
        close = closest(name.lower(), scalars)
        why = f"{raw.kind} have no field {name!r}"
        hint = f"did you mean {close!r}? " if close else ""
    elif name == "id":
        why = "a record's id is not reported by sources"
    elif spec.item is not None:
        why = (f"`{name}` is a list: cite each item's own passages instead (a reported value "
               "is one value of a single-value field)")
    else:
        why = f"`{name}` is not a field with one value"
    field_issue(report, raw, Code.REPORTED_FIELD_UNKNOWN,
                f"reported[{i}].field: {why}; {hint}single-value fields: {', '.join(scalars)}",
                ("reported", i, "field"))


def _why(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    if err["type"] == "enum":
        return f"use one of {err.get('ctx', {}).get('expected', '')}"
    if err["type"] in ("edtf", "edtf_order"):
        return str(err["ctx"]["reason"])
    return first_lower(str(err["msg"]))


def _check_field(report: Report, raw: RawRecord, rec: Record, name: str,
                 entries: list[tuple[int, ReportedValue, Any]]) -> None:
    """The reported values of one field (``entries``: index, entry, validated value)."""
    first: dict[Any, int] = {}  # each distinct value -> where it is first reported
    for i, rv, value in entries:
        key = rv.value if value is _INVALID else value
        if key in first:
            field_issue(report, raw, Code.REPORTED_DUPLICATE,
                        f"reported[{i}]: `{name}` {rv.value!r} is already reported at "
                        f"reported[{first[key]}]; merge the two into one entry with the "
                        "citations of both", ("reported", i, "value"))
        else:
            first[key] = i
    if len(first) == 1:
        i = entries[0][0]
        field_issue(report, raw, Code.REPORTED_SINGLE,
                    f"reported[{i}]: `{name}` has only one reported value, so no sources "
                    f"disagree; cite the passage on the record (`supports: [{name}]`) or add "
                    "the value another source reports", ("reported", i, "field"))
    preferred = [(i, rv, value) for i, rv, value in entries if rv.preferred]
    for i, _, _ in preferred[1:]:
        field_issue(report, raw, Code.REPORTED_PREFERRED_TWICE,
                    f"reported[{i}]: a value of `{name}` is already preferred at "
                    f"reported[{preferred[0][0]}]; prefer at most one value of a field",
                    ("reported", i, "preferred"))
    current = getattr(rec, name)
    if preferred:
        i, rv, value = preferred[0]
        if value is not _INVALID and current != value:
            has = "is empty" if current is None else f"holds {_shown(current)}"
            field_issue(report, raw, Code.REPORTED_PREFERRED_CONFLICT,
                        f"reported[{i}]: {rv.value!r} is the preferred `{name}`, but the "
                        f"record's `{name}` {has}; set `{name}: {rv.value}` or prefer another "
                        "value", ("reported", i, "preferred"))
    elif current is not None and all(v is not _INVALID for _, _, v in entries) \
            and current not in first:
        field_issue(report, raw, Code.REPORTED_VALUE_UNLISTED,
                    f"{name}: {_shown(current)} is none of the values reported for `{name}` "
                    f"({', '.join(repr(rv.value) for _, rv, _ in entries)}), and none of them "
                    "is preferred; report it with its citation (and prefer it), or leave the "
                    "field empty", (name,))


def _shown(value: Any) -> str:
    return repr(getattr(value, "value", value))


def check_statuses(report: Report, raw: RawRecord, rec: Record) -> None:
    """The keys of ``unknown`` and ``not_applicable``: optional fields of the record's kind,
    without a value (or reported values) on the record, each in one of the two maps."""
    unknown, not_applicable = rec.unknown, rec.not_applicable
    specs = _specs(type(rec))
    reported = {rv.field for rv in rec.reported}
    for where, keys in (("unknown", unknown), ("not_applicable", not_applicable)):
        said = where.replace("_", " ")
        for key in keys:
            path, at = (where, key), f"{where}.{key}"
            spec = specs.get(key)
            if spec is None or key in _NOT_STATUS:
                status_key_issue(report, raw, type(rec), path,
                                 f"{raw.kind} have no field {key!r}" if spec is None
                                 else f"`{key}` cannot be {said}")
                continue
            if spec.required:
                field_issue(report, raw, Code.STATUS_REQUIRED_FIELD,
                            f"{at}: `{key}` is required of {raw.kind}, so it cannot be {said}; "
                            "remove the key and give the value", path)
            elif _has_value(getattr(rec, key)) or key in reported:
                what = "a value" if _has_value(getattr(rec, key)) else "reported values"
                field_issue(report, raw, Code.STATUS_FIELD_HAS_VALUE,
                            f"{at}: `{key}` is listed as {said} but the record gives it {what}; "
                            "remove one or the other", path)
            if where == "not_applicable" and key in unknown:
                field_issue(report, raw, Code.STATUS_BOTH,
                            f"{at}: `{key}` is also listed in `unknown`; keep it in one of the "
                            "two", path)


def _has_value(value: Any) -> bool:
    return value is not None and value != [] and value != {}
