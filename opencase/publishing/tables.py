"""Records to the published Arrow tables and back, by :mod:`opencase.publishing.layout`.

Provenance: every row of a kind table is the ``record_id`` of at least one citation row (but
a correction, which its ``note`` alone may justify: validation requires one or the other). A
child-table row has no citations of its own: it rests on the citations of its parent record
(those with an empty ``field``, or with ``field`` naming the list field). A name variant and a
reported value carry their own citations (``citations.part`` and ``part_position`` say
which). A source with a snapshot of its own is its own evidence: it gets one
``<id>#snapshot`` citation row naming its hash, with no quote. Citation ids are derived from
their content (:mod:`opencase.language.citeids`).

Empty text is published as null (CSV cannot tell the two apart), so an optional field holding
``""`` comes back as ``None``. Rows keep the curator's order: each kind's table lists its
records in the order they are given (files by path, records in file order); child tables and
the tables shared by every kind follow their records, each list in its order (``position``);
``field_statuses`` gives a record's unknown fields, then its not-applicable ones; ``entities``
lists the records kind by kind (in table order); ``citations`` too, each record's own
citations first, then those of the items of its list fields (its reported values, then its
names: the model's field order), one row per supported field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache, lru_cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from opencase import gcpause
from opencase.language.casemodel import STANDARD, CaseModel
from opencase.language.citeids import citation_rows
from opencase.language.edtf import parse_edtf
from opencase.language.models import KINDS, Record, Source
from opencase.language.spec import FieldSpec, fields_of
from opencase.publishing.layout import (
    ARROW_TYPES,
    ENTITIES,
    LABEL_FIELDS,
    LABEL_LENGTH,
    LABEL_TEXT_FIELDS,
    Column,
    TableSpec,
    arrow_schema_of,
    layout,
)

__all__ = ["entity_label", "from_tables", "to_tables"]

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


def _table(spec: TableSpec, columns: Mapping[str, list[Any] | pa.Array]) -> pa.Table:
    schema = arrow_schema_of(spec)
    arrays = [columns[c.name] if isinstance(columns[c.name], pa.Array)
              else _array(columns[c.name], c) for c in spec.columns]
    return pa.Table.from_arrays(arrays, schema=schema)


def _from_rows(spec: TableSpec, rows: list[tuple[Any, ...]]) -> pa.Table:
    names = spec.names
    columns = [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in names]
    return _table(spec, dict(zip(names, columns, strict=True)))


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= LABEL_LENGTH:
        return text
    cut = text[:LABEL_LENGTH - 1]
    if " " in cut:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;:.") + "…"


@cache
def _label_fields(model: type[Record]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The label fields ``model`` has (looking up a field a pydantic model lacks is slow)."""
    return (tuple(f for f in LABEL_FIELDS if f in model.model_fields),
            tuple(f for f in LABEL_TEXT_FIELDS if f in model.model_fields))


def entity_label(record: Record) -> str:
    """The record's ``entities.label`` (the rule is in the column's description)."""
    names, texts = _label_fields(type(record))
    for name in names:
        value = getattr(record, name)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    for name in texts:
        value = getattr(record, name)
        if isinstance(value, str) and value.strip():
            return _shorten(value)
    return record.id


def _marked(kind: str, table: str) -> list[FieldSpec]:
    return [f for f in fields_of(KINDS[kind]) if f.table == table]


def to_tables(
    records: Mapping[str, Sequence[Record]],
    checks: Mapping[tuple[str, int], Any] | None = None,
    nested: Mapping[tuple[str, str, int], Any] | None = None,
    case_model: CaseModel = STANDARD,
) -> dict[str, pa.Table]:
    """Every published table, built from validated ``records`` (by kind, each in the curator's
    order).

    ``checks`` maps ``(record_id, cite_index)`` (the record's own ``cite``) and ``nested``
    maps ``(record_id, "<part>[<part_position>]", cite_index)`` (the ``cite`` of a name or
    reported value) to the validator's :class:`~opencase.validation.validate.CitationCheck`
    (where each quote was found); without one, a citation is published unverified (no
    offsets) with the hash its sources declare. ``case_model``: the dataset's (its
    extensions are published like the standard fields; default the standard model).
    """
    checks = checks or {}
    nested = nested or {}
    by_kind = {k: list(records.get(k, ())) for k in KINDS}
    out: dict[str, pa.Table] = {}
    with gcpause.paused():  # many row tuples, no cycles (25% of the time at 100k records)
        for spec in layout(case_model).values():
            out[spec.name] = _built(spec, by_kind, checks, nested)
    return out


