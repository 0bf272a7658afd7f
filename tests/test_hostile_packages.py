"""Hostile packages: broken, tampered and malicious data packages given to ``opencase check``
(through the real command) and to ``opencase.load`` (the library call; there is no load verb).

``tests/hostile/packages.yaml`` lists every case: a maker below turns a freshly published copy
of the publish fixture into the hostile package (or zip), and the case gives the outcome of
``opencase check`` (exit code, issue codes, the file the first issue names, or for exit 2 what
stderr says) and of ``opencase.load`` (``ok``, or the error class and what its message says).
Packages served over http are in ``test_load_over_http`` (a local server on 127.0.0.1).
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import shutil
import socket
import stat
import struct
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml

import opencase
from opencase.datapackage.load import IntegrityError, LoadError

from .conftest import FIXTURES, TESTS, run_cli, run_main

MANIFEST: list[dict[str, Any]] = yaml.safe_load(
    (TESTS / "hostile" / "packages.yaml").read_text(encoding="utf-8")
)["packages"]
ERRORS = {"LoadError": LoadError, "IntegrityError": IntegrityError}

Maker = Callable[[Path], Path]
MAKERS: dict[str, Maker] = {}


def maker(fn: Maker) -> Maker:
    MAKERS[fn.__name__.replace("_", "-")] = fn
    return fn


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The publish fixture's package, published once."""
    project = tmp_path_factory.mktemp("pub") / "project"
    shutil.copytree(FIXTURES / "publish", project)
    env_free = run_cli("publish", "records", "--snapshots", "snapshots", "--out", "datapackage",
                       cwd=project)
    assert env_free.returncode == 0, env_free.stdout + env_free.stderr
    return project / "datapackage"


# ---------------------------------------------------------------- helpers for makers


def _descriptor(pkg: Path) -> dict[str, Any]:
    return json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))


def _write_descriptor(pkg: Path, desc: Any) -> None:
    (pkg / "datapackage.json").write_text(json.dumps(desc, indent=2), encoding="utf-8")


def _resource(desc: dict[str, Any], name: str) -> dict[str, Any]:
    (r,) = [r for r in desc["resources"] if r["name"] == name]
    return r


def _set(pkg: Path, name: str, **fields: Any) -> None:
    desc = _descriptor(pkg)
    _resource(desc, name).update(fields)
    _write_descriptor(pkg, desc)


def _zip(pkg: Path, entries: dict[str, bytes] | None = None, *, prefix: str = "") -> Path:
    """The package as a zip beside it, with extra (hostile) ``entries``."""
    target = pkg.parent / "package.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(pkg.rglob("*")):
            if p.is_file():
                zf.write(p, prefix + p.relative_to(pkg).as_posix())
        for name, data in (entries or {}).items():
            zf.writestr(zipfile.ZipInfo(name), data)
    return target


# ---------------------------------------------------------------- package makers


@maker
def intact(pkg: Path) -> Path:
    return pkg


@maker
def intact_zip(pkg: Path) -> Path:
    return _zip(pkg)


@maker
def tampered_csv(pkg: Path) -> Path:
    """One value changed in a CSV file, the size kept."""
    f = pkg / "csv/people.csv"
    data = f.read_bytes()
    assert b"Engineer" in data
    f.write_bytes(data.replace(b"Engineer", b"Engineeg"))
    return pkg


@maker
def truncated_csv(pkg: Path) -> Path:
    f = pkg / "csv/events.csv"
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    return pkg


@maker
def truncated_parquet(pkg: Path) -> Path:
    f = pkg / "parquet/people.parquet"
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    return pkg


@maker
def wrong_hash(pkg: Path) -> Path:
    _set(pkg, "people", hash="sha256:" + "0" * 64)
    return pkg


@maker
def wrong_bytes(pkg: Path) -> Path:
    desc = _descriptor(pkg)
    r = _resource(desc, "people")
    r["bytes"] += 1
    _write_descriptor(pkg, desc)
    return pkg


@maker
def malformed_hash(pkg: Path) -> Path:
    _set(pkg, "people", hash="sha256:not-hex")
    return pkg


@maker
def missing_file(pkg: Path) -> Path:
    (pkg / "csv/events.csv").unlink()
    return pkg


