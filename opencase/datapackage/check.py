"""``opencase check``: verify a Data Package (v2) without the records it was built from.

Works on any package whose table resources are CSV (or TSV) or Parquet, not only opencase's:

1. the descriptor: valid JSON, and the structure the Data Package v2 profile requires
   (resources with unique names and a path or inline data, licences, contributors, sources,
   hashes, Table Schemas, dialects), plus the recommendations (e.g. lower-case names) as
   warnings;
2. resource paths: relative and inside the package (absolute, ``..``, ``~`` and symlinks that
   lead out are refused and never opened; URLs are not fetched: this runs offline);
3. every ``bytes`` and ``hash`` (``sha256:<hex>``, ``md5:``/``sha1:``/``sha512:`` or a bare MD5
   hex digest) against the file;
4. the data, column-wise with pyarrow (``table.read`` and ``table.read_csv`` read, ``table.cast``
   casts, ``table.checker`` checks, :mod:`opencase.datapackage.check_data` runs them): header,
   row shape, types, constraints, missing values, primary, unique and foreign keys (to the
   same or another resource), of every file resource and of inline ``data``
   (:mod:`opencase.datapackage.check_schema` checks the Table Schemas and dialects first: a
   declared value that cannot work is an error);
5. CSV/Parquet twins (the same table in both formats, paired as
   :mod:`opencase.datapackage.descriptor` describes) hold identical rows; a Parquet twin that
   matches its CSV is not checked again.

Issues are located by resource path (``Issue.file``), row (``Issue.line``, numbered as
frictionless does: the header is row 1) and field (``Issue.field``). Each data check lists its
first ``limit`` failing rows, then one issue saying how many more there are.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from opencase.codes import Code
from opencase.datapackage.check_schema import (
    check_dialect,
    check_schema,
    fk_problem,
    inferred_schema,
)
from opencase.datapackage.descriptor import (
    PackageError,
    digest_files,
    find_descriptor,
    is_remote,
    parse_hash,
    read_json,
    resolve_inside,
    resource_format,
    resource_paths,
    twins,
    unsafe_path_reason,
)
from opencase.datapackage.table.read_csv import csv_labels
from opencase.report import Report, Severity

__all__ = ["check"]

PROFILES_V2 = ("https://datapackage.org/profiles/2.0/datapackage.json",)
PROFILES_V1 = ("data-package", "tabular-data-package", "fiscal-data-package",
               "https://specs.frictionlessdata.io/schemas/data-package.json",
               "https://specs.frictionlessdata.io/schemas/tabular-data-package.json")
_NAME = re.compile(r"^[a-z0-9._/-]+$")
_MEDIATYPE = re.compile(r"^[^/\s]+/[^/\s]+$")
TABLE_FORMATS = ("csv", "tsv", "parquet")


def check(path: str | os.PathLike[str], *, limit: int = 20, strict: bool = False) -> Report:
    """Check the package at ``path`` (a folder, its ``datapackage.json``, or a ``.zip``).

    ``limit``: rows listed per failing check before an "and K more" issue. ``strict``: warnings
    count as errors. Raises ``FileNotFoundError`` if there is no descriptor at ``path``, and
    :class:`opencase.datapackage.load.LoadError` for a zip that cannot be unpacked safely."""
    if Path(path).is_file() and (zipfile.is_zipfile(path) or Path(path).suffix.lower() == ".zip"):
        from opencase.datapackage.load import MAX_BYTES
        from opencase.datapackage.unzip import unzip

        with tempfile.TemporaryDirectory(prefix="opencase-check-") as tmp:
            root = unzip(Path(path), Path(tmp), MAX_BYTES, str(path))  # refuses zip slips
            return check(root, limit=limit, strict=strict)
    descriptor = find_descriptor(path)
    report = Report(strict=strict)
    with _memory_pool():
        _Checker(descriptor, report, max(1, limit)).run()
    return report


@contextmanager
def _memory_pool() -> Iterator[None]:
    """Arrow's jemalloc pool while checking, where pyarrow has it: it gives freed memory back
    to the system between tables, which keeps the peak near the largest table (mimalloc, the
    default, keeps it: a third more at 1M rows)."""
    import pyarrow as pa

    previous = pa.default_memory_pool()
    try:
        pool = pa.jemalloc_memory_pool()
    except (NotImplementedError, pa.ArrowNotImplementedError):
        yield
        return
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


@dataclass
class _Resource:
    index: int
    desc: dict[str, Any]
    name: str
    label: str  # the path shown as Issue.file
    fmt: str | None
    files: list[Path] = field(default_factory=list)
    schema: dict[str, Any] | None = None
    dialect: dict[str, Any] = field(default_factory=dict)
    digest: Future[tuple[int, str | None]] | None = None


class _Checker:
    def __init__(self, descriptor: Path, report: Report, limit: int) -> None:
        self.descriptor = descriptor
        self.root = descriptor.parent
        self.report = report
        self.limit = limit
        self.label = descriptor.name

    def add(self, code: str, message: str, *, file: str | None = None,
            field: str | None = None, severity: Severity | None = None) -> None:
        self.report.add(code, message, file=file or self.label, field=field, severity=severity)

    # ------------------------------------------------------------ orchestration

    def run(self) -> None:
        try:
            desc = read_json(self.descriptor)
        except ValueError as exc:
            self.add(Code.DESCRIPTOR_JSON, str(exc))
            return
        if not isinstance(desc, dict):
            self.add(Code.DESCRIPTOR_JSON, "the descriptor must be a JSON object")
            return
        self._check_package(desc)
        resources = self._resources(desc)
        self._check_schemas(resources)
        with ThreadPoolExecutor(max_workers=2) as pool:
            for r in resources:
                if r.files and ("bytes" in r.desc or "hash" in r.desc):
                    parsed = parse_hash(r.desc.get("hash"))
                    r.digest = pool.submit(digest_files, r.files, parsed[0] if parsed else None)
            rows = self._check_tables(resources)
            for r in resources:
                self._check_digest(r)
        tables = sum(1 for r in resources if r.schema is not None and (
            r.fmt in TABLE_FORMATS or "data" in r.desc))
        self.report.stats.update({"resources": len(resources), "tables": tables, "rows": rows})

    # ------------------------------------------------------------ descriptor

    def _check_package(self, desc: dict[str, Any]) -> None:
        add = self.add
        profile = desc.get("$schema", desc.get("profile"))
        if profile is not None and not isinstance(profile, str):
            add(Code.DESCRIPTOR_INVALID, "`$schema` must be a string (the profile URL)")
        elif isinstance(profile, str) and profile not in PROFILES_V2 + PROFILES_V1:
            add(Code.DESCRIPTOR_RECOMMENDATION, f"unknown profile {profile!r}; checked as a Data "
                f"Package v2 (`$schema`: {PROFILES_V2[0]})")
        for key in ("name", "id", "title", "description", "version", "homepage", "image"):
            if key in desc and not isinstance(desc[key], str):
                add(Code.DESCRIPTOR_INVALID, f"`{key}` must be a string")
        name = desc.get("name")
        if isinstance(name, str) and not _NAME.match(name):
            add(Code.DESCRIPTOR_RECOMMENDATION, f"the package name {name!r} should use only "
                "lower-case letters, digits, '.', '_', '/' and '-'")
        created = desc.get("created")
        if created is not None and not _is_datetime(created):
            add(Code.DESCRIPTOR_INVALID, f"`created` must be an RFC 3339 date-time, e.g. "
                f"2024-01-31T12:00:00Z, not {created!r}")
        kw = desc.get("keywords")
        if kw is not None and not (isinstance(kw, list) and all(isinstance(k, str) for k in kw)):
            add(Code.DESCRIPTOR_INVALID, "`keywords` must be an array of strings")
        self._check_licenses(desc, "the package")
        self._check_list_of_objects(desc, "contributors", ("title", "givenName", "familyName",
                                                           "organization", "path", "email"))
        self._check_list_of_objects(desc, "sources", ("title", "path", "email", "version"))
        for c in desc.get("contributors") or []:
            if isinstance(c, dict) and "roles" in c and not (
                isinstance(c["roles"], list) and all(isinstance(x, str) for x in c["roles"])
            ):
                add(Code.DESCRIPTOR_INVALID, "a contributor's `roles` must be an array of strings")

    def _check_licenses(self, obj: dict[str, Any], where: str,
                        file: str | None = None) -> None:
        if "licenses" not in obj:
            return
        lic = obj["licenses"]
        if not isinstance(lic, list) or not lic:
            self.add(Code.DESCRIPTOR_INVALID, f"`licenses` of {where} must be a non-empty array",
                     file=file)
            return
        for item in lic:
            if not isinstance(item, dict) or not (
                isinstance(item.get("name"), str) or isinstance(item.get("path"), str)
            ):
                self.add(Code.DESCRIPTOR_INVALID, f"each licence of {where} needs a `name` (e.g. "
                         "CC-BY-4.0) or a `path` (its URL)", file=file)

    def _check_list_of_objects(self, obj: dict[str, Any], key: str,
                               strings: tuple[str, ...], file: str | None = None) -> None:
        if key not in obj:
            return
        items = obj[key]
        if not isinstance(items, list):
            self.add(Code.DESCRIPTOR_INVALID, f"`{key}` must be an array", file=file)
            return
        for i, item in enumerate(items, 1):
            if not isinstance(item, dict):
                self.add(Code.DESCRIPTOR_INVALID, f"`{key}` item {i} must be an object", file=file)
                continue
            for s in strings:
                if s in item and not isinstance(item[s], str):
                    self.add(Code.DESCRIPTOR_INVALID, f"`{key}` item {i}: `{s}` must be a string",
                             file=file)

    def _resources(self, desc: dict[str, Any]) -> list[_Resource]:
        add = self.add
        raw = desc.get("resources")
        if not isinstance(raw, list) or not raw:
            add(Code.DESCRIPTOR_INVALID, "`resources` must be a non-empty array of resources")
            return []
        out: list[_Resource] = []
        seen: set[str] = set()
        for i, res in enumerate(raw, 1):
            if not isinstance(res, dict):
                add(Code.DESCRIPTOR_INVALID, f"resource {i} must be an object")
                continue
            name = res.get("name")
            if not isinstance(name, str) or not name:
                add(Code.DESCRIPTOR_INVALID, f"resource {i} needs a `name` (a string)")
                name = f"#{i}"
            elif name in seen:
                add(Code.DESCRIPTOR_INVALID, f"two resources are named {name!r}; names must be "
                    "unique")
            elif not _NAME.match(name):
                add(Code.DESCRIPTOR_RECOMMENDATION, f"resource name {name!r} should use only "
                    "lower-case letters, digits, '.', '_', '/' and '-'")
            seen.add(name)
            paths = resource_paths(res)
            label = paths[0] if len(paths) == 1 else f"{self.label}#{name}"
            r = _Resource(i - 1, res, name, label, resource_format(res))
            out.append(r)
            self._check_resource(r)
        return out

    def _check_resource(self, r: _Resource) -> None:
        res, add = r.desc, self.add
        where = f"resource {r.name!r}"
        has_path, has_data = "path" in res, "data" in res
        if has_path == has_data:
            add(Code.DESCRIPTOR_INVALID, f"{where} needs exactly one of `path` and `data`")
        if has_path and not resource_paths(res):
            add(Code.DESCRIPTOR_INVALID, f"{where}: `path` must be a string or a non-empty array "
                "of strings")
        for key in ("title", "description", "format", "mediatype", "encoding", "type"):
            if key in res and not isinstance(res[key], str):
                add(Code.DESCRIPTOR_INVALID, f"{where}: `{key}` must be a string", file=r.label)
        media = res.get("mediatype")
        if isinstance(media, str) and not _MEDIATYPE.match(media):
            add(Code.DESCRIPTOR_INVALID, f"{where}: `mediatype` {media!r} is not a media type "
                "like text/csv", file=r.label)
        size = res.get("bytes")
        if size is not None and (isinstance(size, bool) or not isinstance(size, int)
                                 or size < 0):
            add(Code.DESCRIPTOR_INVALID, f"{where}: `bytes` must be a whole number of bytes",
                file=r.label)
        if "hash" in res and parse_hash(res["hash"]) is None:
            add(Code.DESCRIPTOR_INVALID, f"{where}: `hash` {res['hash']!r} is not a hex digest "
                "(`sha256:<64 hex digits>`, or 32 hex digits for MD5)", file=r.label)
        self._check_licenses(res, where, r.label)
        self._check_list_of_objects(res, "sources", ("title", "path", "email"), r.label)
        if not has_path:
            return
        files: list[Path] = []
        for p in resource_paths(res):
            reason = unsafe_path_reason(p)
            if reason:
                add(Code.UNSAFE_PATH, f"{where}: path {p!r} is refused and not read: {reason}",
                    file=r.label)
                return
            if is_remote(p):
                add(Code.REMOTE_RESOURCE, f"{where} is at {p}; opencase check works offline and "
                    "does not fetch it", file=r.label)
                return
            try:
                target = resolve_inside(self.root, p)
            except PackageError as exc:
                add(Code.UNSAFE_PATH, f"{where}: {exc}; it is not read", file=r.label)
                return
            try:
                st = os.stat(target)
            except FileNotFoundError:
                add(Code.RESOURCE_MISSING, f"{where}: {p} does not exist", file=r.label)
                return
            except OSError as exc:
                add(Code.IO_ERROR, f"{where}: {p} cannot be read: {exc.strerror}", file=r.label)
                return
            if not stat.S_ISREG(st.st_mode):
                add(Code.RESOURCE_MISSING, f"{where}: {p} is not a regular file", file=r.label)
                return
            files.append(target)
        r.files = files

    def _load_ref(self, value: Any, what: str, r: _Resource) -> dict[str, Any] | None:
        """A schema or dialect given inline or as a path to a JSON file in the package."""
        if isinstance(value, dict):
            return value
        if not isinstance(value, str):
            self.add(Code.DESCRIPTOR_INVALID, f"resource {r.name!r}: `{what}` must be an object "
                     "or a path", file=r.label)
            return None
        if is_remote(value):
            self.add(Code.REMOTE_RESOURCE, f"resource {r.name!r}: the {what} at {value} is not "
                     "fetched (offline); the data is not checked against it", file=r.label)
            return None
        try:
            loaded = read_json(resolve_inside(self.root, value))
        except PackageError as exc:
            self.add(Code.UNSAFE_PATH, f"resource {r.name!r}: {what}: {exc}", file=r.label)
            return None
        except (OSError, ValueError) as exc:
            self.add(Code.DESCRIPTOR_INVALID, f"resource {r.name!r}: the {what} {value!r} cannot "
                     f"be read: {exc}", file=r.label)
            return None
        if not isinstance(loaded, dict):
            self.add(Code.DESCRIPTOR_INVALID, f"resource {r.name!r}: the {what} {value!r} must be "
                     "a JSON object", file=r.label)
            return None
        return loaded

    # ------------------------------------------------------------ table schemas

    def _check_schemas(self, resources: list[_Resource]) -> None:
        for r in resources:
            if "schema" in r.desc:
                r.schema = self._load_ref(r.desc["schema"], "schema", r)
            if "dialect" in r.desc:
                r.dialect = self._dialect_ok(r, self._load_ref(r.desc["dialect"], "dialect", r))
            if "schema" not in r.desc and "path" not in r.desc and "data" in r.desc:
                r.schema = inferred_schema(r.desc["data"], r.dialect)
                if r.schema is None:
                    self.add(Code.DESCRIPTOR_INVALID, f"resource {r.name!r}: inline `data` must "
                             "be a non-empty array of rows, all arrays (the first the header) "
                             "or all objects; other inline data is not checked", file=r.label)
            if "schema" not in r.desc and r.fmt in ("csv", "tsv") and r.files:
                # no schema: the header's labels as fields of any type, so that the rows'
                # shape (row lengths, blank rows, labels) is checked as frictionless checks it
                r.schema = {"fields": [{"name": n, "type": "any"} for n in csv_labels(
                    r.files[0], r.desc, r.dialect, r.fmt)]}
            if r.schema is not None and not self._schema_ok(r):
                r.schema = None
            if r.schema is not None and r.fmt not in TABLE_FORMATS and r.files:
                self.add(Code.FORMAT_UNSUPPORTED, f"resource {r.name!r} has a Table Schema but its "
                         f"format ({r.fmt or 'unknown'}) is not CSV, TSV or Parquet: its rows are "
                         "not checked, only its bytes and hash", file=r.label)
        schemas = {r.name: r.schema for r in resources}
        for r in resources:
            if r.schema is not None:
                self._check_foreign_keys(r, schemas)

    def _dialect_ok(self, r: _Resource, dialect: dict[str, Any] | None) -> dict[str, Any]:
        return check_dialect(dialect, lambda msg, fld: self.add(
            Code.DESCRIPTOR_INVALID, f"resource {r.name!r}: {msg}", file=r.label))

    def _schema_ok(self, r: _Resource) -> bool:
        assert r.schema is not None
        return check_schema(r.schema, lambda msg, fld: self.add(
            Code.SCHEMA_INVALID, f"resource {r.name!r}: {msg}", file=r.label, field=fld))

    def _check_foreign_keys(self, r: _Resource,
                            schemas: dict[str, dict[str, Any] | None]) -> None:
        s = r.schema
        assert s is not None
        fks = s.get("foreignKeys")
        if fks is None:
            return
        good: list[dict[str, Any]] = []
        names = [f["name"] for f in s["fields"] if isinstance(f, dict) and "name" in f]
        for fk in fks if isinstance(fks, list) else [None]:
            msg = fk_problem(fk, names, r.name, schemas)
            if msg:
                self.add(Code.SCHEMA_INVALID, f"resource {r.name!r}: foreign key: {msg}",
                         file=r.label)
            else:
                good.append(fk)  # type: ignore[arg-type]
        s["foreignKeys"] = good

    # ------------------------------------------------------------ data

    def _check_tables(self, resources: list[_Resource]) -> int:
        from opencase.datapackage.check_data import DataChecker

        tables = [r for r in resources if _is_table(r)]
        schemas = [r.schema if r in tables else None for r in resources]
        pairs = twins([r.desc for r in resources], schemas)
        data = DataChecker(self.report, self.limit)
        return data.run(tables, [(resources[t.csv], resources[t.parquet]) for t in pairs])

    def _check_digest(self, r: _Resource) -> None:
        if r.digest is None:
            return
        try:
            size, digest = r.digest.result()
        except OSError as exc:
            self.add(Code.IO_ERROR, f"resource {r.name!r}: cannot be read: {exc}", file=r.label)
            return
        shown = ", ".join(str(p.relative_to(self.root.resolve())) for p in r.files)
        declared = r.desc.get("bytes")
        if isinstance(declared, int) and not isinstance(declared, bool) and declared != size:
            self.add(Code.BYTES_MISMATCH, f"{shown} is {size:,} bytes but the descriptor says "
                     f"{declared:,}: the file was changed after publishing, or `bytes` is stale",
                     file=r.label)
        parsed = parse_hash(r.desc.get("hash"))
        if parsed and digest != parsed[1]:
            self.add(Code.HASH_MISMATCH, f"{shown} has {parsed[0]} {digest} but the descriptor "
                     f"says {parsed[1]}: the file was changed after publishing, or `hash` is "
                     "stale", file=r.label)


def _is_table(r: _Resource) -> bool:
    """Whether the rows of ``r`` are checked: a Table Schema, and a CSV, TSV or Parquet file
    or inline ``data`` (whatever its declared format)."""
    if r.schema is None:
        return False
    if "data" in r.desc and "path" not in r.desc:
        return True
    return r.fmt in TABLE_FORMATS and bool(r.files)


def _is_datetime(value: Any) -> bool:
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d", value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
