"""``opencase.diff``: what changed between two versions of a package, with the evidence.

Any Data Package that :func:`opencase.load` opens (folder, ``datapackage.json``, zip, URL),
opencase's or not, of any table layout. For every table both versions have, the records
added, removed and changed (rows matched on the primary key; :mod:`.tables`); for each
changed value its old and new value with the citations behind each (the rows of each
version's ``citations`` table whose ``record_id`` is the record and whose ``field`` is the
field, or empty: the whole record) and the corrections of NEW that explain it (the rows of
its ``corrections`` table that OLD's does not have, matched on ``record_id`` and ``field``;
a record added or removed on ``record_id`` with no field). The ``citations`` table is
compared on its own (by ``citation_id``), and so are the schemas (tables and columns added
and removed, columns retyped, vocabulary values (``categories``) added and removed, primary
keys changed) and the descriptor's other properties (title, licences, ...).
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as default
from functools import cached_property
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from opencase.datapackage.load import MAX_BYTES, TIMEOUT, DataPackage, load
from opencase.releasing.tables import arange, compare, plain

__all__ = ["CitationDiff", "Diff", "RecordChange", "RecordRow", "SchemaDiff", "Side",
           "TableDiff", "ValueChange", "diff", "diff_packages"]

CITATIONS, CORRECTIONS = "citations", "corrections"
CITED = ("citation_id", "source_id", "field", "quote")  # what is shown of a citation
CORRECTED = ("id", "field", "old_value", "new_value", "reason", "version")
LABELS = ("label", "name", "title", "text", "quote", "description")


@dataclass
class Side:
    """One version: its package name, version, title and where it was read from."""

    name: str | None
    version: str | None
    title: str | None
    where: str


@dataclass
class ValueChange:
    field: str
    old: Any
    new: Any
    old_citations: list[dict[str, Any]] = default(default_factory=list)
    new_citations: list[dict[str, Any]] = default(default_factory=list)
    corrections: list[dict[str, Any]] = default(default_factory=list)


@dataclass
class RecordChange:
    key: dict[str, Any]
    record_id: str | None
    label: str | None
    changes: list[ValueChange]


@dataclass
class RecordRow:
    """A record added or removed: its key, record id, label and whole row."""

    key: dict[str, Any]
    record_id: str | None
    label: str | None
    row: dict[str, Any]
    corrections: list[dict[str, Any]] = default(default_factory=list)


@dataclass
class TableDiff:
    table: str
    key: list[str]
    added: list[RecordRow]
    removed: list[RecordRow]
    changed: list[RecordChange]

    @property
    def values_changed(self) -> int:
        return sum(len(r.changes) for r in self.changed)


@dataclass
class SchemaDiff:
    tables_added: list[dict[str, Any]] = default(default_factory=list)
    tables_removed: list[dict[str, Any]] = default(default_factory=list)
    columns_added: list[dict[str, Any]] = default(default_factory=list)
    columns_removed: list[dict[str, Any]] = default(default_factory=list)
    columns_retyped: list[dict[str, Any]] = default(default_factory=list)
    categories_added: list[dict[str, Any]] = default(default_factory=list)
    categories_removed: list[dict[str, Any]] = default(default_factory=list)
    keys_changed: list[dict[str, Any]] = default(default_factory=list)


@dataclass
class CitationDiff:
    added: list[dict[str, Any]] = default(default_factory=list)
    removed: list[dict[str, Any]] = default(default_factory=list)
    changed: list[dict[str, Any]] = default(default_factory=list)


@dataclass
class Diff:
    """What changed from ``old`` to ``new``."""

    old: Side
    new: Side
    schema: SchemaDiff
    tables: list[TableDiff]  # the tables in both versions with a record added, removed or changed
    citations: CitationDiff
    corrections: list[dict[str, Any]]  # the corrections NEW publishes that OLD did not
    metadata: list[dict[str, Any]] = default(default_factory=list)  # descriptor properties

    def change_classes(self) -> dict[str, list[str]]:
        """Every kind of change found, with what it is (``table.column``, ``table: id``), as
        the version rule (:mod:`opencase.releasing.semver`) classes them."""
        s = self.schema
        found: dict[str, list[str]] = {
            "table-removed": [t["table"] for t in s.tables_removed],
            "column-removed": [f"{c['table']}.{c['column']}" for c in s.columns_removed],
            "column-retyped": [f"{c['table']}.{c['column']}" for c in s.columns_retyped],
            "key-changed": [k["table"] for k in s.keys_changed],
            "category-removed": [f"{c['table']}.{c['column']}: {v}"
                                 for c in s.categories_removed for v in c["values"]],
            "record-removed": [f"{t.table}: {_shown_key(r.key)}" for t in self.tables
                               for r in t.removed],
            "table-added": [t["table"] for t in s.tables_added],
            "column-added": [f"{c['table']}.{c['column']}" for c in s.columns_added],
            "category-added": [f"{c['table']}.{c['column']}: {v}"
                               for c in s.categories_added for v in c["values"]],
            "record-added": [f"{t.table}: {_shown_key(r.key)}" for t in self.tables
                             for r in t.added],
            "value-changed": [f"{t.table}: {_shown_key(r.key)}: {v.field}" for t in self.tables
                              for r in t.changed for v in r.changes],
            "citation-changed": [str(c.get("citation_id") or c.get("record_id"))
                                 for c in (*self.citations.added, *self.citations.removed,
                                           *self.citations.changed)],
        }
        return {k: v for k, v in found.items() if v}


def diff(old: str | os.PathLike[str], new: str | os.PathLike[str], *,
         timeout: float = TIMEOUT, max_bytes: int = MAX_BYTES) -> Diff:
    """What changed from package ``old`` to package ``new`` (each a folder, a
    ``datapackage.json``, a ``.zip`` or an http(s) URL, as :func:`opencase.load` takes them).
    Raises :class:`opencase.LoadError` for a package that cannot be opened or read."""
    old_pkg = load(old, timeout=timeout, max_bytes=max_bytes)
    new_pkg = load(new, timeout=timeout, max_bytes=max_bytes)
    d = diff_packages(old_pkg, new_pkg)
    d.old.where, d.new.where = os.fspath(old), os.fspath(new)
    return d


def diff_packages(old: DataPackage, new: DataPackage) -> Diff:
    """:func:`diff` of two packages already opened (``where``: where each was read from)."""
    schema = SchemaDiff()
    old_names, new_names = old.table_names, new.table_names
    for name in new_names:
        if name not in old_names:
            schema.tables_added.append({"table": name, "rows": new.table(name).num_rows})
    for name in old_names:
        if name not in new_names:
            schema.tables_removed.append({"table": name, "rows": old.table(name).num_rows})
    both = [n for n in new_names if n in old_names]
    for name in both:
        _schema_changes(name, _fields(old, name), _fields(new, name), schema)
        old_key, new_key = _primary_key(old, name), _primary_key(new, name)
        if old_key != new_key:
            schema.keys_changed.append({"table": name, "old": old_key, "new": new_key})
    evidence = _Evidence(old, new)
    tables = []
    for name in both:
        if name in (CITATIONS, CORRECTIONS):  # compared on their own, below
            continue
        t = _table_diff(name, old, new, evidence)
        if t.added or t.removed or t.changed:
            tables.append(t)
    return Diff(old=_side(old), new=_side(new), schema=schema, tables=tables,
                citations=_citation_diff(old, new) if CITATIONS in both else CitationDiff(),
                corrections=_new_corrections(old, new), metadata=_metadata(old, new))


# ---------------------------------------------------------------- schemas and metadata


def _metadata(old: DataPackage, new: DataPackage) -> list[dict[str, Any]]:
    """The descriptor's properties that differ (not ``resources``, said table by table, nor
    ``version`` and ``created``, which change with every release)."""
    a, b = old.descriptor, new.descriptor
    return [{"property": k, "old": a.get(k), "new": b.get(k)}
            for k in dict.fromkeys([*a, *b])
            if k not in ("resources", "version", "created") and a.get(k) != b.get(k)]


def _side(pkg: DataPackage) -> Side:
    return Side(name=_text(pkg.name), version=_text(pkg.version), title=_text(pkg.title),
                where=str(pkg._source.where))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None if value is None else str(value)


def _fields(pkg: DataPackage, name: str) -> dict[str, dict[str, Any]]:
    """The table's fields by name, from its Table Schema (from its Arrow columns when the
    descriptor gives none)."""
    schema = pkg.resource(name).get("schema")
    if isinstance(schema, dict) and isinstance(schema.get("fields"), list):
        return {f["name"]: f for f in schema["fields"]
                if isinstance(f, dict) and isinstance(f.get("name"), str)}
    arrow = pkg.table(name).schema
    return {c: {"name": c, "type": str(arrow.field(c).type)} for c in arrow.names}


def _primary_key(pkg: DataPackage, name: str) -> list[str]:
    schema = pkg.resource(name).get("schema")
    key = schema.get("primaryKey") if isinstance(schema, dict) else None
    if isinstance(key, str):
        return [key]
    return [k for k in key if isinstance(k, str)] if isinstance(key, list) else []


def _categories(f: dict[str, Any]) -> list[str]:
    """A field's vocabulary: its ``categories`` (values or ``{value, label}``), else its
    ``enum`` constraint."""
    cats = f.get("categories")
    if not isinstance(cats, list):
        enum = (f.get("constraints") or {}).get("enum") if isinstance(f.get("constraints"),
                                                                      dict) else None
        cats = enum if isinstance(enum, list) else []
    return [str(c.get("value")) if isinstance(c, dict) else str(c) for c in cats]


def _schema_changes(table: str, old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]],
                    out: SchemaDiff) -> None:
    for column, f in new.items():
        if column not in old:
            out.columns_added.append({"table": table, "column": column,
                                      "type": f.get("type", "any")})
    for column, f in old.items():
        if column not in new:
            out.columns_removed.append({"table": table, "column": column,
                                        "type": f.get("type", "any")})
            continue
        g = new[column]
        if f.get("type", "any") != g.get("type", "any"):
            out.columns_retyped.append({"table": table, "column": column,
                                        "old_type": f.get("type", "any"),
                                        "new_type": g.get("type", "any")})
        before, after = _categories(f), _categories(g)
        if before or after:
            added = [v for v in after if v not in set(before)]
            removed = [v for v in before if v not in set(after)]
            if added and before:  # a vocabulary that appears is a retyping or a new column
                out.categories_added.append({"table": table, "column": column,
                                             "values": added})
            if removed and after:
                out.categories_removed.append({"table": table, "column": column,
                                               "values": removed})


# ---------------------------------------------------------------- records


def _record_id_column(key: list[str], columns: list[str]) -> str | None:
    """The column that names the record a row belongs to: ``id`` in the key, else a
    ``record_id`` column, else the first key column named ``*_id``."""
    if "id" in key:
        return "id"
    if "record_id" in columns:
        return "record_id"
    return next((k for k in key if k.endswith("_id")), None)


def _cited_field(table: str, id_column: str | None, column: str, columns: list[str]) -> str:
    """The ``field`` the citations of a value name: the column (``date`` for ``date_start``
    and ``date_end``) in a table of records; the list (``participants`` of
    ``event_participants``, keyed by ``event_id``) in a table of a list's items."""
    if id_column in (None, "id"):
        for suffix in ("_start", "_end"):
            if column.endswith(suffix) and column[: -len(suffix)] in columns:
                return column[: -len(suffix)]
        return column
    prefix = id_column[: -len("_id")] + "_"
    return table[len(prefix):] if table.startswith(prefix) and id_column != "record_id" \
        else table


