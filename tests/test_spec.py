"""The one introspection of the models (:func:`opencase.language.spec.fields_of`) says what
each model's JSON Schema says: every field, its type, constraints, vocabulary, EDTF marker and
the kinds it references. The published Table Schemas and the editor JSON Schema are generated
from these two readings, so a drift between them would publish one thing and check another."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pydantic import BaseModel

from opencase.language.models import KINDS, Citation
from opencase.language.spec import FieldSpec, fields_of, reference_fields


def _from_json_schema(model: type[BaseModel]) -> tuple[FieldSpec, ...]:
    # (the values a record holds, as serialised: a reported value is text, though record
    # files may write it as a number, which the editor schema, in validation mode, allows)
    schema = model.model_json_schema(mode="serialization")
    return _fields(schema, schema.get("$defs", {}))


def _fields(schema: dict[str, Any], defs: dict[str, Any]) -> tuple[FieldSpec, ...]:
    required = set(schema.get("required", ()))
    return tuple(_marked(_field(name, raw, name in required, defs), raw)
                 for name, raw in schema.get("properties", {}).items())


def _marked(spec: FieldSpec, raw: dict[str, Any]) -> FieldSpec:
    """The publishing markers ``x-table``, ``x-status`` and ``x-column`` of a property."""
    return replace(spec, table=raw.get("x-table"), status=raw.get("x-status"),
                   column=raw.get("x-column"))


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
        definitions=tuple(prop["enumDescriptions"]) if "enum" in prop else None,
        edtf=prop.get("type") == "string" and prop.get("format") == "edtf",
        pattern=prop.get("pattern"),
        min_length=prop.get("minLength"),
        max_length=prop.get("maxLength"),
        minimum=prop.get("minimum"),
        maximum=prop.get("maximum"),
        references=tuple(prop.get("x-references", ())),
    )


def _resolve(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "anyOf" in prop:
        options = [o for o in prop["anyOf"] if o.get("type") != "null"]
        assert len(options) == 1, prop
        prop = {**{k: v for k, v in prop.items() if k != "anyOf"}, **options[0]}
    if "$ref" in prop:
        target = defs[prop["$ref"].rsplit("/", 1)[-1]]
        rest = {k: v for k, v in prop.items() if k != "$ref"}
        prop = {**target, **rest, "description": rest.get("description") or target.get(
            "description", "")}
    return prop


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_fields_of_says_what_the_json_schema_says(kind: str) -> None:
    assert fields_of(KINDS[kind]) == _from_json_schema(KINDS[kind])


def test_citation_fields_match_the_json_schema() -> None:
    assert fields_of(Citation) == _from_json_schema(Citation)


def test_reference_fields_name_the_kinds_they_accept() -> None:
    refs = {(r.field, r.sub): r for r in reference_fields(KINDS["proceedings"])}
    assert refs[("parties", "who")].kinds == ("people", "organisations", "groups")
    assert refs[("parties", "who")].many
    assert refs[("links", "target")].kinds[0] == "cases"
    assert refs[("case", None)].kinds == ("cases",) and not refs[("case", None)].many
