"""``opencase export sqlite``: a package as a Datasette-ready SQLite database.

The database is read with :mod:`sqlite3` (types, keys, ``PRAGMA foreign_key_check``, every
value against the Arrow table, full-text search, the views) and served by Datasette's own
test client (tables, a search, a view, the metadata's descriptions). Built from the real
Stephen Port records (published here with the real snapshots), from the example dataset
(with its extensions) and from small packages written by hand (a dangling reference, a
package of another layout)."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import html
import http.server
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import zipfile
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

import opencase
from opencase import export_sqlite, publish

from .conftest import REPO, SHARED_SOURCES, needs_shared, run_cli
from .test_hostile_packages import MAKERS, MANIFEST, _says

VELL = REPO / "examples" / "fictional-vell-case"


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Stephen Port records, published with the real snapshots."""
    if not SHARED_SOURCES.is_dir():
        pytest.skip("../shared/sources (the real snapshots) is absent")
    out = tmp_path_factory.mktemp("port") / "datapackage"
    pub = publish(REPO / "records", out, snapshots=SHARED_SOURCES)
    assert pub.ok, pub.format("text")
    return out


@pytest.fixture(scope="module")
def port_db(port: Path) -> Path:
    out = port.parent / "port.db"
    result = export_sqlite(port, out)
    assert result.ok, result.report.format("text")
    return out


