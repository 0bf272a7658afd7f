"""The SQLite tables of a package, planned from its Table Schemas: column types, constraints,
primary, unique and foreign keys, and the ``CREATE TABLE`` statement of each.

One SQLite table per package table (a CSV resource and its Parquet twin are one table, named
by :func:`opencase.datapackage.descriptor.table_stem`). Types come from the Table Schema:
``integer`` and ``year`` are ``INTEGER``, ``number`` is ``REAL``, ``boolean`` is ``INTEGER``
holding 0 or 1, and every other type (``string``, dates and times as ISO 8601 text, ``object``,
``array``, ``list``, ... as JSON text) is ``TEXT``; a column without a field in the schema is
typed from its Arrow type. ``required`` is ``NOT NULL``; ``unique`` is ``UNIQUE``; ``enum``,
``minimum`` and ``maximum`` (of numbers) are named ``CHECK`` constraints (``<column>:enum``, ...).
A foreign key whose referenced columns are neither the parent's primary key nor unique in it
makes them a ``UNIQUE`` key of the parent (SQLite requires one).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = ["ColumnPlan", "ForeignKey", "TablePlan", "create_table", "plan_tables", "quote_id",
           "sql_literal"]

_INTEGER = ("integer", "year")


def quote_id(name: str) -> str:
    """An SQL identifier, double-quoted (any name is safe so)."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: Any) -> str:
    """A string, integer or float as an SQL literal."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


@dataclass
class ColumnPlan:
    name: str
    sql_type: str  # INTEGER, REAL, TEXT or BLOB
    schema_type: str  # the Table Schema type ("" when the schema has no field for it)
    description: str = ""
    not_null: bool = False
    unique: bool = False
    checks: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (name, expr)
    field: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass
class ForeignKey:
    columns: list[str]
    parent: str
    parent_columns: list[str]


@dataclass
class TablePlan:
    name: str
    description: str
    path: str  # the resource's file, for messages
    columns: list[ColumnPlan]
    primary_key: list[str]
    unique_keys: list[list[str]]
    foreign_keys: list[ForeignKey]
    title: str = ""

    def column(self, name: str) -> ColumnPlan | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _names(value: Any) -> list[str]:
    """A Table Schema key: a field name or a list of them (v1 allows a bare string)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return []


def _arrow_sql_type(arrow_type: Any) -> str:
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    if pa.types.is_boolean(arrow_type) or pa.types.is_integer(arrow_type):
        return "INTEGER"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "REAL"
    if pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type) \
            or pa.types.is_fixed_size_binary(arrow_type):
        return "BLOB"
    return "TEXT"


def _column(name: str, field: dict[str, Any] | None, arrow_type: Any) -> ColumnPlan:
    arrow_sql = _arrow_sql_type(arrow_type)
    if field is None:
        return ColumnPlan(name, arrow_sql, "")
    ftype = field.get("type")
    if not isinstance(ftype, str):
        ftype = "string"  # a Table Schema field's default type
    if ftype in _INTEGER or ftype == "boolean":
        sql_type = "INTEGER"
    elif ftype == "number":
        sql_type = "REAL"
    else:
        sql_type = "TEXT"
    if arrow_sql == "BLOB" or (arrow_sql == "TEXT" and sql_type != "TEXT"):
        sql_type = arrow_sql  # the column is not read as numbers: keep what it holds
    description = field.get("description")
    col = ColumnPlan(name, sql_type, ftype,
                     description if isinstance(description, str) else "", field=field)
    c = field.get("constraints")
    if not isinstance(c, dict):
        c = {}
    col.not_null = c.get("required") is True
    col.unique = c.get("unique") is True
    q = quote_id(name)
    if ftype == "boolean" and sql_type == "INTEGER":
        col.checks.append((f"{name}:boolean", _one_of(q, [0, 1])))
    enum = c.get("enum")
    if isinstance(enum, list) and enum and ftype in ("string", "integer", "number") and all(
            isinstance(v, str if ftype == "string" else int | float)
            and not isinstance(v, bool) for v in enum):
        col.checks.append((f"{name}:enum", _one_of(q, enum)))
    if ftype in ("integer", "number") and sql_type != "TEXT":
        for key, op in (("minimum", ">="), ("maximum", "<="),
                        ("exclusiveMinimum", ">"), ("exclusiveMaximum", "<")):
            bound = c.get(key)
            if isinstance(bound, int | float) and not isinstance(bound, bool) \
                    and bound == bound and abs(bound) != float("inf"):
                col.checks.append((f"{name}:{key}", f"{q} {op} {sql_literal(bound)}"))
    return col


