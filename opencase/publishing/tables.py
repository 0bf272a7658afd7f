"""The published tables: their layout, generated from the record models, and the conversion of
records to Arrow tables and back.

The layout follows mechanically from :data:`opencase.language.models.KINDS` (nothing is
specific to one case), read through :func:`opencase.language.spec.fields_of`:

- one table per kind, named like the kind (``people``), keyed by ``id``; scalar fields become
  columns, controlled vocabularies are strings with ``categories``, references are string
  columns holding ids (with a foreign key when the field refers to a single kind);
- an EDTF date field ``date`` gives three columns: ``date`` (the EDTF string as written) and
  ``date_start`` / ``date_end``, the earliest and latest day it can mean (empty when open or
  unknown);
- a list field becomes a child table ``<singular>_<field>`` (``events.participants`` ->
  ``event_participants``) with ``<singular>_id``, ``position`` (from 0, the order of the list)
  and the item's fields; a list of plain values (``proceedings.subjects``) holds each value in
  a column named after the field without its plural ``s`` (``subject``);
- the ``citations`` table holds every record's ``cite`` entries (see :func:`citations_spec`).

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
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from opencase.language.edtf import parse_edtf
from opencase.language.models import ID_PATTERN, KINDS, Citation, Record, Source
from opencase.language.spec import FieldSpec, fields_of

__all__ = [
    "Column",
    "ForeignKey",
    "TableSpec",
    "arrow_schema",
    "citation_id",
    "from_tables",
    "layout",
    "table_schema",
    "to_tables",
]

TABLESCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
}


@dataclass(frozen=True, slots=True)
class Column:
    """A published column and where its values come from.

    ``field`` is the model field holding the value (``None`` for structural columns such as
    ``position``); ``part`` is ``"start"`` or ``"end"`` for the days derived from an EDTF field.
    """

    name: str
    type: str  # a Table Schema type: string, integer, number, boolean, date
    description: str
    required: bool = False
    unique: bool = False
    pattern: str | None = None
    categories: tuple[str, ...] | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None
    references: tuple[str, ...] = ()
    field: str | None = None
    part: str | None = None
    edtf: bool = False


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """``column`` holds a value of ``table``'s ``target`` column."""

    column: str
    table: str
    target: str = "id"


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One published table. ``kind`` is the record kind it comes from; a child table also has
    the record's list field (``list_field``) and whether its items are models."""

    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]
    kind: str | None = None
    list_field: str | None = None
    item_is_model: bool = False

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


# ---------------------------------------------------------------- layout from the models


def _scalar_columns(f: FieldSpec, name: str, required: bool, field: str | None,
                   unique: bool = False) -> list[Column]:
    desc = f.description
    if f.categories is not None:
        return [Column(name, "string", desc, required, categories=f.categories, field=field)]
    if f.edtf:
        return [
            Column(name, "string", f"{desc} An EDTF date as written (e.g. 2016, 2019-07, "
                   "2014/2015, 2020~).", required, field=field, edtf=True),
            Column(f"{name}_start", "date", f"Earliest day `{name}` can mean; empty when "
                   "it has no start (open or unknown).", field=field, part="start"),
            Column(f"{name}_end", "date", f"Latest day `{name}` can mean; empty when it has "
                   "no end (open or unknown).", field=field, part="end"),
        ]
    if f.type == "string":
        return [Column(name, "string", desc, required, unique, pattern=f.pattern,
                       min_length=f.min_length, max_length=f.max_length,
                       references=f.references, field=field)]
    if f.type in ("integer", "number", "boolean"):
        return [Column(name, f.type, desc, required, minimum=f.minimum, maximum=f.maximum,
                       field=field)]
    raise TypeError(f"cannot publish field {name!r} of JSON Schema type {f.type!r}")


def _item_column_name(field: str) -> str:
    """The column holding each value of a list of plain values: the field's singular."""
    return field[:-1] if field.endswith("s") and not field.endswith("ss") else field


def _foreign_keys(columns: Sequence[Column]) -> list[ForeignKey]:
    return [ForeignKey(c.name, c.references[0]) for c in columns if len(c.references) == 1]


def _kind_tables(kind: str, model: type[Record]) -> list[TableSpec]:
    columns: list[Column] = []
    children: list[TableSpec] = []
    singular = model.singular
    parent_col = Column(f"{singular}_id", "string", f"The {singular} this row belongs to "
                        f"(`{kind}.id`).", True, pattern=ID_PATTERN, references=(kind,))
    position = Column("position", "integer", "Position in the record's list, from 0.", True,
                      minimum=0)
    for f in fields_of(model):
        if f.name == "cite":
            continue
        if f.item is None:
            columns.extend(_scalar_columns(f, f.name, f.required, f.name,
                                           unique=f.name == "id"))
            continue
        is_model = bool(f.item.fields)
        if is_model:
            item_cols = [c for sub in f.item.fields
                         for c in _scalar_columns(sub, sub.name, sub.required, sub.name)]
        else:
            item_cols = _scalar_columns(f.item, _item_column_name(f.name), True, None)
        table = f"{singular}_{f.name}"
        cols = (parent_col, position, *item_cols)
        if len(set(c.name for c in cols)) != len(cols):
            raise TypeError(f"table {table}: column names clash: {[c.name for c in cols]}")
        children.append(TableSpec(
            table, f"{f.description} One row per item of `{kind}.{f.name}`.", cols,
            (parent_col.name, "position"),
            (ForeignKey(parent_col.name, kind), *_foreign_keys(item_cols)),
            kind=kind, list_field=f.name, item_is_model=is_model,
        ))
    doc = (model.__doc__ or kind).strip().splitlines()[0].replace("``", "`")
    main = TableSpec(kind, doc, tuple(columns), ("id",), tuple(_foreign_keys(columns)),
                     kind=kind)
    return [main, *children]


