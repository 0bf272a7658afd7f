"""Reading a Data Package safely: the descriptor, resource paths, hashes, CSV/Parquet twins.

Shared by :mod:`opencase.datapackage.check` (which reports problems) and
:mod:`opencase.datapackage.load`
(which refuses to open a package that has them). Nothing here imports pyarrow.

Resource paths must be relative POSIX paths inside the package: absolute paths, ``~``,
backslashes, ``..`` segments, ``file:`` URLs and symbolic links that lead out of the package
folder are refused and never opened.

**CSV/Parquet twins** (defined here only). A package may hold the same table twice, once as
CSV and once as Parquet (opencase publishes every table so, as resources ``<table>`` and
``<table>-parquet``: :data:`PARQUET_SUFFIX`). A resource name stands for the table
:func:`table_stem` gives: the name without a format suffix (``-csv``, ``_csv``, ``.csv``,
``-parquet``, ``_pq``, ...). Two table resources are twins when one is CSV and the other
Parquet, their Table Schemas have the same field names in the same order, and either their
table stems are equal (ignoring case), or, failing that, their file names are equal without
the extension (``csv/people.csv`` and ``parquet/people.parquet``). A resource with more than
one candidate has no twin.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from opencase.errors import NotARegularFile, PackageError

__all__ = [
    "DESCRIPTOR",
    "HASH_ALGORITHMS",
    "PARQUET_SUFFIX",
    "PackageError",
    "Twin",
    "digest_files",
    "find_descriptor",
    "parse_hash",
    "read_json",
    "resolve_inside",
    "resource_format",
    "resource_paths",
    "table_fields",
    "table_stem",
    "twins",
    "unsafe_path_reason",
]

DESCRIPTOR = "datapackage.json"
MAX_DESCRIPTOR_BYTES = 64 * 1024 * 1024
HASH_ALGORITHMS = ("md5", "sha1", "sha256", "sha512")
_CHUNK = 1 << 20

_URL = re.compile(r"^(?:https?|ftp)s?://", re.IGNORECASE)
_DRIVE = re.compile(r"^[A-Za-z]:")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# control, format (bidi, zero-width), line/paragraph separator and surrogate characters
_HIDDEN = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs"))
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_HEX = re.compile(r"^[0-9a-fA-F]+$")


def find_descriptor(path: str | os.PathLike[str]) -> Path:
    """The ``datapackage.json`` of a package folder, or ``path`` itself if it is a file;
    :class:`PackageError` if there is none."""
    p = Path(path)
    if p.is_dir():
        p = p / DESCRIPTOR
        if not p.exists():
            raise PackageError(f"no data package at {path}: the folder has no {DESCRIPTOR}")
    if not p.exists():
        raise PackageError(f"no data package at {path}: no such file or folder")
    if not p.is_file():
        raise PackageError(f"{p} is not a file")
    return p


def read_json(path: Path, limit: int = MAX_DESCRIPTOR_BYTES) -> Any:
    """Parse a JSON file; :class:`PackageError` (with line and column) if it is not valid JSON,
    not UTF-8 or over ``limit`` bytes (``OSError`` if it cannot be read)."""
    with _open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            raise PackageError(f"{path.name} is {size:,} bytes, more than the {limit:,} allowed")
        raw = f.read(limit + 1)
    if len(raw) > limit:
        raise PackageError(f"{path.name} is more than the {limit:,} bytes allowed")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PackageError(f"{path.name} is not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PackageError(
            f"{path.name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:  # e.g. 100,000 nested [ (json recurses once per level)
        raise PackageError(f"{path.name} nests arrays or objects too deeply to be a data "
                         "package descriptor") from None


def is_remote(path: str) -> bool:
    return bool(_URL.match(path))


def unsafe_path_reason(path: Any) -> str | None:
    """Why a resource path may not be opened, or None if it is a safe relative path.

    Paths with white space at either end or with a control or invisible character anywhere
    are refused (URL parsers strip or drop such characters, so ``" file:/etc/passwd"`` would
    open a local file), as are URLs of any scheme but http(s) and ftp, which are left to the
    caller (see :func:`is_remote`)."""
    if not isinstance(path, str) or not path:
        return "a path must be a non-empty string"
    if path != path.strip():
        return "it begins or ends with white space"
    hidden = next((c for c in path if unicodedata.category(c) in _HIDDEN), None)
    if hidden is not None:
        return f"it contains the control or invisible character U+{ord(hidden):04X}"
    if is_remote(path):
        return None
    if path.startswith(("/", "\\", "~")) or _DRIVE.match(path):
        return "it is absolute (paths must be relative to the package folder)"
    if path.lower().startswith("file:"):
        return "file: URLs are not allowed (use a relative path)"
    if _SCHEME.match(path):
        scheme = path.split(":", 1)[0]
        return (f"it is a {scheme}: URL (only relative paths, and http(s) URLs where they "
                "are read, are allowed)")
    if "\\" in path:
        return "it contains a backslash (use / between folders)"
    if ".." in PurePosixPath(path).parts:
        return "it contains '..' (paths must stay inside the package folder)"
    return None


def resolve_inside(root: Path, path: str) -> Path:
    """``root/path`` with symbolic links resolved; ``PackageError`` if it is unsafe or leads out
    of ``root``."""
    reason = unsafe_path_reason(path)
    if reason:
        raise PackageError(f"resource path {path!r} is refused: {reason}")
    try:
        base = root.resolve()
        target = (base / path).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop; a name too long
        raise PackageError(f"resource path {path!r} cannot be resolved: {exc}") from None
    if not target.is_relative_to(base):
        raise PackageError(f"resource path {path!r} leads out of the package folder")
    return target


def resource_paths(resource: dict[str, Any]) -> list[str]:
    """The resource's path(s) as a list ([] for inline data or a malformed path)."""
    p = resource.get("path")
    if isinstance(p, str):
        return [p]
    if isinstance(p, list) and p and all(isinstance(x, str) for x in p):
        return list(p)
    return []