def _one_of(column: str, values: list[Any]) -> str:
    """``column = v1 OR column = v2 ...``: the same test as ``column IN (v1, v2, ...)``, but
    SQLite builds the list of an ``IN`` anew for every row a ``CHECK`` tests: 200,000 rows
    into a column of 28 values took 5.7 s so, 1.3 s with the ``OR``s (0.9 s unchecked)."""
    return " OR ".join(f"{column} = {sql_literal(v)}" for v in values)


def plan_tables(pkg: Any) -> list[TablePlan]:
    """The tables of the opened package ``pkg``, in its order, each with its columns and keys
    (its Arrow table is read to type the columns its schema does not describe)."""
    from opencase.datapackage.descriptor import table_stem

    names = list(pkg.table_names)
    stems = {}
    for r in pkg.resources:  # any resource name (CSV or Parquet twin) -> its table
        rname = r.get("name")
        if isinstance(rname, str) and table_stem(rname) in names:
            stems[rname] = table_stem(rname)
    plans = []
    for name in names:
        resource = pkg.resource(name)
        schema = resource.get("schema") if isinstance(resource.get("schema"), dict) else {}
        fields = {f["name"]: f for f in schema.get("fields", [])
                  if isinstance(f, dict) and isinstance(f.get("name"), str)}
        arrow = pkg.table(name)
        columns = [_column(n, fields.get(n), arrow.schema.field(n).type)
                   for n in arrow.column_names]
        present = {c.name for c in columns}
        pk = [k for k in _names(schema.get("primaryKey")) if k in present]
        if len(pk) != len(_names(schema.get("primaryKey"))):
            pk = []
        for col in columns:
            if col.name in pk:
                col.not_null = True
        uniques = [k for k in (_names(u) for u in schema.get("uniqueKeys") or [])
                   if k and all(c in present for c in k)]
        fks = []
        for fk in schema.get("foreignKeys") or []:
            if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
                continue
            cols, ref = _names(fk.get("fields")), fk["reference"]
            resource_name = ref.get("resource")
            parent = name if resource_name in (None, "") else stems.get(resource_name)
            parent_cols = _names(ref.get("fields"))
            if parent and cols and len(cols) == len(parent_cols) \
                    and all(c in present for c in cols):
                fks.append(ForeignKey(cols, parent, parent_cols))
        title = resource.get("title")
        description = resource.get("description")
        paths = resource.get("path")
        plans.append(TablePlan(
            name, description if isinstance(description, str) else "",
            paths if isinstance(paths, str) else name, columns, pk, uniques, fks,
            title if isinstance(title, str) else ""))
    _key_parents(plans)
    return plans


def _key_parents(plans: list[TablePlan]) -> None:
    """Keep the foreign keys whose parent columns exist, and make those columns a key of the
    parent when they are not one already."""
    by_name = {p.name: p for p in plans}
    for plan in plans:
        kept = []
        for fk in plan.foreign_keys:
            parent = by_name.get(fk.parent)
            if parent is None or not all(c in parent.column_names for c in fk.parent_columns):
                continue
            kept.append(fk)
            keys = [parent.primary_key, *parent.unique_keys] + [
                [c.name] for c in parent.columns if c.unique]
            if not any(sorted(k) == sorted(fk.parent_columns) for k in keys):
                parent.unique_keys.append(list(fk.parent_columns))
        plan.foreign_keys = kept


def create_table(plan: TablePlan) -> str:
    """The ``CREATE TABLE`` statement of ``plan``."""
    lines = []
    single_pk = plan.primary_key[0] if len(plan.primary_key) == 1 else None
    for col in plan.columns:
        parts = [quote_id(col.name), col.sql_type]
        if col.not_null:
            parts.append("NOT NULL")
        if col.unique and col.name != single_pk:
            parts.append("UNIQUE")
        for check_name, expr in col.checks:
            parts.append(f"CONSTRAINT {quote_id(check_name)} CHECK ({expr})")
        lines.append(" ".join(parts))
    if plan.primary_key:
        lines.append(f"PRIMARY KEY ({', '.join(map(quote_id, plan.primary_key))})")
    for key in plan.unique_keys:
        lines.append(f"UNIQUE ({', '.join(map(quote_id, key))})")
    for fk in plan.foreign_keys:
        lines.append(f"FOREIGN KEY ({', '.join(map(quote_id, fk.columns))}) REFERENCES "
                     f"{quote_id(fk.parent)} ({', '.join(map(quote_id, fk.parent_columns))})")
    body = ",\n  ".join(lines)
    return f"CREATE TABLE {quote_id(plan.name)} (\n  {body}\n)"
