"""Publishing: validated records -> a Frictionless Data Package (v2) of CSV and Parquet tables.

``publish(records, out)`` validates first and publishes nothing if the records are invalid.
Otherwise it writes, into ``out``:

- ``csv/<table>.csv``: UTF-8, a header row, RFC 4180 (CRLF line ends, text in double quotes,
  an empty cell for no value), and ``parquet/<table>.parquet`` (zstd) with the same rows;
- ``datapackage.json``: Data Package v2 metadata from ``package.yaml`` (see
  :mod:`opencase.publishing.metadata`), the ``sources`` (the source records), and one resource per
  table per format: ``<table>`` for the CSV file and ``<table>-parquet`` for the Parquet file,
  each with path, format, mediatype, a ``sha256:`` hash computed over the written file and the
  table's Table Schema (foreign keys name resources of the same format). CSV resources also
  give ``encoding`` and ``bytes``; Parquet resources give no ``bytes``, because frictionless
  (5.x) cannot count the bytes of a Parquet file and would report every such resource invalid
  (the hash covers the file all the same);
- ``README.md``: the data dictionary (:mod:`opencase.publishing.dictionary`);
- ``croissant.json`` (MLCommons Croissant 1.1) and ``dataset.jsonld`` (a schema.org
  ``Dataset``), from the descriptor (:mod:`opencase.datapackage.linked`), and ``LICENSE`` and
  ``CITATION.cff``, the data's licence and citation (:mod:`opencase.publishing.packagefiles`).
  None of them is a resource: readers of the Data Package see the same resources.

Each Parquet file carries the descriptions of its Table Schema: each column's in its field's
metadata (``description``), the table's in the schema's metadata (``description``, a key of
the file's key-value metadata).

``datapackage.json`` also carries, beside the Data Package properties, the publish date
(``opencase:published``), the languages (``opencase:languages``) and the temporal coverage
(``opencase:temporalCoverage``: from the earliest ``*_start`` to the latest ``*_end`` date of
every table, an ISO 8601 interval); the publisher and the contact are contributors with the
roles ``publisher`` and ``contact``.

``zip`` also writes ``<name>-<version>.zip`` beside the package and its checksum,
``<name>-<version>.zip.sha256`` (the ``sha256sum`` format: ``sha256sum -c`` checks it).

Identical records give identical bytes: rows are in the curator's order (files by path,
records in file order, list items in their order: see :mod:`opencase.publishing.tables`), JSON
is written with a fixed key order, and ``created`` is set only from an explicit value or
``SOURCE_DATE_EPOCH``. The package is written into a temporary folder beside ``out``, checked,
and only then swapped in (in one atomic step on Linux), so a failure leaves the previous
package as it was (and no temporary folder behind). A publish killed part-way cannot clean
up: the next publish into the same folder clears what it left (holding a lock on the folder, so
that it never takes a running publish's files for leftovers).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from opencase.codes import Code
from opencase.datapackage.descriptor import PARQUET_SUFFIX, table_stem
from opencase.datapackage.linked import (
    LANGUAGES_PROPERTY,
    PUBLISHED_PROPERTY,
    TEMPORAL_PROPERTY,
    croissant,
    schema_org_dataset,
    temporal_coverage,
)
from opencase.language.casemodel import EXTENSIONS_PROPERTY, MODEL_PROPERTY, STANDARD, CaseModel
from opencase.language.models import Source
from opencase.progress import Progress
from opencase.publishing.dictionary import data_dictionary
from opencase.publishing.layout import layout, table_schema
from opencase.publishing.metadata import PackageConfig, default_config_path, load_config
from opencase.publishing.packagefiles import (
    CITATION_NAME,
    LICENSE_NAME,
    citation_cff,
    license_text,
    package_files,
)
from opencase.publishing.tables import to_tables
from opencase.publishing.target import (
    Inputs,
    PublishError,
    check_target,
    check_zip_target,
    clear_leftovers,
    lock,
)
from opencase.report import Report
from opencase.validation.quotes import SnapshotIndex
from opencase.validation.validate import validate

__all__ = ["DATAPACKAGE_PROFILE", "Publication", "PublishError", "publish", "write_package"]

DATAPACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
CROISSANT_NAME = "croissant.json"
JSONLD_NAME = "dataset.jsonld"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
MAX_LISTED_UNVERIFIED = 20
WORKERS = max(2, min(4, os.cpu_count() or 1))
_CSV_OPTIONS = pacsv.WriteOptions(include_header=True, eol="\r\n", quoting_style="needed")


@dataclass
class Publication:
    """The outcome of :func:`publish`: the report, and where the package went (if anywhere)."""

    report: Report
    path: Path | None = None
    descriptor: dict[str, Any] | None = None
    zip_path: Path | None = None

    @property
    def ok(self) -> bool:
        return self.report.ok and self.path is not None

    @property
    def checksum_path(self) -> Path | None:
        """The zip's checksum file (``<zip>.sha256``), when a zip was written."""
        return self.zip_path.with_name(self.zip_path.name + ".sha256") if self.zip_path else None

    def format(self, fmt: str) -> str:
        return self.report.format(fmt)


