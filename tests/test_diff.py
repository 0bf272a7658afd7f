"""``opencase diff``: records, values with their citations, citations, schemas and corrections
between two versions of a package; the version rule; text, JSON and Markdown; zips, URLs and
bad inputs, through the real ``opencase`` command."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import opencase
from opencase.releasing.semver import check_version

from .conftest import FIXTURES, REPO, SHARED_SOURCES, needs_shared, run_cli

ARROW = {"string": pa.string(), "integer": pa.int64(), "date": pa.date32(),
         "boolean": pa.bool_()}

# ---------------------------------------------------------------- small packages, by pyarrow

Table = dict[str, Any]  # {"fields": [(name, type) or (name, type, categories)], "key": [...],
#                          "rows": [dict, ...]}


def base_tables() -> dict[str, Table]:
    return {
        "people": {"fields": [("id", "string"), ("name", "string"),
                              ("role", "string", ["mayor", "clerk"]), ("age", "integer")],
                   "key": ["id"],
                   "rows": [{"id": "ada", "name": "Ada Lovell", "role": "mayor", "age": 52},
                            {"id": "bob", "name": "Bob Hart", "role": "clerk", "age": None}]},
        "places": {"fields": [("id", "string"), ("name", "string")], "key": ["id"],
                   "rows": [{"id": "harbour", "name": "Harbour Town"}]},
        "citations": {"fields": [("citation_id", "string"), ("record_id", "string"),
                                 ("field", "string"), ("source_id", "string"),
                                 ("quote", "string")],
                      "key": ["citation_id"],
                      "rows": [{"citation_id": "ada#1", "record_id": "ada", "field": "name",
                                "source_id": "article", "quote": "Mayor Ada Lovell"},
                               {"citation_id": "ada#2", "record_id": "ada", "field": None,
                                "source_id": "article", "quote": "Ada Lovell, 52,"},
                               {"citation_id": "ada#3", "record_id": "ada", "field": "age",
                                "source_id": "article", "quote": "52"},
                               {"citation_id": "bob#1", "record_id": "bob", "field": None,
                                "source_id": "article", "quote": "clerk Bob Hart"}]},
    }


def write_package(folder: Path, version: str, tables: dict[str, Table]) -> Path:
    """A Data Package of Parquet tables (no hashes), as a data user might make one."""
    (folder / "parquet").mkdir(parents=True)
    resources = []
    for name, t in tables.items():
        fields = [{"name": f[0], "type": f[1], **({"categories": f[2]} if len(f) > 2 else {})}
                  for f in t["fields"]]
        schema = pa.schema([(f[0], ARROW[f[1]]) for f in t["fields"]])
        pq.write_table(pa.Table.from_pylist(t["rows"], schema=schema),
                       folder / "parquet" / f"{name}.parquet")
        resources.append({"name": name, "path": f"parquet/{name}.parquet", "format": "parquet",
                          "schema": {"fields": fields, "primaryKey": t["key"]}})
    descriptor = {"name": "harbour", "version": version, "resources": resources}
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder


def diff_json(old: Path | str, new: Path | str, *more: str) -> tuple[int, dict[str, Any], str]:
    result = run_cli("diff", old, new, "--format", "json", *more)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


@pytest.fixture
def old(tmp_path: Path) -> Path:
    return write_package(tmp_path / "old", "1.0.0", base_tables())


# ---------------------------------------------------------------- what is reported


def test_identical_packages_have_no_change(old: Path) -> None:
    code, out, _ = diff_json(old, old, "--check-version")
    assert code == 0
    assert out["tables"] == [] and out["schema"]["tables_added"] == []
    assert out["citations"] == {"added": [], "removed": [], "changed": []}
    assert out["version"]["required"] == "none" and out["version"]["ok"] is True


def test_changed_value_with_both_versions_citations(old: Path, tmp_path: Path) -> None:
    tables = base_tables()
    tables["people"]["rows"][0]["name"] = "Ada Lovell-Hart"
    cites = tables["citations"]["rows"]
    cites[0] = {**cites[0], "citation_id": "ada#4", "quote": "Mayor Ada Lovell-Hart"}
    new = write_package(tmp_path / "new", "1.0.1", tables)
    code, out, _ = diff_json(old, new, "--check-version")
    assert code == 0
    assert out["summary"]["tables"] == {
        "people": {"added": 0, "removed": 0, "changed": 1, "values_changed": 1}}
    (people,) = out["tables"]
    assert people["table"] == "people" and people["key"] == ["id"]
    assert people["changed"] == [{
        "key": {"id": "ada"}, "record_id": "ada", "label": "Ada Lovell-Hart",
        "changes": [{
            "field": "name", "old": "Ada Lovell", "new": "Ada Lovell-Hart",
            "old_citations": [
                {"citation_id": "ada#1", "source_id": "article", "field": "name",
                 "quote": "Mayor Ada Lovell"},
                {"citation_id": "ada#2", "source_id": "article", "field": None,
                 "quote": "Ada Lovell, 52,"}],
            "new_citations": [
                {"citation_id": "ada#4", "source_id": "article", "field": "name",
                 "quote": "Mayor Ada Lovell-Hart"},
                {"citation_id": "ada#2", "source_id": "article", "field": None,
                 "quote": "Ada Lovell, 52,"}],
            "corrections": []}]}]
    assert out["citations"]["added"] == [
        {"citation_id": "ada#4", "record_id": "ada", "source_id": "article", "field": "name",
         "quote": "Mayor Ada Lovell-Hart"}]
    assert [c["citation_id"] for c in out["citations"]["removed"]] == ["ada#1"]
    assert out["version"] == {
        "old": "1.0.0", "new": "1.0.1", "required": "patch", "bump": "patch", "ok": True,
        "reasons": ["value changed: people: ada: name",
                    "citation added, removed or changed: ada#4, ada#1"],
        "message": out["version"]["message"]}


def test_the_whole_json_document(old: Path, tmp_path: Path) -> None:
    tables = base_tables()
    tables["places"]["rows"].append({"id": "pier", "name": "the pier"})
    tables["people"]["rows"][1]["role"] = "mayor"
    new = write_package(tmp_path / "new", "1.1.0", tables)
    code, out, _ = diff_json(old, new)
    assert code == 0
    assert out == {
        "old": {"name": "harbour", "version": "1.0.0", "title": None, "where": str(old)},
        "new": {"name": "harbour", "version": "1.1.0", "title": None, "where": str(new)},
        "summary": {
            "schema": {"tables_added": 0, "tables_removed": 0, "columns_added": 0,
                       "columns_removed": 0, "columns_retyped": 0, "categories_added": 0,
                       "categories_removed": 0, "keys_changed": 0},
            "tables": {"people": {"added": 0, "removed": 0, "changed": 1, "values_changed": 1},
                       "places": {"added": 1, "removed": 0, "changed": 0,
                                  "values_changed": 0}},
            "citations": {"added": 0, "removed": 0, "changed": 0},
            "corrections": 0, "metadata": 0},
        "version": {"old": "1.0.0", "new": "1.1.0", "required": "minor", "bump": "minor",
                    "ok": True, "reasons": ["record added: places: pier"],
                    "message": "1.0.0 -> 1.1.0 is a minor release; the changes need a minor "
                               "release (record added: places: pier)"},
        "schema": {"tables_added": [], "tables_removed": [], "columns_added": [],
                   "columns_removed": [], "columns_retyped": [], "categories_added": [],
                   "categories_removed": [], "keys_changed": []},
        "tables": [
            {"table": "people", "key": ["id"], "added": [], "removed": [], "changed": [
                {"key": {"id": "bob"}, "record_id": "bob", "label": "Bob Hart", "changes": [
                    {"field": "role", "old": "clerk", "new": "mayor",
                     "old_citations": [{"citation_id": "bob#1", "source_id": "article",
                                        "field": None, "quote": "clerk Bob Hart"}],
                     "new_citations": [{"citation_id": "bob#1", "source_id": "article",
                                        "field": None, "quote": "clerk Bob Hart"}],
                     "corrections": []}]}]},
            {"table": "places", "key": ["id"], "removed": [], "changed": [], "added": [
                {"key": {"id": "pier"}, "record_id": "pier", "label": "the pier",
                 "row": {"id": "pier", "name": "the pier"}, "corrections": []}]}],
        "citations": {"added": [], "removed": [], "changed": []},
        "corrections": [],
        "metadata": [],
    }
    assert list(out) == ["old", "new", "summary", "version", "schema", "tables", "citations",
                         "corrections", "metadata"]


def test_missing_and_present_values_differ_and_two_missing_do_not(old: Path,
                                                                  tmp_path: Path) -> None:
    tables = base_tables()
    tables["people"]["rows"][0]["age"] = None  # 52 -> missing
    tables["people"]["rows"][1]["age"] = 40  # missing -> 40
    new = write_package(tmp_path / "new", "1.0.1", tables)
    _, out, _ = diff_json(old, new)
    changes = [(r["record_id"], c["field"], c["old"], c["new"])
               for r in out["tables"][0]["changed"] for c in r["changes"]]
    assert changes == [("ada", "age", 52, None), ("bob", "age", None, 40)]
    ada = out["tables"][0]["changed"][0]["changes"][0]
    assert [c["citation_id"] for c in ada["old_citations"]] == ["ada#2", "ada#3"]


def test_corrections_are_shown_next_to_the_values_they_explain(old: Path,
                                                               tmp_path: Path) -> None:
    tables = base_tables()
    tables["people"]["rows"][0]["name"] = "Ada Lovelle"
    del tables["people"]["rows"][1]  # bob removed
    fields = [("id", "string"), ("record_id", "string"), ("field", "string"),
              ("old_value", "string"), ("new_value", "string"), ("reason", "string"),
              ("version", "string"), ("date", "string"), ("note", "string")]
    tables["corrections"] = {"fields": fields, "key": ["id"], "rows": [
        {"id": "fix-ada-name", "record_id": "ada", "field": "name", "old_value": "Ada Lovell",
         "new_value": "Ada Lovelle", "reason": "The article spells it Lovelle.",
         "version": "2.0.0", "date": None, "note": None},
        {"id": "drop-bob", "record_id": "bob", "field": None, "old_value": None,
         "new_value": None, "reason": "Bob Hart is not in the source.", "version": "2.0.0",
         "date": None, "note": None}]}
    new = write_package(tmp_path / "new", "2.0.0", tables)
    code, out, _ = diff_json(old, new, "--check-version")
    assert code == 0
    people = next(t for t in out["tables"] if t["table"] == "people")
    (change,) = people["changed"][0]["changes"]
    assert change["corrections"] == [
        {"id": "fix-ada-name", "field": "name", "old_value": "Ada Lovell",
         "new_value": "Ada Lovelle", "reason": "The article spells it Lovelle.",
         "version": "2.0.0"}]
    (bob,) = people["removed"]
    assert bob["record_id"] == "bob" and bob["row"] == {"id": "bob", "name": "Bob Hart",
                                                        "role": "clerk", "age": None}
    assert [c["id"] for c in bob["corrections"]] == ["drop-bob"]
    assert [c["id"] for c in out["corrections"]] == ["fix-ada-name", "drop-bob"]
    assert "corrections" not in {t["table"] for t in out["tables"]}
    assert out["schema"]["tables_added"] == [{"table": "corrections", "rows": 2}]
    md = run_cli("diff", old, new, "--format", "markdown").stdout
    assert "## Corrections" in md
    assert "correction: The article spells it Lovelle." in md
    assert "- `bob (Bob Hart)` Correction: Bob Hart is not in the source." in md
    text = run_cli("diff", old, new).stdout
    assert "        correction fix-ada-name (2.0.0): The article spells it Lovelle." in text


def test_an_earlier_versions_corrections_explain_none_of_the_next_changes(
        old: Path, tmp_path: Path) -> None:
    """2.0.0 corrected Ada's name; 2.1.0 keeps that correction and changes the name again
    without one: the 2.0.0 correction is not shown as the reason of the 2.1.0 change."""
    fields = [("id", "string"), ("record_id", "string"), ("field", "string"),
              ("old_value", "string"), ("new_value", "string"), ("reason", "string"),
              ("version", "string"), ("date", "string"), ("note", "string")]
    fix = {"id": "fix-ada-name", "record_id": "ada", "field": "name", "old_value": "Ada Lovell",
           "new_value": "Ada Lovelle", "reason": "The article spells it Lovelle.",
           "version": "2.0.0", "date": None, "note": None}
    versions = []
    for version, name in (("2.0.0", "Ada Lovelle"), ("2.1.0", "Ada Lovelace")):
        tables = base_tables()
        tables["people"]["rows"][0]["name"] = name
        tables["corrections"] = {"fields": fields, "key": ["id"], "rows": [fix]}
        versions.append(write_package(tmp_path / version, version, tables))
    code, out, _ = diff_json(*versions)
    assert code == 0
    people = next(t for t in out["tables"] if t["table"] == "people")
    (change,) = people["changed"][0]["changes"]
    assert (change["old"], change["new"], change["corrections"]) == (
        "Ada Lovelle", "Ada Lovelace", [])
    assert out["corrections"] == []


def test_schema_changes(old: Path, tmp_path: Path) -> None:
    tables = base_tables()
    people = tables["people"]
    people["fields"] = [("id", "string"), ("name", "string"),
                        ("role", "string", ["mayor", "clerk", "deputy"]), ("age", "string"),
                        ("title", "string")]
    for row in people["rows"]:
        row["age"] = None if row["age"] is None else str(row["age"])
        row["title"] = None
    del tables["places"]
    tables["towns"] = {"fields": [("id", "string")], "key": ["id"], "rows": [{"id": "x"}]}
    new = write_package(tmp_path / "new", "2.0.0", tables)
    _, out, _ = diff_json(old, new)
    assert out["schema"] == {
        "tables_added": [{"table": "towns", "rows": 1}],
        "tables_removed": [{"table": "places", "rows": 1}],
        "columns_added": [{"table": "people", "column": "title", "type": "string"}],
        "columns_removed": [],
        "columns_retyped": [{"table": "people", "column": "age", "old_type": "integer",
                             "new_type": "string"}],
        "categories_added": [{"table": "people", "column": "role", "values": ["deputy"]}],
        "categories_removed": [],
        "keys_changed": [],
    }
    # a retyped column's values are compared as text: 52 and "52" are the same value
    assert out["tables"] == []


def test_table_without_primary_key_is_compared_by_all_columns(tmp_path: Path) -> None:
    def tags(rows: list[dict[str, Any]]) -> dict[str, Table]:
        return {"tags": {"fields": [("record", "string"), ("tag", "string")], "key": [],
                         "rows": rows}}

    a = write_package(tmp_path / "a", "1.0.0", tags([{"record": "ada", "tag": "x"},
                                                     {"record": "ada", "tag": None},
                                                     {"record": "bob", "tag": "y"}]))
    b = write_package(tmp_path / "b", "1.1.0", tags([{"record": "ada", "tag": "x"},
                                                     {"record": "ada", "tag": None},
                                                     {"record": "bob", "tag": "z"}]))
    _, out, _ = diff_json(a, b)
    (t,) = out["tables"]
    assert t["key"] == ["record", "tag"]
    assert [r["row"] for r in t["added"]] == [{"record": "bob", "tag": "z"}]
    assert [r["row"] for r in t["removed"]] == [{"record": "bob", "tag": "y"}]
    assert t["changed"] == []


def test_citations_without_ids_are_compared_by_all_columns(tmp_path: Path) -> None:
    def package(name: str, version: str, quote: str) -> Path:
        return write_package(tmp_path / name, version, {
            "people": {"fields": [("id", "string"), ("name", "string")], "key": ["id"],
                       "rows": [{"id": "x", "name": f"X {version}"}]},
            "citations": {"fields": [("record_id", "string"), ("quote", "string")], "key": [],
                          "rows": [{"record_id": "x", "quote": "a"},
                                   {"record_id": "x", "quote": quote}]}})

    code, out, _ = diff_json(package("a", "1.0.0", "b"), package("b", "1.0.1", "c"),
                             "--check-version")
    assert code == 0
    assert out["citations"] == {"added": [{"record_id": "x", "quote": "c"}],
                                "removed": [{"record_id": "x", "quote": "b"}], "changed": []}
    (change,) = out["tables"][0]["changed"][0]["changes"]
    assert [c["quote"] for c in change["old_citations"]] == ["a", "b"]
    assert [c["quote"] for c in change["new_citations"]] == ["a", "c"]


# ---------------------------------------------------------------- the version rule


def _remove_table(t: dict[str, Table]) -> None:
    del t["places"]


def _remove_column(t: dict[str, Table]) -> None:
    t["places"]["fields"] = [("id", "string")]
    for r in t["places"]["rows"]:
        del r["name"]


def _remove_record(t: dict[str, Table]) -> None:
    del t["places"]["rows"][0]


def _retype_column(t: dict[str, Table]) -> None:
    t["people"]["fields"][3] = ("age", "string")
    for r in t["people"]["rows"]:
        r["age"] = None if r["age"] is None else str(r["age"])


def _add_table(t: dict[str, Table]) -> None:
    t["towns"] = {"fields": [("id", "string")], "key": ["id"], "rows": []}


def _add_column(t: dict[str, Table]) -> None:
    t["places"]["fields"].append(("county", "string"))


def _add_record(t: dict[str, Table]) -> None:
    t["places"]["rows"].append({"id": "pier", "name": "the pier"})


def _add_category(t: dict[str, Table]) -> None:
    t["people"]["fields"][2] = ("role", "string", ["mayor", "clerk", "deputy"])


def _change_value(t: dict[str, Table]) -> None:
    t["places"]["rows"][0]["name"] = "Harbour"


def _change_citation(t: dict[str, Table]) -> None:
    t["citations"]["rows"][3]["quote"] = "the clerk, Bob Hart"


def _nothing(t: dict[str, Table]) -> None:
    pass


@pytest.mark.parametrize(("change", "version", "required", "ok"), [
    (_remove_table, "2.0.0", "major", True),
    (_remove_table, "1.1.0", "major", False),
    (_remove_column, "2.0.0", "major", True),
    (_remove_column, "1.0.1", "major", False),
    (_remove_record, "2.0.0", "major", True),
    (_remove_record, "1.1.0", "major", False),
    (_retype_column, "2.0.0", "major", True),
    (_retype_column, "1.1.0", "major", False),
    (_add_table, "1.1.0", "minor", True),
    (_add_table, "1.0.1", "minor", False),
    (_add_column, "1.1.0", "minor", True),
    (_add_record, "1.1.0", "minor", True),
    (_add_record, "1.0.1", "minor", False),
    (_add_category, "1.1.0", "minor", True),
    (_add_category, "1.0.1", "minor", False),
    (_change_value, "1.0.1", "patch", True),
    (_change_citation, "1.0.1", "patch", True),
    (_change_value, "1.0.0", "patch", False),  # not increased
    (_change_value, "0.9.0", "patch", False),  # lower
    (_change_value, "1.1.0", "patch", True),  # a bigger bump than needed is allowed
    (_change_value, "2.0.0", "patch", True),
    (_add_record, "3.0.0", "minor", True),
    (_nothing, "1.0.0", "none", True),  # the same data may keep its version
], ids=lambda v: getattr(v, "__name__", str(v)).lstrip("_"))
def test_version_rule(old: Path, tmp_path: Path, change: Any, version: str, required: str,
                      ok: bool) -> None:
    tables = base_tables()
    change(tables)
    new = write_package(tmp_path / "new", version, tables)
    code, out, err = diff_json(old, new, "--check-version")
    assert out["version"]["required"] == required
    assert out["version"]["ok"] is ok
    assert code == (0 if ok else 1)
    if not ok:
        assert err.startswith("opencase diff: version check failed: ")
        assert f"need a {required} release" in err


def test_category_removed_needs_a_major_release(old: Path, tmp_path: Path) -> None:
    tables = base_tables()
    tables["people"]["fields"][2] = ("role", "string", ["mayor", "clerk", "deputy"])
    middle = write_package(tmp_path / "middle", "1.1.0", tables)
    code, out, err = diff_json(middle, old, "--check-version")  # deputy removed
    assert out["schema"]["categories_removed"] == [
        {"table": "people", "column": "role", "values": ["deputy"]}]
    assert code == 1 and out["version"]["required"] == "major"
    assert "vocabulary value removed: people.role: deputy" in err


def test_the_message_names_the_bump_needed_and_why() -> None:
    check = check_version("1.4.2", "1.5.0", {"record-removed": ["people: bob"],
                                             "record-added": ["people: cy"]})
    assert not check.ok
    assert check.message == ("1.4.2 -> 1.5.0 is a minor release, but the changes need a major "
                             "release (record removed: people: bob): 2.0.0 at least")
    bad = check_version("1.0", "1.1.0", {"value-changed": ["people: ada: name"]})
    assert not bad.ok and "OLD's version '1.0' is not a semantic version" in bad.message
    assert check_version(None, "1.0.0", {}).message == (
        "OLD has no version; the data did not change")
    # pre-releases come before their release
    assert check_version("1.0.0-rc.1", "1.0.0", {}).ok
    back = check_version("1.0.0", "1.0.0-rc.1", {"value-changed": ["people: ada: name"]})
    assert not back.ok and back.message.startswith("NEW's version 1.0.0-rc.1 is not greater")


def test_keys_with_missing_values_or_of_another_type_still_match() -> None:
    from opencase.releasing.tables import compare

    old = pa.table({"a": ["x", None, "y"], "b": [1, 2, 3], "v": ["p", "q", "r"]})
    new = pa.table({"a": ["x", None, "z"], "b": ["1", "2", "3"], "v": ["p", "Q", "r"]})
    cmp = compare(old, new, ["a", "b"])
    assert (cmp.added.to_pylist(), cmp.removed.to_pylist(), cmp.matched) == ([2], [2], 2)
    assert {c: (o.to_pylist(), n.to_pylist()) for c, (o, n) in cmp.changed.items()} == {
        "v": ([1], [1])}


# ---------------------------------------------------------------- formats


def test_text_summary_first_and_long_lists_abbreviated(old: Path, tmp_path: Path) -> None:
    tables = base_tables()
    tables["places"]["rows"] += [{"id": f"p{i:02}", "name": f"Place {i}"} for i in range(30)]
    new = write_package(tmp_path / "new", "1.1.0", tables)
    result = run_cli("diff", old, new, "--limit", "5")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "harbour 1.0.0 -> 1.1.0"
    assert lines[4] == "summary"
    assert "  places: 30 records added, 0 removed, 0 changed (0 values)" in lines
    start = lines.index("places (key: id)")
    assert lines[start + 1: start + 7] == [
        "  + p00 (Place 0)", "  + p01 (Place 1)", "  + p02 (Place 2)", "  + p03 (Place 3)",
        "  + p04 (Place 4)", "  + ... and 25 more added"]
    assert lines.index("summary") < start
    _, out, _ = diff_json(old, new)
    assert len(out["tables"][0]["added"]) == 30  # JSON lists them all


def test_markdown_release_notes(old: Path, tmp_path: Path) -> None:
    tables = base_tables()
    tables["people"]["rows"][0]["name"] = "Ada | Lovell"
    tables["places"]["rows"].append({"id": "pier", "name": "the pier"})
    new = write_package(tmp_path / "new", "1.1.0", tables)
    md = run_cli("diff", old, new, "--format", "markdown").stdout
    assert md.splitlines()[0] == "# harbour 1.0.0 → 1.1.0"
    assert "A **minor** release; the changes need one:\n\n- record added: places: pier\n" in md
    assert "- `people`: 0 records added, 0 removed, 1 changed (1 value)." in md
    assert "## `places`\n\nAdded (1):\n\n- `pier (the pier)`" in md
    row = next(line for line in md.splitlines() if line.startswith("| `ada"))
    assert row.startswith('| `ada (Ada / Lovell)` | `name` | "Ada Lovell" | "Ada \\| Lovell" |')
    assert "now cited: \\[article\\] \"Mayor Ada Lovell\"" in row
    assert md.index("## Summary") < md.index("## `people`")


def test_python_api(old: Path, tmp_path: Path) -> None:
    tables = base_tables()
    _add_record(tables)
    new = write_package(tmp_path / "new", "1.1.0", tables)
    d = opencase.diff(old, new)
    assert [(t.table, [r.record_id for r in t.added]) for t in d.tables] == [
        ("places", ["pier"])]
    assert d.change_classes() == {"record-added": ["places: pier"]}


# ---------------------------------------------------------------- inputs


def test_zip_and_url_inputs(old: Path, tmp_path: Path) -> None:
    tables = base_tables()
    _add_record(tables)
    new = write_package(tmp_path / "new", "1.1.0", tables)
    archive = tmp_path / "old.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted(old.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(old).as_posix())
    _, from_folder, _ = diff_json(old, new)
    _, from_zip, _ = diff_json(archive, new)
    assert from_zip["old"]["where"] == str(archive)
    assert {**from_zip, "old": None} == {**from_folder, "old": None}
    with _Serve(tmp_path) as base:
        _, from_url, _ = diff_json(f"{base}/new/datapackage.json", archive)
        _, url_zip, _ = diff_json(f"{base}/old.zip", f"{base}/new/")
    assert from_url["tables"][0]["removed"][0]["record_id"] == "pier"  # reversed: removed
    assert url_zip["tables"] == from_folder["tables"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class _Serve:
    """An HTTP server on 127.0.0.1 serving ``root``: the base URL."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_Quiet, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)

    def __enter__(self) -> str:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize(("make", "says"), [
    (lambda p: p / "missing", "missing"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "datapackage.json"),
    (lambda p: (p / "bad.zip").write_bytes(b"PK\x03\x04 not really a zip") and p / "bad.zip",
     "bad.zip"),
    (lambda p: (p / "notpkg.json").write_text('{"name": "x"}') and p / "notpkg.json",
     "not a data package"),
])
def test_bad_inputs_exit_2_with_a_message(old: Path, tmp_path: Path, make: Any,
                                          says: str) -> None:
    bad = make(tmp_path)
    for args in ((old, bad), (bad, old)):
        result = run_cli("diff", *args)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stdout == ""
        assert result.stderr.startswith("opencase diff: error: ")
        assert says in result.stderr
        assert "Traceback" not in result.stderr