def _label(row: dict[str, Any]) -> str | None:
    for column in LABELS:
        value = row.get(column)
        if isinstance(value, str) and value:
            return value
    return None


def _table_diff(name: str, old: DataPackage, new: DataPackage, evidence: _Evidence) -> TableDiff:
    old_t, new_t = old.table(name), new.table(name)
    new_key = _primary_key(new, name)
    key = new_key if new_key and _primary_key(old, name) == new_key and all(
        k in old_t.column_names and k in new_t.column_names for k in new_key) else []
    cmp = compare(old_t, new_t, key)
    if not key:  # compared as distinct rows: the rows are those of the distinct tables
        common = cmp.key
        old_t = old_t.select(common).group_by(common, use_threads=False).aggregate([])
        new_t = new_t.select(common).group_by(common, use_threads=False).aggregate([])
    columns = new_t.column_names
    id_column = _record_id_column(cmp.key, columns)
    has_field = "field" in columns and id_column not in (None, "id")

    def rows(t: pa.Table, at: pa.Array) -> list[RecordRow]:
        out = []
        for row in t.take(at).to_pylist():
            row = {k: plain(v) for k, v in row.items()}
            rid = row.get(id_column) if id_column else None
            out.append(RecordRow(key={k: row[k] for k in cmp.key}, record_id=rid,
                                 label=_label(row), row=row,
                                 corrections=evidence.corrections(rid, None)))
        return out

    added, removed = rows(new_t, cmp.added), rows(old_t, cmp.removed)
    changed = _changed_records(name, old_t, new_t, cmp.changed, cmp.key, id_column,
                               has_field, evidence)
    return TableDiff(table=name, key=cmp.key, added=added, removed=removed, changed=changed)