def citations_spec() -> TableSpec:
    """The ``citations`` table: one row per citation, or per field a citation ``supports``."""
    described = {f.name: f.description for f in fields_of(Citation)}

    def d(name: str) -> str:
        return described[name]

    source_ref: tuple[str, ...] = ("sources",)
    columns = (
        Column("citation_id", "string", "Unique id of the row: `<record_id>#<i>` for the i-th "
               "citation of a record (from 0), `<record_id>#<i>.<j>` for its j-th supported "
               "field, `<source_id>#snapshot` for a source's own snapshot.", True, unique=True),
        Column("record_id", "string", "The record this passage is evidence for.", True,
               pattern=ID_PATTERN, references=tuple(KINDS)),
        Column("record_kind", "string", "The kind (table) of that record.", True,
               categories=tuple(KINDS)),
        Column("cite_index", "integer", "Position of the citation in the record's `cite` list, "
               "from 0; empty for a source's own snapshot.", minimum=0),
        Column("field", "string", "The field of the record the passage backs; empty: the whole "
               "record (and the rows of its child tables)."),
        Column("source_id", "string", d("source"), True, pattern=ID_PATTERN,
               references=source_ref),
        Column("quote", "string", d("quote") + " Empty for a source's own snapshot."),
        Column("prefix", "string", d("prefix")),
        Column("suffix", "string", d("suffix")),
        Column("start", "integer", "Character offset where the quote starts in the snapshot "
               "`source_sha256` (W3C Web Annotation TextPositionSelector): Unicode code points "
               "from 0 of the snapshot decoded as UTF-8, a byte order mark and CRs counted; "
               "empty when the quote was not verified.", minimum=0),
        Column("end", "integer", "Character offset just after the quote's end in that "
               "snapshot; empty when the quote was not verified.", minimum=0),
        Column("source_sha256", "string", "SHA-256 of the snapshot text the quote is found in "
               "(that of `via_source_id` when given, else of `source_id`); empty when that "
               "source has no snapshot.", pattern=r"^[0-9a-f]{64}$"),
        Column("via_source_id", "string", d("via"), pattern=ID_PATTERN,
               references=source_ref),
        Column("note", "string", d("note")),
    )
    return TableSpec("citations", "The passages of the sources that every record rests on: "
                     "the quote, where it is in the source's snapshot, and what it supports.",
                     columns, ("citation_id",), tuple(_foreign_keys(columns)))


@cache
def layout() -> dict[str, TableSpec]:
    """Every published table, by name, in publishing order."""
    out: dict[str, TableSpec] = {}
    for kind, model in KINDS.items():
        for spec in _kind_tables(kind, model):
            if spec.name in out:
                raise TypeError(f"two tables would be named {spec.name!r}")
            out[spec.name] = spec
    out["citations"] = citations_spec()
    return out


# ---------------------------------------------------------------- schemas


def _xsd_pattern(pattern: str) -> str:
    """A Python regex as Table Schema wants it (XML Schema style: implicitly anchored)."""
    p = pattern.removeprefix("^").removesuffix("$")
    return p.replace("(?:", "(")


def table_schema(name: str, *, resource_suffix: str = "", standalone: bool = False,
                 nan_missing: bool = False) -> dict[str, Any]:
    """The Table Schema of table ``name``. Foreign keys name the resources
    ``<table><resource_suffix>``; ``standalone`` adds the ``$schema`` of a root descriptor.

    ``nan_missing`` (for Parquet resources) declares ``nan`` a missing value of optional
    numeric fields: frictionless reads Parquet through pandas, which turns a missing integer
    into NaN, and would otherwise report it as a type error.
    """
    spec = layout()[name]
    fields = []
    for c in spec.columns:
        f: dict[str, Any] = {"name": c.name, "type": c.type, "description": c.description}
        if c.categories:
            f["categories"] = list(c.categories)
        if c.references:
            f["x-references"] = list(c.references)
        if nan_missing and c.type in ("integer", "number") and not c.required:
            f["missingValues"] = ["", "nan"]
        cons: dict[str, Any] = {}
        if c.required or c.name in spec.primary_key:
            cons["required"] = True
        if c.unique:
            cons["unique"] = True
        if c.categories:
            cons["enum"] = list(c.categories)
        if c.pattern:
            cons["pattern"] = _xsd_pattern(c.pattern)
        for key, value in (("minLength", c.min_length), ("maxLength", c.max_length),
                           ("minimum", c.minimum), ("maximum", c.maximum)):
            if value is not None:
                cons[key] = value
        if cons:
            f["constraints"] = cons
        fields.append(f)
    out: dict[str, Any] = {"$schema": TABLESCHEMA_PROFILE} if standalone else {}
    out["fields"] = fields
    out["primaryKey"] = list(spec.primary_key)
    if spec.foreign_keys:
        out["foreignKeys"] = [
            {"fields": [fk.column],
             "reference": ({"fields": [fk.target]} if fk.table == name
                           else {"resource": fk.table + resource_suffix,
                                 "fields": [fk.target]})}
            for fk in spec.foreign_keys
        ]
    return out


def arrow_schema(name: str) -> pa.Schema:
    """The Arrow schema of table ``name`` (required columns are not nullable)."""
    spec = layout()[name]
    return pa.schema([
        pa.field(c.name, ARROW_TYPES[c.type], nullable=not (c.required or
                                                          c.name in spec.primary_key))
        for c in spec.columns
    ])


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