@pytest.fixture(scope="module")
def vell(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("vell") / "datapackage"
    pub = publish(VELL / "records", out, snapshots=VELL / "snapshots")
    assert pub.ok, pub.format("text")
    return out


@pytest.fixture(scope="module")
def vell_db(vell: Path) -> Path:
    out = vell.parent / "vell.db"
    assert export_sqlite(vell, out).ok
    return out


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def rows(path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with closing(connect(path)) as conn:
        return conn.execute(sql, params).fetchall()


def columns(path: Path, table: str) -> dict[str, tuple[str, bool, int]]:
    """column -> (declared type, not null, position in the primary key)."""
    return {r[1]: (r[2], bool(r[3]), r[5]) for r in rows(path, f'PRAGMA table_info("{table}")')}


def foreign_keys(path: Path, table: str) -> set[tuple[str, str, str]]:
    return {(r[3], r[2], r[4]) for r in rows(path, f'PRAGMA foreign_key_list("{table}")')}


def expected_cell(value: Any) -> Any:
    """A value of an Arrow table as the database must hold it (the documented rule)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def assert_round_trip(db: Path, package: Path) -> None:
    """Every value of every table equal to the Arrow table's, in the package's row order."""
    pkg = opencase.load(package)
    assert pkg.table_names
    with closing(connect(db)) as conn:
        for name in pkg.table_names:
            table = pkg.table(name)
            cols = ", ".join(f'"{c}"' for c in table.column_names)
            got = conn.execute(f'SELECT {cols} FROM "{name}" ORDER BY rowid').fetchall()
            want = [tuple(expected_cell(v) for v in row.values())
                    for row in table.to_pylist()]
            assert got == want, name
            # and stored with the type the schema gives (not text that looks like a number)
            for col, (decl, _, _) in columns(db, name).items():
                types = {t for (t,) in conn.execute(
                    f'SELECT DISTINCT typeof("{col}") FROM "{name}"')} - {"null"}
                assert types <= {{"INTEGER": "integer", "REAL": "real", "TEXT": "text",
                                  "BLOB": "blob"}[decl]}, (name, col, types)


def datasette_get(db: Path, metadata: dict[str, Any], *paths: str) -> list[Any]:
    """Each path requested through Datasette's own test client."""
    from datasette.app import Datasette

    async def fetch() -> list[Any]:
        ds = Datasette([str(db)], metadata=metadata)
        return [await ds.client.get(p) for p in paths]

    return asyncio.run(fetch())


# ---------------------------------------------------------------- the Stephen Port package


@needs_shared
def test_tables_types_and_keys(port: Path, port_db: Path) -> None:
    pkg = opencase.load(port)
    tables = {r[0] for r in rows(port_db, "SELECT name FROM sqlite_master WHERE type = "
                                          "'table' AND name NOT LIKE '%_fts%'")}
    assert tables == {*pkg.table_names, "_metadata"}  # the CSV/Parquet twins are one table
    for name in pkg.table_names:
        assert rows(port_db, f'SELECT count(*) FROM "{name}"') == [(pkg.table(name).num_rows,)]
    people = columns(port_db, "people")
    assert people["id"] == ("TEXT", True, 1)
    assert people["reported_age"] == ("INTEGER", False, 0)
    assert people["reported_age_as_of_start"][0] == "TEXT"  # a date, as ISO text
    assert columns(port_db, "reported_values")["preferred"][0] == "INTEGER"  # boolean
    assert columns(port_db, "event_participants")["event_id"][2] == 1
    assert columns(port_db, "event_participants")["position"][2] == 2
    assert columns(port_db, "events")["type"][1] is True  # required
    assert ("record_id", "entities", "id") in foreign_keys(port_db, "citations")
    assert ("source_id", "sources", "id") in foreign_keys(port_db, "citations")
    assert ("who", "entities", "id") in foreign_keys(port_db, "event_participants")
    assert ("part_of", "groups", "id") in foreign_keys(port_db, "groups")  # into itself
    assert ("id", "entities", "id") in foreign_keys(port_db, "people")
    # every foreign key of every Table Schema is declared
    for name in pkg.table_names:
        for fk in pkg.resource(name)["schema"].get("foreignKeys", []):
            parent = (fk["reference"].get("resource") or name).removesuffix("-parquet")
            assert (fk["fields"][0], parent, fk["reference"]["fields"][0]) \
                in foreign_keys(port_db, name)
    assert rows(port_db, "PRAGMA foreign_key_check") == []
    assert rows(port_db, "PRAGMA integrity_check") == [("ok",)]


@needs_shared
def test_every_value_round_trips_exactly(port: Path, port_db: Path) -> None:
    assert_round_trip(port_db, port)
    assert rows(port_db, "SELECT date, date_start, date_end FROM events WHERE id = "
                         "'port-convicted'") == [("2016", "2016-01-01", "2016-12-31")]


@needs_shared
def test_the_constraints_hold_in_the_database(port_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.db"
    shutil.copy(port_db, db)
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        event = conn.execute("SELECT * FROM events WHERE id = 'port-convicted'").fetchone()
        cols = [d[0] for d in conn.execute("SELECT * FROM events").description]
        row = dict(zip(cols, event, strict=True))

        def insert(**change: Any) -> None:
            values = {**row, **change}
            conn.execute(f"INSERT INTO events VALUES ({', '.join('?' * len(cols))})",
                         [values[c] for c in cols])

        for change, message in (({}, "UNIQUE constraint failed: events.id"),
                                ({"id": "x", "type": "party"}, "CHECK constraint failed: "
                                                               "type:enum"),
                                ({"id": "x", "description": None}, "NOT NULL"),
                                ({"id": "x"}, "FOREIGN KEY constraint failed"),
                                ({"id": "stephen-port", "case_id": "nowhere"},
                                 "FOREIGN KEY constraint failed")):
            with pytest.raises(sqlite3.IntegrityError, match=re.escape(message)):
                insert(**change)
        with pytest.raises(sqlite3.IntegrityError, match="reported_age:minimum"):
            conn.execute("UPDATE people SET reported_age = -1 WHERE id = 'stephen-port'")


@needs_shared
def test_full_text_search_finds_quotes_names_and_descriptions(port: Path,
                                                              port_db: Path) -> None:
    pkg = opencase.load(port)
    fts = {r[0] for r in rows(port_db, "SELECT name FROM sqlite_master WHERE sql LIKE "
                                       "'CREATE VIRTUAL TABLE%USING fts5%'")}
    assert {"citations_fts", "people_fts", "organisations_fts", "groups_fts", "names_fts",
            "entities_fts", "events_fts", "statements_fts", "sources_fts"} <= fts

    def search(table: str, query: str, key: str = "id") -> set[str]:
        return {r[0] for r in rows(port_db, f'SELECT t."{key}" FROM "{table}_fts" f JOIN '
                                            f'"{table}" t ON t.rowid = f.rowid WHERE '
                                            f'"{table}_fts" MATCH ?', query)}

    def contains(table: str, cols: list[str], phrase: str, key: str = "id") -> set[str]:
        words = re.compile(r"\b" + r"\W+".join(phrase.split()) + r"\b", re.IGNORECASE)
        return {r[key] for r in pkg.table(table).to_pylist()
                if any(r[c] and words.search(r[c]) for c in cols)}

    quotes = search("citations", '"serial killer"', "citation_id")
    assert quotes and quotes == contains("citations", ["quote", "note"], "serial killer",
                                         "citation_id")
    assert search("people", "walgate") == {"anthony-walgate"}
    assert search("organisations", "iopc") == contains("organisations",
                                                       ["name", "short_name", "description"],
                                                       "iopc")
    assert search("events", "misconduct") == contains("events", ["description"], "misconduct")
    assert "stephen-port" in search("entities", "port")


@needs_shared
def test_the_views_give_each_value_with_its_quote_and_source(port: Path,
                                                             port_db: Path) -> None:
    pkg = opencase.load(port)
    citations = pkg.table("citations").to_pylist()
    sources = {s["id"]: s for s in pkg.table("sources").to_pylist()}
    labels = {e["id"]: e["label"] for e in pkg.table("entities").to_pylist()}
    with closing(connect(port_db)) as conn:
        conn.row_factory = sqlite3.Row
        evidence = [dict(r) for r in conn.execute("SELECT * FROM evidence")]
        assert len(evidence) == len(citations)
        for row, cite in zip(evidence, citations, strict=True):
            assert row["citation_id"] == cite["citation_id"]
            assert row["quote"] == cite["quote"]
            assert row["record_label"] == labels[cite["record_id"]]
            assert row["source_title"] == sources[cite["source_id"]]["title"]
            assert row["source_url"] == sources[cite["source_id"]]["url"]
        age = [dict(r) for r in conn.execute(
            "SELECT * FROM value_evidence WHERE record_id = 'stephen-port' "
            "AND field = 'reported_age'")]
        assert {r["value"] for r in age} == {"44"}
        assert all("44" in r["quote"] for r in age if r["citation_id"])
        # every non-empty value of every record is in record_values, once
        n = conn.execute("SELECT count(*) FROM record_values").fetchone()[0]
        kinds = {k for (k,) in conn.execute("SELECT DISTINCT kind FROM entities")}
        want = 0
        for kind in kinds:
            t = pkg.table(kind)
            for col in t.column_names:
                derived = col.endswith(("_start", "_end")) and \
                    col.rsplit("_", 1)[0] in t.column_names
                if col != "id" and not derived:
                    want += t.num_rows - t.column(col).null_count
        assert n == want
        # the case of an event is cited as `case` (its column is case_id)
        assert [tuple(r) for r in conn.execute(
            "SELECT DISTINCT field FROM record_values WHERE kind = 'events' "
            "AND field LIKE 'case%'")] == [("case",)]
        # a value backed by a citation of its field, and none of another field's
        name = [dict(r) for r in conn.execute(
            "SELECT * FROM value_evidence WHERE record_id = 'stephen-port' AND field = 'name'")]
        backing = {c["citation_id"] for c in citations if c["record_id"] == "stephen-port"
                   and not c["part"] and c["field"] in (None, "", "name")}
        assert {r["citation_id"] for r in name} == backing


@needs_shared
def test_a_citation_of_a_record_that_is_not_there_is_refused(port: Path,
                                                             tmp_path: Path) -> None:
    """citations.record_id refers to `entities`, the table of every record: a citation planted
    for a record that is in no table fails its foreign key."""
    import hashlib

    import pyarrow as pa
    import pyarrow.parquet as pq

    package = tmp_path / "planted"
    shutil.copytree(port, package)
    path = package / "parquet" / "citations.parquet"
    table = pq.read_table(path)
    ids = table.column("record_id").to_pylist()
    ids[4] = "nobody-at-all"
    table = table.set_column(table.column_names.index("record_id"), "record_id",
                             pa.array(ids, pa.string()))
    pq.write_table(table, path)
    data = path.read_bytes()
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    for r in descriptor["resources"]:
        if r["path"] == "parquet/citations.parquet":
            r["bytes"], r["hash"] = len(data), "sha256:" + hashlib.sha256(data).hexdigest()
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    out = tmp_path / "planted.db"
    result = export_sqlite(package, out)
    assert [(i.code, i.file, i.field) for i in result.report.issues] == [
        ("foreign-key", "parquet/citations.parquet", "record_id")]
    assert result.report.issues[0].message.startswith(
        "citations, data row 5: record_id 'nobody-at-all' refers to no row of entities (id)")
    assert not out.exists() and not (tmp_path / "planted.metadata.json").exists()


@needs_shared
def test_the_datasette_metadata_file(port: Path, port_db: Path) -> None:
    pkg = opencase.load(port)
    meta = json.loads(port_db.with_name("port.metadata.json").read_text(encoding="utf-8"))
    assert meta["title"] == pkg.descriptor["title"]
    assert pkg.descriptor["description"] in meta["description"]
    assert meta["license"] == "Creative Commons Attribution 4.0 International"
    assert meta["license_url"] == "https://creativecommons.org/licenses/by/4.0/"
    for source in pkg.descriptor["sources"]:
        assert source["title"] in meta["source"]
    tables = meta["databases"]["port"]["tables"]
    for name in pkg.table_names:
        resource = pkg.resource(name)
        assert tables[name]["description"] == resource["description"]
        assert tables[name]["columns"] == {f["name"]: f["description"]
                                           for f in resource["schema"]["fields"]
                                           if f.get("description")}
    assert tables["people"]["fts_table"] == "people_fts"
    assert tables["people_fts"]["hidden"] is True
    assert tables["entities"]["label_column"] == "label"
    assert tables["value_evidence"]["columns"]["quote"]
    stored = dict(rows(port_db, "SELECT name, value FROM _metadata"))
    assert json.loads(stored["datapackage.json"]) == pkg.descriptor
    assert json.loads(stored["datasette-metadata.json"]) == meta


@needs_shared
def test_datasette_serves_tables_a_search_a_view_and_the_descriptions(port_db: Path) -> None:
    meta = json.loads(port_db.with_name("port.metadata.json").read_text(encoding="utf-8"))
    index, people, search, view, row, home, query = datasette_get(
        port_db, meta, "/port.json", "/port/people",
        "/port/citations.json?_search=%22serial+killer%22&_shape=array",
        "/port/value_evidence.json?record_id=stephen-port&field=reported_age&_shape=array",
        "/port/events/port-convicted.json?_shape=array", "/",
        "/port/record_evidence.json?record_id=anthony-walgate&_shape=array")
    assert index.status_code == 200
    shown = {t["name"] for t in index.json()["tables"] if not t["hidden"]}
    assert {"people", "events", "citations", "entities", "_metadata"} <= shown
    assert "people_fts" not in shown
    assert {v["name"] for v in index.json()["views"]} == {"evidence", "record_values",
                                                          "value_evidence"}
    assert people.status_code == 200
    assert 'type="search"' in people.text  # Datasette found the full-text index
    assert "Name as the sources give it" in people.text  # a column's description
    assert html.escape(meta["databases"]["port"]["tables"]["people"]["description"],
                       quote=False) in people.text
    assert search.status_code == 200
    assert search.json() and all("serial killer" in (r["quote"] + (r["note"] or "")).lower()
                                 for r in search.json())
    assert view.status_code == 200 and {r["value"] for r in view.json()} == {"44"}
    assert row.status_code == 200 and row.json()[0]["type"] == "conviction"
    assert home.status_code == 200 and "Creative Commons Attribution 4.0" in home.text
    assert query.status_code == 200
    assert {r["record_id"] for r in query.json()} == {"anthony-walgate"}
    assert {"name", "description", "reported_age"} <= {r["field"] for r in query.json()}


@needs_shared
def test_the_datasette_command_reads_the_database_and_its_metadata(port_db: Path) -> None:
    datasette = Path(sys.executable).parent / "datasette"
    if not datasette.exists():
        pytest.skip("the datasette command is not installed beside this Python")
    meta = port_db.with_name("port.metadata.json")
    done = subprocess.run([str(datasette), str(port_db), "-m", str(meta), "--get",
                           "/port/people.json?_search=walgate&_shape=array"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [r["id"] for r in json.loads(done.stdout)] == ["anthony-walgate"]


@needs_shared
def test_the_cli_writes_a_database_and_refuses_to_overwrite(port: Path, tmp_path: Path) -> None:
    out = tmp_path / "case.db"
    done = run_cli("export", "sqlite", port, out)
    assert done.returncode == 0, done.stderr
    tables = len(opencase.load(port).table_names)
    assert f"exported {tables} tables" in done.stdout and out.is_file()
    assert (tmp_path / "case.metadata.json").is_file()
    before = out.read_bytes()
    again = run_cli("export", "sqlite", port, out)
    assert again.returncode == 2
    assert "exists; pass --force" in again.stderr and "Traceback" not in again.stderr
    assert out.read_bytes() == before
    forced = run_cli("export", "sqlite", port, out, "--force", "--format", "json")
    assert forced.returncode == 0, forced.stderr
    report = json.loads(forced.stdout)
    assert report["ok"] is True and report["tables"]["citations"] > 0
    assert report["fts"]["people"]["table"] == "people_fts"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.db", "case.metadata.json"]
    assert out.stat().st_mode & 0o777 == 0o644  # readable by a server, as a new file is
    (tmp_path / "meta").mkdir()
    elsewhere = run_cli("export", "sqlite", port, tmp_path / "other.db", "--metadata",
                        tmp_path / "meta" / "m.json")
    assert elsewhere.returncode == 0, elsewhere.stderr
    meta = json.loads((tmp_path / "meta" / "m.json").read_text(encoding="utf-8"))
    assert list(meta["databases"]) == ["other"]  # Datasette names the database by its file
    assert not (tmp_path / "other.metadata.json").exists()


@needs_shared
def test_a_zip_and_a_url_are_exported_too(port: Path, tmp_path: Path) -> None:
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in sorted(port.rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(port).as_posix())
    assert export_sqlite(archive, tmp_path / "zip.db", metadata=False).ok
    assert not (tmp_path / "zip.metadata.json").exists()
    with serve(port) as url:
        assert export_sqlite(url + "datapackage.json", tmp_path / "url.db").ok
    assert_round_trip(tmp_path / "zip.db", port)
    assert_round_trip(tmp_path / "url.db", port)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class serve:
    """A package folder served over http from 127.0.0.1."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __enter__(self) -> str:
        folder = str(self.folder)

        class Handler(_Quiet):
            def __init__(self, *a: Any, **k: Any) -> None:
                super().__init__(*a, directory=folder, **k)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------- the example dataset


def test_the_example_dataset_with_its_extensions(vell: Path, vell_db: Path) -> None:
    assert rows(vell_db, "PRAGMA foreign_key_check") == []
    assert rows(vell_db, "PRAGMA integrity_check") == [("ok",)]
    assert_round_trip(vell_db, vell)
    events = columns(vell_db, "events")
    assert events["restraint_minutes"][0] == "INTEGER"  # an extension field
    assert events["body_worn_video"][0] == "INTEGER"
    assert set(r[0] for r in rows(vell_db, "SELECT body_worn_video FROM events")) <= {0, 1,
                                                                                   None}
    sql = rows(vell_db, "SELECT sql FROM sqlite_master WHERE name = 'events'")[0][0]
    assert "'welfare-check'" in sql  # the added vocabulary value is allowed
    names = rows(vell_db, "SELECT n.record_id FROM names_fts f JOIN names n "
                          "ON n.rowid = f.rowid WHERE names_fts MATCH 'vell'")
    want = {r["record_id"] for r in opencase.load(vell).table("names").to_pylist()
            if "vell" in r["name"].lower()}
    assert want and {r[0] for r in names} == want
    meta = json.loads((vell.parent / "vell.metadata.json").read_text(encoding="utf-8"))
    cols = meta["databases"]["vell"]["tables"]["events"]["columns"]
    assert cols["restraint_minutes"] == "How many minutes a person was restrained, as reported."
    (page,) = datasette_get(vell_db, meta, "/vell/names.json?_search=vell&_shape=array")
    assert page.status_code == 200 and {r["record_id"] for r in page.json()} == want


# ---------------------------------------------------------------- packages written by hand


def write_package(folder: Path, tables: dict[str, tuple[dict[str, Any], list[list[str]]]],
                  **descriptor: Any) -> Path:
    """A Data Package of CSV tables (schema, rows), without hashes."""
    folder.mkdir()
    resources = []
    for name, (schema, body) in tables.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow([fld["name"] for fld in schema["fields"]])
            w.writerows(body)
        resources.append({"name": name, "path": f"{name}.csv", "format": "csv",
                          "schema": schema})
    (folder / "datapackage.json").write_text(json.dumps(
        {"name": "hand-made", "resources": resources, **descriptor}), encoding="utf-8")
    return folder


SHELVES = {"fields": [{"name": "code", "type": "string", "constraints": {"required": True}},
                      {"name": "floor", "type": "integer"}], "primaryKey": "code"}
BOOKS = {"fields": [{"name": "isbn", "type": "string"},
                    {"name": "title", "type": "string", "description": "The book's title."},
                    {"name": "shelf", "type": "string"},
                    {"name": "price", "type": "number"},
                    {"name": "lent", "type": "boolean"},
                    {"name": "bought", "type": "date"}],
         "primaryKey": ["isbn"],
         "foreignKeys": [{"fields": ["shelf"],
                          "reference": {"resource": "shelves", "fields": ["code"]}}]}


def test_a_dangling_reference_is_refused_with_a_message(tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "pkg", {
        "shelves": (SHELVES, [["a1", "1"]]),
        "books": (BOOKS, [["111", "Dune", "a1", "9.5", "true", "2020-01-02"],
                          ["222", "Emma", "z9", "", "false", ""]])})
    out = tmp_path / "books.db"
    result = export_sqlite(pkg, out)
    assert not result.ok
    (issue,) = result.report.issues
    assert issue.code == "foreign-key" and issue.file == "books.csv"
    assert "books, data row 2: shelf 'z9' refers to no row of shelves (code)" in issue.message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg"]  # nothing written
    done = run_cli("export", "sqlite", pkg, out)
    assert done.returncode == 1
    assert "shelf 'z9' refers to no row of shelves" in done.stdout
    assert "nothing written" in done.stdout and not out.exists()


def test_a_package_that_breaks_its_own_keys_is_refused(tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "pkg", {"shelves": (SHELVES, [["a1", "1"], ["b2", "2"],
                                                                  ["a1", "3"]])})
    result = export_sqlite(pkg, tmp_path / "x.db")
    assert [i.code for i in result.report.issues] == ["primary-key"]
    assert result.report.issues[0].message.startswith(
        "shelves, data row 3 (code 'a1'): UNIQUE constraint failed: shelves.code")
    colours = {"fields": [{"name": "colour", "type": "string",
                           "constraints": {"enum": ["red", "green"]}}]}
    pkg = write_package(tmp_path / "pkg2", {"colours": (colours, [["red"], ["blue"]])})
    result = export_sqlite(pkg, tmp_path / "x.db")
    assert [(i.code, i.message.split(": the rows")[0]) for i in result.report.issues] == [
        ("cell-enum", "colours, data row 2 (colour 'blue'): CHECK constraint failed: "
                      "colour:enum")]
    assert not (tmp_path / "x.db").exists()
    assert not (tmp_path / "x.db").exists()


def test_a_package_of_another_layout(tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "pkg", {
        "shelves": (SHELVES, [["a1", "1"], ["b2", ""]]),
        "books": (BOOKS, [["111", "Dune", "a1", "9.5", "true", "2020-01-02"],
                          ["222", "Emma", "", "0.1", "false", ""]])},
        title="Books", licenses=[{"name": "ODC-PDDL-1.0"}],
        sources=[{"title": "The shop", "path": "https://shop.example/"}])
    out = tmp_path / "books.db"
    result = export_sqlite(pkg, out)
    assert result.ok and [v.name for v in result.views] == []  # no citations: no views
    assert rows(out, "SELECT * FROM books ORDER BY rowid") == [
        ("111", "Dune", "a1", 9.5, 1, "2020-01-02"), ("222", "Emma", None, 0.1, 0, None)]
    assert columns(out, "books")["price"][0] == "REAL"
    assert ("shelf", "shelves", "code") in foreign_keys(out, "books")
    assert rows(out, "SELECT rowid, title FROM books_fts WHERE books_fts MATCH 'emma'") == [
        (2, "Emma")]
    meta = json.loads((tmp_path / "books.metadata.json").read_text(encoding="utf-8"))
    assert (meta["title"], meta["license"], meta["source"], meta["source_url"]) == (
        "Books", "ODC-PDDL-1.0", "The shop", "https://shop.example/")
    assert meta["databases"]["books"]["tables"]["books"]["columns"] == {
        "title": "The book's title."}
    assert_round_trip(out, pkg)


def test_every_table_schema_type_is_stored_by_the_documented_rule(tmp_path: Path) -> None:
    types = ["datetime", "time", "year", "yearmonth", "object", "array", "list", "geopoint",
             "duration", "any", "number", "integer", "boolean", "date", "string"]
    schema = {"fields": [{"name": f"c_{t}", "type": t} for t in types]}
    pkg = write_package(tmp_path / "pkg", {"t": (schema, [
        ["2020-01-02T03:04:05", "10:30:00", "2016", "2016-03", '{"a": 1}', "[1, 2]", "x,y",
         "1.5,2.5", "P1Y2M3DT4H5M6S", "hello", "1.25", "7", "true", "2020-02-29", "é"],
        [""] * len(types)])})
    result = export_sqlite(pkg, tmp_path / "t.db")
    assert result.ok and result.summary().startswith("exported 1 table (2 rows)")
    assert [c[0] for c in columns(tmp_path / "t.db", "t").values()] == [
        "TEXT", "TEXT", "INTEGER", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT",
        "REAL", "INTEGER", "INTEGER", "TEXT", "TEXT"]
    assert rows(tmp_path / "t.db", "SELECT * FROM t ORDER BY rowid") == [
        ("2020-01-02T03:04:05.000000Z", "10:30:00.000000", 2016, "2016-03", '{"a": 1}',
         "[1, 2]", '["x", "y"]', "[1.5, 2.5]", "P1Y2M3DT4H5M6S", "hello", 1.25, 7, 1,
         "2020-02-29", "é"),
        (None,) * len(types)]
    sql = rows(tmp_path / "t.db", "SELECT sql FROM sqlite_master WHERE name = 't'")[0][0]
    assert 'CONSTRAINT "c_boolean:boolean" CHECK ("c_boolean" = 0 OR "c_boolean" = 1)' in sql


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing", "no data package at"),
    (lambda d: d, "no datapackage.json"),
    (lambda d: (d / "bad.zip").write_bytes(b"PK\x03\x04 not a zip") and d / "bad.zip", "zip"),
])
def test_bad_input_exits_2_without_a_traceback(tmp_path: Path, make: Any,
                                               message: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    done = run_cli("export", "sqlite", make(folder), tmp_path / "x.db")
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.db").exists()


def test_an_output_that_cannot_be_written_exits_2(tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "pkg", {"shelves": (SHELVES, [["a1", "1"]])})
    for out, message in ((tmp_path / "nowhere" / "x.db", "does not exist"),
                         (tmp_path / "pkg", "is a folder")):
        done = run_cli("export", "sqlite", pkg, out)
        assert done.returncode == 2, done.stdout
        assert message in done.stderr and "Traceback" not in done.stderr
    (tmp_path / "x.metadata.json").write_text("{}")  # the metadata file is not replaced either
    done = run_cli("export", "sqlite", pkg, tmp_path / "x.db")
    assert done.returncode == 2 and "x.metadata.json exists" in done.stderr
    assert not (tmp_path / "x.db").exists()


def test_names_sqlite_cannot_tell_apart_exit_2(tmp_path: Path) -> None:
    twice = {"fields": [{"name": "Name", "type": "string"}, {"name": "name", "type": "string"}]}
    pkg = write_package(tmp_path / "pkg", {"t": (twice, [["a", "b"]])})
    done = run_cli("export", "sqlite", pkg, tmp_path / "x.db")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "table 't' cannot be made in SQLite: duplicate column name: name" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg"]


def test_the_help_has_an_example() -> None:
    done = run_cli("export", "sqlite", "--help")
    assert done.returncode == 0
    assert "opencase export sqlite datapackage case.db" in done.stdout


RELEASE_1_0_0 = "ac89ba7"  # the commit of the dataset's 1.0.0 package (case model 1)


def test_the_1_0_0_layout_without_entities(tmp_path: Path) -> None:
    """The dataset's first release: no `entities` table, so the kinds are the tables keyed by
    `id`, and citations.record_id is no foreign key."""
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    archive = subprocess.run([git, "-C", str(REPO), "archive", "--format=zip",
                              RELEASE_1_0_0, "datapackage"], capture_output=True, timeout=60)
    if archive.returncode != 0:
        pytest.skip(f"the 1.0.0 package is not in this clone's history ({RELEASE_1_0_0})")
    (tmp_path / "old.zip").write_bytes(archive.stdout)
    with zipfile.ZipFile(tmp_path / "old.zip") as z:
        z.extractall(tmp_path)
    package = tmp_path / "datapackage"
    assert json.loads((package / "datapackage.json").read_text())["version"] == "1.0.0"
    out = tmp_path / "old.db"
    result = export_sqlite(package, out)
    assert result.ok, result.report.format("text")
    assert "entities" not in result.tables
    assert rows(out, "PRAGMA foreign_key_check") == []
    assert_round_trip(out, package)
    kinds = {k for (k,) in rows(out, "SELECT DISTINCT kind FROM record_values")}
    assert {"people", "events", "sources", "citations"} - kinds == {"citations"}
    assert rows(out, "SELECT count(*) FROM evidence") == [(result.tables["citations"],)]


# ---------------------------------------------------------------- hostile packages


@pytest.mark.parametrize("case", MANIFEST, ids=[str(c["make"]) for c in MANIFEST])
def test_hostile_packages(case: dict[str, Any], published_project: Path,
                          tmp_path: Path) -> None:
    """Each package of tests/hostile/packages.yaml: exported when opencase.load reads it (exit
    0, or 1 with nothing written when its rows break its keys), else exit 2 with load's
    message; never a traceback, never a file half written."""
    hostile = tmp_path / "pkg" / "datapackage"
    shutil.copytree(published_project / "datapackage", hostile)
    hostile = MAKERS[case["make"]](hostile)
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "x.db"
    done = run_cli("export", "sqlite", hostile, out, cwd=tmp_path)
    both = done.stdout + done.stderr
    assert "Traceback" not in both and "internal error" not in both, both
    written = sorted(p.name for p in folder.iterdir())
    unreadable = None
    if case["load"] == "ok":  # opened, and its people read; one of its other tables may not be
        pkg = opencase.load(hostile)
        try:
            for name in pkg.table_names:
                pkg.table(name)
        except opencase.LoadError as exc:
            unreadable = str(exc)
    if unreadable is not None:
        assert done.returncode == 2 and unreadable in done.stderr, both
    elif case["load"] == "ok":
        assert done.returncode in (0, 1), both
        if done.returncode == 0:
            assert written == ["x.db", "x.metadata.json"]
            assert rows(out, "PRAGMA foreign_key_check") == []
            assert rows(out, "PRAGMA integrity_check") == [("ok",)]
            return
    else:
        assert done.returncode == 2, both
        assert _says(case["load"]["says"], hostile) in done.stderr
    assert written == []