def test_unreadable_table_or_wrong_hash_exit_2(old: Path, tmp_path: Path) -> None:
    broken = write_package(tmp_path / "broken", "1.0.1", base_tables())
    (broken / "parquet" / "places.parquet").write_bytes(b"PAR1 garbage PAR1")
    result = run_cli("diff", old, broken)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("opencase diff: error: parquet/places.parquet: ")
    tampered = write_package(tmp_path / "tampered", "1.0.1", base_tables())
    desc = json.loads((tampered / "datapackage.json").read_text(encoding="utf-8"))
    desc["resources"][0]["hash"] = "sha256:" + "0" * 64
    (tampered / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    result = run_cli("diff", tampered, old)
    assert result.returncode == 2 and result.stdout == ""
    assert "parquet/people.parquet: sha256" in result.stderr
    assert "the file was changed or is corrupt" in result.stderr


def test_bad_limit_is_a_usage_error(old: Path) -> None:
    result = run_cli("diff", old, old, "--limit", "0")
    assert result.returncode == 2 and "--limit must be at least 1" in result.stderr


# ---------------------------------------------------------------- an opencase dataset


def test_published_versions_of_a_dataset(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "publish", project)
    snapshots = project / "snapshots"
    assert opencase.publish(project / "records", tmp_path / "v1", snapshots=snapshots).ok
    actors = project / "records" / "actors.yaml"
    actors.write_text(actors.read_text(encoding="utf-8").replace(
        "    description: Engineer\n", "    description: Engineer who warned the council\n"),
        encoding="utf-8")
    with (project / "records" / "more.yaml").open("w", encoding="utf-8") as f:
        f.write("findings:\n  - id: budget-cut\n    proceeding: county-inquiry\n    type: failing\n"
                "    description: The budget was cut.\n    cite:\n"
                "      - source: millbrook-article\n        quote: the budget was cut\n")
    config = project / "package.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("version: 1.2.3",
                                                                 "version: 1.3.0"),
                      encoding="utf-8")
    pub = opencase.publish(project / "records", tmp_path / "v2", snapshots=snapshots)
    assert pub.ok, pub.format("text")
    code, out, _ = diff_json(tmp_path / "v1", tmp_path / "v2", "--check-version")
    assert code == 0
    assert out["summary"]["tables"] == {
        "entities": {"added": 1, "removed": 0, "changed": 0, "values_changed": 0},
        "findings": {"added": 1, "removed": 0, "changed": 0, "values_changed": 0},
        "people": {"added": 0, "removed": 0, "changed": 1, "values_changed": 1}}
    people = next(t for t in out["tables"] if t["table"] == "people")
    (change,) = people["changed"][0]["changes"]
    assert (people["changed"][0]["record_id"], change["field"], change["old"],
            change["new"]) == ("priya-nair", "description", "Engineer",
                               "Engineer who warned the council")
    assert [(c["field"], c["quote"]) for c in change["new_citations"]] == [
        ("description", "Engineer Priya Nair")]
    assert change["old_citations"] == change["new_citations"]
    findings = next(t for t in out["tables"] if t["table"] == "findings")
    assert findings["added"][0]["row"]["description"] == "The budget was cut."
    assert [(c["record_id"], c["quote"]) for c in out["citations"]["added"]] == [
        ("budget-cut", "the budget was cut")]
    assert out["citations"]["removed"] == []
    assert out["version"]["required"] == "minor" and out["version"]["bump"] == "minor"


