"""Open any Data Package (v2) as Arrow tables or pandas: the generic part of ``opencase.load``
(:mod:`opencase.dataset` adds the bundled dataset and the record models).

Every file is checked against the descriptor's ``bytes`` and ``hash`` before it is used: a
mismatch raises :class:`IntegrityError` naming the file. A local package is verified as a
whole when it is opened; a package at a URL file by file as each is downloaded. Resource paths
must stay inside the package (no absolute paths, ``..`` or symlinks out of it).

A resource path with white space at either end or a control character, or a URL of any
scheme, is refused. Zip archives are unpacked by :mod:`opencase.datapackage.unzip`, which refuses
unsafe
entry names, links and other special files, duplicate names, several descriptors and archives
that would unpack to more than ``max_bytes`` (a zip bomb). Downloads
(:mod:`opencase.datapackage.download`)
open http(s) URLs only, follow redirects only to http(s), keep every resource (and its
redirects) on the descriptor's scheme, host, port and folder, stop at the descriptor's ``bytes``
or ``max_bytes`` (plus at most 1 MiB of headers and framing), and honour ``timeout`` on every
read (and a minimum rate of 16 KiB/s once ``timeout`` has passed).
Tables are read by :mod:`opencase.datapackage.table.load`. Every failure is a :class:`LoadError`
(or an
:class:`IntegrityError`), naming the file.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import urllib.parse
import weakref
import zipfile
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from opencase.datapackage.descriptor import (
    DESCRIPTOR,
    MAX_DESCRIPTOR_BYTES,
    PackageError,
    digest_files,
    find_descriptor,
    is_remote,
    parse_hash,
    read_json,
    resolve_inside,
    resource_format,
    resource_paths,
    table_stem,
    unsafe_path_reason,
)
from opencase.datapackage.download import check_url, download, resource_url
from opencase.datapackage.unzip import unzip
from opencase.errors import IntegrityError, LoadError

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import pyarrow as pa

__all__ = ["DataPackage", "IntegrityError", "LoadError", "load"]

MAX_BYTES = 2 * 1024**3  # largest download, or total size a zip may unpack to
TIMEOUT = 30.0
MAX_TIMEOUT = 86_400.0  # a day: longer waits are surely a mistake (and overflow some clocks)


def load(path_or_url: str | os.PathLike[str], *, timeout: float = TIMEOUT,
         max_bytes: int = MAX_BYTES,
         package_class: type[DataPackage] | None = None) -> DataPackage:
    """Open a published package: a folder, a ``datapackage.json``, a ``.zip``, or an http(s)
    URL to a ``datapackage.json``, a package folder, or a ``.zip``, as ``package_class``.

    ``timeout``: seconds (above 0, at most a day) any wait for the network may last.
    ``max_bytes``: the most bytes a download, an unpacked zip or a decoded Parquet table may
    take (a whole number above 0).

    Raises :class:`LoadError` (:class:`IntegrityError` for a file that fails its hash), also
    for arguments it cannot use."""
    _check_arguments(timeout, max_bytes)
    package_class = package_class or DataPackage
    text: str | bytes | None
    try:
        text = os.fspath(path_or_url)
    except TypeError:
        text = None
    if not isinstance(text, str):
        raise LoadError(f"load() takes a path or URL as a str or os.PathLike[str], not "
                        f"{type(path_or_url).__name__} ({path_or_url!r})")
    if not text:
        raise LoadError("load() was given an empty path; pass a package folder, its "
                        "datapackage.json, a .zip or a URL (or nothing, for the bundled dataset)")
    if is_remote(text) or "://" in text:
        return _load_url(check_url(text), timeout, max_bytes, package_class)
    p = Path(text)
    try:
        if p.is_file() and (p.suffix.lower() == ".zip" or zipfile.is_zipfile(p)):
            return _load_zip(p, max_bytes, package_class)
        descriptor = find_descriptor(p)
    except (OSError, ValueError, PackageError) as exc:
        raise LoadError(str(exc)) from None
    return package_class(_LocalFiles(descriptor, max_bytes=max_bytes))


def _check_arguments(timeout: Any, max_bytes: Any) -> None:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) \
            or not 0 < timeout <= MAX_TIMEOUT:  # also refuses NaN
        raise LoadError(f"timeout must be a number of seconds above 0 and at most "
                        f"{MAX_TIMEOUT:,.0f}, not {timeout!r}")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise LoadError(f"max_bytes must be a whole number of bytes above 0, not {max_bytes!r}")


# ---------------------------------------------------------------- where the files come from


class _LocalFiles:
    """A package in a local folder, verified as a whole when opened."""

    def __init__(self, descriptor: Path, cleanup: Any = None, *,
                 max_bytes: int = MAX_BYTES) -> None:
        self.descriptor_path = descriptor
        self.max_bytes = max_bytes
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
        self.base = descriptor_url
        self._done: dict[str, Path] = {}

    def descriptor(self) -> Any:
        target = self.root / DESCRIPTOR
        # resources are found beside the descriptor where it was found (after redirects)
        self.base = download(self.url, target, self.timeout,
                             min(self.max_bytes, MAX_DESCRIPTOR_BYTES))
        return _read_descriptor(target, shown=self.url)

    def open_all(self, resources: list[dict[str, Any]]) -> None:
        for r in resources:
            for p in resource_paths(r):
                self._url(p)

    def files(self, resource: dict[str, Any]) -> list[Path]:
        paths = []
        left = _declared_bytes(resource)  # what the parts not yet downloaded may still hold
        for p in resource_paths(resource):
            if p not in self._done:
                url = self._url(p)
                target = self.root / "files" / PurePosixPath(p)
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:  # e.g. a path that is both a file and a folder
                    raise LoadError(f"{p}: cannot be stored: {exc.strerror}") from None
                download(url, target, self.timeout, self.max_bytes, expected=left,
                         shown=", ".join(resource_paths(resource)), within=self.base)
                self._done[p] = target
            if left is not None:
                left = max(left - self._done[p].stat().st_size, 0)
            paths.append(self._done[p])
        _verify(resource, paths, self.root / "files")
        return paths

    def _url(self, p: str) -> str:
        reason = "it is a URL outside the package" if is_remote(p) else unsafe_path_reason(p)
        if reason:
            raise LoadError(f"resource path {p!r} is refused: {reason}")
        return resource_url(self.base, p)


def _declared_bytes(resource: dict[str, Any]) -> int | None:
    size = resource.get("bytes")
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        shown = ", ".join(resource_paths(resource)) or str(resource.get("name"))
        raise IntegrityError(shown, f"the descriptor's bytes {size!r} is not a whole number "
                             "of bytes")
    return size


def _read_descriptor(path: Path, shown: str | None = None) -> Any:
    try:
        desc = read_json(path)
    except (OSError, PackageError) as exc:
        raise LoadError(f"{shown or path}: {exc}") from None
    if not isinstance(desc, dict) or not isinstance(desc.get("resources"), list):
        raise LoadError(f"{shown or path}: not a data package (no `resources` list)")
    return desc


def _verify(resource: dict[str, Any], paths: list[Path], root: Path) -> None:
    declared_hash = resource.get("hash")
    declared_size = _declared_bytes(resource)
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
    if declared_size is not None and size != declared_size:
        raise IntegrityError(shown, f"{size:,} bytes, but the package says {declared_size:,}: "
                             "the file was changed or is incomplete")
    if parsed and digest != parsed[1]:
        raise IntegrityError(shown, f"{parsed[0]} {digest} differs from the package's "
                             f"{parsed[1]}: the file was changed or is corrupt")


# ---------------------------------------------------------------- zip and http


def _load_zip(path: Path, max_bytes: int, package_class: type[DataPackage],
              shown: str | None = None) -> DataPackage:
    tmp = tempfile.TemporaryDirectory(prefix="opencase-")
    try:
        root = unzip(path, Path(tmp.name), max_bytes, shown or str(path))
        return package_class(_LocalFiles(root / DESCRIPTOR, cleanup=tmp, max_bytes=max_bytes))
    except BaseException:
        tmp.cleanup()
        raise


def _load_url(url: str, timeout: float, max_bytes: int,
              package_class: type[DataPackage]) -> DataPackage:
    path = urllib.parse.urlsplit(url).path
    if path.lower().endswith(".zip"):
        with tempfile.TemporaryDirectory(prefix="opencase-") as tmp:
            archive = Path(tmp) / "package.zip"
            download(url, archive, timeout, max_bytes)
            return _load_zip(archive, max_bytes, package_class, shown=url)
    if not path.lower().endswith(".json"):
        parts = urllib.parse.urlsplit(url)
        folder = parts.path if parts.path.endswith("/") else parts.path + "/"
        url = urllib.parse.urlunsplit(parts._replace(path=folder + DESCRIPTOR))
    return package_class(_RemoteFiles(url, timeout, max_bytes))


# ---------------------------------------------------------------- the package


class DataPackage:
    """An opened data package. Tables are read on first use and kept."""

    _shown_class = "opencase.DataPackage"

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
        return (f"<{self._shown_class} {self.name or '?'} {self.version or ''} from "
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
            out.setdefault(table_stem(name), []).append(r)
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
        files = self._source.files(self.resource(name))
        if not files:
            raise LoadError(f"table {name!r} has no file (inline `data` is not supported)")
        return files[0]

    def table(self, name: str) -> pa.Table:
        """Table ``name`` as a ``pyarrow.Table`` (read from Parquet when published so)."""
        if name not in self._tables:
            self._tables[name] = self._read(self.resource(name))
        return self._tables[name]

    def _read(self, resource: dict[str, Any]) -> pa.Table:
        from opencase.datapackage.table.load import read_table

        files = self._source.files(resource)
        shown = ", ".join(resource_paths(resource)) or str(resource.get("name"))
        return read_table(resource, files, shown, self._source.max_bytes)

    def to_pandas(self, name: str) -> pandas.DataFrame:
        """Table ``name`` as a pandas DataFrame (``pip install opencase[pandas]``)."""
        try:
            import pandas  # noqa: F401
        except ImportError:
            raise ImportError("to_pandas needs pandas: pip install 'opencase[pandas]'") from None
        return self.table(name).to_pandas()

    def citations(self, record_id: str, field: str | None = None) -> list[dict[str, Any]]:
        """The citations behind record ``record_id``, as rows of the ``citations`` table
        (quote, prefix, suffix, quote_start/quote_end offsets in the snapshot, source, ...).
        With ``field``, only those that back that field: the ones naming it and the ones that
        back the whole record (with ``field`` ``names`` or ``reported``, also those of the
        record's name variants or reported values: the rows whose ``part`` it is)."""
        import pyarrow.compute as pc

        t = self.table("citations")
        mask = pc.equal(t.column("record_id"), record_id)
        if field is not None and "field" in t.column_names:
            col = t.column("field")
            whole = pc.fill_null(pc.equal(col, ""), True)
            if "part" in t.column_names:  # an item's citations back the item, not the record
                part = t.column("part")
                whole = pc.and_(whole, pc.or_(pc.fill_null(pc.equal(part, ""), True),
                                              pc.fill_null(pc.equal(part, field), False)))
            mask = pc.and_(mask, pc.or_(pc.fill_null(pc.equal(col, field), False), whole))
        return t.filter(mask).to_pylist()


def _cleanup(tmp: Any) -> None:
    try:
        tmp.cleanup()
    except OSError:  # pragma: no cover
        shutil.rmtree(getattr(tmp, "name", ""), ignore_errors=True)