def _built(spec: TableSpec, by_kind: Mapping[str, Sequence[Record]],
           checks: Mapping[tuple[str, int], Any],
           nested: Mapping[tuple[str, str, int], Any]) -> pa.Table:
    if spec.name == ENTITIES:
        return _from_rows(spec, [(r.id, kind, entity_label(r))
                                 for kind, recs in by_kind.items() for r in recs])
    if spec.name == "citations":
        return _citations_table(spec, by_kind, checks, nested)
    if spec.cross_kind:
        return _cross_kind_table(spec, by_kind)
    if spec.list_field is None:
        recs = by_kind[spec.kind or ""]
        return _table(spec, {c.name: _values(recs, c) for c in spec.columns})
    return _child_table(spec, by_kind[spec.kind or ""])


def _child_table(spec: TableSpec, recs: Iterable[Record]) -> pa.Table:
    assert spec.list_field is not None
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
    return _table(spec, cols)


def _cross_kind_table(spec: TableSpec, by_kind: Mapping[str, Sequence[Record]]) -> pa.Table:
    if "status" in spec.names:  # field_statuses
        rows: list[tuple[Any, ...]] = []
        for kind, recs in by_kind.items():
            marked = _marked(kind, spec.name)
            for r in recs:
                for f in marked:
                    stated = getattr(r, f.name)
                    if stated:
                        rows.extend((r.id, kind, name, f.status, reason)
                                    for name, reason in stated.items())
        return _from_rows(spec, rows)
    ids: list[str] = []
    kinds: list[str] = []
    positions: list[int] = []
    items: list[Any] = []
    for kind, recs in by_kind.items():
        for f in _marked(kind, spec.name):
            for r in recs:
                values = getattr(r, f.name)
                ids.extend([r.id] * len(values))
                kinds.extend([kind] * len(values))
                positions.extend(range(len(values)))
                items.extend(values)
    cols: dict[str, Any] = {"record_id": ids, "record_kind": kinds, "position": positions}
    for c in spec.columns[3:]:
        cols[c.name] = _values(items, c)
    return _table(spec, cols)


def _citations_table(
    spec: TableSpec,
    by_kind: Mapping[str, Sequence[Record]],
    checks: Mapping[tuple[str, int], Any],
    nested: Mapping[tuple[str, str, int], Any],
) -> pa.Table:
    sha_of = {s.id: s.sha256 for s in by_kind.get("sources", ()) if isinstance(s, Source)}
    rows: list[tuple[Any, ...]] = []
    add = rows.append
    for kind, recs in by_kind.items():
        for r in recs:
            rid = r.id
            if isinstance(r, Source) and r.sha256:
                add((f"{rid}#snapshot", rid, kind, None, None, None, None, rid, None, None,
                     None, None, None, r.sha256, None, None))
            for row in citation_rows(r):
                c = row.citation
                check = (checks.get((rid, row.cite_index)) if row.part is None else
                         nested.get((rid, f"{row.part}[{row.part_position}]", row.cite_index)))
                sha = check.sha256 if check is not None else sha_of.get(c.via or c.source)
                match = check.match if check is not None else None
                start, end = (match.start, match.end) if match is not None else (None, None)
                add((row.id, rid, kind, row.part, row.part_position, row.cite_index, row.field,
                     c.source, c.quote, c.prefix, c.suffix, start, end, sha, c.via, c.note))
    return _from_rows(spec, rows)


# ---------------------------------------------------------------- tables -> records


def _column(table: pa.Table, name: str) -> list[Any]:
    col = table.column(name)
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        col = pc.if_else(pc.equal(col, ""), pa.scalar(None, col.type), col)  # "" is null
    return col.to_pylist()


def _rows(table: pa.Table, names: Sequence[str]) -> list[dict[str, Any]]:
    cols = {n: _column(table, n) for n in names}
    return [dict(zip(names, vals, strict=True)) for vals in zip(*cols.values(), strict=True)]


