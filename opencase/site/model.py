"""What the site shows, read from a package: its kinds, records, references and citations.

Everything is found from the package's Table Schemas, not from a fixed list of columns, so a
package of another dataset (with fields of its own) renders too:

- the **kinds** are the values of the ``entities`` field marked ``x-names-resource`` (each the
  name of a table keyed by ``id``), in the order the schema lists them;
- a **reference** is a column with ``x-references`` or a single-column foreign key into a
  kind's table or ``entities`` (or into its own table);
- a **list field** of a kind is a table keyed by ``(<parent>, position)`` whose ``<parent>`` is
  a foreign key into that kind's table (``event_participants``: ``participants`` of events);
- a **date** is a column ``X`` beside ``X_start`` and ``X_end`` (the days the EDTF value can
  mean);
- ``names``, ``reported_values``, ``field_statuses`` and ``citations`` are the shared tables
  of opencase's layout (see docs/publishing.md); a package without one shows nothing of it;
- **corrections** are the rows of a kind ``corrections`` with a ``record_id`` column: each is
  shown on the page of the record it names (when the package has it; a removed record has
  none), and its ``record_id`` links there.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from opencase.errors import UsageError

__all__ = ["Column", "ListTable", "SiteData", "citation_anchor", "read_site_data", "safe_name"]

SHARED = ("names", "reported_values", "field_statuses", "citations", "entities")
CORRECTIONS = "corrections"


@dataclass
class Column:
    name: str
    description: str = ""
    type: str = "string"
    categories: dict[str, str] = dataclasses.field(default_factory=dict)  # value -> definition
    reference: bool = False
    date: bool = False  # an EDTF column with _start/_end beside it
    derived: bool = False  # an X_start/X_end column of a date


@dataclass
class ListTable:
    """A child table: one list field of a kind."""

    table: str
    kind: str
    parent: str  # the column holding the record's id
    field: str  # the record field, as citations name it
    columns: list[Column]
    description: str = ""
    rows: dict[str, list[dict[str, Any]]] = dataclasses.field(default_factory=dict)


@dataclass
class SiteData:
    descriptor: dict[str, Any]
    kinds: list[str]
    kind_descriptions: dict[str, str]
    columns: dict[str, list[Column]]  # by kind
    records: dict[str, list[dict[str, Any]]]  # by kind, in the package's row order
    kind_of: dict[str, str]  # id -> kind
    label: dict[str, str]  # id -> label
    lists: dict[str, list[ListTable]]  # by kind
    names: dict[str, list[dict[str, Any]]]
    reported: dict[str, list[dict[str, Any]]]
    statuses: dict[tuple[str, str], dict[str, Any]]
    citations: dict[str, list[dict[str, Any]]]  # by record id, in table order
    all_citations: list[dict[str, Any]]
    uncited: dict[str, list[dict[str, Any]]]  # source id -> marked passages
    backlinks: dict[str, list[tuple[str, str]]]  # id -> [(from id, field)]
    corrections: dict[str, list[dict[str, Any]]] = dataclasses.field(
        default_factory=dict)  # corrected record id -> its corrections, in table order
    anchors: dict[str, str] = dataclasses.field(default_factory=dict)  # citation_id -> html id

    def page(self, rid: str) -> str:
        """The path of a record's page, from the site's root."""
        return f"{self.folder(self.kind_of[rid])}/{safe_name(rid)}.html"

    def folder(self, kind: str) -> str:
        """The folder of a kind's pages."""
        return safe_name(kind)


_SAFE = re.compile(r"[a-z0-9]+([_-][a-z0-9]+)*")


def safe_name(name: str) -> str:
    """``name`` as a file name: itself when it is a lowercase slug (every id and table name of
    an opencase package), else ``x-`` and a hash of it (no path tricks from a hostile
    package)."""
    if _SAFE.fullmatch(name) and name not in ("index", "data"):
        return name
    return "x-" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def citation_anchor(citation_id: str) -> str:
    """The HTML id of a citation's passage: ``c-`` and the id, characters other than letters,
    digits, ``-``, ``_`` and ``.`` as ``-`` (``a#1f`` -> ``c-a-1f``), safe in any URL."""
    return "c-" + re.sub(r"[^A-Za-z0-9_.-]", "-", citation_id)


