"""Records to the published Arrow tables and back, by :mod:`opencase.publishing.layout`.

Provenance: every row of a kind table is the ``record_id`` of at least one citation row. A
child-table row has no citations of its own: it rests on the citations of its parent record
(those with an empty ``field``, or with ``field`` naming the list field). A source with a
snapshot of its own is its own evidence: it gets one ``<id>#snapshot`` citation row naming its
hash, with no quote.

Empty text is published as null (CSV cannot tell the two apart), so an optional field holding
``""`` comes back as ``None``. Rows are in a fixed order: kind tables by ``id``, child tables
by parent id and position, citations by kind (in table order), record id, ``cite`` position
and position in ``supports``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from opencase.language.edtf import parse_edtf
from opencase.language.models import KINDS, Record, Source
from opencase.publishing.layout import ARROW_TYPES, Column, TableSpec, arrow_schema, layout

__all__ = ["citation_id", "from_tables", "to_tables"]

# ---------------------------------------------------------------- records -> tables


@lru_cache(maxsize=65536)
def _days(text: str) -> tuple[Any, Any]:
    parsed = parse_edtf(text)
    return parsed.start, parsed.end


def _array(values: list[Any], col: Column) -> pa.Array:
    arr = pa.array(values, ARROW_TYPES[col.type])
    if col.type == "string" and arr.null_count < len(arr):
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    return arr


def _values(objs: Sequence[Any], col: Column) -> list[Any]:
    name = col.field
    assert name is not None
    if col.part is None:
        return [getattr(o, name) for o in objs]
    i = 0 if col.part == "start" else 1
    return [None if v is None else _days(v)[i] for v in (getattr(o, name) for o in objs)]


def _plain(items: list[Any], col: Column) -> list[Any]:
    if col.part is None:
        return items
    i = 0 if col.part == "start" else 1
    return [None if v is None else _days(v)[i] for v in items]


def _table(spec: TableSpec, columns: dict[str, list[Any] | pa.Array]) -> pa.Table:
    schema = arrow_schema(spec.name)
    arrays = [columns[c.name] if isinstance(columns[c.name], pa.Array)
              else _array(columns[c.name], c) for c in spec.columns]
    return pa.Table.from_arrays(arrays, schema=schema)


def citation_id(record_id: str, index: int | None, field_index: int | None = None) -> str:
    """The ``citation_id`` of a citation row (``index`` None: a source's own snapshot)."""
    if index is None:
        return f"{record_id}#snapshot"
    return f"{record_id}#{index}" if field_index is None else f"{record_id}#{index}.{field_index}"


def to_tables(
    records: Mapping[str, Sequence[Record]],
    checks: Mapping[tuple[str, int], Any] | None = None,
) -> dict[str, pa.Table]:
    """Every published table, built from validated ``records`` (by kind).

    ``checks`` maps ``(record_id, cite_index)`` to the validator's
    :class:`~opencase.validation.validate.CitationCheck` (where each quote was found); without one,
    a
    citation is published unverified (no offsets) with the hash its sources declare.
    """
    checks = checks or {}
    by_kind = {k: sorted(records.get(k, ()), key=lambda r: r.id) for k in KINDS}
    sha_of = {s.id: s.sha256 for s in by_kind.get("sources", ()) if isinstance(s, Source)}
    out: dict[str, pa.Table] = {}
    for spec in layout().values():
        if spec.kind is None:
            continue
        recs = by_kind[spec.kind]
        if spec.list_field is None:
            out[spec.name] = _table(spec, {c.name: _values(recs, c) for c in spec.columns})
            continue
        parents: list[str] = []
        positions: list[int] = []
        items: list[Any] = []
        for r in recs:
            values = getattr(r, spec.list_field)
            parents.extend([r.id] * len(values))
            positions.extend(range(len(values)))
            items.extend(values)
        cols: dict[str, Any] = {spec.columns[0].name: parents, "position": positions}
        for c in spec.columns[2:]:
            cols[c.name] = _values(items, c) if spec.item_is_model else _plain(items, c)
        out[spec.name] = _table(spec, cols)
    out["citations"] = _citations_table(by_kind, checks, sha_of)
    return out


def _citations_table(
    by_kind: Mapping[str, Sequence[Record]],
    checks: Mapping[tuple[str, int], Any],
    sha_of: Mapping[str, str | None],
) -> pa.Table:
    names = layout()["citations"].names
    rows: list[tuple[Any, ...]] = []
    add = rows.append
    for kind, recs in by_kind.items():
        for r in recs:
            if isinstance(r, Source) and r.sha256:
                add((citation_id(r.id, None), r.id, kind, None, None, r.id, None, None, None,
                     None, None, r.sha256, None, None))
            for i, c in enumerate(r.cite):
                check = checks.get((r.id, i))
                sha = check.sha256 if check is not None else sha_of.get(c.via or c.source)
                match = check.match if check is not None else None
                start, end = (match.start, match.end) if match is not None else (None, None)
                common = (c.source, c.quote, c.prefix, c.suffix, start, end, sha, c.via, c.note)
                if not c.supports:
                    add((f"{r.id}#{i}", r.id, kind, i, None, *common))
                for j, field in enumerate(c.supports or ()):
                    add((f"{r.id}#{i}.{j}", r.id, kind, i, field, *common))
    columns = [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in names]
    return _table(layout()["citations"], dict(zip(names, columns, strict=True)))


# ---------------------------------------------------------------- tables -> records

_CITE_INDEX = re.compile(r"#(\d+)(?:\.(\d+))?$")


def _column(table: pa.Table, name: str) -> list[Any]:
    col = table.column(name)
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        col = pc.if_else(pc.equal(col, ""), pa.scalar(None, col.type), col)  # "" is null
    return col.to_pylist()


def _rows(table: pa.Table, names: Sequence[str]) -> list[dict[str, Any]]:
    cols = {n: _column(table, n) for n in names}
    return [dict(zip(names, vals, strict=True)) for vals in zip(*cols.values(), strict=True)]


def from_tables(tables: Mapping[str, pa.Table]) -> dict[str, list[Record]]:
    """The records (by kind, sorted by id) that :func:`to_tables` published as ``tables``.

    Only the columns the layout defines are read (derived ``_start``/``_end`` columns are
    ignored), and an empty string is read as null, so tables read back from CSV or Parquet
    will do.
    """
    specs = layout()
    cites: dict[str, list[tuple[int, int, dict[str, Any]]]] = {}
    for row in _rows(tables["citations"], specs["citations"].names):
        if row["cite_index"] is None:
            continue  # a source's own snapshot
        m = _CITE_INDEX.search(row["citation_id"])
        j = int(m.group(2)) if m and m.group(2) is not None else 0
        cites.setdefault(row["record_id"], []).append((row["cite_index"], j, row))
    lists: dict[tuple[str, str], list[tuple[int, Any]]] = {}
    for spec in specs.values():
        if spec.list_field is None:
            continue
        parent = spec.columns[0].name
        item_cols = [c.name for c in spec.columns[2:]]
        for row in _rows(tables[spec.name], spec.names):
            if spec.item_is_model:
                item: Any = {k: row[k] for k in item_cols if row[k] is not None}
            else:
                item = row[item_cols[0]]
            lists.setdefault((row[parent], spec.list_field), []).append((row["position"], item))
    out: dict[str, list[Record]] = {}
    for kind, model in KINDS.items():
        spec = specs[kind]
        fields = [c.name for c in spec.columns if c.part is None]
        list_fields = [s.list_field for s in specs.values() if s.kind == kind and s.list_field]
        recs = []
        for row in _rows(tables[kind], fields):
            data = {k: v for k, v in row.items() if v is not None}
            for lf in list_fields:
                data[lf] = [v for _, v in sorted(lists.get((row["id"], lf), ()),
                                                 key=lambda t: t[0])]
            data["cite"] = _cite_list(cites.get(row["id"], []))
            recs.append(model.model_validate(data))
        out[kind] = sorted(recs, key=lambda r: r.id)
    return out


def _cite_list(rows: list[tuple[int, int, dict[str, Any]]]) -> list[dict[str, Any]]:
    grouped: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for i, j, row in rows:
        grouped.setdefault(i, []).append((j, row))
    out = []
    for i in sorted(grouped):
        parts = sorted(grouped[i], key=lambda t: t[0])
        first = parts[0][1]
        cite = {"source": first["source_id"], "quote": first["quote"], "prefix": first["prefix"],
                "suffix": first["suffix"], "via": first["via_source_id"], "note": first["note"]}
        supports = [row["field"] for _, row in parts if row["field"] is not None]
        if supports:
            cite["supports"] = supports
        out.append({k: v for k, v in cite.items() if v is not None})
    return out