def _changed_records(name: str, old_t: pa.Table, new_t: pa.Table,
                     changed: dict[str, tuple[pa.Array, pa.Array]], key: list[str],
                     id_column: str | None, has_field: bool,
                     evidence: _Evidence) -> list[RecordChange]:
    """Each record with a changed value, in NEW's order, with its values' evidence."""
    cells: list[tuple[int, str, Any, Any]] = []  # (row in NEW, column, old, new)
    keys: dict[int, dict[str, Any]] = {}
    for column, (oi, ni) in changed.items():
        old_values = old_t.column(column).take(oi).to_pylist()
        new_values = new_t.column(column).take(ni).to_pylist()
        positions = ni.to_pylist()
        wanted = [c for c in {*key, *([id_column] if id_column else []),
                              *(["field"] if has_field else [])}]
        rows = new_t.select(wanted).take(ni).to_pylist()
        for p, a, b, row in zip(positions, old_values, new_values, rows, strict=True):
            keys.setdefault(p, row)
            cells.append((p, column, plain(a), plain(b)))
    cells.sort(key=lambda c: (c[0], new_t.column_names.index(c[1])))
    columns = new_t.column_names
    lookups = []
    for p, column, _, _ in cells:
        row = keys[p]
        rid = row.get(id_column) if id_column else None
        cited = row["field"] if has_field else _cited_field(name, id_column, column, columns)
        lookups.append((rid, cited))
    old_cited = evidence.old.cited(lookups)
    new_cited = evidence.new.cited(lookups)
    labels = _labels(new_t, sorted(keys))
    records: dict[int, RecordChange] = {}
    for i, (p, column, a, b) in enumerate(cells):
        if p not in records:
            row = keys[p]
            records[p] = RecordChange(key={k: plain(row[k]) for k in key},
                                      record_id=row.get(id_column) if id_column else None,
                                      label=labels.get(p), changes=[])
        rid, cited = lookups[i]
        records[p].changes.append(ValueChange(
            field=column, old=a, new=b, old_citations=old_cited[i],
            new_citations=new_cited[i], corrections=evidence.corrections(rid, cited)))
    return list(records.values())