@maker
def resource_fifo(pkg: Path) -> Path:
    """A FIFO where a data file should be: reading it would block for ever."""
    (pkg / "csv/people.csv").unlink()
    os.mkfifo(pkg / "csv/people.csv")
    return pkg


@maker
def resource_folder(pkg: Path) -> Path:
    (pkg / "csv/people.csv").unlink()
    (pkg / "csv/people.csv").mkdir()
    return pkg


@maker
def resource_symlink_out(pkg: Path) -> Path:
    (pkg / "csv/people.csv").unlink()
    (pkg / "csv/people.csv").symlink_to("/etc/passwd")
    return pkg


@maker
def resource_absolute(pkg: Path) -> Path:
    _set(pkg, "people", path="/etc/passwd")
    return pkg


@maker
def resource_dotdot(pkg: Path) -> Path:
    _set(pkg, "people", path="../../../../../../etc/passwd")
    return pkg


@maker
def resource_url(pkg: Path) -> Path:
    _set(pkg, "people", path="http://127.0.0.1:9/people.csv")
    return pkg


@maker
def odd_json_cells(pkg: Path) -> Path:
    """An extra table whose JSON cells are hostile: a geopoint object without "lon", a GeoJSON
    value that is a list, an array nested 100,000 deep."""
    deep = "[" * 100_000 + "]" * 100_000
    (pkg / "extra.csv").write_text(
        'id,point,shape,items\n1,"{""x"": 1}","[1, 2]","[1]"\n2,"{""lon"": 1, ""lat"": 2}",'
        f'"{{""type"": ""Point"", ""coordinates"": [1, 2]}}","{deep}"\n', encoding="utf-8")
    desc = _descriptor(pkg)
    desc["resources"].append({"name": "extra", "path": "extra.csv", "format": "csv",
                              "schema": {"fields": [
                                  {"name": "id", "type": "integer"},
                                  {"name": "point", "type": "geopoint", "format": "object"},
                                  {"name": "shape", "type": "geojson"},
                                  {"name": "items", "type": "array"}]}})
    _write_descriptor(pkg, desc)
    return pkg


@maker
def descriptor_not_json(pkg: Path) -> Path:
    (pkg / "datapackage.json").write_text('{"name": "x",\n  "resources": [\n', encoding="utf-8")
    return pkg


@maker
def descriptor_empty(pkg: Path) -> Path:
    (pkg / "datapackage.json").write_bytes(b"")
    return pkg


@maker
def descriptor_not_utf8(pkg: Path) -> Path:
    (pkg / "datapackage.json").write_bytes('{"name": "caf\u00e9"}'.encode("latin-1"))
    return pkg


@maker
def descriptor_list(pkg: Path) -> Path:
    _write_descriptor(pkg, [1, 2, 3])
    return pkg


@maker
def descriptor_no_resources(pkg: Path) -> Path:
    _write_descriptor(pkg, {"name": "not-a-package", "title": "no resources"})
    return pkg


@maker
def descriptor_resources_not_a_list(pkg: Path) -> Path:
    _write_descriptor(pkg, {"name": "x", "resources": "csv/people.csv"})
    return pkg


