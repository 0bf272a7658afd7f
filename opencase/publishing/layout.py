"""The published tables' layout, generated from the record models, and their Table Schema and
Arrow schemas.

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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import pyarrow as pa

from opencase.language.models import ID_PATTERN, KINDS, Citation, Record
from opencase.language.spec import FieldSpec, fields_of

__all__ = [
    "ARROW_TYPES",
    "Column",
    "ForeignKey",
    "TableSpec",
    "arrow_schema",
    "citations_spec",
    "layout",
    "table_schema",
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
    labels: tuple[str, ...] | None = None  # the definition of each of ``categories``
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
        return [Column(name, "string", desc, required, categories=f.categories,
                       labels=f.definitions, field=field)]
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
            # Table Schema v2: {value, label} objects, the label being the value's definition
            f["categories"] = ([{"value": v, "label": label}
                                for v, label in zip(c.categories, c.labels, strict=True)]
                               if c.labels else list(c.categories))
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
