"""Full-text search and the views of an exported database.

**Full-text search**: every table with a text column named like a quote, a name or a
description (:data:`SEARCHABLE`) gets an FTS5 index ``<table>_fts`` over those columns, an
external-content table (``content="<table>"``, rowids shared with the table) as Datasette
detects it, so that its table pages show a search box.

**Views** (each only when the tables it reads are in the package):

- ``evidence``: every citation with its record (kind and label, from ``entities``) and its
  source (title and URL, from ``sources``);
- ``record_values``: every non-empty value of every record, one row per value (``kind``,
  ``record_id``, ``field``, ``value`` as text), from the tables of the kinds ``entities`` lists;
- ``value_evidence``: every value of ``record_values`` with each citation that backs it (those
  naming its field and those of the whole record) and the citation's quote and source; a value
  no citation backs has one row with an empty quote.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from opencase.exporting.sqlplan import TablePlan, quote_id, sql_literal

__all__ = ["SEARCHABLE", "FtsIndex", "View", "add_fts", "add_views", "has_fts5", "kinds_of"]

SEARCHABLE = ("name", "short_name", "label", "title", "office", "description", "text", "quote",
              "note")  # (not ``rank``: FTS5 reserves the name)
MAX_TERMS = 500  # SQLite's default limit on the SELECTs of one compound SELECT


@dataclass
class FtsIndex:
    table: str
    name: str
    columns: list[str]


@dataclass
class View:
    name: str
    description: str
    columns: dict[str, str]  # name -> description
    sql: str


def add_fts(conn: sqlite3.Connection, plans: list[TablePlan], taken: set[str]) \
        -> list[FtsIndex]:
    """Create and fill the FTS5 index of every table with searchable text columns (none when
    this SQLite has no FTS5)."""
    if not has_fts5():
        return []
    out = []
    for plan in plans:
        cols = [c.name for c in plan.columns if c.name in SEARCHABLE and c.sql_type == "TEXT"]
        name = f"{plan.name}_fts"
        shadows = {n.lower() for n in (name, *(f"{name}_{s}" for s in (
            "data", "idx", "content", "docsize", "config")))}
        if not cols or shadows & taken:
            continue
        listed = ", ".join(map(quote_id, cols))
        conn.execute(f"CREATE VIRTUAL TABLE {quote_id(name)} USING fts5({listed}, "
                     f"content={quote_id(plan.name)}, "
                     "tokenize='unicode61 remove_diacritics 2')")
        conn.execute(f"INSERT INTO {quote_id(name)} (rowid, {listed}) "
                     f"SELECT rowid, {listed} FROM {quote_id(plan.name)}")
        taken.update(shadows)
        out.append(FtsIndex(plan.name, name, cols))
    return out


def has_fts5() -> bool:
    with closing(sqlite3.connect(":memory:")) as conn:
        try:
            conn.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
        except sqlite3.OperationalError:
            return False
    return True


def kinds_of(plans: list[TablePlan], entities: Any) -> list[str]:
    """The tables of records: the values of the ``entities`` field marked
    ``x-names-resource`` that are tables (else the distinct ``kind`` values of ``entities``);
    without ``entities``, the tables keyed by ``id`` alone."""
    names = {p.name for p in plans}
    by_name = {p.name: p for p in plans}
    kinds: list[str] = []
    ent = by_name.get("entities")
    if ent is not None:
        for col in ent.columns:
            if col.field.get("x-names-resource") is True:
                c = col.field.get("constraints") or {}
                values = c.get("enum") if isinstance(c, dict) else None
                for v in values or col.field.get("categories") or []:
                    v = v.get("value") if isinstance(v, dict) else v
                    if isinstance(v, str) and v in names and v not in kinds:
                        kinds.append(v)
        if entities is not None and "kind" in entities.column_names:
            for v in entities.column("kind").unique().to_pylist():
                if isinstance(v, str) and v in names and v not in kinds:
                    kinds.append(v)
        return kinds
    return [p.name for p in plans if p.primary_key == ["id"]]


def _field_of(plan: TablePlan, column: str) -> str:
    """The record field a column holds, as citations name it: a reference column ``X_id``
    holds field ``X`` (``case_id``: ``case``, a reserved word in SQL), any other its name."""
    refers = any(column in fk.columns for fk in plan.foreign_keys)
    col = plan.column(column)
    if col is not None and col.field.get("x-references"):
        refers = True
    return column.removesuffix("_id") if refers and column.endswith("_id") else column


def _value_selects(plans: list[TablePlan], kinds: list[str]) -> list[str]:
    by_name = {p.name: p for p in plans}
    selects = []
    for kind in kinds:
        plan = by_name[kind]
        if "id" not in plan.column_names:
            continue
        cols = plan.column_names
        for col in cols:
            derived = any(col == f"{base}{end}" for base in cols
                          for end in ("_start", "_end"))
            if col == "id" or derived:
                continue
            q = quote_id(col)
            selects.append(
                f"SELECT {sql_literal(kind)} AS kind, id AS record_id, "
                f"{sql_literal(_field_of(plan, col))} AS field, CAST({q} AS TEXT) AS value "
                f"FROM {quote_id(kind)} WHERE {q} IS NOT NULL")
    return selects


def add_views(conn: sqlite3.Connection, plans: list[TablePlan], kinds: list[str],
              taken: set[str]) -> tuple[list[View], list[str]]:
    """Create the views the package's tables allow; also the notes on those left out."""
    by_name = {p.name: p for p in plans}
    views: list[View] = []
    notes: list[str] = []
    cit, src, ent = by_name.get("citations"), by_name.get("sources"), by_name.get("entities")
    cite_ok = cit is not None and {"record_id", "source_id"} <= set(cit.column_names)
    joins, extra = _joins(src, ent)
    if cite_ok and cit is not None:
        cols = ", ".join(f"c.{quote_id(c)}" for c in cit.column_names)
        views.append(View(
            "evidence",
            "Every citation with its record (kind and label) and its source (title and URL): "
            "the passage behind each value.",
            {**{c.name: c.description for c in cit.columns}, **extra},
            f"SELECT {cols}{''.join(', ' + e for e in _extra_sql(extra))} "
            f"FROM citations AS c {joins}"))
    selects = _value_selects(plans, kinds)
    if selects and len(selects) <= MAX_TERMS:
        views.append(View(
            "record_values",
            "Every value of every record, one row per value: its kind (table), record id, "
            "field and value (as text).",
            {"kind": "The kind (table) of the record.", "record_id": "The record's id.",
             "field": "The record's field, as citations name it.",
             "value": "The value, as text."},
            "\nUNION ALL\n".join(selects)))
        if cite_ok and cit is not None:
            views.append(_value_evidence(cit, src, ent))
    elif selects:
        notes.append(f"record_values and value_evidence left out: {len(selects)} columns, "
                     f"more than SQLite's {MAX_TERMS} terms of a compound SELECT")
    kept = []
    for view in views:
        if view.name in taken:
            notes.append(f"view {view.name} left out: the package has a table of that name")
            continue
        conn.execute(f"CREATE VIEW {quote_id(view.name)} AS {view.sql}")
        taken.add(view.name)
        kept.append(view)
    return kept, notes