def created_timestamp(created: str | datetime | date | None = None) -> str | None:
    """``created`` (or ``$SOURCE_DATE_EPOCH``) as an RFC 3339 UTC time; ``None`` if neither."""
    if created is None:
        env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
        if not env:
            return None
        try:
            when = datetime.fromtimestamp(int(env), tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise PublishError(f"SOURCE_DATE_EPOCH={env!r} is not a number of seconds") from None
    elif isinstance(created, datetime):
        when = created
    elif isinstance(created, date):
        when = datetime(created.year, created.month, created.day)
    else:
        try:
            when = datetime.fromisoformat(created)
        except ValueError:
            raise PublishError(f"--created {created!r} is not an ISO 8601 date or time, e.g. "
                               "2025-01-31T12:00:00Z") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- writing files


def _write_csv(table: pa.Table, path: Path) -> None:
    pacsv.write_csv(table, str(path), _CSV_OPTIONS)


def _write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, str(path), compression="zstd")


def described(table: pa.Table, schema: Mapping[str, Any], description: str | None) -> pa.Table:
    """``table`` with the descriptions of its Table Schema in its Arrow schema: each
    column's in the field's metadata, the table's in the schema's (key ``description``), which
    Parquet keeps (the file's key-value metadata and the Arrow schema stored in it). No data
    is copied."""
    texts = {f["name"]: f.get("description") for f in schema.get("fields", [])}
    fields = [f.with_metadata({"description": texts[f.name]}) if texts.get(f.name) else f
              for f in table.schema]
    meta = {"description": description} if description else None
    return table.cast(pa.schema(fields, metadata=meta))


def _digest(path: Path) -> tuple[str, int]:
    with path.open("rb") as f:
        return "sha256:" + hashlib.file_digest(f, "sha256").hexdigest(), path.stat().st_size


def _write_and_hash(write: Any, table: pa.Table, path: Path) -> tuple[str, int]:
    write(table, path)
    return _digest(path)


def _resources(tables: Mapping[str, pa.Table], folder: Path, bar: Progress,
               case_model: CaseModel = STANDARD) -> list[dict[str, Any]]:
    """Write every table as CSV and Parquet, and hash each file once written. The files are
    written and hashed in parallel threads (pyarrow and hashlib release the GIL)."""
    specs = layout(case_model)
    (folder / "csv").mkdir()
    (folder / "parquet").mkdir()
    jobs = {}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        try:
            for name, table in tables.items():
                with_texts = described(table, table_schema(name, case_model=case_model),
                                       specs[name].description)
                for fmt, write, data in (("csv", _write_csv, table),
                                         ("parquet", _write_parquet, with_texts)):
                    rel = f"{fmt}/{name}.{fmt}"
                    jobs[(fmt, name)] = pool.submit(_write_and_hash, write, data, folder / rel)
            for future in as_completed(jobs.values()):
                future.result()
                bar.step()
        except BaseException:
            for future in jobs.values():
                future.cancel()
            raise
    csv_res, pq_res = [], []
    for name in tables:
        desc = specs[name].description
        digest, size = jobs[("csv", name)].result()
        csv_res.append({"name": name, "type": "table", "description": desc,
                        "path": f"csv/{name}.csv", "format": "csv", "mediatype": "text/csv",
                        "encoding": "utf-8", "bytes": size, "hash": digest,
                        "schema": table_schema(name, case_model=case_model)})
        digest, _ = jobs[("parquet", name)].result()
        pq_res.append({"name": name + PARQUET_SUFFIX, "type": "table", "description": desc,
                       "path": f"parquet/{name}.parquet", "format": "parquet",
                       "mediatype": PARQUET_MEDIATYPE, "hash": digest,
                       "schema": table_schema(name, resource_suffix=PARQUET_SUFFIX,
                                              nan_missing=True, case_model=case_model)})
    return csv_res + pq_res


