"""``opencase export sqlite``: a published package as one SQLite database, ready for Datasette.

:func:`export_sqlite` opens any package :func:`opencase.load` accepts (folder,
``datapackage.json``, zip or URL; hashes verified) and writes:

- one table per package table (:mod:`opencase.exporting.sqlplan`: typed columns, ``NOT NULL``,
  ``UNIQUE`` and ``CHECK`` constraints, primary, unique and foreign keys, an index on every
  foreign key), filled from Arrow one record batch at a time (``executemany``);
- full-text indexes and views (:mod:`opencase.exporting.sqlviews`);
- ``_metadata``: the package's ``datapackage.json`` and the Datasette metadata, as JSON text;
- beside the database, ``<OUT>.metadata.json`` for Datasette
  (:mod:`opencase.exporting.datasette`).

The database must pass ``PRAGMA foreign_key_check`` and ``PRAGMA integrity_check``: a package
whose rows break its own keys or constraints (a reference to a row that is not there, two rows
with one key, an empty required value, a value outside its ``enum``) gives a report of those
problems and nothing is written. Everything is written to temporary files beside ``OUT``, then
moved into place; an existing ``OUT`` (or metadata file) is replaced only with ``force``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opencase.codes import Code
from opencase.errors import UsageError
from opencase.exporting.datasette import datasette_metadata
from opencase.exporting.sqlplan import TablePlan, create_table, plan_tables, quote_id
from opencase.exporting.sqlvalues import sqlite_values
from opencase.exporting.sqlviews import (
    FtsIndex,
    View,
    add_fts,
    add_views,
    has_fts5,
    kinds_of,
)
from opencase.report import Report
from opencase.safeio import temporary_beside

__all__ = ["SqliteExport", "export_sqlite", "metadata_path"]

BATCH_ROWS = 10_000
CACHE_KIB = 256 * 1024  # SQLite's page cache while the database is filled (at most this)
LISTED = 20  # problems of one kind listed before "and N more"
METADATA_TABLE = "_metadata"


@dataclass
class SqliteExport:
    """What :func:`export_sqlite` wrote, or the problems that stopped it (``report``)."""

    out: Path
    metadata: Path | None
    report: Report
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows
    fts: list[FtsIndex] = field(default_factory=list)
    views: list[View] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.report.ok

    def summary(self) -> str:
        if not self.ok:
            return f"nothing written to {self.out}: the package has problems"
        rows = sum(self.tables.values())
        meta = f", Datasette metadata in {self.metadata}" if self.metadata else ""
        return (f"exported {_count(len(self.tables), 'table')} ({_count(rows, 'row')}), "
                f"{_count(len(self.fts), 'full-text index', 'full-text indexes')} and "
                f"{_count(len(self.views), 'view')} to {self.out}{meta}")

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "out": str(self.out),
                "metadata": str(self.metadata) if self.metadata else None,
                "tables": self.tables,
                "fts": {f.table: {"table": f.name, "columns": f.columns} for f in self.fts},
                "views": [v.name for v in self.views], "notes": self.notes,
                "issues": json.loads(self.report.format_json())["issues"]}


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def metadata_path(out: str | os.PathLike[str]) -> Path:
    """Where the Datasette metadata of ``out`` goes by default: ``x.db`` -> ``x.metadata.json``."""
    p = Path(out)
    return p.with_name(p.stem + ".metadata.json")


def export_sqlite(package: Any, out: str | os.PathLike[str], *,
                  metadata: str | os.PathLike[str] | bool = True,
                  force: bool = False) -> SqliteExport:
    """Write the package ``package`` (a path or URL :func:`opencase.load` opens, or an
    opened package) as the SQLite database ``out``, and its Datasette metadata to
    ``metadata`` (``True``: :func:`metadata_path` of ``out``; ``False``: none).

    Returns a :class:`SqliteExport`; when its ``report`` has errors (rows that break the
    package's keys or constraints) nothing was written. Raises
    :class:`opencase.errors.UsageError` for an ``out`` that exists (without ``force``) or
    cannot be written, :class:`opencase.LoadError` for a package that cannot be opened."""
    from opencase.datapackage.load import DataPackage
    from opencase.dataset import load

    out = Path(out)
    meta = metadata_path(out) if metadata is True else Path(metadata) if metadata else None
    if meta is not None and meta.resolve() == out.resolve():
        raise UsageError(f"the metadata file cannot be the database itself ({out})")
    for target in (out, meta):
        if target is not None:
            _check_target(target, force)
    pkg = package if isinstance(package, DataPackage) else load(package)
    result = SqliteExport(out, meta, Report())
    with _temporary(out) as tmp:
        database = out.name.removesuffix(out.suffix) if out.suffix else out.name
        metadata_json = _build(pkg, tmp, database, result)
        if not result.ok:
            return result
        if meta is None:
            os.replace(tmp, out)
            return result
        with _temporary(meta) as tmp_meta:
            tmp_meta.write_text(metadata_json + "\n", encoding="utf-8")
            os.replace(tmp, out)
            os.replace(tmp_meta, meta)
    return result


def _check_target(path: Path, force: bool) -> None:
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give the file to write")
    if path.exists() or path.is_symlink():
        if not force:
            raise UsageError(f"{path} exists; pass --force (force=True) to replace it")
        if not path.is_file():
            raise UsageError(f"{path} is not a regular file; it is not replaced")
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {path}: the folder {path.parent} does not exist")


@contextmanager
def _temporary(beside: Path) -> Iterator[Path]:
    """:func:`opencase.safeio.temporary_beside`, a folder it cannot be made in said as a
    usage error."""
    with ExitStack() as stack:
        try:
            tmp = stack.enter_context(temporary_beside(beside))
        except OSError as exc:
            raise UsageError(f"cannot write in {beside.parent}: {exc.strerror}") from None
        yield tmp


def _build(pkg: Any, path: Path, database: str, result: SqliteExport) -> str:
    """Fill the database at ``path``; the Datasette metadata as JSON text."""
    plans = plan_tables(pkg)
    taken = {p.name.lower() for p in plans}
    clash = next((p.name for p in plans if p.name.lower().startswith("sqlite_")), None)
    if clash:
        raise UsageError(f"table {clash!r}: SQLite reserves names beginning with sqlite_")
    if len(taken) < len(plans):
        raise UsageError("the package has tables whose names differ only in case, which "
                         "SQLite does not tell apart: "
                         + ", ".join(sorted(p.name for p in plans)))
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode = OFF")  # a new temporary file: nothing to keep
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")  # keys inserted out of order
        conn.execute("BEGIN")
        for plan in plans:
            try:
                conn.execute(create_table(plan))
            except sqlite3.OperationalError as exc:  # e.g. columns named alike but for case
                raise UsageError(f"table {plan.name!r} cannot be made in SQLite: {exc}") \
                    from None
        for plan in plans:
            _fill(conn, plan, pkg.table(plan.name), result)
        if not result.ok:
            return ""
        _foreign_key_check(conn, plans, result.report)
        if not result.ok:
            return ""
        _index_foreign_keys(conn, plans, taken)
        kinds = kinds_of(plans, pkg.table("entities") if "entities" in taken else None)
        result.fts = add_fts(conn, plans, taken)
        if not has_fts5():
            result.notes.append("no full-text search: this SQLite has no FTS5")
        result.views, notes = add_views(conn, plans, kinds, taken)
        result.notes.extend(notes)
        meta_table = METADATA_TABLE if METADATA_TABLE not in taken else None
        metadata = datasette_metadata(pkg.descriptor, database, plans, result.fts,
                                      result.views, meta_table)
        text = json.dumps(metadata, indent=2, ensure_ascii=False)
        if meta_table:
            conn.execute(f"CREATE TABLE {quote_id(meta_table)} "
                         "(name TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.executemany(f"INSERT INTO {quote_id(meta_table)} VALUES (?, ?)",
                             [("datapackage.json", json.dumps(pkg.descriptor,
                                                              ensure_ascii=False)),
                              ("datasette-metadata.json", text)])
        else:
            result.notes.append(f"no {METADATA_TABLE} table: the package has a table of "
                                "that name")
        conn.execute("COMMIT")
    return text


def _fill(conn: sqlite3.Connection, plan: TablePlan, table: Any, result: SqliteExport) -> None:
    names = ", ".join(quote_id(c.name) for c in plan.columns)
    marks = ", ".join("?" for _ in plan.columns)
    insert = f"INSERT INTO {quote_id(plan.name)} ({names}) VALUES ({marks})"
    types = [c.schema_type for c in plan.columns]
    done = 0
    for batch in table.select(plan.column_names).to_batches(max_chunksize=BATCH_ROWS):
        columns = [sqlite_values(batch.column(i), types[i]) for i in range(len(types))]
        values = list(zip(*columns, strict=True))
        try:
            conn.executemany(insert, values)
        except sqlite3.IntegrityError as exc:
            # the rows before the one that failed are in: it is the next
            (count,) = conn.execute(f"SELECT count(*) FROM {quote_id(plan.name)}").fetchone()
            _constraint_problem(plan, str(exc), count + 1, values[count - done], result.report)
            break
        done += batch.num_rows
    result.tables[plan.name] = done


def _constraint_problem(plan: TablePlan, message: str, row: int, values: tuple[Any, ...],
                        report: Report) -> None:
    """A row that breaks a constraint (SQLite's message names it) as a report issue."""
    code = Code.CELL_UNIQUE
    if message.startswith("NOT NULL"):
        code = Code.CELL_REQUIRED
    elif message.startswith("CHECK"):
        code = Code.CELL_RANGE if "imum" in message else Code.CELL_ENUM
    elif message.startswith("UNIQUE"):
        cols = [c.rsplit(".", 1)[-1].strip() for c in message.partition(":")[2].split(",")]
        if sorted(cols) == sorted(plan.primary_key):
            code = Code.PRIMARY_KEY
    key = plan.primary_key or plan.column_names[:1]
    shown = ", ".join(f"{c} {values[plan.column_names.index(c)]!r}" for c in key)
    record = values[plan.column_names.index("id")] if "id" in plan.column_names else None
    report.add(code, f"{plan.name}, data row {row:,} ({shown}): {message}: the rows break "
               "the table's own Table Schema, which the database keeps (`opencase check` "
               "lists every such row)", file=plan.path,
               record_id=record if isinstance(record, str) else None)


def _foreign_key_check(conn: sqlite3.Connection, plans: list[TablePlan],
                       report: Report) -> None:
    by_name = {p.name: p for p in plans}
    keys: dict[tuple[str, int], tuple[list[str], str, list[str]]] = {}
    count = 0
    for table, rowid, parent, fkid in conn.execute("PRAGMA foreign_key_check"):
        count += 1
        if count > LISTED:
            continue
        if (table, fkid) not in keys:
            rows = [r for r in conn.execute(f"PRAGMA foreign_key_list({quote_id(table)})")
                    if r[0] == fkid]
            keys[table, fkid] = ([r[3] for r in rows], parent, [r[4] for r in rows])
        cols, parent, parent_cols = keys[table, fkid]
        values = conn.execute(f"SELECT {', '.join(map(quote_id, cols))} FROM "
                              f"{quote_id(table)} WHERE rowid = ?", (rowid,)).fetchone()
        plan = by_name[table]
        shown = ", ".join(f"{c} {v!r}" for c, v in zip(cols, values, strict=True))
        record = None
        if "id" in plan.column_names:
            record = conn.execute(f"SELECT id FROM {quote_id(table)} WHERE rowid = ?",
                                  (rowid,)).fetchone()[0]
        report.add(Code.FOREIGN_KEY,
                   f"{table}, data row {rowid:,}: {shown} refers to no row of {parent} "
                   f"({', '.join(parent_cols)}); the database would fail "
                   "PRAGMA foreign_key_check", file=plan.path,
                   record_id=record if isinstance(record, str) else None, field=cols[0])
    if count > LISTED:
        report.omit(Code.FOREIGN_KEY, count - LISTED,
                    f"and {count - LISTED:,} more references to rows that are not there")


def _index_foreign_keys(conn: sqlite3.Connection, plans: list[TablePlan],
                        taken: set[str]) -> None:
    """An index on each foreign key's columns (joins and Datasette's facets use them), unless
    they begin the primary key (which has one) or the name is taken."""
    for plan in plans:
        for fk in plan.foreign_keys:
            name = f"idx_{plan.name}_{'_'.join(fk.columns)}"
            if fk.columns == plan.primary_key[:len(fk.columns)] or name.lower() in taken:
                continue
            taken.add(name.lower())
            conn.execute(f"CREATE INDEX {quote_id(name)} ON {quote_id(plan.name)} "
                         f"({', '.join(map(quote_id, fk.columns))})")
