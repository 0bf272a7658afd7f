"""The record models as data: every field of every kind, read once from the models.

This is the one introspection of :mod:`opencase.language.models`: the published table layout
(:mod:`opencase.publishing.tables`), the references validation follows and the field names
its messages offer all read :func:`fields_of`, never the models' annotations or JSON Schema
directly. Each :class:`FieldSpec` is read from the model's fields and their annotations (a
new field needs nothing here); ``tests/test_spec.py`` checks that every spec says what the
model's JSON Schema says. (Reading the annotations takes about a tenth of the time of
generating the JSON Schema, which ``opencase validate`` would otherwise pay at every start.)
"""

from __future__ import annotations

import inspect
import types
from dataclasses import dataclass, replace
from enum import Enum
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic.types import StringConstraints

from opencase.language.fields import RefField
from opencase.language.models import RefTo

__all__ = ["FieldSpec", "fields_of", "reference_fields"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a model.

    ``type`` is the JSON type of the value (of each item when ``item`` is set): ``string``,
    ``integer``, ``number``, ``boolean`` or ``object`` (a nested model, whose fields are
    ``fields``). A list field has ``item``, the spec of its items (named like the field).

    Publishing markers (the field's ``json_schema_extra``): ``table``, the shared cross-kind
    table its items are published in (``names``, ``reported_values``, ``field_statuses``);
    ``status``, the status a ``field_statuses`` field gives (``unknown``,
    ``not-applicable``); ``column``, the published column's name when it is not the field's.
    """

    name: str
    type: str
    description: str = ""
    required: bool = False
    categories: tuple[str, ...] | None = None
    definitions: tuple[str, ...] | None = None  # of each value of ``categories``, in order
    edtf: bool = False
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    references: tuple[str, ...] = ()
    item: FieldSpec | None = None
    fields: tuple[FieldSpec, ...] = ()
    table: str | None = None
    status: str | None = None
    column: str | None = None

    @property
    def many(self) -> bool:
        return self.item is not None

    @property
    def column_name(self) -> str:
        """The name of the column the field is published in."""
        return self.column or self.name


@cache
def fields_of(model: type[BaseModel]) -> tuple[FieldSpec, ...]:
    """Every field of ``model``, in the model's order."""
    return tuple(
        _marked(_field(name, info.annotation, [*info.metadata, info],
                       (info.description or "").strip(), info.is_required()), info)
        for name, info in model.model_fields.items()
    )


_MARKERS = {"x-table": "table", "x-status": "status", "x-column": "column"}


def _marked(spec: FieldSpec, info: FieldInfo) -> FieldSpec:
    """``spec`` with the publishing markers of the field's own ``json_schema_extra``."""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    marks: dict[str, Any] = {attr: str(extra[key]) for key, attr in _MARKERS.items()
                             if key in extra}
    return replace(spec, **marks) if marks else spec


def reference_fields(model: type[BaseModel]) -> list[RefField]:
    """Every reference a record model holds (its ``cite`` aside), including those inside the
    items of a list of models."""
    out: list[RefField] = []
    for f in fields_of(model):
        if f.name == "cite":
            continue
        spec = f.item or f
        if spec.references:
            out.append(RefField(f.name, spec.references, f.many))
        for sub in spec.fields:
            if sub.references:
                out.append(RefField(f.name, sub.references, True, sub.name))
    return out


_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _field(name: str, annotation: Any, metadata: list[Any], description: str,
           required: bool) -> FieldSpec:
    base, more = _unwrap(annotation)
    metadata = [*metadata, *more]
    if get_origin(base) is list:
        (item,) = get_args(base)
        return FieldSpec(name, (spec := _field(name, item, [], "", True)).type, description,
                         required, item=spec)
    if isinstance(base, type) and issubclass(base, BaseModel):
        return FieldSpec(name, "object", description or inspect.cleandoc(base.__doc__ or ""),
                         required, fields=fields_of(base))
    if get_origin(base) is dict:
        return FieldSpec(name, "object", description, required)
    if isinstance(base, type) and issubclass(base, Enum):
        return FieldSpec(name, "string", description, required,
                         categories=tuple(m.value for m in base),
                         definitions=tuple(getattr(m, "definition", "") for m in base))
    if base not in _JSON_TYPES:
        raise TypeError(f"field {name!r}: cannot describe values of type {base!r}")
    facts = _facts(metadata)
    return FieldSpec(
        name, _JSON_TYPES[base], description, required,
        edtf=facts.pop("edtf", False) and base is str, **facts,
    )


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """``annotation`` without its ``None`` alternative and ``Annotated``, and the metadata
    ``Annotated`` carried."""
    metadata: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            metadata.extend(extra)
        elif origin in (Union, types.UnionType):
            options = [a for a in get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                raise TypeError(f"a field of several types cannot be published: {annotation}")
            annotation = options[0]
        else:
            return annotation, metadata


def _facts(metadata: list[Any]) -> dict[str, Any]:
    """The constraints and markers of a scalar field, from its annotations' metadata."""
    out: dict[str, Any] = {}
    for m in metadata:
        if isinstance(m, FieldInfo):
            out.update(_facts(list(m.metadata)))
            extra = m.json_schema_extra if isinstance(m.json_schema_extra, dict) else {}
            if extra.get("format") == "edtf":
                out["edtf"] = True
        elif isinstance(m, StringConstraints):
            out.update({k: getattr(m, k) for k in ("min_length", "max_length", "pattern")
                        if getattr(m, k) is not None})
        elif isinstance(m, at.MinLen):
            out["min_length"] = m.min_length
        elif isinstance(m, at.MaxLen):
            out["max_length"] = m.max_length
        elif isinstance(m, at.Ge):
            out["minimum"] = m.ge
        elif isinstance(m, at.Le):
            out["maximum"] = m.le
        elif isinstance(m, RefTo):
            out["references"] = m.kinds
        elif isinstance(getattr(m, "pattern", None), str):  # pydantic's Field(pattern=...)
            out["pattern"] = m.pattern
    return out
