"""``opencase.load``: open a published data package as Arrow tables, pandas, or model objects.

::

    import opencase
    pkg = opencase.load()                      # the dataset bundled with opencase
    pkg = opencase.load("datapackage/")        # a folder, its datapackage.json, or a .zip
    pkg = opencase.load("https://example.org/case/datapackage.json")   # or a .zip URL
    people = pkg.table("people")               # pyarrow.Table (from Parquet when published)
    df = pkg.to_pandas("events")               # needs pandas: pip install opencase[pandas]
    for person in pkg.records("people"): ...   # the pydantic models, as curated
    pkg.citations("stephen-port", "name")      # the passages behind a record or a value

Every file is checked against the descriptor's ``bytes`` and ``hash`` before it is used: a
mismatch raises :class:`IntegrityError` naming the file. A local package is verified as a
whole when it is opened; a package at a URL file by file as each is downloaded. Resource paths
must stay inside the package (no absolute paths, ``..`` or symlinks out of it).

Zip archives are refused when an entry's name is absolute or climbs out with ``..``, when an
entry is a link, or when they would unpack to more than ``max_bytes`` (a zip bomb). Downloads
use ``urllib`` with a ``timeout`` (for connecting and for each wait for data) and the same
``max_bytes`` limit, must average at least 16 KiB/s once ``timeout`` seconds have passed (so
that a server trickling bytes cannot hold a download open), fail when cut short of their
``Content-Length``, and follow redirects only to http(s) URLs.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
import zipfile
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from .package import (
    DESCRIPTOR,
    PackageError,
    digest_files,
    find_descriptor,
    is_remote,
    parse_hash,
    read_json,
    resolve_inside,
    resource_format,
    resource_paths,
    unsafe_path_reason,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import pyarrow as pa

__all__ = ["IntegrityError", "LoadError", "Package", "load"]

MAX_BYTES = 2 * 1024**3  # largest download, or total size a zip may unpack to
MAX_ZIP_ENTRIES = 100_000
TIMEOUT = 30.0
MIN_RATE = 16 * 1024  # bytes per second a download must average once `timeout` has passed
_CHUNK = 1 << 20
_FORMAT_SUFFIXES = ("-parquet", "_parquet", ".parquet", "-csv", "_csv", ".csv")


class LoadError(Exception):
    """A package that cannot be opened: missing, malformed, unsafe, or too large."""


class IntegrityError(LoadError):
    """A file differs from the size or hash its descriptor gives (changed or corrupted)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


def load(path_or_url: str | os.PathLike[str] | None = None, *, timeout: float = TIMEOUT,
         max_bytes: int = MAX_BYTES) -> Package:
    """Open a published package: a folder, a ``datapackage.json``, a ``.zip``, or an http(s)
    URL to a ``datapackage.json``, a package folder, or a ``.zip``. With no argument, the
    dataset bundled with opencase.

    Raises :class:`LoadError` (:class:`IntegrityError` for a file that fails its hash)."""
    if path_or_url is None:
        return Package(_LocalFiles(bundled_descriptor()))
    text = os.fspath(path_or_url)
    if is_remote(text):
        scheme = urllib.parse.urlsplit(text).scheme.lower()
        if scheme not in ("http", "https"):
            raise LoadError(f"{text}: only http and https URLs can be loaded")
        return _load_url(text, timeout, max_bytes)
    p = Path(text)
    if p.is_file() and (zipfile.is_zipfile(p) or p.suffix.lower() == ".zip"):
        return _load_zip(p, max_bytes)
    try:
        descriptor = find_descriptor(p)
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise LoadError(str(exc)) from None
    return Package(_LocalFiles(descriptor))


