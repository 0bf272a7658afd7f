"""The Datasette metadata of an exported database (``datasette OUT.db -m OUT.metadata.json``).

Read from the package's descriptor: ``title``, ``description`` (with the version),
``license`` and ``license_url`` (its licences), ``source`` and ``source_url`` (its sources), and
under ``databases.<name>.tables`` every table's and view's description, its columns'
descriptions (from the Table Schemas), its full-text index (``fts_table``, ``fts_pk``) and the
column Datasette shows for a row that another refers to (``label_column``). The FTS5 tables
themselves are hidden. With the ``value_evidence`` view, a canned query ``record_evidence``
gives it for one record (``?record_id=...``).
"""

from __future__ import annotations

from typing import Any

from opencase.exporting.sqlplan import TablePlan
from opencase.exporting.sqlviews import FtsIndex, View

__all__ = ["LABEL_COLUMNS", "datasette_metadata"]

LABEL_COLUMNS = ("label", "name", "title")  # the first a table has labels its rows


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _licence(descriptor: dict[str, Any]) -> dict[str, str]:
    licences = [x for x in descriptor.get("licenses") or [] if isinstance(x, dict)]
    names = [_text(x.get("title")) or _text(x.get("name")) for x in licences]
    urls = [_text(x.get("path")) for x in licences if _text(x.get("path"))]
    out = {}
    if any(names):
        out["license"] = "; ".join(n for n in names if n)
    if urls:
        out["license_url"] = urls[0]
    return out


def _source(descriptor: dict[str, Any]) -> dict[str, str]:
    sources = [x for x in descriptor.get("sources") or [] if isinstance(x, dict)]
    titles = [_text(x.get("title")) for x in sources if _text(x.get("title"))]
    urls = [_text(x.get("path")) for x in sources
            if _text(x.get("path")).lower().startswith(("http://", "https://"))]
    out = {}
    if titles:
        out["source"] = titles[0] if len(titles) == 1 else \
            f"{len(titles)} sources: " + "; ".join(titles)
    url = urls[0] if urls else _text(descriptor.get("homepage"))
    if url:
        out["source_url"] = url
    return out


def datasette_metadata(descriptor: dict[str, Any], database: str, plans: list[TablePlan],
                       fts: list[FtsIndex], views: list[View],
                       metadata_table: str | None) -> dict[str, Any]:
    """The metadata of the database ``database`` (its file name without ``.db``)."""
    title = _text(descriptor.get("title")) or _text(descriptor.get("name")) or database
    description = _text(descriptor.get("description"))
    version = _text(descriptor.get("version"))
    if version:
        description = f"Version {version}." + (f" {description}" if description else "")
    top: dict[str, Any] = {"title": title}
    if description:
        top["description"] = description
    top.update(_licence(descriptor))
    top.update(_source(descriptor))
    homepage = _text(descriptor.get("homepage"))
    if homepage:
        top["about"], top["about_url"] = homepage, homepage
    index = {f.table: f for f in fts}
    tables: dict[str, Any] = {}
    for plan in plans:
        entry: dict[str, Any] = {}
        if plan.title:
            entry["title"] = plan.title
        if plan.description:
            entry["description"] = plan.description
        entry["columns"] = {c.name: c.description for c in plan.columns if c.description}
        if plan.name in index:
            entry["fts_table"] = index[plan.name].name
            entry["fts_pk"] = "rowid"
        label = next((c for c in LABEL_COLUMNS if c in plan.column_names), None)
        if label is not None:
            entry["label_column"] = label
        tables[plan.name] = entry
    for f in fts:
        tables[f.name] = {"hidden": True,
                          "description": f"Full-text index of {f.table} "
                                         f"({', '.join(f.columns)})."}
    for view in views:
        tables[view.name] = {"description": view.description,
                             "columns": {k: v for k, v in view.columns.items() if v}}
    if metadata_table:
        tables[metadata_table] = {
            "description": "The package's datapackage.json and this Datasette metadata, as "
                           "JSON text, so that the database holds all the package says.",
            "columns": {"name": "What the value is: datapackage.json or "
                                "datasette-metadata.json.",
                        "value": "Its JSON text."}}
    db: dict[str, Any] = {**{k: v for k, v in top.items() if k != "databases"},
                          "tables": tables}
    if any(v.name == "value_evidence" for v in views):
        db["queries"] = {"record_evidence": {
            "title": "The evidence of one record",
            "description": "Every value of the record with the id you give, each with the "
                           "quotes and sources that back it.",
            "sql": "SELECT * FROM value_evidence WHERE record_id = :record_id"}}
    top["databases"] = {database: db}
    return top
