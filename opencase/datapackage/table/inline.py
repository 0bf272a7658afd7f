"""Inline data cells for ``opencase check``: each JSON cell as the text its field's cast (see
:mod:`opencase.datapackage.table.cast`) reads as frictionless reads the JSON value, and whether the
field's
reader refuses its JSON type."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from opencase.datapackage.table.arrow import STR
from opencase.datapackage.table.cast import DEFAULT_FALSE, DEFAULT_TRUE

__all__ = ["inline_cells"]


def inline_cells(f: dict[str, Any], values: list[Any]) -> tuple[pa.Array, pa.Array]:
    """Inline JSON cells of one field as text its cast reads as frictionless reads the JSON
    value, and where a value's JSON type is one the field's reader refuses (a number in a
    string field, 1.5 in an integer field). Inline data is small: this goes cell by cell."""
    ft = f.get("type", "any")
    texts: list[str | None] = []
    bad: list[bool] = []
    for x in values:
        text, wrong = _inline_cell(f, ft, x)
        texts.append(text)
        bad.append(wrong)
    return pa.array(texts, STR), pa.array(bad, pa.bool_())


def _inline_cell(f: dict[str, Any], ft: str, x: Any) -> tuple[str | None, bool]:
    if x is None or isinstance(x, str):
        return x, False
    if isinstance(x, bool):
        if ft == "boolean":
            pick = [str(v) for v in f.get("trueValues" if x else "falseValues",
                                          DEFAULT_TRUE if x else DEFAULT_FALSE)]
            return (pick[0], False) if pick else (json.dumps(x), True)
        if ft == "any":
            return ("true" if x else "false"), False
        return json.dumps(x), True
    if isinstance(x, int):
        if ft in ("integer", "number"):
            return str(x), False
        if ft == "year":
            return (f"{x:04d}", False) if 0 <= x <= 9999 else (json.dumps(x), True)
        return (str(x), False) if ft == "any" else (json.dumps(x), True)
    if isinstance(x, float):
        if ft == "integer" and x.is_integer():
            return str(int(x)), False
        if ft in ("number", "any"):
            return repr(x), False
        return json.dumps(x), True
    if isinstance(x, dict):
        ok = ft in ("object", "geojson", "geopoint", "any")
        return json.dumps(x), not ok
    if isinstance(x, list):
        ok = ft in ("array", "geopoint", "list", "any")
        return json.dumps(x), not ok
    return str(x), ft != "any"