@needs_shared
def test_release_1_0_0_to_2_0_0(tmp_path: Path) -> None:
    """The dataset's previous release against a 2.0.0 published now: honest release notes."""
    release = REPO / "releases" / "stephen-port-case-1.0.0.zip"
    out_dir = tmp_path / "datapackage"
    result = run_cli("publish", REPO / "records", "--snapshots", SHARED_SOURCES,
                     "--out", out_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    code, out, _ = diff_json(release, out_dir, "--check-version")
    assert code == 0
    assert (out["old"]["version"], out["new"]["version"]) == ("1.0.0", "2.0.0")
    added = {t["table"] for t in out["schema"]["tables_added"]}
    assert {"entities", "names", "field_statuses", "reported_values", "proceeding_parties",
            "proceeding_links"} <= added
    assert out["schema"]["tables_removed"] == []
    removed = {(c["table"], c["column"]) for c in out["schema"]["columns_removed"]}
    assert removed == {("events", "case"), ("proceedings", "case"), ("citations", "start"),
                       ("citations", "end")}
    columns_added = {(c["table"], c["column"]) for c in out["schema"]["columns_added"]}
    assert {("events", "case_id"), ("proceedings", "case_id"), ("citations", "quote_start"),
            ("citations", "quote_end"), ("people", "title")} <= columns_added
    assert out["version"]["required"] == "major" and out["version"]["ok"] is True
    model = next(m for m in out["metadata"] if m["property"] == "opencase:model")
    assert (model["old"], model["new"]) == (None, 2)

    def change(table: str, record: str, field: str) -> dict[str, Any]:
        t = next(t for t in out["tables"] if t["table"] == table)
        r = next(r for r in t["changed"] if r["record_id"] == record)
        return next(c for c in r["changes"] if c["field"] == field)

    bbc = change("organisations", "bbc", "type")
    assert (bbc["old"], bbc["new"]) == ("news-organisation", "other")
    assert ("iopc-decision-article", "John Pape told the BBC") in {
        (c["source_id"], c["quote"]) for c in bbc["new_citations"]}
    officers = change("groups", "officers-investigated", "name")
    assert (officers["old"], officers["new"]) == (
        "The 17 officers investigated for misconduct",
        "The 17 police officers investigated for misconduct")
    assert {c["source_id"] for c in officers["new_citations"]} == {"guardian-2019-07-report"}
    role = next(t for t in out["tables"] if t["table"] == "event_participants")["changed"]
    assert [(r["key"], [(c["field"], c["old"], c["new"]) for c in r["changes"]])
            for r in role] == [({"event_id": "pape-told-bbc", "position": 1},
                                [("role", "reporter", "recipient")])]
    # 1.0.0's citation ids were positional, 2.0.0's derive from content: all differ
    assert len(out["citations"]["removed"]) == 209 and out["citations"]["changed"] == []
    md = run_cli("diff", release, out_dir, "--format", "markdown").stdout
    assert md.startswith("# The Stephen Port case and the IOPC investigation of the "
                         "Metropolitan Police: 1.0.0 → 2.0.0\n\nA **major** release; the "
                         "changes need one:\n\n- column removed: events.case, "
                         "proceedings.case, ")
    assert "- Removed column events.case (string)" in md
    assert '| `bbc (BBC)` | `type` | "news-organisation" | "other" |' in md