def _labels(t: pa.Table, positions: list[int]) -> dict[int, str | None]:
    columns = [c for c in LABELS if c in t.column_names]
    if not columns or not positions:
        return {}
    rows = t.select(columns).take(pa.array(positions, pa.int64())).to_pylist()
    return {p: _label(r) for p, r in zip(positions, rows, strict=True)}


def _shown_key(key: dict[str, Any]) -> str:
    """A row's key as said in a reason: ``ada``, or ``(pape-told-bbc, 1)``."""
    values = [str(v) for v in key.values()]
    return values[0] if len(values) == 1 else f"({', '.join(values)})"


# ---------------------------------------------------------------- evidence


class _Cited:
    """One version's ``citations`` table, looked up by record and field with a join."""

    def __init__(self, pkg: DataPackage) -> None:
        self.pkg = pkg

    @cached_property
    def table(self) -> pa.Table | None:
        """The columns of the ``citations`` table shown, in its order (read when first
        needed)."""
        if CITATIONS not in self.pkg.table_names:
            return None
        t = self.pkg.table(CITATIONS)
        if "record_id" not in t.column_names:
            return None
        keep = [c for c in CITED if c in t.column_names]
        return t.select(["record_id", *keep]).append_column("__order", arange(t.num_rows))

    def cited(self, lookups: list[tuple[str | None, str]]) -> list[list[dict[str, Any]]]:
        """For each (record id, field): the citations naming that field or the whole
        record."""
        out: list[list[dict[str, Any]]] = [[] for _ in lookups]
        if not lookups or self.table is None:
            return out
        asked = pa.table({"__i": arange(len(lookups)),
                          "record_id": pa.array([r for r, _ in lookups], pa.string()),
                          "__field": pa.array([f for _, f in lookups], pa.string())})
        t = self.table
        if t.column("record_id").type != pa.string():
            t = t.set_column(0, "record_id", pc.cast(t.column("record_id"), pa.string()))
        # the citations of the records asked for, then matched to each question
        t = t.filter(pc.is_in(t.column("record_id"),
                              value_set=pc.unique(asked.column("record_id"))))
        hits = asked.join(t, keys="record_id", join_type="inner", use_threads=False)
        if "field" in hits.column_names:
            f = hits.column("field")
            hits = hits.filter(pc.or_(pc.is_null(f), pc.fill_null(
                pc.equal(f, hits.column("__field")), False)))
        hits = hits.sort_by([("__i", "ascending"), ("__order", "ascending")])
        shown = [c for c in CITED if c in hits.column_names]
        for i, row in zip(hits.column("__i").to_pylist(),
                          hits.select(shown).to_pylist(), strict=True):
            out[i].append({k: plain(v) for k, v in row.items()})
        return out