def _schema(pkg: Any, table: str) -> dict[str, Any]:
    schema = pkg.resource(table).get("schema")
    return schema if isinstance(schema, dict) else {}


def _ref_targets(schema: dict[str, Any]) -> dict[str, str | None]:
    """Single-column foreign keys: column -> resource (``None``: the table itself)."""
    out: dict[str, str | None] = {}
    for fk in schema.get("foreignKeys") or []:
        fields = fk.get("fields")
        fields = [fields] if isinstance(fields, str) else fields
        if isinstance(fields, list) and len(fields) == 1:
            res = (fk.get("reference") or {}).get("resource")
            out[fields[0]] = res.removesuffix("-parquet") if isinstance(res, str) else None
    return out


def _columns(schema: dict[str, Any], kinds: set[str], own: str) -> list[Column]:
    fields = [f for f in schema.get("fields") or [] if isinstance(f, dict) and "name" in f]
    names = {f["name"] for f in fields}
    refs = _ref_targets(schema)
    cols = []
    for f in fields:
        name = f["name"]
        cats: dict[str, str] = {}
        for c in f.get("categories") or []:
            if isinstance(c, dict) and "value" in c:
                cats[str(c["value"])] = str(c.get("label") or "")
            elif isinstance(c, str):
                cats[c] = ""
        target = refs.get(name, "?")
        reference = bool(f.get("x-references")) or (
            name in refs and (target is None or target == own or target in kinds
                              or target == "entities"))
        base = name.rsplit("_", 1)[0]
        cols.append(Column(
            name=name, description=str(f.get("description") or ""), type=str(f.get("type")),
            categories=cats, reference=reference,
            date=f"{name}_start" in names and f"{name}_end" in names,
            derived=(name.endswith(("_start", "_end")) and base in names
                     and f"{base}_start" in names and f"{base}_end" in names),
        ))
    return cols


