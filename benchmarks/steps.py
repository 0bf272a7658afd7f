"""The benchmark steps that are not a plain command line, each run in a process of its own by
``benchmarks/run.py`` (so that its peak memory is its own). Each prints one line of JSON:
``{"seconds": ...}`` when the time to measure is not the whole process's.

- ``import``: the time ``import opencase`` takes, inside the process;
- ``import-reference``: the time ``import pydantic, yaml`` takes, inside the process (the issue
  measured 0.11 s for it on the machine its bars were set on: the start-up bars are scaled by
  what it takes here, in the same run);
- ``parse-reference RECORDS``: PyYAML's C loader alone (values kept as text), on the same
  record files as ``validate`` (the issue measured 28 s for it at 100k records: the 5 s bar
  is scaled by what it takes here);
- ``validate-reference RECORDS``: what a user would write without opencase: PyYAML's C loader
  (``CSafeLoader``, with YAML 1.1 type guessing switched off so that values stay text, as
  opencase keeps them) and pydantic validation of every record with opencase's models;
- ``validate-variant RECORDS SNAPSHOTS VARIANT``: :func:`opencase.validate` (issues only, as
  ``opencase validate`` asks), timed inside, as opencase runs it (``opencase``) or without one
  piece of its speed machinery: ``exact-reader`` (every file read by the exact reader on
  libyaml's events, not the fast line reader) or ``one-process`` (every record checked in
  this process, not in two halves at once); ``checks`` and ``checks-one-process`` time only
  the checks of each record (the step the two halves share), with and without the halves;
- ``read RECORDS fast|lines|exact|gc-running``: reading alone
  (:func:`opencase.reading.files.read_records`) as opencase reads (``fast``: the line reader
  and record shapes, the garbage collector paused), with the line reader alone (``lines``: no
  record shapes), with the exact reader alone (``exact``), or as opencase reads but with the
  garbage collector running (``gc-running``);
- ``publish TABLE.parquet OUT``: opencase's package writer (``write_package``: CSV and Parquet,
  hashes, descriptor, data dictionary, verification, atomic swap) on one table;
- ``publish-reference TABLE.parquet OUT``: pyarrow writing the same table to CSV and Parquet
  (zstd) directly.

Both publish steps read the table first and time only the writing.

- ``diff-prepare PACKAGE OUT``: a second version of PACKAGE in OUT, made with pyarrow: in
  ``events``, 2,000 descriptions and 1,000 places changed, 1,000 rows removed and 1,000 added;
  in ``citations``, 1,000 quotes changed, 2,000 rows removed and 2,000 added; every other
  table as it was. Written as Parquet with a descriptor of its Parquet resources (bytes and
  SHA-256 of each file), version 2.0.0;
- ``diff-reference OLD NEW``: pyarrow reading every Parquet table of both packages (the files
  ``opencase diff`` reads), timed inside;
- ``sqlite-reference PACKAGE OUT``: what a user would write to put a package into SQLite
  without opencase: every Parquet table read with pyarrow and inserted, untyped and without
  keys, constraints, full-text indexes or views, with ``executemany`` (dates as text), the
  whole run timed (``opencase export sqlite`` is timed as a command beside it).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def step_import() -> dict[str, float]:
    t0 = time.perf_counter()
    import opencase  # noqa: F401

    return {"seconds": time.perf_counter() - t0}


def step_import_reference() -> dict[str, float]:
    t0 = time.perf_counter()
    import pydantic  # noqa: F401
    import yaml  # noqa: F401

    return {"seconds": time.perf_counter() - t0}


def _loader():  # type: ignore[no-untyped-def]
    import yaml

    class Loader(yaml.CSafeLoader):
        """The C loader, every scalar kept as text (no YAML 1.1 guessing)."""

    Loader.yaml_implicit_resolvers = {}
    return Loader


def step_parse_reference(records: str) -> dict[str, float]:
    import yaml

    loader = _loader()
    count = 0
    for path in sorted(Path(records).rglob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        count += sum(len(items or []) for items in (data or {}).values())
    return {"records": count}


def step_validate_reference(records: str) -> dict[str, float]:
    import yaml
    from pydantic import ValidationError

    from opencase.language.models import KINDS

    Loader = _loader()
    ok = bad = 0
    for path in sorted(Path(records).rglob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)
        for kind, items in (data or {}).items():
            model = KINDS[kind]
            for item in items or []:
                try:
                    model.model_validate(item)
                    ok += 1
                except ValidationError:
                    bad += 1
    return {"valid": ok, "invalid": bad}


def step_read(records: str, reader: str) -> dict[str, float]:
    from opencase import gcpause
    from opencase.reading import files

    if reader == "exact":
        files.read_fast = lambda text, **kw: None  # every file to the exact reader
    elif reader == "lines":
        from opencase.reading import fastyaml

        fastyaml._SHAPES_FROM = sys.maxsize  # no file is large enough for record shapes
    elif reader == "gc-running":
        import contextlib

        gcpause.paused = contextlib.nullcontext  # type: ignore[assignment]
    elif reader != "fast":
        raise SystemExit(f"unknown reader {reader!r}: fast, lines, exact or gc-running")
    import opencase.language.models  # noqa: F401  (imported before the clock starts)

    t0 = time.perf_counter()
    count = len(files.read_records(records).records)
    return {"seconds": time.perf_counter() - t0, "records": count}


def step_validate_variant(records: str, snapshots: str, variant: str) -> dict[str, float]:
    from opencase.reading import files
    from opencase.validation import halves
    from opencase.validation import validate as validating

    if variant == "exact-reader":
        files.read_fast = lambda text, **kw: None  # every file to the exact reader
    elif variant in ("one-process", "checks-one-process"):
        halves._can_fork = lambda: False  # every record checked in this process
    elif variant not in ("opencase", "checks"):
        raise SystemExit(f"unknown variant {variant!r}: opencase, exact-reader, one-process, "
                         "checks or checks-one-process")
    checks = [0.0]  # the time of the checks of each record (models and the rest)
    in_two = validating.in_two

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return in_two(*args, **kwargs)
        finally:
            checks[0] += time.perf_counter() - t

    validating.in_two = timed
    t0 = time.perf_counter()
    report = validating.validate(records, snapshots, dataset=False)
    seconds = time.perf_counter() - t0
    if variant.startswith("checks"):
        seconds = checks[0]
    return {"seconds": seconds, "issues": len(report.issues)}


def _table(path: str):  # type: ignore[no-untyped-def]
    import pyarrow.parquet as pq

    return pq.read_table(path)


def step_publish(table_path: str, out: str) -> dict[str, float]:
    from opencase.publishing.metadata import PackageConfig
    from opencase.publishing.publish import write_package

    table = _table(table_path)
    name = Path(table_path).stem
    config = PackageConfig(name="opencase-benchmark", title="benchmark", version="1.0.0")
    t0 = time.perf_counter()
    write_package({name: table}, out, config, progress=False)
    return {"seconds": time.perf_counter() - t0, "rows": table.num_rows}


def step_publish_reference(table_path: str, out: str) -> dict[str, float]:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = _table(table_path)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    pacsv.write_csv(table, str(folder / "table.csv"))
    pq.write_table(table, str(folder / "table.parquet"), compression="zstd")
    return {"seconds": time.perf_counter() - t0, "rows": table.num_rows}


def step_diff_prepare(package: str, out: str) -> dict[str, float]:
    import hashlib
    import shutil

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    src, dst = Path(package), Path(out)
    shutil.rmtree(dst, ignore_errors=True)
    (dst / "parquet").mkdir(parents=True)
    desc = json.loads((src / "datapackage.json").read_text(encoding="utf-8"))
    desc["resources"] = [r for r in desc["resources"] if r.get("format") == "parquet"]
    desc["version"] = "2.0.0"  # rows removed: a major release

    def every(t: pa.Table, step: int, start: int, count: int) -> pa.Array:
        n = t.num_rows
        return pc.unique(pa.array([(start + i * step) % n for i in range(min(count, n))],
                                  pa.int64()))

    def edit(t: pa.Table, column: str, at: pa.Array, prefix: str) -> pa.Table:
        mask = pc.is_in(pa.array(range(t.num_rows), pa.int64()), value_set=at)
        col = t.column(column)
        new = pc.if_else(mask, pc.binary_join_element_wise(prefix, pc.fill_null(col, ""), ""),
                         col)
        return t.set_column(t.column_names.index(column), column, new)

    def drop_and_add(t: pa.Table, key: str, removed: pa.Array, added: pa.Array) -> pa.Table:
        keep = pc.invert(pc.is_in(pa.array(range(t.num_rows), pa.int64()), value_set=removed))
        extra = t.take(added)
        extra = extra.set_column(t.column_names.index(key), key, pc.binary_join_element_wise(
            extra.column(key), "-copy", ""))
        return pa.concat_tables([t.filter(keep), extra.cast(t.schema)])

    changed = {}
    events = pq.read_table(src / "parquet" / "events.parquet")
    events = edit(events, "description", every(events, 487, 3, 2000), "Corrected: ")
    events = edit(events, "place", every(events, 911, 5, 1000), "near ")
    changed["events"] = drop_and_add(events, "id", every(events, 997, 7, 1000),
                                     every(events, 613, 11, 1000))
    cites = pq.read_table(src / "parquet" / "citations.parquet")
    cites = edit(cites, "quote", every(cites, 1999, 13, 1000), "the ")
    changed["citations"] = drop_and_add(cites, "citation_id", every(cites, 977, 17, 2000),
                                        every(cites, 701, 19, 2000))
    for r in desc["resources"]:
        target = dst / r["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        stem = r["name"].removesuffix("-parquet")
        if stem in changed:
            pq.write_table(changed[stem], target, compression="zstd")
        else:
            shutil.copyfile(src / r["path"], target)
        data = target.read_bytes()
        r["bytes"], r["hash"] = len(data), "sha256:" + hashlib.sha256(data).hexdigest()
    (dst / "datapackage.json").write_text(json.dumps(desc, indent=2), encoding="utf-8")
    return {"events": changed["events"].num_rows, "citations": changed["citations"].num_rows}


def step_diff_reference(old: str, new: str) -> dict[str, float]:
    import pyarrow.parquet as pq

    paths = []
    for folder in (Path(old), Path(new)):
        desc = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        paths += [folder / r["path"] for r in desc["resources"] if r.get("format") == "parquet"]
    t0 = time.perf_counter()
    rows = sum(pq.read_table(p).num_rows for p in paths)
    return {"seconds": time.perf_counter() - t0, "rows": rows}


def step_sqlite_reference(package: str, out: str) -> dict[str, float]:
    import sqlite3

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    Path(out).unlink(missing_ok=True)
    t0 = time.perf_counter()
    conn = sqlite3.connect(out, isolation_level=None)
    conn.execute("BEGIN")
    for path in sorted(Path(package, "parquet").glob("*.parquet")):
        table = pq.read_table(path)
        cols = ", ".join(f'"{c}"' for c in table.column_names)
        conn.execute(f'CREATE TABLE "{path.stem}" ({cols})')
        insert = f'INSERT INTO "{path.stem}" VALUES ({", ".join("?" * table.num_columns)})'
        for batch in table.to_batches(10_000):
            columns = [(pc.cast(c, pa.string()) if pa.types.is_date(c.type) else c).to_pylist()
                       for c in batch.columns]
            conn.executemany(insert, zip(*columns, strict=True))
    conn.execute("COMMIT")
    conn.close()
    return {"seconds": time.perf_counter() - t0}


STEPS = {
    "import": step_import,
    "import-reference": step_import_reference,
    "parse-reference": step_parse_reference,
    "validate-reference": step_validate_reference,
    "read": step_read,
    "validate-variant": step_validate_variant,
    "publish": step_publish,
    "publish-reference": step_publish_reference,
    "diff-prepare": step_diff_prepare,
    "diff-reference": step_diff_reference,
    "sqlite-reference": step_sqlite_reference,
}


if __name__ == "__main__":
    name, *args = sys.argv[1:]
    print(json.dumps(STEPS[name](*args)))