def _source_title(source: Source) -> str:
    """Its title; else the first sentence of its description; else its id."""
    if source.title:
        return source.title
    first = " ".join((source.description or "").split()).split(". ")[0].rstrip(".")
    return first if 0 < len(first) <= 200 else source.id


def _contributors(config: PackageConfig) -> list[dict[str, Any]]:
    """The contributors, then the publisher and the contact as contributors with the roles
    ``publisher`` and ``contact`` (the Data Package has no property of their own)."""
    out = [c.model_dump(exclude_none=True, exclude_defaults=True) for c in config.contributors]
    if config.publisher:
        out.append({"title": config.publisher.name,
                    **({"path": config.publisher.url} if config.publisher.url else {}),
                    "roles": ["publisher"]})
    if config.contact:
        c = config.contact
        out.append({"title": c.name, **({"email": c.email} if c.email else {}),
                    **({"path": c.url} if c.url else {}), "roles": ["contact"]})
    return out


def _descriptor(config: PackageConfig, resources: list[dict[str, Any]],
                sources: Sequence[Source], created: str | None,
                case_model: CaseModel = STANDARD, temporal: str | None = None
                ) -> dict[str, Any]:
    d: dict[str, Any] = {"$schema": DATAPACKAGE_PROFILE, "name": config.name,
                         "id": config.package_id, "title": config.title}
    if config.description:
        d["description"] = config.description.strip()
    d["version"] = config.version
    if created:
        d["created"] = created
    if config.homepage:
        d["homepage"] = config.homepage
    if config.keywords:
        d["keywords"] = list(config.keywords)
    d["licenses"] = [lic.model_dump(exclude_none=True) for lic in config.licenses]
    contributors = _contributors(config)
    if contributors:
        d["contributors"] = contributors
    if config.published:
        d[PUBLISHED_PROPERTY] = config.published.isoformat()
    if config.languages:
        d[LANGUAGES_PROPERTY] = list(config.languages)
    if temporal:
        d[TEMPORAL_PROPERTY] = temporal
    d["sources"] = [{"title": _source_title(s), **({"path": s.url} if s.url else {})}
                    for s in sorted(sources, key=lambda s: s.id)]
    # the case model the tables are written with, so that a loader rebuilds the same one
    d[MODEL_PROPERTY] = case_model.version
    if case_model.extensions:
        d[EXTENSIONS_PROPERTY] = case_model.extensions.as_data()
    d["resources"] = resources
    return d


def _dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _verify(folder: Path, descriptor: dict[str, Any], tables: Mapping[str, pa.Table]) -> None:
    """Check the written package before it replaces the old one (each file was hashed once
    written; hashing it again would double the cost of publishing a large package)."""
    if json.loads((folder / "datapackage.json").read_text(encoding="utf-8")) != descriptor:
        raise PublishError("datapackage.json does not read back as written")
    for res in descriptor["resources"]:
        path = folder / res["path"]
        if not path.is_file() or path.stat().st_size != res.get("bytes", path.stat().st_size):
            raise PublishError(f"{res['path']} changed while the package was written")
        if res["format"] == "parquet":
            rows = pq.read_metadata(str(path)).num_rows
            expected = tables[table_stem(res["name"])].num_rows
            if rows != expected:
                raise PublishError(f"{res['path']} holds {rows} rows, not {expected}")


_ZIP_TIMES = ((1980, 1, 1, 0, 0, 0), (2107, 12, 31, 23, 59, 58))  # what a zip entry can hold