class _Evidence:
    """The citations of both versions and the corrections NEW publishes that OLD did not
    (an earlier version's corrections explain earlier changes, not these)."""

    def __init__(self, old: DataPackage, new: DataPackage) -> None:
        self.old, self.new = _Cited(old), _Cited(new)
        self._corrections: dict[tuple[str, str | None], list[dict[str, Any]]] = defaultdict(list)
        for row in _new_corrections(old, new):
            rid = row.get("record_id")
            if isinstance(rid, str):
                self._corrections[(rid, row.get("field") or None)].append(
                    {k: row.get(k) for k in CORRECTED})

    def corrections(self, record_id: Any, field: str | None) -> list[dict[str, Any]]:
        if not isinstance(record_id, str):
            return []
        return list(self._corrections.get((record_id, field), []))


def _corrections(pkg: DataPackage) -> list[dict[str, Any]]:
    if CORRECTIONS not in pkg.table_names:
        return []
    t = pkg.table(CORRECTIONS)
    if "record_id" not in t.column_names:
        return []
    return [{k: plain(v) for k, v in r.items()} for r in t.to_pylist()]


def _new_corrections(old: DataPackage, new: DataPackage) -> list[dict[str, Any]]:
    before = {r.get("id") for r in _corrections(old)}
    return [r for r in _corrections(new) if r.get("id") not in before or r.get("id") is None]


def _citation_diff(old: DataPackage, new: DataPackage) -> CitationDiff:
    old_t, new_t = old.table(CITATIONS), new.table(CITATIONS)
    key = ["citation_id"] if "citation_id" in old_t.column_names and \
        "citation_id" in new_t.column_names else _primary_key(new, CITATIONS)
    if not all(k in old_t.column_names and k in new_t.column_names for k in key):
        key = []
    cmp = compare(old_t, new_t, key)
    if not key:
        common = cmp.key
        old_t = old_t.select(common).group_by(common, use_threads=False).aggregate([])
        new_t = new_t.select(common).group_by(common, use_threads=False).aggregate([])
    shown = ["record_id", *CITED]

    def rows(t: pa.Table, at: pa.Array) -> list[dict[str, Any]]:
        cols = [c for c in dict.fromkeys([*cmp.key, *shown]) if c in t.column_names]
        return [{k: plain(v) for k, v in r.items()} for r in t.select(cols).take(at).to_pylist()]

    changed: dict[int, dict[str, Any]] = {}
    for column, (oi, ni) in cmp.changed.items():
        ids = new_t.select(cmp.key).take(ni).to_pylist()
        for p, k, a, b in zip(ni.to_pylist(), ids, old_t.column(column).take(oi).to_pylist(),
                              new_t.column(column).take(ni).to_pylist(), strict=True):
            entry = changed.setdefault(p, {"citation_id": _shown_key(k), "changes": {}})
            entry["changes"][column] = {"old": plain(a), "new": plain(b)}
    return CitationDiff(added=rows(new_t, cmp.added), removed=rows(old_t, cmp.removed),
                        changed=[changed[p] for p in sorted(changed)])