def _joins(src: TablePlan | None, ent: TablePlan | None) -> tuple[str, dict[str, str]]:
    """The joins of a citation ``c`` with its record's entity ``e`` and its source ``s``, and
    the columns they add (name -> description)."""
    joins, extra = "", {}
    if ent is not None and {"id", "label"} <= set(ent.column_names):
        joins += " LEFT JOIN entities AS e ON e.id = c.record_id"
        extra["record_label"] = "A short label of the record (entities.label)."
    if src is not None and "id" in src.column_names:
        joins += " LEFT JOIN sources AS s ON s.id = c.source_id"
        if "title" in src.column_names:
            extra["source_title"] = "The title of the source (sources.title)."
        if "url" in src.column_names:
            extra["source_url"] = "Where the source was published (sources.url)."
    return joins, extra


def _extra_sql(extra: dict[str, str]) -> list[str]:
    source = {"record_label": "e.label", "source_title": "s.title", "source_url": "s.url"}
    return [f"{source[name]} AS {name}" for name in extra]


def _value_evidence(cit: TablePlan, src: TablePlan | None, ent: TablePlan | None) -> View:
    joins, extra = _joins(src, ent)
    joins = joins.replace("c.record_id", "v.record_id")
    match = "c.record_id = v.record_id"
    if "part" in cit.column_names:  # a name variant's or reported value's own citations
        match += " AND COALESCE(c.part, '') = ''"
    if "field" in cit.column_names:
        match += " AND (COALESCE(c.field, '') = '' OR c.field = v.field)"
    wanted = [c for c in ("citation_id", "quote", "source_id", "note")
              if c in cit.column_names]
    descriptions = {c.name: c.description for c in cit.columns}
    cols = ", ".join(f"c.{quote_id(c)}" for c in wanted)
    return View(
        "value_evidence",
        "Every value of every record with each citation that backs it (naming its field, or "
        "the whole record) and the citation's quote and source; a value without one has an "
        "empty quote.",
        {"kind": "The kind (table) of the record.", "record_id": "The record's id.",
         "field": "The record's field.", "value": "The value, as text.",
         **{c: descriptions.get(c, "") for c in wanted}, **extra},
        f"SELECT v.kind, v.record_id, v.field, v.value, {cols}"
        f"{''.join(', ' + e for e in _extra_sql(extra))} "
        f"FROM record_values AS v LEFT JOIN citations AS c ON {match}{joins}")
