"""``opencase check``: verify a Data Package (v2) without the records it was built from.

Works on any package whose table resources are CSV (or TSV) or Parquet, not only opencase's:

1. the descriptor: valid JSON, and the structure of the official Data Package v2 profile,
   validated with ``jsonschema`` (:mod:`opencase.datapackage.profile`), plus what the profile
   cannot say (unique resource names, hashes opencase can verify) and the recommendations
   (e.g. lower-case names) as warnings;
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
from opencase.errors import LoadError
from opencase.report import Report, Severity

__all__ = ["check"]

PROFILES_V2 = ("https://datapackage.org/profiles/2.0/datapackage.json",)
PROFILES_V1 = ("data-package", "tabular-data-package", "fiscal-data-package",
               "https://specs.frictionlessdata.io/schemas/data-package.json",
               "https://specs.frictionlessdata.io/schemas/tabular-data-package.json")
_NAME = re.compile(r"^[a-z0-9._/-]+$")
TABLE_FORMATS = ("csv", "tsv", "parquet")


def check(path: str | os.PathLike[str], *, limit: int = 20, strict: bool = False) -> Report:
    """Check the package at ``path`` (a folder, its ``datapackage.json``, or a ``.zip``).

    ``limit``: rows listed per failing check before an "and K more" issue. ``strict``: warnings
    count as errors. Raises :class:`opencase.errors.LoadError` if there is no descriptor at
    ``path``, or for a zip that cannot be unpacked safely."""
    if Path(path).is_file() and (zipfile.is_zipfile(path) or Path(path).suffix.lower() == ".zip"):
        from opencase.datapackage.load import MAX_BYTES
        from opencase.datapackage.unzip import unzip

        with tempfile.TemporaryDirectory(prefix="opencase-check-") as tmp:
            root = unzip(Path(path), Path(tmp), MAX_BYTES, str(path))  # refuses zip slips
            return check(root, limit=limit, strict=strict)
    try:
        descriptor = find_descriptor(path)
    except PackageError as exc:
        raise LoadError(str(exc)) from None
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

    def add(self, code: Code, message: str, *, file: str | None = None,
            field: str | None = None, severity: Severity | None = None) -> None:
        self.report.add(code, message, file=file or self.label, field=field, severity=severity)

    # ------------------------------------------------------------ orchestration

    def run(self) -> None:
        try:
            desc = read_json(self.descriptor)
        except PackageError as exc:
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
        """The descriptor against the Data Package v2 profile (see
        :mod:`opencase.datapackage.profile`), then what the profile does not express: a v1
        ``profile``, an unknown profile, names (unique, lower-case), contributors that are
        objects, byte counts, and hashes (:func:`parse_hash`, stricter than the profile).

        Each resource's ``schema`` and ``dialect`` are left to :mod:`check_schema`, which
        checks them inline or at a path and drops what is malformed, and resource paths to
        opencase's own path-safety checks (the profile's pattern would only repeat them)."""
        add = self.add
        self._check_profile(desc)
        profile = desc.get("$schema", desc.get("profile"))
        if "$schema" not in desc and profile is not None and not isinstance(profile, str):
            add(Code.DESCRIPTOR_INVALID, "`profile` must be a string (the profile URL)")
        elif isinstance(profile, str) and profile not in PROFILES_V2 + PROFILES_V1:
            add(Code.DESCRIPTOR_RECOMMENDATION, f"unknown profile {profile!r}; checked as a Data "
                f"Package v2 (`$schema`: {PROFILES_V2[0]})")
        name = desc.get("name")
        if isinstance(name, str) and not _NAME.match(name):
            add(Code.DESCRIPTOR_RECOMMENDATION, f"the package name {name!r} should use only "
                "lower-case letters, digits, '.', '_', '/' and '-'")
        contributors = desc.get("contributors")
        for i, c in enumerate(contributors if isinstance(contributors, list) else []):
            if not isinstance(c, dict):
                add(Code.DESCRIPTOR_INVALID, f"`/contributors/{i}` must be an object")

    def _check_profile(self, desc: dict[str, Any]) -> None:
        from opencase.datapackage.profile import profile_problems

        resources = desc.get("resources")
        listed: list[Any] = resources if isinstance(resources, list) else []
        if listed:  # schemas and dialects: see _check_package
            desc = {**desc, "resources": [
                {k: v for k, v in r.items() if k not in ("schema", "dialect")}
                if isinstance(r, dict) else r for r in listed]}
        for problem in profile_problems(desc):  # located in the descriptor, by JSON pointer
            at = problem.path[1] if len(problem.path) > 1 and problem.path[0] == "resources" \
                else None
            if isinstance(at, int) and isinstance(listed[at], dict) and (
                    (problem.path[2:3] == ("path",) and resource_paths(listed[at]))
                    or problem.path[2:3] == ("hash",)):
                continue  # the path-safety and hash checks report these
            self.add(Code.DESCRIPTOR_INVALID, problem.message)

    def _resources(self, desc: dict[str, Any]) -> list[_Resource]:
        """The resources (the profile has reported a malformed list or resource)."""
        add = self.add
        raw = desc.get("resources")
        out: list[_Resource] = []
        seen: set[str] = set()
        for i, res in enumerate(raw if isinstance(raw, list) else [], 1):
            if not isinstance(res, dict):
                continue
            name = res.get("name")
            if not isinstance(name, str) or not name:
                name = f"#{i}"
            elif name in seen:
                add(Code.DESCRIPTOR_INVALID, f"two resources are named {name!r}; names must be "
                    "unique")
            elif not _NAME.match(name):
                add(Code.DESCRIPTOR_RECOMMENDATION, f"resource name {name!r} should use only "
                    "lower-case letters, digits, '.', '_', '/' and '-'")
            seen.add(name)
            r = _Resource(i - 1, res, name, _label(res, i - 1, self.label), resource_format(res))
            out.append(r)
            self._check_resource(r)
        return out

    def _check_resource(self, r: _Resource) -> None:
        res, add = r.desc, self.add
        where = f"resource {r.name!r}"
        size = res.get("bytes")
        if isinstance(size, float) or (isinstance(size, int) and not isinstance(size, bool) \
                and size < 0):  # the profile's "integer" allows 4.0 and -1
            add(Code.DESCRIPTOR_INVALID, f"{where}: `bytes` must be a whole number of bytes",
                file=r.label)
        if "hash" in res and parse_hash(res["hash"]) is None:
            add(Code.DESCRIPTOR_INVALID, f"{where}: `hash` {res['hash']!r} is not a hex digest "
                "(`sha256:<64 hex digits>`, or 32 hex digits for MD5)", file=r.label)
        if "path" not in res:
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
            target = resolve_inside(self.root, value)
        except PackageError as exc:
            self.add(Code.UNSAFE_PATH, f"resource {r.name!r}: {what}: {exc}", file=r.label)
            return None
        try:
            loaded = read_json(target)
        except (OSError, PackageError) as exc:
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



def _label(res: dict[str, Any], index: int, descriptor: str) -> str:
    """How issues name a resource (``Issue.file``): its path, or ``datapackage.json#name``."""
    paths = resource_paths(res)
    if len(paths) == 1:
        return paths[0]
    name = res.get("name")
    return f"{descriptor}#{name if isinstance(name, str) and name else f'#{index + 1}'}"