def read_site_data(pkg: Any) -> SiteData:
    """Read what the site shows from an opened package (:func:`opencase.load`). Raises
    :class:`UsageError` for a package without the ``entities`` table of opencase's layout."""
    tables = set(pkg.table_names)
    if "entities" not in tables:
        raise UsageError("the package has no `entities` table: opencase site shows packages "
                         "published by opencase (case model 2)")
    ent_schema = _schema(pkg, "entities")
    kinds: list[str] = []
    for f in ent_schema.get("fields") or []:
        if isinstance(f, dict) and f.get("x-names-resource") is True:
            for c in f.get("categories") or (f.get("constraints") or {}).get("enum") or []:
                value = c.get("value") if isinstance(c, dict) else c
                if isinstance(value, str) and value in tables and value not in kinds:
                    kinds.append(value)
    entities = pkg.table("entities").to_pylist()
    kind_of = {e["id"]: e["kind"] for e in entities}
    label = {e["id"]: e.get("label") or e["id"] for e in entities}
    for e in entities:  # a kind missing from the schema's list, in order of first use
        if e["kind"] in tables and e["kind"] not in kinds:
            kinds.append(e["kind"])
    kindset = set(kinds)

    columns: dict[str, list[Column]] = {}
    records: dict[str, list[dict[str, Any]]] = {}
    descriptions: dict[str, str] = {}
    for kind in kinds:
        columns[kind] = _columns(_schema(pkg, kind), kindset, kind)
        records[kind] = pkg.table(kind).to_pylist()
        descriptions[kind] = str(pkg.resource(kind).get("description") or "")
        for r in records[kind]:  # a row missing from entities still gets its page
            kind_of.setdefault(r["id"], kind)
            label.setdefault(r["id"], r["id"])

    corrections: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if CORRECTIONS in kindset and any(c.name == "record_id" for c in columns[CORRECTIONS]):
        for c in columns[CORRECTIONS]:  # (not a foreign key: a removed record has no row)
            if c.name == "record_id":
                c.reference = True
        for r in records[CORRECTIONS]:
            if isinstance(r.get("record_id"), str):
                corrections[r["record_id"]].append(r)

    for kind in kinds:  # words are attributed to their speaker wherever they are named
        if {"speaker", "text"} <= {c.name for c in columns[kind]}:
            for r in records[kind]:
                if r.get("speaker"):
                    who = label.get(r["speaker"], r["speaker"])
                    label[r["id"]] = f"{who}: “{label[r['id']]}”"

    lists: dict[str, list[ListTable]] = defaultdict(list)
    for table in pkg.table_names:
        if table in kindset or table in SHARED:
            continue
        schema = _schema(pkg, table)
        key = schema.get("primaryKey")
        key = [key] if isinstance(key, str) else key
        refs = _ref_targets(schema)
        if not (isinstance(key, list) and len(key) == 2 and key[1] == "position"
                and refs.get(key[0]) in kindset):
            continue
        parent, kind = key[0], str(refs[key[0]])
        singular = parent.removesuffix("_id")
        fld = table.removeprefix(f"{singular}_") if table.startswith(f"{singular}_") else table
        cols = [c for c in _columns(schema, kindset, kind)
                if c.name not in (parent, "position")]
        lt = ListTable(table, kind, parent, fld, cols,
                       str(pkg.resource(table).get("description") or ""))
        for row in pkg.table(table).to_pylist():
            lt.rows.setdefault(row[parent], []).append(row)
        for rows in lt.rows.values():
            rows.sort(key=lambda r: r.get("position") or 0)
        lists[kind].append(lt)

    def shared(name: str) -> list[dict[str, Any]]:
        return pkg.table(name).to_pylist() if name in tables else []

    names: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in shared("names"):
        names[row["record_id"]].append(row)
    reported: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in shared("reported_values"):
        reported[row["record_id"]].append(row)
    statuses = {(r["record_id"], r["field"]): r for r in shared("field_statuses")}
    all_citations = shared("citations")
    citations: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in all_citations:
        citations[row["record_id"]].append(row)
    uncited: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in shared("source_uncited"):
        uncited[row["source_id"]].append(row)

    backlinks: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for kind in kinds:
        refcols = [c.name for c in columns[kind] if c.reference and c.name != "id"
                   and not (kind == CORRECTIONS and c.name == "record_id")]  # (own section)
        for r in records[kind]:
            for c in refcols:
                if r.get(c) in kind_of and r[c] != r["id"]:
                    backlinks[r[c]].append((r["id"], c))
        for lt in lists[kind]:
            refcols = [c.name for c in lt.columns if c.reference]
            for rid, rows in lt.rows.items():
                for row in rows:
                    for c in refcols:
                        if row.get(c) in kind_of and row[c] != rid:
                            backlinks[row[c]].append((rid, lt.field))
    for targets in backlinks.values():  # each (record, field) once, in a stable order
        seen = dict.fromkeys(targets)
        targets[:] = list(seen)

    anchors: dict[str, str] = {}
    used: set[str] = set()
    for row in all_citations:
        a = base = citation_anchor(str(row["citation_id"]))
        n = 1
        while a in used:  # only for ids that differ in the characters replaced
            n += 1
            a = f"{base}-{n}"
        used.add(a)
        anchors[row["citation_id"]] = a

    return SiteData(
        descriptor=pkg.descriptor, kinds=kinds, kind_descriptions=descriptions,
        columns=columns, records=records, kind_of=kind_of, label=label, lists=dict(lists),
        names=dict(names), reported=dict(reported), statuses=statuses, citations=dict(citations),
        all_citations=all_citations, uncited=dict(uncited), backlinks=dict(backlinks),
        corrections=dict(corrections), anchors=anchors,
    )