def bundled_descriptor() -> Path:
    """The ``datapackage.json`` shipped inside the installed package (``opencase/data``), or,
    in a source checkout or editable install, the repository's ``datapackage/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "data" / DESCRIPTOR, here.parent / "datapackage" / DESCRIPTOR):
        if candidate.is_file():
            return candidate
    raise LoadError("this opencase installation has no bundled dataset (opencase/data is "
                    "missing); pass the path or URL of a package to opencase.load()")


# ---------------------------------------------------------------- where the files come from


class _LocalFiles:
    """A package in a local folder, verified as a whole when opened."""

    def __init__(self, descriptor: Path, cleanup: Any = None) -> None:
        self.descriptor_path = descriptor
        self.root = descriptor.parent
        self.cleanup = cleanup  # keeps a temporary folder (unpacked zip) alive
        self.where = str(descriptor)

    def descriptor(self) -> Any:
        return _read_descriptor(self.descriptor_path)

    def open_all(self, resources: list[dict[str, Any]]) -> None:
        for r in resources:
            self.files(r)

    def files(self, resource: dict[str, Any]) -> list[Path]:
        paths = [self._local(p) for p in resource_paths(resource)]
        _verify(resource, paths, self.root)
        return paths

    def _local(self, path: str) -> Path:
        if is_remote(path):
            raise LoadError(f"{path}: a resource at a URL is not read (only files inside the "
                            "package are)")
        try:
            target = resolve_inside(self.root, path)
        except PackageError as exc:
            raise LoadError(str(exc)) from None
        try:
            st = os.stat(target)
        except OSError:
            raise LoadError(f"{path}: the file is missing from the package") from None
        if not stat.S_ISREG(st.st_mode):
            raise LoadError(f"{path}: not a regular file")
        return target


class _RemoteFiles:
    """A package at a URL: each file downloaded (and verified) when first needed."""

    def __init__(self, descriptor_url: str, timeout: float, max_bytes: int) -> None:
        self.url = descriptor_url
        self.timeout, self.max_bytes = timeout, max_bytes
        self.tmp = tempfile.TemporaryDirectory(prefix="opencase-")
        self.root = Path(self.tmp.name)
        self.cleanup = self.tmp
        self.where = descriptor_url
        self._done: dict[str, Path] = {}

    def descriptor(self) -> Any:
        target = self.root / DESCRIPTOR
        _download(self.url, target, self.timeout, self.max_bytes)
        return _read_descriptor(target, shown=self.url)

    def open_all(self, resources: list[dict[str, Any]]) -> None:
        for r in resources:
            for p in resource_paths(r):
                self._check_path(p)

    def files(self, resource: dict[str, Any]) -> list[Path]:
        paths = []
        for p in resource_paths(resource):
            if p not in self._done:
                self._check_path(p)
                target = self.root / "files" / PurePosixPath(p)
                target.parent.mkdir(parents=True, exist_ok=True)
                _download(urllib.parse.urljoin(self.url, p), target, self.timeout,
                          self.max_bytes)
                self._done[p] = target
            paths.append(self._done[p])
        _verify(resource, paths, self.root / "files")
        return paths

    @staticmethod
    def _check_path(p: str) -> None:
        reason = "it is a URL outside the package" if is_remote(p) else unsafe_path_reason(p)
        if reason:
            raise LoadError(f"resource path {p!r} is refused: {reason}")


def _read_descriptor(path: Path, shown: str | None = None) -> Any:
    try:
        desc = read_json(path)
    except (OSError, ValueError) as exc:
        raise LoadError(f"{shown or path}: {exc}") from None
    if not isinstance(desc, dict) or not isinstance(desc.get("resources"), list):
        raise LoadError(f"{shown or path}: not a data package (no `resources` list)")
    return desc


def _verify(resource: dict[str, Any], paths: list[Path], root: Path) -> None:
    declared_hash = resource.get("hash")
    declared_size = resource.get("bytes")
    if declared_hash is None and declared_size is None:
        return
    parsed = parse_hash(declared_hash) if declared_hash is not None else None
    shown = ", ".join(resource_paths(resource)) or str(resource.get("name"))
    if declared_hash is not None and parsed is None:
        raise IntegrityError(shown, f"the descriptor's hash {declared_hash!r} is malformed")
    try:
        size, digest = digest_files(paths, parsed[0] if parsed else None)
    except OSError as exc:
        raise LoadError(f"{shown}: cannot be read: {exc}") from None
    if isinstance(declared_size, int) and size != declared_size:
        raise IntegrityError(shown, f"{size:,} bytes, but the package says {declared_size:,}: "
                             "the file was changed or is incomplete")
    if parsed and digest != parsed[1]:
        raise IntegrityError(shown, f"{parsed[0]} {digest} differs from the package's "
                             f"{parsed[1]}: the file was changed or is corrupt")


# ---------------------------------------------------------------- zip and http


def _load_zip(path: Path, max_bytes: int, shown: str | None = None) -> Package:
    tmp = tempfile.TemporaryDirectory(prefix="opencase-")
    try:
        root = _unzip(path, Path(tmp.name), max_bytes, shown or str(path))
        return Package(_LocalFiles(root / DESCRIPTOR, cleanup=tmp))
    except BaseException:
        tmp.cleanup()
        raise


def _unzip(path: Path, dest: Path, max_bytes: int, shown: str) -> Path:
    """Unpack a package zip safely; returns the folder holding datapackage.json."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise LoadError(f"{shown}: not a readable zip file ({exc})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise LoadError(f"{shown}: {len(infos):,} entries, more than {MAX_ZIP_ENTRIES:,}")
        declared = sum(i.file_size for i in infos)
        if declared > max_bytes:
            raise LoadError(f"{shown}: would unpack to {declared:,} bytes, more than the "
                            f"limit of {max_bytes:,}")
        for info in infos:
            name = info.filename
            reason = unsafe_path_reason(name.rstrip("/")) if name.rstrip("/") else "empty"
            if reason or is_remote(name):
                raise LoadError(f"{shown}: entry {name!r} is refused: {reason or 'a URL'}")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise LoadError(f"{shown}: entry {name!r} is a symbolic link")
        written = 0
        for info in infos:
            target = dest / PurePosixPath(info.filename)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(target, "wb") as out:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        if written > max_bytes:
                            raise LoadError(f"{shown}: unpacks to more than the limit of "
                                            f"{max_bytes:,} bytes")
                        out.write(chunk)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError,
                    NotImplementedError) as exc:
                raise LoadError(f"{shown}: entry {info.filename!r} cannot be read: "
                                f"{exc}") from None
    found = sorted((p for p in dest.rglob(DESCRIPTOR) if p.is_file()),
                   key=lambda p: len(p.relative_to(dest).parts))
    if not found or len(found[0].relative_to(dest).parts) > 2:
        raise LoadError(f"{shown}: no {DESCRIPTOR} at the top of the archive")
    return found[0].parent


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Any:
        if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise LoadError(f"{req.full_url}: redirected to {newurl}, which is not http(s)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _download(url: str, target: Path, timeout: float, max_bytes: int) -> None:
    from . import __version__

    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": f"opencase/{__version__}"})
    try:
        start = time.monotonic()
        with opener.open(request, timeout=timeout) as resp, open(target, "wb") as out:
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise LoadError(f"{url}: {int(length):,} bytes, more than the limit of "
                                f"{max_bytes:,}")
            size = 0
            read = getattr(resp, "read1", resp.read)  # read1: whatever has arrived, at once
            while chunk := read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise LoadError(f"{url}: more than the limit of {max_bytes:,} bytes")
                out.write(chunk)
                elapsed = time.monotonic() - start
                if elapsed > timeout and size < MIN_RATE * elapsed:
                    raise LoadError(f"{url}: too slow: {size:,} bytes in {elapsed:.1f} s (less "
                                    f"than {MIN_RATE // 1024} KiB/s); try again later")
            if length and length.isdigit() and size != int(length):
                raise LoadError(f"{url}: the download was cut short: {size:,} of "
                                f"{int(length):,} bytes")
    except urllib.error.HTTPError as exc:
        raise LoadError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise LoadError(f"{url}: cannot be downloaded: {exc.reason}") from None
    except TimeoutError:
        raise LoadError(f"{url}: no answer within {timeout:g} s") from None
    except OSError as exc:
        raise LoadError(f"{url}: cannot be downloaded: {exc}") from None


def _load_url(url: str, timeout: float, max_bytes: int) -> Package:
    path = urllib.parse.urlsplit(url).path
    if path.lower().endswith(".zip"):
        tmp = tempfile.TemporaryDirectory(prefix="opencase-")
        try:
            archive = Path(tmp.name) / "package.zip"
            _download(url, archive, timeout, max_bytes)
            return _load_zip(archive, max_bytes, shown=url)
        finally:
            tmp.cleanup()
    if not path.lower().endswith(".json"):
        url = url if url.endswith("/") else url + "/"
        url = urllib.parse.urljoin(url, DESCRIPTOR)
    return Package(_RemoteFiles(url, timeout, max_bytes))


# ---------------------------------------------------------------- the package


class Package:
    """An opened data package. Tables are read on first use and kept."""

    def __init__(self, source: _LocalFiles | _RemoteFiles) -> None:
        self._source = source
        self.descriptor: dict[str, Any] = source.descriptor()
        self.resources: list[dict[str, Any]] = [
            r for r in self.descriptor["resources"] if isinstance(r, dict)
        ]
        source.open_all(self.resources)
        self._tables: dict[str, pa.Table] = {}
        if source.cleanup is not None:
            weakref.finalize(self, _cleanup, source.cleanup)

    def __repr__(self) -> str:
        return (f"<opencase.Package {self.name or '?'} {self.version or ''} from "
                f"{self._source.where}: {len(self.table_names)} tables>")

    @property
    def name(self) -> str | None:
        return self.descriptor.get("name")

    @property
    def version(self) -> str | None:
        return self.descriptor.get("version")

    @property
    def title(self) -> str | None:
        return self.descriptor.get("title")

    @cached_property
    def _by_table(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for r in self.resources:
            name = r.get("name")
            if not isinstance(name, str) or resource_format(r) not in ("csv", "tsv",
                                                                         "parquet"):
                continue
            stem = name
            for suffix in _FORMAT_SUFFIXES:
                if name.lower().endswith(suffix):
                    stem = name[: -len(suffix)]
                    break
            out.setdefault(stem, []).append(r)
        return out

    @property
    def table_names(self) -> list[str]:
        """The tables, each once even when published as both CSV and Parquet."""
        return list(self._by_table)

    def resource(self, name: str) -> dict[str, Any]:
        """The descriptor of table ``name``'s resource (the Parquet one when there is one)."""
        try:
            candidates = self._by_table[name]
        except KeyError:
            raise KeyError(f"no table {name!r} in the package; it has: "
                           f"{', '.join(self.table_names)}") from None
        return sorted(candidates, key=lambda r: resource_format(r) != "parquet")[0]

    def path(self, name: str) -> Path:
        """The local file of table ``name`` (downloaded and verified first for a URL)."""
        return self._source.files(self.resource(name))[0]

    def table(self, name: str) -> pa.Table:
        """Table ``name`` as a ``pyarrow.Table`` (read from Parquet when published so)."""
        if name not in self._tables:
            self._tables[name] = self._read(self.resource(name))
        return self._tables[name]

    def _read(self, resource: dict[str, Any]) -> pa.Table:
        import pyarrow as pa
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        files = self._source.files(resource)
        try:
            if resource_format(resource) == "parquet":
                return pa.concat_tables([pq.read_table(f) for f in files])
            from .tableread import _dialect_options

            dialect = resource.get("dialect") if isinstance(resource.get("dialect"), dict) else {}
            fmt = resource_format(resource) or "csv"
            parse = pacsv.ParseOptions(**_dialect_options(dialect, fmt), newlines_in_values=True)
            # only the schema's missing values are null (default: the empty cell), never
            # pyarrow's defaults, which would read text such as "NA", "null" or "nan" as null
            schema = resource.get("schema") if isinstance(resource.get("schema"), dict) else {}
            missing = schema.get("missingValues", [""])
            if not (isinstance(missing, list) and all(isinstance(m, str) for m in missing)):
                missing = [""]
            convert = pacsv.ConvertOptions(column_types=_arrow_types(resource),
                                           strings_can_be_null=True, null_values=missing)
            return pa.concat_tables([
                pacsv.read_csv(f, parse_options=parse, convert_options=convert) for f in files
            ])
        except (pa.ArrowException, OSError) as exc:
            raise LoadError(f"{', '.join(resource_paths(resource))}: cannot be read: "
                            f"{exc}") from None

    def to_pandas(self, name: str) -> pandas.DataFrame:
        """Table ``name`` as a pandas DataFrame (``pip install opencase[pandas]``)."""
        try:
            import pandas  # noqa: F401
        except ImportError:
            raise ImportError("to_pandas needs pandas: pip install 'opencase[pandas]'") from None
        return self.table(name).to_pandas()

    @cached_property
    def _records(self) -> dict[str, list[Any]]:
        from .tables import from_tables, layout

        return from_tables(_LazyTables(self, list(layout())))

    def records(self, kind: str) -> list[Any]:
        """The records of ``kind`` (``people``, ``events``, ...) as opencase's pydantic
        models, rebuilt from the tables: the same records that were published."""
        records = self._records
        if kind not in records:
            raise KeyError(f"no kind {kind!r}; the kinds are: {', '.join(records)}")
        return records[kind]

    def citations(self, record_id: str, field: str | None = None) -> list[dict[str, Any]]:
        """The citations behind record ``record_id``, as rows of the ``citations`` table
        (quote, prefix, suffix, start/end offsets in the snapshot, source, ...). With
        ``field``, only those that back that field: the ones naming it and the ones that back
        the whole record."""
        import pyarrow.compute as pc

        t = self.table("citations")
        mask = pc.equal(t.column("record_id"), record_id)
        if field is not None and "field" in t.column_names:
            col = t.column("field")
            mask = pc.and_(mask, pc.or_(pc.fill_null(pc.equal(col, field), False),
                                        pc.fill_null(pc.equal(col, ""), True)))
        return t.filter(mask).to_pylist()


class _LazyTables(Mapping[str, Any]):
    """The package's tables as a read-on-demand mapping (for :func:`tables.from_tables`)."""

    def __init__(self, pkg: Package, names: list[str]) -> None:
        self.pkg, self.names = pkg, names

    def __getitem__(self, name: str) -> Any:
        return self.pkg.table(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


_ARROW = {"integer": "int64", "number": "float64", "boolean": "bool", "date": "date32"}


def _arrow_types(resource: dict[str, Any]) -> dict[str, Any]:
    """Column types for reading a CSV resource as its Table Schema says (text otherwise)."""
    import pyarrow as pa

    schema = resource.get("schema")
    fields = schema.get("fields", []) if isinstance(schema, dict) else []
    out = {}
    for f in fields:
        if isinstance(f, dict) and isinstance(f.get("name"), str):
            out[f["name"]] = getattr(pa, _ARROW.get(f.get("type", ""), "string"))()
    return out


def _cleanup(tmp: Any) -> None:
    try:
        tmp.cleanup()
    except OSError:  # pragma: no cover
        shutil.rmtree(getattr(tmp, "name", ""), ignore_errors=True)