def _write_checksum(zip_file: Path, name: str, target: Path) -> None:
    """``target``: the SHA-256 of ``zip_file`` in the ``sha256sum`` format, for ``name``."""
    digest = _digest(zip_file)[0].removeprefix("sha256:")
    target.write_text(f"{digest}  {name}\n", encoding="ascii")


class _Release:
    """Putting a new zip and its checksum in place of the previous ones, the zip's rename
    last: the previous checksum is moved aside, the new one put in its place, then the zip;
    :meth:`restore` (after a failure before the zip's rename) puts the previous checksum back
    (or removes the new one when there was none), so that a failed publish leaves the previous
    zip beside its own checksum."""

    def __init__(self, zip_path: Path) -> None:
        self.zip_path = zip_path
        self.checksum = zip_path.with_name(zip_path.name + ".sha256")
        # named as a temporary checksum is, so that a killed publish's is cleared as one
        self.aside = zip_path.with_name(f".{self.checksum.name}.tmp-{secrets.token_hex(4)}")
        self.moved_aside = self.placed = False

    def place(self, zip_tmp: Path, sum_tmp: Path) -> None:
        if self.checksum.exists():
            os.replace(self.checksum, self.aside)
            self.moved_aside = True
        os.replace(sum_tmp, self.checksum)
        self.placed = True
        os.replace(zip_tmp, self.zip_path)

    def restore(self) -> None:
        if self.moved_aside:
            os.replace(self.aside, self.checksum)
        elif self.placed:
            self.checksum.unlink(missing_ok=True)

    def forget_previous(self) -> None:
        self.aside.unlink(missing_ok=True)


def _write_zip(folder: Path, target: Path, created: str | None) -> None:
    """The package as a zip; every entry is stamped with ``created``, brought into the range a
    zip can hold (1980 to 2107; ``datapackage.json`` keeps the exact time)."""
    stamp = (datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").timetuple()[:6] if created
             else _ZIP_TIMES[0])
    stamp = min(max(stamp, _ZIP_TIMES[0]), _ZIP_TIMES[1])
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    with zipfile.ZipFile(target, "w") as zf:
        for p in files:
            info = zipfile.ZipInfo(p.relative_to(folder).as_posix(), date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, p.read_bytes())