_FORMATS = {
    "csv": "csv", "tsv": "tsv", "parquet": "parquet", "pq": "parquet",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
    "application/vnd.apache.parquet": "parquet", "application/x-parquet": "parquet",
    "application/parquet": "parquet",
}


def resource_format(resource: dict[str, Any]) -> str | None:
    """``csv``, ``tsv``, ``parquet``, another declared format in lower case, or None."""
    fmt = resource.get("format")
    if isinstance(fmt, str) and fmt:
        return _FORMATS.get(fmt.lower(), fmt.lower())
    media = resource.get("mediatype")
    if isinstance(media, str) and media.lower() in _FORMATS:
        return _FORMATS[media.lower()]
    paths = resource_paths(resource)
    if paths:
        name = paths[0].lower()
        for suffix in (".gz", ".bz2", ".zip"):
            name = name.removesuffix(suffix)
        ext = name.rsplit(".", 1)[-1] if "." in name else ""
        return _FORMATS.get(ext, ext or None)
    return None


def parse_hash(value: Any) -> tuple[str, str] | None:
    """``(algorithm, hex digest)`` of a ``hash`` property, or None if it is malformed.

    ``sha256:<hex>`` (any of md5, sha1, sha256, sha512) or a bare hex MD5 digest."""
    if not isinstance(value, str):
        return None
    algo, sep, digest = value.partition(":")
    if not sep:
        algo, digest = "md5", value
    algo = algo.lower()
    if algo not in HASH_ALGORITHMS or not _HEX.match(digest):
        return None
    if len(digest) != hashlib.new(algo).digest_size * 2:
        return None
    return algo, digest.lower()


def digest_files(paths: Iterable[Path], algorithm: str | None) -> tuple[int, str | None]:
    """Total size and hex digest (None without an algorithm) of the files, read in order."""
    h = hashlib.new(algorithm) if algorithm else None
    size = 0
    for p in paths:
        with _open_regular(p) as f:
            while chunk := f.read(_CHUNK):
                size += len(chunk)
                if h is not None:
                    h.update(chunk)
    return size, (h.hexdigest() if h is not None else None)


def _open_regular(path: Path) -> Any:
    """``path`` opened for reading, if it is a regular file: a FIFO or device put in its place
    since it was checked is refused, not waited on."""
    fd = os.open(path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotARegularFile(str(path), "not a regular file")
        if _NONBLOCK:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def table_fields(schema: Any) -> list[str | None] | None:
    """The field names of a Table Schema (None for a field without one), or None."""
    if isinstance(schema, dict) and isinstance(schema.get("fields"), list):
        return [f.get("name") for f in schema["fields"] if isinstance(f, dict)]
    return None


PARQUET_SUFFIX = "-parquet"  # opencase names a table's Parquet resource <table>-parquet
_FORMAT_SUFFIX = re.compile(r"[-_.](?:csv|tsv|parquet|pq)$", re.IGNORECASE)


def table_stem(name: str) -> str:
    """The table a resource name stands for: the name without a format suffix
    (``people-parquet`` and ``people_csv`` stand for ``people``)."""
    return _FORMAT_SUFFIX.sub("", name)


@dataclass(frozen=True)
class Twin:
    csv: int  # index of the CSV resource
    parquet: int  # index of the Parquet resource


def twins(resources: list[dict[str, Any]], schemas: list[Any]) -> list[Twin]:
    """CSV/Parquet resource pairs holding the same table (see the module docstring).

    ``schemas`` are the resources' Table Schemas, already dereferenced."""
    tables: list[tuple[int, str, list[str | None]]] = []
    for i, (res, schema) in enumerate(zip(resources, schemas, strict=True)):
        fmt = resource_format(res) if isinstance(res, dict) else None
        names = table_fields(schema)
        if fmt in ("csv", "tsv", "parquet") and names:
            tables.append((i, "parquet" if fmt == "parquet" else "csv", names))

    def key_name(i: int) -> str | None:
        name = resources[i].get("name")
        return table_stem(name).lower() if isinstance(name, str) else None

    def key_path(i: int) -> str | None:
        paths = resource_paths(resources[i])
        if len(paths) != 1:
            return None
        stem = PurePosixPath(paths[0]).name.lower()
        for suffix in (".gz", ".bz2"):
            stem = stem.removesuffix(suffix)
        return stem.rsplit(".", 1)[0]

    pairs: list[Twin] = []
    paired: set[int] = set()
    for key in (key_name, key_path):
        groups: dict[tuple[str, tuple[str | None, ...]], list[tuple[int, str]]] = {}
        for i, kind, names in tables:
            k = key(i)
            if i not in paired and k:
                groups.setdefault((k, tuple(names)), []).append((i, kind))
        for members in groups.values():
            csvs = [i for i, kind in members if kind == "csv"]
            pqs = [i for i, kind in members if kind == "parquet"]
            if len(csvs) == 1 and len(pqs) == 1:
                pairs.append(Twin(csvs[0], pqs[0]))
                paired.update((csvs[0], pqs[0]))
    return sorted(pairs, key=lambda t: t.csv)
