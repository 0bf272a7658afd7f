"""The record models as data: every field of every kind, read once from the models.

This is the one introspection of :mod:`opencase.language.models`: the published table layout
(:mod:`opencase.publishing.tables`), the references validation follows and the field names
its messages offer all read :func:`fields_of`, never the models' annotations or JSON Schema
directly. Each :class:`FieldSpec` is read from the model's JSON Schema, which pydantic derives
from the annotations, so a new field needs nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from opencase.language.fields import RefField

__all__ = ["FieldSpec", "fields_of", "reference_fields"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a model.

    ``type`` is the JSON type of the value (of each item when ``item`` is set): ``string``,
    ``integer``, ``number``, ``boolean`` or ``object`` (a nested model, whose fields are
    ``fields``). A list field has ``item``, the spec of its items (named like the field).
    """

    name: str
    type: str
    description: str = ""
    required: bool = False
    categories: tuple[str, ...] | None = None
    edtf: bool = False
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    references: tuple[str, ...] = ()
    item: FieldSpec | None = None
    fields: tuple[FieldSpec, ...] = ()

    @property
    def many(self) -> bool:
        return self.item is not None


@cache
def fields_of(model: type[BaseModel]) -> tuple[FieldSpec, ...]:
    """Every field of ``model``, in the model's order."""
    schema = model.model_json_schema()
    return _fields(schema, schema.get("$defs", {}))


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


def _fields(schema: dict[str, Any], defs: dict[str, Any]) -> tuple[FieldSpec, ...]:
    required = set(schema.get("required", ()))
    return tuple(_field(name, raw, name in required, defs)
                 for name, raw in schema.get("properties", {}).items())


def _field(name: str, raw: dict[str, Any], required: bool, defs: dict[str, Any]) -> FieldSpec:
    prop = _resolve(raw, defs)
    if prop.get("type") == "array":
        item = _field(name, prop["items"], True, defs)
        desc = raw.get("description") or prop.get("description") or ""
        return FieldSpec(name, item.type, desc.strip(), required, item=item)
    if "properties" in prop:
        return FieldSpec(name, "object", (prop.get("description") or "").strip(), required,
                         fields=_fields(prop, defs))
    return FieldSpec(
        name,
        "string" if "enum" in prop else prop.get("type", ""),
        (prop.get("description") or "").strip(),
        required,
        categories=tuple(prop["enum"]) if "enum" in prop else None,
        edtf=prop.get("type") == "string" and prop.get("format") == "edtf",
        pattern=prop.get("pattern"),
        min_length=prop.get("minLength"),
        max_length=prop.get("maxLength"),
        minimum=prop.get("minimum"),
        maximum=prop.get("maximum"),
        references=tuple(prop.get("x-references", ())),
    )


def _resolve(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """``prop`` without its ``null`` alternative and ``$ref``."""
    if "anyOf" in prop:
        options = [o for o in prop["anyOf"] if o.get("type") != "null"]
        if len(options) != 1:
            raise TypeError(f"a field of several types cannot be published: {prop}")
        prop = {**{k: v for k, v in prop.items() if k != "anyOf"}, **options[0]}
    if "$ref" in prop:
        target = defs[prop["$ref"].rsplit("/", 1)[-1]]
        rest = {k: v for k, v in prop.items() if k != "$ref"}
        prop = {**target, **rest, "description": rest.get("description") or target.get(
            "description", "")}
    return prop