def _exchange(a: Path, b: Path) -> bool:
    """Swap the folders ``a`` and ``b`` in one atomic step (Linux ``renameat2`` with
    ``RENAME_EXCHANGE``), so that neither a reader nor a kill ever finds ``b`` missing.
    ``False`` where the system or file system cannot; raises :class:`OSError` on a failure."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap(tmp: Path, out: Path, old: Path) -> Path | None:
    """Put ``tmp`` at ``out``; returns where the previous ``out`` now is (``tmp`` itself after
    an exchange, else ``old``; None if there was none), for the caller to remove once the
    publish is complete (or to put back: :func:`_rollback`)."""
    if out.exists() and _exchange(tmp, out):
        return tmp  # tmp now holds the previous package
    had_old = out.exists()
    if had_old:
        os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        if had_old:
            os.rename(old, out)
        raise
    return old if had_old else None


def _ident(path: Path) -> tuple[int, int] | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _rollback(tmp: Path, out: Path, old: Path, new: tuple[int, int] | None) -> None:
    """After a failure at any point of a publish: if the new package (the folder whose
    identity is ``new``) is already at ``out``, put the previous one back (from ``tmp`` after
    an exchange, else from ``old``) and the new one at ``tmp``, to be removed."""
    if new is None or _ident(out) != new:
        return  # the swap had not happened
    if _ident(tmp) is not None:  # exchanged: tmp holds the previous package
        if _exchange(tmp, out):
            return
        aside = out.with_name(f".{out.name}.tmp-{secrets.token_hex(4)}")
        os.rename(out, aside)
        os.rename(tmp, out)
        os.rename(aside, tmp)
        return
    os.rename(out, tmp)
    if _ident(old) is not None:
        os.rename(old, out)


def write_package(
    tables: Mapping[str, pa.Table],
    out: str | os.PathLike[str],
    config: PackageConfig,
    *,
    sources: Sequence[Source] = (),
    created: str | None = None,
    make_zip: bool = False,
    progress: bool | None = None,
    inputs: Inputs = (),
    case_model: CaseModel = STANDARD,
    files: Mapping[str, bytes] | None = None,
) -> tuple[dict[str, Any], Path | None]:
    """Write ``tables`` (by name, in :func:`~opencase.publishing.tables.layout` order) as a package
    at
    ``out``, atomically. Returns the descriptor and the zip file written (if ``make_zip``).
    ``inputs``: files and folders the package may not replace (see :func:`_check_target`).
    ``case_model``: the dataset's, whose tables ``tables`` are (default the standard one).
    ``files``: ``LICENSE`` and ``CITATION.cff`` (from
    :func:`~opencase.publishing.packagefiles.package_files`; default: written from
    ``config``)."""
    out = Path(out)
    check_target(out, inputs)
    if make_zip:
        zip_path = out.parent / f"{config.name}-{config.version}.zip"
        check_zip_target(zip_path)
        check_zip_target(zip_path.with_name(zip_path.name + ".sha256"))
    if files is None:
        released = config.published.isoformat() if config.published else (
            created[:10] if created else None)
        files = {LICENSE_NAME: license_text(config).encode("utf-8"),
                 CITATION_NAME: citation_cff(config, released).encode("utf-8")}
    out.parent.mkdir(parents=True, exist_ok=True)
    held = lock(out.parent)
    try:
        if held is not None:
            clear_leftovers(out)
            check_target(out, inputs)
        return _write_package(tables, out, config, sources=sources, created=created,
                              make_zip=make_zip, progress=progress, case_model=case_model,
                              files=files)
    finally:
        if held is not None:
            os.close(held)


def _write_package(
    tables: Mapping[str, pa.Table],
    out: Path,
    config: PackageConfig,
    *,
    sources: Sequence[Source],
    created: str | None,
    make_zip: bool,
    progress: bool | None,
    case_model: CaseModel = STANDARD,
    files: Mapping[str, bytes],
) -> tuple[dict[str, Any], Path | None]:
    bar = Progress(2 * len(tables) + 2 + make_zip, "publishing", enabled=progress)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    new, done = _ident(tmp), False
    old = out.with_name(f".{out.name}.old-{secrets.token_hex(4)}")
    zip_tmp: Path | None = None
    sum_tmp: Path | None = None
    release: _Release | None = None
    zip_path = out.parent / f"{config.name}-{config.version}.zip" if make_zip else None
    try:
        os.chmod(tmp, 0o755)
        resources = _resources(tables, tmp, bar, case_model)
        schemas = {r["name"]: r["schema"] for r in resources}
        temporal = temporal_coverage(tables, schemas)
        descriptor = _descriptor(config, resources, sources, created, case_model, temporal)
        (tmp / "datapackage.json").write_text(_dump_json(descriptor), encoding="utf-8")
        rows = {name: t.num_rows for name, t in tables.items()}
        readme = data_dictionary(descriptor, rows, config.how_to_cite())
        (tmp / "README.md").write_text(readme, encoding="utf-8")
        (tmp / CROISSANT_NAME).write_text(_dump_json(croissant(descriptor)), encoding="utf-8")
        (tmp / JSONLD_NAME).write_text(_dump_json(schema_org_dataset(descriptor)),
                                       encoding="utf-8")
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        bar.step("datapackage.json, README.md, croissant.json, dataset.jsonld")
        _verify(tmp, descriptor, tables)
        bar.step("checked")
        if zip_path is not None:
            token = secrets.token_hex(4)
            zip_tmp = zip_path.with_name(f".{zip_path.name}.tmp-{token}")
            sum_tmp = zip_path.with_name(f".{zip_path.name}.sha256.tmp-{token}")
            _write_zip(tmp, zip_tmp, created)
            _write_checksum(zip_tmp, zip_path.name, sum_tmp)
            bar.step(zip_path.name)
        previous = _swap(tmp, out, old)
        if zip_tmp is not None and sum_tmp is not None and zip_path is not None:
            release = _Release(zip_path)
            release.place(zip_tmp, sum_tmp)  # the zip's rename last: the publish is complete
        done = True
        if release is not None:
            release.forget_previous()
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
    except BaseException:
        if not done:
            try:
                try:
                    if release is not None:
                        release.restore()  # the previous checksum beside the previous zip
                finally:
                    _rollback(tmp, out, old, new)  # a failure after the swap: previous back
            finally:
                if _ident(tmp) == new:  # (else tmp holds the previous package: left for the
                    shutil.rmtree(tmp, ignore_errors=True)  # next publish, if it failed)
                for leftover in (zip_tmp, sum_tmp):
                    if leftover is not None:
                        leftover.unlink(missing_ok=True)
        raise
    finally:
        bar.close()
    return descriptor, zip_path


# ---------------------------------------------------------------- the library call


def _warn_unverified(report: Report, dataset: Any) -> None:
    unverified = sorted(
        (c for c in dataset.all_citations() if c.match is None),
        key=lambda c: (c.record_id, c.place, c.index),
    )
    for c in unverified[:MAX_LISTED_UNVERIFIED]:
        why = ("its source has no snapshot" if c.sha256 is None
               else f"no snapshot {c.sha256[:12]}... of {c.text_source!r} was given")
        where = f"{c.place}.cite[{c.index}]" if c.place else f"cite[{c.index}]"
        report.add(Code.QUOTE_UNVERIFIED, f"{c.record_id} {where}: the quote is published "
                   f"unverified ({why}); its quote_start/quote_end are empty",
                   record_id=c.record_id, field=where)
    if len(unverified) > MAX_LISTED_UNVERIFIED:  # counted (in the summary too), not listed
        more = len(unverified) - MAX_LISTED_UNVERIFIED
        report.omit(Code.QUOTE_UNVERIFIED, more, f"... and {more} more quotes published "
                    "unverified, with empty quote_start/quote_end")


def publish(
    records: str | os.PathLike[str] = "records",
    out: str | os.PathLike[str] = "datapackage",
    *,
    snapshots: str | os.PathLike[str] | SnapshotIndex | None = None,
    config: str | os.PathLike[str] | None = None,
    zip: bool = False,
    created: str | datetime | date | None = None,
    strict: bool = False,
    progress: bool | None = None,
) -> Publication:
    """Validate ``records`` and, if valid, publish them as a data package at ``out``.

    ``config`` is the package metadata file (default: ``package.yaml`` beside ``records``).
    Without ``snapshots`` the quotes are published unverified (``quote-unverified`` warnings,
    empty offsets). ``zip`` also writes ``<name>-<version>.zip`` beside ``out``, and its
    checksum ``<name>-<version>.zip.sha256``. ``created``
    (default ``$SOURCE_DATE_EPOCH``) sets ``created``; otherwise it is left out. ``strict``
    turns warnings into errors. Returns a :class:`Publication` whose ``path`` is ``None`` when
    nothing was published. Raises :class:`PublishError` when ``out`` cannot be used and
    :class:`FileNotFoundError` for a missing records folder, snapshot folder or config file.
    """
    stamp = created_timestamp(created)
    config_path = Path(config) if config else default_config_path(Path(records))
    inputs = [(Path(records), f"the records ({records})"),
              (config_path, f"the package metadata ({config_path})")]
    if snapshots is not None and not isinstance(snapshots, SnapshotIndex):
        inputs.append((Path(snapshots), f"the snapshots ({snapshots})"))
    check_target(Path(out), inputs)  # before validating: a usage error is told at once
    report = validate(records, snapshots, strict=strict, config=config)
    if not report.ok:
        return Publication(report)
    cfg = load_config(config_path, report)
    dataset = report.dataset
    _warn_unverified(report, dataset)
    if cfg is None or not report.ok:
        return Publication(report)
    released = cfg.published.isoformat() if cfg.published else (stamp[:10] if stamp else None)
    files = package_files(cfg, config_path, report, released)
    if files is None or not report.ok:
        return Publication(report)
    tables = to_tables(dataset.records, dataset.citations, dataset.nested,
                       case_model=dataset.case_model)
    descriptor, zip_path = write_package(
        tables, out, cfg, sources=dataset.records.get("sources", []), created=stamp,
        make_zip=zip, progress=progress, inputs=inputs, case_model=dataset.case_model,
        files=files,
    )
    report.stats["tables"] = len(tables)
    report.stats["rows"] = sum(t.num_rows for t in tables.values())
    return Publication(report, Path(out), descriptor, zip_path)