def _item(row: dict[str, Any], columns: Sequence[Column]) -> dict[str, Any]:
    """The item (a list field's model) a row holds, by field name."""
    return {c.field: row[c.name] for c in columns
            if c.part is None and c.field is not None and row[c.name] is not None}


def from_tables(tables: Mapping[str, pa.Table], case_model: CaseModel = STANDARD
                ) -> dict[str, list[Record]]:
    """The records (by kind, in the order of their tables' rows) that :func:`to_tables`
    published as ``tables``.

    Only the columns the layout defines are read (derived ``_start``/``_end`` columns and the
    ``entities`` table are ignored), and an empty string is read as null, so tables read back
    from CSV or Parquet will do. A kind whose table ``tables`` lacks has no records (a
    package published before the kind existed, e.g. without ``corrections``); so has a list
    field whose table it lacks. ``case_model``: the one the tables were published with.
    """
    specs = layout(case_model)
    cites = _cite_lists(tables["citations"], specs["citations"])
    lists: dict[tuple[str, str], list[tuple[int, Any]]] = {}  # (record id, field) -> items
    statuses: dict[str, list[dict[str, Any]]] = {}
    for spec in specs.values():
        if spec.name not in tables:
            continue
        if spec.cross_kind and "status" in spec.names:
            for row in _rows(tables[spec.name], spec.names):
                statuses.setdefault(row["record_id"], []).append(row)
        elif spec.cross_kind:
            field_of = {k: f.name for k in KINDS for f in _marked(k, spec.name)}
            for row in _rows(tables[spec.name], spec.names):
                rid, pos, field = row["record_id"], row["position"], field_of[row["record_kind"]]
                item = _item(row, spec.columns[3:])
                item["cite"] = cites.get((rid, field, pos), [])
                lists.setdefault((rid, field), []).append((pos, item))
        elif spec.list_field is not None:
            parent = spec.columns[0].name
            item_cols = spec.columns[2:]
            for row in _rows(tables[spec.name], spec.names):
                value = (_item(row, item_cols) if spec.item_is_model
                         else row[item_cols[0].name])
                lists.setdefault((row[parent], spec.list_field), []).append(
                    (row["position"], value))
    out: dict[str, list[Record]] = {}
    for kind, model in case_model.kinds.items():
        spec = specs[kind]
        if kind not in tables:
            out[kind] = []
            continue
        columns = [c for c in spec.columns if c.part is None]
        list_fields = [f.name for f in fields_of(model)
                       if f.item is not None and f.name != "cite"]
        status_fields = {f.status: f.name for f in fields_of(model) if f.status}
        recs = []
        for row in _rows(tables[kind], [c.name for c in columns]):
            rid = row["id"]
            data = _item(row, columns)
            for lf in list_fields:
                data[lf] = [v for _, v in sorted(lists.get((rid, lf), ()), key=lambda t: t[0])]
            for st in statuses.get(rid, ()):
                data.setdefault(status_fields[st["status"]], {})[st["field"]] = st["reason"]
            data["cite"] = cites.get((rid, None, None), [])
            recs.append(model.model_validate(data))
        out[kind] = recs
    return out


def _cite_lists(table: pa.Table, spec: TableSpec
                ) -> dict[tuple[str, str | None, int | None], list[dict[str, Any]]]:
    """Each ``cite`` list, by (record id, part, part position): rows in table order, grouped
    by ``cite_index``; the fields a citation supports in the order of its rows."""
    grouped: dict[tuple[str, str | None, int | None], dict[int, list[dict[str, Any]]]] = {}
    for row in _rows(table, spec.names):
        if row["cite_index"] is None:
            continue  # a source's own snapshot
        place = (row["record_id"], row["part"], row["part_position"])
        grouped.setdefault(place, {}).setdefault(row["cite_index"], []).append(row)
    out = {}
    for place, by_index in grouped.items():
        cites = []
        for i in sorted(by_index):
            parts = by_index[i]
            first = parts[0]
            cite = {"source": first["source_id"], "quote": first["quote"],
                    "prefix": first["prefix"], "suffix": first["suffix"],
                    "via": first["via_source_id"], "note": first["note"]}
            supports = [row["field"] for row in parts if row["field"] is not None]
            if supports:
                cite["supports"] = supports
            cites.append({k: v for k, v in cite.items() if v is not None})
        out[place] = cites
    return out
