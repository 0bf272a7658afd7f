"""``opencase.load``: folders, descriptors, zips and URLs; hashes; the bundled dataset."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import socket
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

import opencase
from opencase.loading import IntegrityError, LoadError, load
from opencase.models import KINDS
from opencase.publishing import publish
from opencase.validation import validate

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/fixtures/publish published once for the module (read-only use)."""
    project = tmp_path_factory.mktemp("load") / "project"
    shutil.copytree(FIXTURES / "publish", project)
    pub = publish(project / "records", project / "datapackage",
                  snapshots=project / "snapshots")
    assert pub.ok, pub.format("text")
    return project


@pytest.fixture
def package(published: Path, tmp_path: Path) -> Path:
    """A writable copy of the published package."""
    dest = tmp_path / "pkg"
    shutil.copytree(published / "datapackage", dest)
    return dest


def zip_folder(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, prefix + p.relative_to(folder).as_posix())
    return target


def tamper(path: Path) -> None:
    """Change one byte (the size stays the same)."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


# ---------------------------------------------------------------- local


def test_folder_descriptor_and_zip_give_the_same_tables(package: Path, tmp_path: Path) -> None:
    archive = zip_folder(package, tmp_path / "pkg.zip")
    nested = zip_folder(package, tmp_path / "nested.zip", prefix="stephen-port-case-0.1.0/")
    pkgs = [load(package), load(package / "datapackage.json"), load(archive), load(nested)]
    first = pkgs[0]
    assert "people" in first.table_names and "people-parquet" not in first.table_names
    for other in pkgs[1:]:
        assert other.table_names == first.table_names
        for name in first.table_names:
            assert other.table(name).equals(first.table(name)), name


def test_table_prefers_parquet_and_csv_gives_the_same_values(package: Path) -> None:
    pkg = load(package)
    assert pkg.resource("people")["format"] == "parquet"
    people = pkg.table("people")
    assert isinstance(people, pa.Table) and people.num_rows > 0
    csv_only = pkg._read(next(r for r in pkg.resources if r["name"] == "people"))
    assert csv_only.select(people.column_names).to_pylist() == people.to_pylist()
    with pytest.raises(KeyError, match="no table 'nobody'"):
        pkg.table("nobody")


def test_to_pandas(package: Path) -> None:
    pytest.importorskip("pandas")
    df = load(package).to_pandas("events")
    assert len(df) == load(package).table("events").num_rows


def test_records_round_trip(published: Path, package: Path) -> None:
    records = validate(published / "records", published / "snapshots").dataset.records
    pkg = load(package)
    for kind in KINDS:
        assert pkg.records(kind) == records.get(kind, []), kind
    with pytest.raises(KeyError, match="no kind"):
        pkg.records("unicorns")


def test_citations_of_a_record_and_of_a_value(package: Path) -> None:
    pkg = load(package)
    cites = pkg.table("citations").to_pylist()
    field_row = next(c for c in cites if c["field"])
    rid, fld = field_row["record_id"], field_row["field"]
    every = pkg.citations(rid)
    assert every == [c for c in cites if c["record_id"] == rid]
    backing = pkg.citations(rid, fld)
    assert field_row in backing
    assert all(c["field"] in (fld, None, "") for c in backing)
    assert all({"quote", "start", "end", "source_id"} <= c.keys() for c in backing)
    assert pkg.citations("no-such-record") == []


@pytest.mark.parametrize("victim", ["csv/people.csv", "parquet/events.parquet"])
def test_a_changed_byte_fails_naming_the_file(package: Path, tmp_path: Path,
                                              victim: str) -> None:
    tamper(package / victim)
    with pytest.raises(IntegrityError, match=re.escape(victim)) as err:
        load(package)
    assert err.value.path == victim
    archive = zip_folder(package, tmp_path / "bad.zip")
    with pytest.raises(IntegrityError, match=re.escape(victim)):
        load(archive)


def test_a_missing_file_or_no_package(package: Path, tmp_path: Path) -> None:
    (package / "csv/people.csv").unlink()
    with pytest.raises(LoadError, match=r"csv/people\.csv"):
        load(package)
    with pytest.raises(LoadError, match="no data package"):
        load(tmp_path / "nowhere")


def test_bundled_dataset() -> None:
    try:
        pkg = opencase.load()
    except LoadError:
        pytest.skip("no bundled dataset in this checkout")
    assert pkg.table("people").num_rows > 0
    assert pkg.records("people")


# ---------------------------------------------------------------- hostile zips


def test_zip_slip_is_refused(tmp_path: Path) -> None:
    for name in ("../evil.txt", "/etc/evil.txt", "a/../../evil.txt", "C:/evil.txt"):
        archive = tmp_path / "slip.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("datapackage.json", '{"resources": []}')
            zf.writestr(name, "x")
        with pytest.raises(LoadError, match="refused"):
            load(archive)
        assert not (tmp_path / "evil.txt").exists()


def test_zip_symlink_entry_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("datapackage.json", '{"resources": []}')
        info = zipfile.ZipInfo("link")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(LoadError, match="symbolic link"):
        load(archive)


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("datapackage.json", '{"resources": []}')
        zf.writestr("zeros.bin", b"\0" * (8 << 20))
    assert archive.stat().st_size < 100_000
    with pytest.raises(LoadError, match="more than the limit"):
        load(archive, max_bytes=1 << 20)


def test_zip_without_descriptor(tmp_path: Path) -> None:
    archive = tmp_path / "empty.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(LoadError, match=r"no datapackage\.json"):
        load(archive)


# ---------------------------------------------------------------- http


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on 127.0.0.1 serving a fresh folder: (base URL, folder)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_Quiet, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_url_to_folder_descriptor_and_zip(package: Path,
                                          server: tuple[str, Path]) -> None:
    base, root = server
    shutil.copytree(package, root / "pkg")
    zip_folder(package, root / "pkg.zip")
    local = load(package)
    for url in (f"{base}/pkg", f"{base}/pkg/", f"{base}/pkg/datapackage.json",
                f"{base}/pkg.zip"):
        pkg = load(url)
        assert pkg.table("people").equals(local.table("people")), url
        assert pkg.records("events") == local.records("events"), url


def test_url_tampered_file_fails_naming_it(package: Path, server: tuple[str, Path]) -> None:
    base, root = server
    shutil.copytree(package, root / "pkg")
    tamper(root / "pkg" / "parquet" / "people.parquet")
    pkg = load(f"{base}/pkg/")
    assert pkg.table("events").num_rows > 0  # untouched files load
    with pytest.raises(IntegrityError, match=r"parquet/people\.parquet"):
        pkg.table("people")
    zip_folder(root / "pkg", root / "bad.zip")
    with pytest.raises(IntegrityError, match=r"parquet/people\.parquet"):
        load(f"{base}/bad.zip")


def test_url_errors(server: tuple[str, Path], package: Path) -> None:
    base, root = server
    with pytest.raises(LoadError, match="HTTP 404"):
        load(f"{base}/missing/datapackage.json")
    zip_folder(package, root / "big.zip")
    with pytest.raises(LoadError, match="more than the limit"):
        load(f"{base}/big.zip", max_bytes=1000)
    with pytest.raises(LoadError, match="only http and https"):
        load("ftp://127.0.0.1/pkg.zip")


def test_url_timeout() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never answers
    try:
        port = silent.getsockname()[1]
        with pytest.raises(LoadError, match=r"no answer within 0.5 s|timed out"):
            load(f"http://127.0.0.1:{port}/datapackage.json", timeout=0.5)
    finally:
        silent.close()


def test_redirect_to_a_file_url_is_refused() -> None:
    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(LoadError, match=r"not allowed|not http"):
            load(f"http://127.0.0.1:{httpd.server_address[1]}/datapackage.json")
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_any_csv_package_with_a_dialect(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text('a;b\n1;"x;y"\n2;\n', encoding="utf-8")
    (tmp_path / "datapackage.json").write_text(
        '{"resources": [{"name": "t", "path": "t.csv", "dialect": {"delimiter": ";"},'
        ' "schema": {"fields": [{"name": "a", "type": "integer"},'
        ' {"name": "b", "type": "string"}]}}]}', encoding="utf-8")
    t = load(tmp_path).table("t")
    assert t.to_pylist() == [{"a": 1, "b": "x;y"}, {"a": 2, "b": None}]
    assert t.schema.field("a").type == pa.int64()
