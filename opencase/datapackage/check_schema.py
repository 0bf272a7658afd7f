"""The Table Schema and CSV dialect checks of ``opencase check``: what a descriptor declares
about a table, before any row is read. Malformed parts are reported (through ``bad``) and
dropped, so that the data is checked against what remains; a declared value that cannot work
(an empty delimiter or ``decimalChar``, a two-character quote) is an error, as it is to
frictionless.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["check_dialect", "check_schema", "fk_problem", "inferred_schema"]

Bad = Callable[[str, "str | None"], None]  # (message, field) -> report it

_FIELD_TYPES = {
    "string", "number", "integer", "boolean", "object", "array", "list", "date", "time",
    "datetime", "year", "yearmonth", "duration", "geopoint", "geojson", "any",
}
_CONSTRAINTS = {"required", "unique", "minLength", "maxLength", "pattern", "enum", "minimum",
                "maximum", "exclusiveMinimum", "exclusiveMaximum", "jsonSchema"}
_FIELD_PROPERTIES: dict[str, type] = {
    "format": str, "bareNumber": bool, "groupChar": str, "decimalChar": str, "delimiter": str,
}
_KIND_NAMES = {str: "string", bool: "boolean (true or false)"}


def check_dialect(dialect: dict[str, Any] | None, bad: Bad) -> dict[str, Any]:
    """The dialect with malformed properties reported and dropped: a value that cannot
    work (an empty or two-character delimiter, a line break as the quote) is a descriptor
    error, as it is to frictionless."""
    if not dialect:
        return {}
    out = dict(dialect)

    def drop(key: str, must: str) -> None:
        bad(f"dialect `{key}` must be {must}, not {out.pop(key)!r}", None)

    for key in ("delimiter", "quoteChar", "escapeChar"):
        value = out.get(key)
        if key in out and not (isinstance(value, str) and len(value) == 1
                               and value not in ("\n", "\r")):
            drop(key, "a single character (not a line break)")
    for key in ("header", "doubleQuote", "skipInitialSpace"):
        if key in out and not isinstance(out[key], bool):
            drop(key, "true or false")
    for key in ("lineTerminator", "nullSequence", "commentChar", "headerJoin"):
        if key in out and not isinstance(out[key], str):
            drop(key, "a string")
    for key in ("headerRows", "commentRows"):
        value = out.get(key)
        if key in out and not (isinstance(value, list) and all(
                isinstance(x, int) and not isinstance(x, bool) and x >= 1 for x in value)):
            drop(key, "an array of row numbers (1 or more)")
    if "escapeChar" in out and out.get("escapeChar") == out.get("quoteChar", '"'):
        out.pop("escapeChar")
    return out


def check_schema(s: dict[str, Any], bad: Bad) -> bool:
    """Structural checks of a Table Schema (malformed parts reported and dropped); False if
    it is too broken to check data with."""
    fields = s.get("fields")
    if not isinstance(fields, list):
        bad("the schema needs `fields`, an array of field descriptors", None)
        return False
    names: list[str] = []
    usable = True
    for i, f in enumerate(fields, 1):
        if not isinstance(f, dict) or not isinstance(f.get("name"), str):
            bad(f"field {i} must be an object with a `name`", None)
            usable = False
            continue
        name = f["name"]
        if name in names:
            bad(f"two fields are named {name!r}", name)
        names.append(name)
        ftype = f.get("type", "any")
        if not isinstance(ftype, str) or ftype not in _FIELD_TYPES:
            bad(f"field {name!r} has unknown type {ftype!r}; its values are not checked",
                name)
            f["type"] = "any"
        for key, kind in _FIELD_PROPERTIES.items():
            if key in f and not isinstance(f[key], kind):
                bad(f"field {name!r}: `{key}` must be a {_KIND_NAMES[kind]}", name)
                del f[key]
            elif key in ("decimalChar", "delimiter") and f.get(key) == "":
                bad(f"field {name!r}: `{key}` must not be empty", name)  # cannot work
                del f[key]
        cons = f.get("constraints", {})
        if not isinstance(cons, dict):
            bad(f"field {name!r}: `constraints` must be an object", name)
            f["constraints"] = {}
            continue
        _check_constraints(f, cons, bad)
        for key in ("missingValues", "trueValues", "falseValues"):
            if key in f and not _strings(f[key], allow_objects=key == "missingValues"):
                bad(f"field {name!r}: `{key}` must be an array of strings", name)
                del f[key]
    if "missingValues" in s and not _strings(s["missingValues"], allow_objects=True):
        bad("`missingValues` must be an array of strings", None)
        s["missingValues"] = [""]
    pk = s.get("primaryKey")
    if pk is not None:
        keys = [pk] if isinstance(pk, str) else pk
        if not (isinstance(keys, list) and keys and all(k in names for k in keys)):
            bad(f"`primaryKey` {pk!r} must name fields of the schema", None)
            s.pop("primaryKey")
    uks = s.get("uniqueKeys")
    if uks is not None and not (isinstance(uks, list) and all(
        isinstance(u, list) and u and all(k in names for k in u) for u in uks
    )):
        bad("`uniqueKeys` must be an array of arrays of field names", None)
        s.pop("uniqueKeys")
    return usable


def _check_constraints(f: dict[str, Any], cons: dict[str, Any], bad: Bad) -> None:
    from opencase.datapackage.table.cast import SUPPORTED

    name, ftype = f["name"], f.get("type", "any")
    for key in list(cons):
        value = cons[key]
        if key not in _CONSTRAINTS:
            bad(f"field {name!r}: unknown constraint {key!r}", name)
        elif key in ("required", "unique") and not isinstance(value, bool):
            bad(f"field {name!r}: `{key}` must be true or false", name)
        elif key in ("minLength", "maxLength") and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            bad(f"field {name!r}: `{key}` must be a whole number", name)
        elif key == "pattern" and not isinstance(value, str):
            bad(f"field {name!r}: `pattern` must be a string", name)
        elif key == "enum" and (not isinstance(value, list) or not value):
            bad(f"field {name!r}: `enum` must be a non-empty array", name)
        elif key not in ("unique", "jsonSchema") and key not in SUPPORTED.get(ftype, set()):
            bad(f"field {name!r}: constraint {key!r} does not apply to type {ftype!r}",
                name)
        else:
            continue
        del cons[key]


def inferred_schema(data: Any, dialect: dict[str, Any]) -> dict[str, Any] | None:
    """For inline tabular ``data`` without a Table Schema (rows that are all arrays or all
    objects): a schema of ``any`` fields named by its header (or its objects' keys), so that
    its shape (row lengths, blank rows, labels) is checked as frictionless checks it."""
    if not isinstance(data, list) or not data:
        return None
    if all(isinstance(row, dict) for row in data):
        names = list(data[0])  # frictionless, too, takes the header from the first object
    elif all(isinstance(row, list) for row in data):
        if dialect.get("header") is False or dialect.get("headerRows") == []:
            names = [f"field{i}" for i in range(1, len(data[0]) + 1)]
        else:
            names = ["" if x is None else str(x) for x in data[0]]
            names = list(dict.fromkeys(names))  # a label given twice: reported by the header
    else:
        return None
    return {"fields": [{"name": n, "type": "any"} for n in names]}


def fk_problem(fk: Any, names: list[str], own: str,
               schemas: dict[str, dict[str, Any] | None]) -> str | None:
    """Why a foreign key of resource ``own`` (whose fields are ``names``) is malformed, or
    None (then it is normalised in place). ``schemas``: every resource's usable schema."""
    if not isinstance(fk, dict):
        return "each foreign key must be an object with `fields` and `reference`"
    fields = fk.get("fields")
    fields = [fields] if isinstance(fields, str) else fields
    ref = fk.get("reference")
    if not isinstance(fields, list) or not fields or not all(f in names for f in fields):
        return f"`fields` {fk.get('fields')!r} must name fields of the schema"
    if not isinstance(ref, dict):
        return "`reference` must be an object with `fields` (and `resource`)"
    target = ref.get("resource", "") or own
    ref_fields = ref.get("fields")
    ref_fields = [ref_fields] if isinstance(ref_fields, str) else ref_fields
    if not isinstance(target, str) or target not in schemas:
        return f"it refers to resource {ref.get('resource')!r}, which the package lacks"
    other = schemas[target]
    other_names = [f.get("name") for f in (other or {}).get("fields", []) if isinstance(f, dict)]
    if other is None:
        return f"resource {target!r} has no usable Table Schema to refer to"
    if not isinstance(ref_fields, list) or not all(f in other_names for f in ref_fields):
        return f"reference fields {ref.get('fields')!r} are not fields of {target!r}"
    if len(ref_fields) != len(fields):
        return "`fields` and `reference.fields` must have the same length"
    fk["fields"], fk["reference"] = fields, {"resource": target, "fields": ref_fields}
    return None


def _strings(value: Any, allow_objects: bool = False) -> bool:
    return isinstance(value, list) and all(
        isinstance(x, str) or (allow_objects and isinstance(x, dict)
                               and isinstance(x.get("value"), str))
        for x in value
    )
