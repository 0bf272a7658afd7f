"""The published tables' layout, generated from the record models, and their Table Schema and
Arrow schemas.

The layout follows mechanically from :data:`opencase.language.models.KINDS` (nothing is
specific to one case), read through :func:`opencase.language.spec.fields_of`:

- one table per kind, named like the kind (``people``), keyed by ``id``; scalar fields become
  columns (named like the field, or as its ``x-column`` marker says: ``case`` -> ``case_id``,
  so that no column is an SQL reserved word), controlled vocabularies are strings with
  ``categories``, references are string columns holding ids;
- every reference column is a foreign key: into its kind's table when it refers to one kind,
  else into ``entities`` (:func:`entities_spec`), which lists every record once (and each
  kind's ``id`` is a key into it, so that none is missing);
- an EDTF date field ``date`` gives three columns: ``date`` (the EDTF string as written) and
  ``date_start`` / ``date_end``, the earliest and latest day it can mean (empty when open or
  unknown);
- a list field becomes a child table ``<singular>_<field>`` (``events.participants`` ->
  ``event_participants``) with ``<singular>_id``, ``position`` (from 0, the order of the list)
  and the item's fields; a list of plain values (``proceedings.subjects``) holds each value in
  a column named after the field without its plural ``s`` (``subject``);
- a field marked ``x-table`` goes into a table shared by every kind, with ``record_id`` and
  ``record_kind``: ``names`` and ``reported_values`` (a row per list item, with ``position``)
  and ``field_statuses`` (a row per field stated unknown or not applicable);
- the ``citations`` table holds every record's ``cite`` entries and those of its names and
  reported values (see :func:`citations_spec`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import pyarrow as pa

from opencase.language.casemodel import STANDARD, CaseModel
from opencase.language.citeids import parts_of
from opencase.language.fields import FieldStatus
from opencase.language.models import ID_PATTERN, KINDS, Citation, Record
from opencase.language.spec import FieldSpec, fields_of

__all__ = [
    "ARROW_TYPES",
    "ENTITIES",
    "Column",
    "ForeignKey",
    "TableSpec",
    "arrow_schema",
    "arrow_schema_of",
    "build_layout",
    "citations_spec",
    "entities_spec",
    "layout",
    "table_schema",
]

ENTITIES = "entities"
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
    names_table: bool = False  # each value names the table holding this row's primary key


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """``column`` holds a value of ``table``'s ``target`` column."""

    column: str
    table: str
    target: str = "id"


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One published table. ``kind`` is the record kind it comes from; a child table also has
    the record's list field (``list_field``) and whether its items are models. A table shared
    by every kind (``cross_kind``: ``names``, ``reported_values``, ``field_statuses``) holds
    the items of the fields marked with its name (:attr:`FieldSpec.table`)."""

    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]
    kind: str | None = None
    list_field: str | None = None
    item_is_model: bool = False
    cross_kind: bool = False

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


# ---------------------------------------------------------------- layout from the models

LABEL_FIELDS = ("name", "office", "rank", "title")
"""The fields whose value, the first one a record has, is its ``entities.label``..."""
LABEL_TEXT_FIELDS = ("description", "text", "reason")
"""... else the first of these, shortened to :data:`LABEL_LENGTH` characters; else its id."""
LABEL_LENGTH = 80
FIELD_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"


def _scalar_columns(f: FieldSpec, name: str, required: bool, field: str | None,
                    unique: bool = False) -> list[Column]:
    desc = f.description
    if f.categories is not None:
        return [Column(name, "string", desc, required, categories=f.categories,
                       labels=f.definitions, field=field)]
    if f.edtf:
        return [
            Column(name, "string", f"{desc} An EDTF date as written (e.g. 2016, 2019-07, "
                   "2014/2015, 2020~; open-ended: 2019/..; unknown end: 2019/).", required,
                   field=field, edtf=True),
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
    """A reference to one kind is a key into that kind's table; one that may point into
    several tables is a key into ``entities``, which lists every record."""
    return [ForeignKey(c.name, c.references[0] if len(c.references) == 1 else ENTITIES)
            for c in columns if c.references]


def _item_columns(item: FieldSpec, described: str) -> list[Column]:
    """The columns of the items of a list field: one per field of a model (its ``cite``
    aside: citations are in the ``citations`` table), or one for a plain value (described as
    the list is, ``described``, when the item itself has no description)."""
    if item.fields:
        return [c for sub in item.fields if sub.name != "cite"
                for c in _scalar_columns(sub, sub.column_name, sub.required, sub.name)]
    if not item.description:
        said = f"One of {described[:1].lower()}{described[1:]}"
        item = dataclasses.replace(item, description=said)
    return _scalar_columns(item, _item_column_name(item.name), True, None)


def _check_names(table: str, cols: Sequence[Column]) -> None:
    if len({c.name for c in cols}) != len(cols):
        raise TypeError(f"table {table}: column names clash: {[c.name for c in cols]}")


def _kind_tables(kind: str, model: type[Record]) -> list[TableSpec]:
    columns: list[Column] = []
    children: list[TableSpec] = []
    singular = model.singular
    parent_col = Column(f"{singular}_id", "string", f"The {singular} this row belongs to "
                        f"(`{kind}.id`).", True, pattern=ID_PATTERN, references=(kind,))
    position = Column("position", "integer", "Position in the record's list, from 0 (the "
                      "order the curator and the source give).", True, minimum=0)
    for f in fields_of(model):
        if f.name == "cite" or f.table is not None:
            continue  # in the citations table, or in a table shared by every kind
        if f.item is None:
            columns.extend(_scalar_columns(f, f.column_name, f.required, f.name,
                                           unique=f.name == "id"))
            continue
        item_cols = _item_columns(f.item, f.description)
        table = f"{singular}_{f.name}"
        cols = (parent_col, position, *item_cols)
        _check_names(table, cols)
        children.append(TableSpec(
            table, f"{f.description} One row per item of `{kind}.{f.name}`.", cols,
            (parent_col.name, "position"),
            (ForeignKey(parent_col.name, kind), *_foreign_keys(item_cols)),
            kind=kind, list_field=f.name, item_is_model=bool(f.item.fields),
        ))
    _check_names(kind, columns)
    doc = (model.__doc__ or kind).strip().splitlines()[0].replace("``", "`")
    keys = (ForeignKey("id", ENTITIES), *_foreign_keys(columns))
    main = TableSpec(kind, doc, tuple(columns), ("id",), keys, kind=kind)
    return [main, *children]


def _record_columns(kinds: Sequence[str], every: Sequence[str]) -> tuple[Column, Column]:
    """``record_id`` and ``record_kind`` of a table shared by the records of ``kinds``."""
    return (
        Column("record_id", "string", "The record the row belongs to (`entities.id`).", True,
               pattern=ID_PATTERN, references=tuple(kinds)),
        Column("record_kind", "string", "The kind (table) of that record.", True,
               categories=tuple(k for k in every if k in kinds)),
    )


_CROSS_KIND_DOCS = {
    "names": "Other names the sources use for a record (spellings, initials, short names, "
             "offices, ...), each with its citations (`citations.part` = `names`).",
    "reported_values": "Values of a record's field as each source reports them, when the "
                       "sources disagree: the record's column holds the preferred one (empty "
                       "when none is preferred); the citations of each are in `citations` "
                       "(`part` = `reported`).",
    "field_statuses": "Fields the curator states to be unknown (the sources do not give the "
                      "value) or not applicable (it does not apply), each with an optional "
                      "reason. An empty cell of a record's table with no row here is simply "
                      "not recorded; an EDTF date open at one end (`2019/..`) is neither.",
}


def _cross_kind_tables(models: Mapping[str, type[Record]]) -> list[TableSpec]:
    """The tables shared by every kind (a field marked ``x-table``), in order of first use."""
    marked: dict[str, list[tuple[str, FieldSpec]]] = {}
    for kind, model in models.items():
        seen: set[str] = set()
        for f in fields_of(model):
            if f.table is None:
                continue
            if f.table in seen and f.status is None:
                raise TypeError(f"{kind}: two fields go into table {f.table!r}")
            seen.add(f.table)
            marked.setdefault(f.table, []).append((kind, f))
    out = []
    for table, fields in marked.items():
        kinds = list(dict.fromkeys(kind for kind, _ in fields))
        record_id, record_kind = _record_columns(kinds, list(models))
        first = fields[0][1]
        doc = _CROSS_KIND_DOCS.get(table, first.description)
        if first.status is not None:
            statuses = tuple(dict.fromkeys(f.status for _, f in fields if f.status))
            cols: tuple[Column, ...] = (
                record_id, record_kind,
                Column("field", "string", "The record's field, by its name in the record "
                       "files (`case` for the `case_id` column; a list field for its table).",
                       True, pattern=FIELD_NAME_PATTERN),
                Column("status", "string", "`unknown`: the sources do not give it (the value "
                       "exists but is not known); `not-applicable`: it does not apply to the "
                       "record.", True, categories=statuses,
                       labels=tuple(FieldStatus(s).definition for s in statuses)),
                Column("reason", "string", "Why, as the curator states it; empty when not "
                       "given."),
            )
            key: tuple[str, ...] = ("record_id", "field")
        else:
            if first.item is None or not first.item.fields:
                raise TypeError(f"table {table}: only lists of models can be shared")
            items = {tuple(_item_columns(f.item, f.description)) for _, f in fields
                     if f.item is not None}
            if len(items) != 1:
                raise TypeError(f"table {table}: its fields' items differ")
            position = Column("position", "integer", "Position in the record's list, from 0 "
                              "(the order the curator gives).", True, minimum=0)
            cols = (record_id, record_kind, position, *items.pop())
            key = ("record_id", "position")
        _check_names(table, cols)
        out.append(TableSpec(table, doc, cols, key, tuple(_foreign_keys(cols)),
                             cross_kind=True))
    return out


def entities_spec(kinds: Sequence[str]) -> TableSpec:
    """The ``entities`` table: every record of every kind, the target of every reference that
    may point into several tables."""
    label = ("A short human-readable label: the record's "
             + ", else ".join(f"`{f}`" for f in LABEL_FIELDS)
             + ", else its " + " or ".join(f"`{f}`" for f in LABEL_TEXT_FIELDS)
             + f" (white space collapsed, cut at a word before {LABEL_LENGTH} characters and "
             "ended with an ellipsis), else its id.")
    columns = (
        Column("id", "string", "The record's id, unique across the whole dataset.", True,
               True, pattern=ID_PATTERN),
        Column("kind", "string", "The kind of the record: the table it is in.", True,
               categories=tuple(kinds), names_table=True),
        Column("label", "string", label, True),
    )
    return TableSpec(ENTITIES, "Every record of every kind, once: the table that every "
                     "reference into several tables (and `citations.record_id`) is a foreign "
                     "key into.", columns, ("id",), ())


def citations_spec(models: Mapping[str, type[Record]] = KINDS) -> TableSpec:
    """The ``citations`` table: one row per citation, or per field a citation ``supports``."""
    described = {f.name: f.description for f in fields_of(Citation)}
    kinds = list(models)
    parts = tuple(dict.fromkeys(part for m in models.values() for part, _ in parts_of(m)))

    def d(name: str) -> str:
        return described[name]

    source_ref: tuple[str, ...] = ("sources",)
    columns = (
        Column("citation_id", "string", "Unique id of the row, derived from its content so "
               "that inserting or reordering a citation changes no other id: `<record_id>#` "
               "and the first 12 hex digits of the SHA-256 of the record id, `part`, the item "
               "of the part (a name's `name` and `type`, a reported value's `field` and "
               "`value`), `field`, `source_id`, `quote`, `prefix`, `suffix` and "
               "`via_source_id` (see opencase.language.citeids); `<source_id>#snapshot` for "
               "a source's own snapshot.", True, unique=True),
        Column("record_id", "string", "The record this passage is evidence for "
               "(`entities.id`).", True, pattern=ID_PATTERN, references=tuple(kinds)),
        Column("record_kind", "string", "The kind (table) of that record.", True,
               categories=tuple(kinds)),
        Column("part", "string", "Empty: a citation of the record itself (its `cite`). "
               "`names`: of one of its name variants, the row of table `names` with the same "
               "`record_id` and `position` = `part_position`; `reported`: of one of its "
               "reported values, the row of `reported_values` likewise.",
               categories=parts),
        Column("part_position", "integer", "With `part`: the position of the name or reported "
               "value in the record's list, from 0; else empty.", minimum=0),
        Column("cite_index", "integer", "Position of the citation in its `cite` list (the "
               "record's, or the name's or reported value's), from 0; empty for a source's "
               "own snapshot.", minimum=0),
        Column("field", "string", "The field of the record the passage backs; empty: the whole "
               "record (and the rows of its child tables), or the whole name or reported "
               "value."),
        Column("source_id", "string", d("source"), True, pattern=ID_PATTERN,
               references=source_ref),
        Column("quote", "string", d("quote") + " Empty for a source's own snapshot."),
        Column("prefix", "string", d("prefix")),
        Column("suffix", "string", d("suffix")),
        Column("quote_start", "integer", "Character offset where the quote starts in the "
               "snapshot `source_sha256` (W3C Web Annotation TextPositionSelector): Unicode "
               "code points from 0 of the snapshot decoded as UTF-8, a byte order mark and CRs "
               "counted; empty when the quote was not verified.", minimum=0),
        Column("quote_end", "integer", "Character offset just after the quote's end in that "
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


def build_layout(models: Mapping[str, type[Record]]) -> dict[str, TableSpec]:
    """Every published table of a case model (its kinds, by table name), in publishing
    order: each kind's table and child tables, the tables shared by every kind, ``entities``
    and ``citations``."""
    out: dict[str, TableSpec] = {}
    specs = [spec for kind, model in models.items() for spec in _kind_tables(kind, model)]
    specs += [*_cross_kind_tables(models), entities_spec(list(models)),
              citations_spec(models)]
    for spec in specs:
        if spec.name in out:
            raise TypeError(f"two tables would be named {spec.name!r}")
        out[spec.name] = spec
    return out


@cache
def layout(case_model: CaseModel = STANDARD) -> dict[str, TableSpec]:
    """Every published table of ``case_model`` (a dataset's, with its extensions; default
    the standard one), by name, in publishing order."""
    return build_layout(case_model.kinds)


# ---------------------------------------------------------------- schemas


def _xsd_pattern(pattern: str) -> str:
    """A Python regex as Table Schema wants it (XML Schema style: implicitly anchored)."""
    p = pattern.removeprefix("^").removesuffix("$")
    return p.replace("(?:", "(")


def table_schema(name: str, *, resource_suffix: str = "", standalone: bool = False,
                 nan_missing: bool = False, case_model: CaseModel = STANDARD
                 ) -> dict[str, Any]:
    """The Table Schema of table ``name``. Foreign keys name the resources
    ``<table><resource_suffix>``; ``standalone`` adds the ``$schema`` of a root descriptor.

    ``nan_missing`` (for Parquet resources) declares ``nan`` a missing value of optional
    numeric fields: frictionless reads Parquet through pandas, which turns a missing integer
    into NaN, and would otherwise report it as a type error. ``case_model``: the dataset's
    (default the standard one).
    """
    spec = layout(case_model)[name]
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
        if c.names_table:
            f["x-names-resource"] = True
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


def arrow_schema(name: str, case_model: CaseModel = STANDARD) -> pa.Schema:
    """The Arrow schema of table ``name`` of ``case_model``'s layout."""
    return arrow_schema_of(layout(case_model)[name])


def arrow_schema_of(spec: TableSpec) -> pa.Schema:
    """The Arrow schema of the table ``spec`` (required columns are not nullable)."""
    return pa.schema([
        pa.field(c.name, ARROW_TYPES[c.type], nullable=not (c.required or
                                                          c.name in spec.primary_key))
        for c in spec.columns
    ])
