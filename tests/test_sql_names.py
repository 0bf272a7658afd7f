"""No published column is an SQL reserved word: every column of every table can be created and
selected unquoted in SQLite and DuckDB, and none is reserved in PostgreSQL (the list in
tests/fixtures/sql/postgresql-reserved.txt, from the PostgreSQL documentation)."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest

from opencase.publishing.layout import layout

from .conftest import FIXTURES

COLUMNS = sorted({c.name for spec in layout().values() for c in spec.columns})


def postgresql_reserved() -> set[str]:
    text = (FIXTURES / "sql" / "postgresql-reserved.txt").read_text(encoding="utf-8")
    return {line.strip() for line in text.splitlines()
            if line.strip() and not line.startswith("#")}


def test_the_postgresql_list_is_the_documented_one() -> None:
    words = postgresql_reserved()
    assert len(words) == 101  # 78 "reserved" + 23 "reserved (can be function or type)"
    assert {"case", "end", "user", "order", "left", "join", "system_user"} <= words
    assert not {"start", "type", "name", "position", "date"} & words  # non-reserved


@pytest.mark.parametrize("name", COLUMNS)
def test_sqlite_takes_the_column_unquoted(name: str) -> None:
    con = sqlite3.connect(":memory:")
    con.execute(f"CREATE TABLE t ({name} TEXT)")
    con.execute(f"INSERT INTO t ({name}) VALUES ('x')")
    assert con.execute(f"SELECT {name} FROM t WHERE {name} = 'x'").fetchall() == [("x",)]


@pytest.mark.parametrize("name", COLUMNS)
def test_duckdb_takes_the_column_unquoted(name: str) -> None:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t ({name} TEXT)")
    con.execute(f"INSERT INTO t ({name}) VALUES ('x')")
    assert con.execute(f"SELECT {name} FROM t WHERE {name} = 'x'").fetchall() == [("x",)]


def test_no_column_is_reserved_in_postgresql() -> None:
    assert not set(COLUMNS) & postgresql_reserved()


def test_duckdb_reserved_words_are_not_columns() -> None:
    reserved = {row[0] for row in duckdb.sql(
        "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved'"
    ).fetchall()}
    assert "case" in reserved and "end" in reserved  # what the columns were named before
    assert not set(COLUMNS) & reserved


def test_the_checks_catch_a_reserved_word() -> None:
    """The unquoted statements above do fail on a reserved word (as `case` was)."""
    with pytest.raises(duckdb.ParserException):
        duckdb.connect().execute("CREATE TABLE t (case TEXT)")
    with pytest.raises(sqlite3.OperationalError):
        sqlite3.connect(":memory:").execute("CREATE TABLE t (case TEXT)")
    assert "case" in postgresql_reserved()