@maker
def descriptor_deep(pkg: Path) -> Path:
    """100,000 nested [ (Python's json recurses once per level)."""
    (pkg / "datapackage.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    return pkg


@maker
def descriptor_too_large(pkg: Path) -> Path:
    """A (sparse) descriptor over the 64 MiB limit: refused before it is read."""
    with open(pkg / "datapackage.json", "r+b") as f:
        f.truncate(64 * 1024 * 1024 + 1)
    return pkg


@maker
def descriptor_fifo(pkg: Path) -> Path:
    (pkg / "datapackage.json").unlink()
    os.mkfifo(pkg / "datapackage.json")
    return pkg


@maker
def descriptor_missing(pkg: Path) -> Path:
    (pkg / "datapackage.json").unlink()
    return pkg


@maker
def zip_slip(pkg: Path) -> Path:
    """An entry that would be written two folders above the unpacking folder."""
    return _zip(pkg, {"../../opencase-zip-slip.txt": b"escaped"})


@maker
def zip_absolute(pkg: Path) -> Path:
    return _zip(pkg, {"/tmp/opencase-zip-absolute.txt": b"escaped"})


def _zip_with_special(pkg: Path, name: str, mode: int, data: str) -> Path:
    """The package as a zip, plus an entry ``name`` whose Unix mode is ``mode`` (a symbolic
    link, a FIFO...) holding ``data``."""
    target = _zip(pkg)
    with zipfile.ZipFile(target, "a") as zf:
        info = zipfile.ZipInfo(name)
        info.external_attr = mode << 16
        zf.writestr(info, data)
    return target


@maker
def zip_symlink(pkg: Path) -> Path:
    """A symbolic link, to /etc/passwd."""
    return _zip_with_special(pkg, "csv/link.csv", 0o120777, "/etc/passwd")


@maker
def zip_bomb(pkg: Path) -> Path:
    """An entry that says it unpacks to 3 GiB (more than the 2 GiB limit): refused before any
    byte is unpacked. The sizes are patched into the headers of a small entry."""
    target = _zip(pkg, {"bomb.bin": b"\0" * 1024})
    data = bytearray(target.read_bytes())
    # the central directory entry of bomb.bin (its name at offset 46) holds the uncompressed
    # size at offset 24
    central = data.rfind(b"PK\x01\x02")
    assert data[central + 46: central + 54] == b"bomb.bin"
    data[central + 24: central + 28] = struct.pack("<I", 3 * 1024**3)
    target.write_bytes(bytes(data))
    return target


@maker
def zip_not_a_zip(pkg: Path) -> Path:
    target = pkg.parent / "package.zip"
    target.write_bytes(b"PK\x03\x04 this is not really a zip file")
    return target


@maker
def zip_without_descriptor(pkg: Path) -> Path:
    (pkg / "datapackage.json").unlink()
    return _zip(pkg)


@maker
def zip_descriptor_deep_inside(pkg: Path) -> Path:
    return _zip(pkg, prefix="a/b/c/")


# load() stays inside the package: paths a URL parser would strip or turn into a local file


@maker
def resource_path_white_space(pkg: Path) -> Path:
    """urllib strips the leading space and would open the local file."""
    _set(pkg, "people", path=" file:///etc/passwd")
    return pkg


@maker
def resource_path_control_character(pkg: Path) -> Path:
    """urllib drops a tab anywhere in a URL: "fi\tle:" would be "file:"."""
    _set(pkg, "people", path="fi\tle:///etc/passwd")
    return pkg


@maker
def resource_data_url(pkg: Path) -> Path:
    """urllib's default opener reads data: URLs: the table would come from the descriptor."""
    _set(pkg, "people", path="data:text/csv,id%0Aforged")
    return pkg


@maker
def zip_duplicate_names(pkg: Path) -> Path:
    """Two entries whose names differ only in case: one would overwrite the other."""
    return _zip(pkg, {"CSV/People.csv": b"id\nforged\n"})


@maker
def zip_file_and_folder(pkg: Path) -> Path:
    """``csv/people.csv`` is a file and also the folder of ``csv/people.csv/x``."""
    return _zip(pkg, {"csv/people.csv/x": b"x"})


@maker
def zip_two_descriptors(pkg: Path) -> Path:
    return _zip(pkg, {"other/datapackage.json": b'{"resources": []}'})


@maker
def zip_dot_entry(pkg: Path) -> Path:
    """An entry named ``.``: a name with no parts (once an IndexError in the unpacking)."""
    return _zip(pkg, {".": b"x"})


@maker
def zip_dot_slash_dot_entry(pkg: Path) -> Path:
    return _zip(pkg, {"./.": b"x"})


@maker
def zip_fifo_entry(pkg: Path) -> Path:
    return _zip_with_special(pkg, "csv/pipe.csv", stat.S_IFIFO | 0o644, "")


# ---------------------------------------------------------------- check: every resource read,
# no internal error (issue 10, section 3)


def _rehash(pkg: Path, name: str) -> None:
    """The resource's `bytes` (if it gives them) and `hash` made to match its file again."""
    desc = _descriptor(pkg)
    r = _resource(desc, name)
    data = (pkg / r["path"]).read_bytes()
    r["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
    if "bytes" in r:
        r["bytes"] = len(data)
    _write_descriptor(pkg, desc)


def _rewrite_parquet(pkg: Path, name: str, change: Callable[[pa.Table], pa.Table]) -> None:
    path = pkg / f"parquet/{name}.parquet"
    pq.write_table(change(pq.read_table(path)), path)
    _rehash(pkg, f"{name}-parquet")


def _add_resource(pkg: Path, resource: dict[str, Any]) -> None:
    desc = _descriptor(pkg)
    desc["resources"].append(resource)
    _write_descriptor(pkg, desc)


@maker
def inline_data_invalid(pkg: Path) -> Path:
    """Inline rows with a schema are checked like a file's: a text in an integer field."""
    _add_resource(pkg, {"name": "inline", "data": [["id", "n"], ["a", 1], ["b", "two"]],
                        "schema": {"fields": [{"name": "id", "type": "string"},
                                              {"name": "n", "type": "integer"}]}})
    return pkg


@maker
def inline_data_ragged(pkg: Path) -> Path:
    """Inline rows without a schema: their shape is still checked."""
    _add_resource(pkg, {"name": "inline", "data": [["id", "n"], ["a", 1, "extra"], ["b"],
                                                   [None, None]]})
    return pkg


@maker
def inline_data_not_rows(pkg: Path) -> Path:
    _add_resource(pkg, {"name": "inline", "data": {"id": "a"},
                        "schema": {"fields": [{"name": "id", "type": "string"}]}})
    return pkg


@maker
def twin_declared_latin1(pkg: Path) -> Path:
    """A CSV whose bytes are those of its Parquet twin written as UTF-8, but which declares
    latin-1: read as it declares, its non-ASCII text differs from the twin's."""
    _set(pkg, "citations", encoding="latin-1")
    return pkg


@maker
def twin_text_rules(pkg: Path) -> Path:
    """A CSV byte for byte its Parquet twin, whose field cite_index (and the twin's) reads only
    "NA" as missing: its empty cells are then text, checked as the CSV's own (once skipped)."""
    desc = _descriptor(pkg)
    for name in ("citations", "citations-parquet"):
        (f,) = [f for f in _resource(desc, name)["schema"]["fields"]
                if f["name"] == "cite_index"]
        f["missingValues"] = ["NA"]
    _write_descriptor(pkg, desc)
    return pkg


@maker
def parquet_dictionary(pkg: Path) -> Path:
    """Every column of a Parquet file dictionary-encoded (pandas' `category`), values kept."""
    _rewrite_parquet(pkg, "people", lambda t: pa.table(
        [pc.dictionary_encode(c) for c in t.columns], names=t.column_names))
    _rewrite_parquet(pkg, "events", lambda t: pa.table(
        [pc.dictionary_encode(c) for c in t.columns], names=t.column_names))
    return pkg


@maker
def parquet_duplicate_column(pkg: Path) -> Path:
    _rewrite_parquet(pkg, "people", lambda t: pa.Table.from_arrays(
        [*t.columns, t.column("name")], names=[*t.column_names, "name"]))
    return pkg


@maker
def constraints_beyond_int64(pkg: Path) -> Path:
    """minimum/maximum/exclusive bounds and enum values beyond int64 (no row is out of
    range, but for one minimum that no row reaches)."""
    desc = _descriptor(pkg)
    for name in ("people", "people-parquet"):
        (f,) = [f for f in _resource(desc, name)["schema"]["fields"]
                if f["name"] == "reported_age"]
        f["constraints"] = {"minimum": -(10**30), "maximum": 2**63,
                            "exclusiveMinimum": -(2**64), "exclusiveMaximum": 10**400}
    (f,) = [f for f in _resource(desc, "groups")["schema"]["fields"] if f["name"] == "count"]
    f["constraints"] = {"minimum": 10**20}
    _write_descriptor(pkg, desc)
    return pkg


@maker
def enum_beyond_int64(pkg: Path) -> Path:
    desc = _descriptor(pkg)
    for name in ("people", "people-parquet"):
        (f,) = [f for f in _resource(desc, name)["schema"]["fields"]
                if f["name"] == "reported_age"]
        f["constraints"] = {"enum": [10**30, -(2**63) - 1, 2**64]}
    _write_descriptor(pkg, desc)
    return pkg


@maker
def list_column_keys(pkg: Path) -> Path:
    """A Parquet table whose primary key, unique constraint and unique key hold lists."""
    pq.write_table(pa.table({"tags": pa.array([[1, 2], [3], [1, 2], None]),
                             "n": [1, 2, 1, 3]}), pkg / "extra.parquet")
    _add_resource(pkg, {"name": "extra", "path": "extra.parquet", "format": "parquet",
                        "schema": {"fields": [
                            {"name": "tags", "type": "any", "constraints": {"unique": True}},
                            {"name": "n", "type": "integer"}],
                            "primaryKey": ["tags"], "uniqueKeys": [["tags", "n"]]}})
    return pkg


@maker
def utf16_without_bom(pkg: Path) -> Path:
    """A CSV in UTF-16 (little-endian, no byte-order mark) that declares utf-16."""
    f = pkg / "csv/people.csv"
    f.write_bytes(f.read_bytes().decode("utf-8").encode("utf-16-le"))
    _set(pkg, "people", encoding="utf-16")
    _rehash(pkg, "people")
    return pkg


@maker
def decimal_char_empty(pkg: Path) -> Path:
    """`decimalChar: ""` cannot work (it once made a 9-byte CSV exhaust the memory)."""
    (pkg / "extra.csv").write_bytes(b"n\n1.5\n2\n")
    _add_resource(pkg, {"name": "extra", "path": "extra.csv", "format": "csv", "schema": {
        "fields": [{"name": "n", "type": "number", "decimalChar": ""}]}})
    return pkg


@maker
def dialect_impossible(pkg: Path) -> Path:
    """An empty delimiter, a two-character quote, an escape that is a line break."""
    _set(pkg, "people", dialect={"delimiter": "", "quoteChar": "''", "escapeChar": "\n"})
    return pkg


@maker
def header_initial_space(pkg: Path) -> Path:
    """`skipInitialSpace` also applies to the header row."""
    f = pkg / "csv/people.csv"
    head, rest = f.read_bytes().split(b"\r\n", 1)
    f.write_bytes(head.replace(b",", b", ") + b"\r\n" + rest)
    _set(pkg, "people", dialect={"skipInitialSpace": True})
    _rehash(pkg, "people")
    return pkg


@maker
def header_label_200k(pkg: Path) -> Path:
    """A header label of 200,000 characters (over the csv module's default 128 KiB)."""
    label = "x" * 200_000
    (pkg / "extra.csv").write_text(f"id,{label}\n1,2\n", encoding="utf-8")
    _add_resource(pkg, {"name": "extra", "path": "extra.csv", "format": "csv", "schema": {
        "fields": [{"name": "id", "type": "integer"}, {"name": label, "type": "integer"}]}})
    return pkg


# ---------------------------------------------------------------- running the cases


def _case_id(case: dict[str, Any]) -> str:
    return str(case["make"])


@pytest.fixture
def hostile(published: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    case = request.param
    pkg = tmp_path / "pkg" / "datapackage"
    shutil.copytree(published, pkg)
    yield MAKERS[case["make"]](pkg)


@pytest.mark.parametrize(("case", "hostile"), [(c, c) for c in MANIFEST],
                         ids=[_case_id(c) for c in MANIFEST], indirect=["hostile"])
def test_check(case: dict[str, Any], hostile: Path, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> None:
    want = case["check"]
    monkeypatch.chdir(tmp_path)
    start = time.monotonic()
    result = run_main("check", hostile, "--format", "json")
    assert time.monotonic() - start < 60
    both = result.stdout + result.stderr
    assert "Traceback" not in both, both
    assert result.returncode == want["exit"], both
    if want["exit"] == 2:
        assert result.stdout == ""
        assert want["stderr"] in result.stderr, result.stderr
        assert "internal error" not in result.stderr
        return
    issues = json.loads(result.stdout)["issues"]
    assert Counter(i["code"] for i in issues) == Counter(want.get("codes", {})), issues
    if issues:
        assert issues[0]["file"] == want["file"], issues[0]
    for i in issues:
        assert i["message"]
    assert not list(tmp_path.rglob("opencase-zip-*")), "a zip entry was written outside"


@pytest.mark.parametrize(("case", "hostile"), [(c, c) for c in MANIFEST],
                         ids=[_case_id(c) for c in MANIFEST], indirect=["hostile"])
def test_load(case: dict[str, Any], hostile: Path, tmp_path: Path) -> None:
    want = case["load"]
    if want == "ok":
        pkg = opencase.load(hostile)
        assert pkg.table("people").num_rows > 0
        assert [p.id for p in pkg.records("people")]
        return
    with pytest.raises(ERRORS[want["error"]]) as caught:
        pkg = opencase.load(hostile)
        for name in pkg.table_names:  # a problem found only when a table is read
            pkg.table(name)
    assert _says(want["says"], hostile) in str(caught.value)
    assert not list(tmp_path.rglob("opencase-zip-*")), "a zip entry was written outside"
    assert not Path("/tmp/opencase-zip-absolute.txt").exists()


def _says(text: str, pkg: Path) -> str:
    """``text`` with ``{size[PATH]}`` and ``{declared[NAME]}`` filled in from the package, so
    that no byte count of a published file is written into the manifest."""
    if "{" not in text:
        return text
    desc = _descriptor(pkg)
    size = {p.relative_to(pkg).as_posix(): p.stat().st_size
            for p in pkg.rglob("*") if p.is_file()}
    declared = {r["name"]: r.get("bytes") for r in desc["resources"]}
    return text.format(size=size, declared=declared)


@pytest.mark.parametrize(("case", "hostile"), [(c, c) for c in MANIFEST],
                         ids=[_case_id(c) for c in MANIFEST], indirect=["hostile"])
def test_diff(case: dict[str, Any], hostile: Path, published: Path) -> None:
    """``opencase diff`` of the intact package and the hostile one: a package that opens is
    compared (exit 0; or exit 2 naming the file when one of its tables, which diff reads
    all of, cannot be read), one that does not is refused as ``load`` refuses it (exit 2)."""
    result = run_main("diff", published, hostile, "--format", "json")
    both = result.stdout + result.stderr
    assert "Traceback" not in both and "internal error" not in both, both
    if case["load"] == "ok":
        if result.returncode == 2:
            assert result.stdout == ""
            assert re.match(r"opencase diff: error: \S+\.(csv|parquet)\b", result.stderr), both
            return
        assert result.returncode == 0, both
        assert json.loads(result.stdout)["new"]["where"] == str(hostile)
        return
    assert result.returncode == 2, both
    assert result.stdout == ""
    assert result.stderr.startswith("opencase diff: error: ")
    assert _says(case["load"]["says"], hostile) in result.stderr


def test_manifest_lists_every_maker() -> None:
    assert [c["make"] for c in MANIFEST] == list(MAKERS)
    for c in MANIFEST:
        assert c.get("why"), c


# ---------------------------------------------------------------- zip bombs that unpack


def _zeros_zip(path: Path, size: int, claim: int | None = None) -> Path:
    """A zip of one entry of ``size`` zero bytes (it deflates ~1000:1); with ``claim``, its
    central directory says the entry unpacks to ``claim`` bytes (a zip that lies)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("datapackage.json", b'{"resources": []}')
        with zf.open("zeros.bin", "w", force_zip64=False) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(size // len(chunk)):
                f.write(chunk)
    if claim is not None:
        data = bytearray(path.read_bytes())
        central = data.rfind(b"PK\x01\x02")
        assert data[central + 46: central + 55] == b"zeros.bin"
        data[central + 24: central + 28] = struct.pack("<I", claim)
        path.write_bytes(bytes(data))
    return path


def test_a_zip_bomb_is_refused_by_its_declared_size(tmp_path: Path) -> None:
    bomb = _zeros_zip(tmp_path / "bomb.zip", 64 << 20)
    assert bomb.stat().st_size < 1 << 20
    start = time.monotonic()
    with pytest.raises(LoadError, match="would unpack to 67,108,881 bytes, more than the limit"):
        opencase.load(bomb, max_bytes=8 << 20)
    assert time.monotonic() - start < 2


def test_a_zip_bomb_that_lies_about_its_size_unpacks_no_more_than_it_says(
    tmp_path: Path
) -> None:
    """An entry that says 1 KiB and holds 64 MiB: unpacking stops at 1 KiB (the checksum then
    fails), so the limit on declared sizes bounds what is written."""
    bomb = _zeros_zip(tmp_path / "liar.zip", 64 << 20, claim=1024)
    start = time.monotonic()
    with pytest.raises(LoadError, match=r"entry 'zeros\.bin' cannot be read"):
        opencase.load(bomb, max_bytes=8 << 20)
    assert time.monotonic() - start < 5


# ---------------------------------------------------------------- packages over http


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    package: Path
    zipped: bytes


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, body: bytes, code: int = 200, length: int | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        route, _, rest = self.path.lstrip("/").partition("/")
        pkg = self.server.package
        try:
            if route == "pkg":  # the package, file by file
                f = pkg / rest
                if f.is_file() and f.resolve().is_relative_to(pkg.resolve()):
                    self._send(f.read_bytes())
                else:
                    self._send(b"not found", 404)
            elif route == "package.zip":
                self._send(self.server.zipped)
            elif route == "tampered":  # a data file changed in transit
                body = (pkg / rest).read_bytes()
                self._send(body.replace(b"Engineer", b"Engineeg"))
            elif route == "escape":  # a descriptor whose resource climbs out of the package
                desc = json.loads((pkg / "datapackage.json").read_bytes())
                desc["resources"][0]["path"] = "../../secret.csv"
                self._send(json.dumps(desc).encode())
            elif route == "silent":  # accepts, never answers
                time.sleep(5)
            elif route == "trickle":  # answers one byte every 0.1 s
                self.send_response(200)
                self.send_header("Content-Length", "100000")
                self.end_headers()
                for _ in range(100):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
            elif route == "short":  # says 1,000 bytes, sends 10 and closes
                self._send(b'{"name": ', length=1000)
            elif route == "huge-length":  # says 1 TB
                self._send(b"{", length=10**12)
            elif route == "endless":  # no length, never ends
                self.send_response(200)
                self.end_headers()
                for _ in range(1000):
                    self.wfile.write(b" " * 65536)
            elif route == "redirect-file":
                self.send_response(302)
                self.send_header("Location", "file:///etc/passwd")
                self.end_headers()
            elif route == "redirect-loop":
                self.send_response(302)
                self.send_header("Location", self.path)
                self.end_headers()
            else:
                self._send(b"not found", 404)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should


@pytest.fixture(scope="module")
def server(published: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local http server on 127.0.0.1 (an ephemeral port), serving the package and the
    hostile routes above; yields its base URL."""
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.package = published
    srv.zipped = _zip(shutil.copytree(published, tmp_path_factory.mktemp("z") / "p")).read_bytes()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# (route, load keyword arguments, what the error says (None: loads), most seconds it may take)
HTTP_CASES = [
    ("pkg/", {}, None, 10),
    ("pkg/datapackage.json", {}, None, 10),
    ("package.zip", {}, None, 10),
    ("tampered/datapackage.json", {}, "differs from the package's", 10),
    ("escape/datapackage.json", {}, "resource path '../../secret.csv' is refused", 10),
    ("missing/datapackage.json", {}, "HTTP 404", 10),
    ("silent/datapackage.json", {"timeout": 0.5}, "no answer within 0.5 s", 3),
    ("trickle/datapackage.json", {"timeout": 0.5}, "too slow", 3),
    ("short/datapackage.json", {}, "the download was cut short: 9 of 1,000 bytes", 3),
    ("huge-length/datapackage.json", {"max_bytes": 1 << 20}, "more than the limit of", 3),
    ("endless/datapackage.json", {"max_bytes": 1 << 20}, "more than the limit of", 5),
    ("redirect-file/datapackage.json", {}, "file:///etc/passwd' is not allowed", 3),
    ("redirect-loop/datapackage.json", {}, "HTTP 302", 5),
]


@pytest.mark.parametrize(("route", "kw", "says", "seconds"), HTTP_CASES,
                         ids=[c[0].split("/")[0] or "pkg" for c in HTTP_CASES])
def test_load_over_http(server: str, route: str, kw: dict[str, Any], says: str | None,
                        seconds: float) -> None:
    start = time.monotonic()
    if says is None:
        pkg = opencase.load(f"{server}/{route}", **kw)
        assert pkg.table("people").num_rows > 0
        assert [p.id for p in pkg.records("people")]
    else:
        with pytest.raises(LoadError) as caught:
            pkg = opencase.load(f"{server}/{route}", **kw)
            for name in pkg.table_names:
                pkg.table(name)
        assert says in str(caught.value)
    assert time.monotonic() - start < seconds


def test_load_from_a_port_nobody_listens_on() -> None:
    start = time.monotonic()
    with pytest.raises(LoadError, match="cannot be downloaded"):
        opencase.load(f"http://127.0.0.1:{_closed_port()}/datapackage.json", timeout=1)
    assert time.monotonic() - start < 3


def test_check_does_not_fetch_urls(server: str) -> None:
    result = run_cli("check", f"{server}/pkg/datapackage.json")
    assert result.returncode == 2
    assert "no data package at" in result.stderr
    assert "Traceback" not in result.stderr
