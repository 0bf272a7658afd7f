"""Validation: every check on a set of records, collected into one :class:`Report`.

``validate(records, snapshots)`` reads the record files, validates each record against its
model, then checks the dataset as a whole (unique ids, references, citations and quotes).
Nothing stops at the first problem. The validated records, and where each quote was found,
are kept on ``report.dataset`` for publishing.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic_core import ValidationError  # (pydantic's own: the same class)

from opencase import gcpause
from opencase.codes import Code
from opencase.language.fields import ID_PATTERN
from opencase.reading import compiled
from opencase.reading.fastyaml import formula_start
from opencase.reading.files import (
    RawRecord,
    RecordSet,
    display_path,
    iter_record_paths,
    read_records,
)
from opencase.report import Report
from opencase.validation.quotes import Match, SnapshotIndex, count_quote, find_quote, quote_problem

if TYPE_CHECKING:
    from opencase.language.models import Record

__all__ = ["CitationCheck", "Dataset", "validate"]



@dataclass(frozen=True, slots=True)
class CitationCheck:
    """The outcome of checking one citation: where its quote is (or why it is unverified)."""

    record_id: str
    index: int
    text_source: str  # the source whose snapshot holds the quote (``via`` or ``source``)
    sha256: str | None
    match: Match | None


@dataclass
class Dataset:
    """The records that validated, by kind (sorted by id), and their citation checks."""

    records: dict[str, list[Record]] = field(default_factory=dict)
    citations: dict[tuple[str, int], CitationCheck] = field(default_factory=dict)
    # (source id, index in its `uncited` list) -> where the marked passage is
    uncited: dict[tuple[str, int], CitationCheck] = field(default_factory=dict)
    snapshots: SnapshotIndex | None = None

    def all_records(self) -> list[Record]:
        return [r for kind in compiled.kind_names() for r in self.records.get(kind, [])]


def _field_name(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_TYPE_CODES = {
    "missing": Code.MISSING_KEY,
    "extra_forbidden": Code.UNKNOWN_KEY,
    "enum": Code.NOT_IN_VOCABULARY,
    "edtf": Code.INVALID_DATE,
    "edtf_order": Code.DATE_ORDER,
}


def _pydantic_issue(report: Report, raw: RawRecord, err: Any) -> None:
    from opencase.language.models import (
        KINDS,  # (only for records with problems: pydantic takes a while)
    )

    model = KINDS[raw.kind]
    loc = tuple(err["loc"])
    etype = err["type"]
    fname = _field_name(loc)
    code = _TYPE_CODES.get(etype)
    singular = model.singular
    if code == Code.UNKNOWN_KEY:
        parent = _model_at(model, loc[:-1])
        allowed = sorted(parent.model_fields) if parent else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        msg = f"unknown field {loc[-1]!r}; {hint}allowed fields: {', '.join(allowed)}"
    elif code == Code.MISSING_KEY:
        msg = f"{singular} is missing required field {fname!r}"
    elif code == Code.NOT_IN_VOCABULARY:
        expected = err.get("ctx", {}).get("expected", "")
        msg = f"{fname}: {err['input']!r} is not allowed; use one of {expected}"
    elif code in (Code.INVALID_DATE, Code.DATE_ORDER):
        msg = f"{fname}: {err['ctx']['reason']}"
    elif etype == "string_pattern_mismatch" and (
        loc[-1] == "id" or _is_ref(model, loc)
    ):
        code = Code.INVALID_ID
        msg = (f"{fname}: {err['input']!r} is not a valid id; use lowercase letters, digits "
               "and single hyphens, e.g. 'stephen-port'")
    elif etype.endswith("_type") or etype.endswith("_parsing") or etype in (
        "model_attributes_type", "list_type", "dict_type",
    ):
        code = Code.INVALID_TYPE
        shown = err.get("input")
        shown_s = repr(shown) if not isinstance(shown, (dict, list)) else type(shown).__name__
        msg = f"{fname}: {err['msg'].lower()} (got {shown_s})"
    else:
        code = Code.INVALID_VALUE
        msg = f"{fname}: {err['msg'].lower()}"
    line, col = raw.locate(loc)
    report.add(code, msg, file=raw.file.display, line=line, column=col,
               record_id=raw.id, field=fname)


def _model_at(model: type[Any], loc: tuple[Any, ...]) -> type[Any] | None:
    from typing import get_args, get_origin

    cur: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = getattr(cur, "model_fields", {}).get(part)
        if info is None:
            return None
        ann = info.annotation
        while get_origin(ann) is list or (get_origin(ann) is not None and get_args(ann)):
            args = [a for a in get_args(ann) if a is not type(None)]
            ann = args[0]
            if isinstance(ann, type):
                break
        cur = ann
    return cur if hasattr(cur, "model_fields") else None


def _is_ref(model: type[Record], loc: tuple[Any, ...]) -> bool:
    names = {str(p) for p in loc if not isinstance(p, int)}
    refs = compiled.info(model.table).refs
    return any(r.field in names for r in refs) or "source" in names or "via" in names


def _formulas(report: Report, raw: RawRecord, value: Any, path: tuple[Any, ...]) -> None:
    if isinstance(value, str):
        at = formula_start(value)
        if at is not None:
            line, col = raw.locate(path)
            lead = f" after {value[:at]!r}" if at else ""
            report.add(Code.SPREADSHEET_FORMULA,
                       f"{_field_name(path)}: {value[:40]!r} starts with {value[at]!r}{lead} and "
                       "would run as a formula when the CSV is opened in a spreadsheet",
                       file=raw.file.display, line=line, column=col, record_id=raw.id,
                       field=_field_name(path))
    elif isinstance(value, dict):
        for k, v in value.items():
            _formulas(report, raw, v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _formulas(report, raw, v, (*path, i))


def validate(
    records: str | os.PathLike[str] | RecordSet = "records",
    snapshots: str | os.PathLike[str] | SnapshotIndex | None = None,
    *,
    strict: bool = False,
    dataset: bool = True,
) -> Report:
    """Check every record under ``records`` and return a :class:`Report` of all problems.

    ``snapshots`` is the folder holding the source snapshots (found by SHA-256); without it,
    quotes are not verified and each source with a hash gets a ``snapshot-missing`` warning.
    ``strict`` turns every warning into an error. Raises :class:`FileNotFoundError` if
    ``records`` or ``snapshots`` does not exist (an unusable input, not an invalid one).

    ``dataset=False`` asks only for the issues (``report.dataset`` is then ``None``): large
    record folders (:data:`PARALLEL_FROM` bytes and more) are then validated by one worker
    process per core, each reading, checking and matching the quotes of a share of the files,
    with the same issues as one process finds. ``$OPENCASE_JOBS`` sets the number of workers
    (1: never in parallel).
    """
    with gcpause.paused():  # millions of objects, no cycles: see opencase.gcpause
        if not dataset and not isinstance(records, RecordSet):
            jobs = _jobs(records)
            if jobs > 1:
                report = _validate_parallel(Path(records), snapshots, strict, jobs)
                if report is not None:
                    return _explain_cascades(report)
        report = _validate(records, snapshots, strict=strict, dataset=dataset)
        return _explain_cascades(report)


_VALID_ID = re.compile(ID_PATTERN)
_UNREAD = frozenset({
    Code.YAML_SYNTAX, Code.YAML_TOO_DEEP, Code.TOO_MANY_PROBLEMS, Code.UNKNOWN_KIND,
    Code.NOT_A_MAPPING,
    Code.NOT_A_LIST, Code.ENCODING, Code.CONTROL_CHARACTER, Code.IO_ERROR, Code.FILE_TOO_LARGE,
    Code.NOT_A_REGULAR_FILE,
})


def _explain_cascades(report: Report) -> Report:
    """When some records could not be read, references to them fail too: say so on each
    ``unknown-reference``, so that the cause is fixed first."""
    unread = sorted({i.file for i in report.issues if i.code in _UNREAD and i.file})
    if unread and any(i.code == Code.UNKNOWN_REFERENCE for i in report.issues):
        named = ", ".join(unread[:3]) + (f" and {len(unread) - 3} more" if len(unread) > 3 else "")
        note = f" (some records in {named} could not be read: fix the errors there first)"
        report.issues = [
            replace(i, message=i.message + note) if i.code == Code.UNKNOWN_REFERENCE else i
            for i in report.issues
        ]
    return report


def _validate(
    records: str | os.PathLike[str] | RecordSet,
    snapshots: str | os.PathLike[str] | SnapshotIndex | None,
    *,
    strict: bool,
    dataset: bool = True,
) -> Report:
    report = Report(strict=strict)
    rs = records if isinstance(records, RecordSet) else read_records(records)
    index = _index(snapshots)
    _add_reading_issues(report, rs)
    _add_index_problems(report, index)
    valid = _check_models(report, rs.records)
    owner = _check_ids(report, rs.records)
    kind_of = {rid: raw.kind for rid, raw in owner.items()}
    sources: dict[str, str | None] = {}  # the first valid source of each id, in file order
    for raw, rec in valid:
        if raw.kind == "sources":
            sources.setdefault(rec["id"], rec["sha256"])
    data = Dataset(snapshots=index) if dataset else None
    _check_shared_snapshots(report, valid)
    _check_dataset(report, valid, kind_of, sources, index, data)
    missing = sorted(sources.items())
    _check_snapshots(report, missing, owner, index)
    if data is not None:
        for kind in data.records:
            data.records[kind].sort(key=lambda r: r.id)
    report.stats = {"files": len(rs.files), "records": len(rs.records)}
    report.dataset = data
    return report


def _index(snapshots: str | os.PathLike[str] | SnapshotIndex | None) -> SnapshotIndex | None:
    if isinstance(snapshots, SnapshotIndex) or snapshots is None:
        return snapshots
    return SnapshotIndex(Path(snapshots))


def _add_reading_issues(report: Report, rs: RecordSet) -> None:
    for issue in rs.issues:
        report.add(issue.code, issue.message, file=issue.file, line=issue.line,
                   column=issue.column, record_id=issue.record_id, field=issue.field,
                   severity=issue.severity)


def _add_index_problems(report: Report, index: SnapshotIndex | None) -> None:
    if index is not None:
        for path, why in index.problems:
            report.add(Code.SNAPSHOT_UNREADABLE, f"snapshot file {path} {why}", file=path)


Valid = list[tuple[RawRecord, dict[str, Any]]]


def _check_models(report: Report, records: list[RawRecord]) -> Valid:
    """Each record against its model (compiled: :mod:`opencase.reading.compiled`); the records that
    pass, each with its fields as the model has them (a dict: defaults filled in, values
    typed)."""
    valid: Valid = []
    for raw in records:
        if raw.tainted:  # its YAML problem is reported; checking its fields would only echo it
            continue
        if raw.file.formulas:  # False: no value of the file starts like a formula
            _formulas(report, raw, raw.data, ())
        try:
            valid.append((raw, compiled.validator(raw.kind).validate_python(raw.data)))
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                _pydantic_issue(report, raw, err)
    return valid


def _duplicate(report: Report, raw: RawRecord, rid: str, kind: str, file: str, line: int) -> None:
    at, col = raw.locate(("id",))
    report.add(Code.DUPLICATE_ID,
               f"id {rid!r} is already used by a {kind} record at {file}:{line}; "
               "ids must be unique across all kinds and files", file=raw.file.display,
               line=at, column=col, record_id=rid, field="id")


def _check_ids(report: Report, records: list[RawRecord]) -> dict[str, RawRecord]:
    """Ids unique across all kinds (also counting records that failed their model); returns
    the first record of each id."""
    owner: dict[str, RawRecord] = {}
    for raw in records:
        rid = raw.id
        if rid is None:
            continue
        first = owner.get(rid)
        if first is not None:
            _duplicate(report, raw, rid, first.kind, first.file.display, first.line)
        else:
            owner[rid] = raw
    return owner


def _check_dataset(
    report: Report,
    valid: Valid,
    kind_of: dict[str, str],
    sources: dict[str, str | None],
    index: SnapshotIndex | None,
    data: Dataset | None,
) -> None:
    """References and citations (``sources``: the ``sha256`` of each source, by id); the
    records (as model objects) and where their quotes are go into ``data`` (if any).
    ``valid`` is used up: each record's dict is dropped once checked (and, with ``data``, as
    its model object comes), so that the two are not both held for every record."""
    models = None
    if data is not None:
        from opencase.language.models import KINDS as models
    valid.reverse()  # (then popped from the end: in order)
    while valid:
        raw, rec = valid.pop()
        _check_refs(report, raw, rec, kind_of)
        _check_citations(report, raw, rec, kind_of, sources, index, data)
        if raw.kind == "sources" and rec["uncited"]:
            _check_uncited(report, raw, rec, index, data)
        if data is not None and models is not None:
            model = models[raw.kind]  # (valid as a dict, so valid as a model)
            data.records.setdefault(raw.kind, []).append(
                model.__pydantic_validator__.validate_python(raw.data))


def _check_shared_snapshots(report: Report, valid: Valid) -> None:
    """``duplicate-snapshot`` for a source whose sha256 an earlier source (in file order)
    already names, unless, for every such earlier source, one of the two cites the other (it is
    known through it)."""
    earlier: dict[str, list[dict[str, Any]]] = {}
    seen: set[str] = set()
    for raw, rec in valid:
        sha = rec.get("sha256") if raw.kind == "sources" else None
        if sha is None or rec["id"] in seen:
            continue
        seen.add(rec["id"])
        others = earlier.setdefault(sha, [])
        clash = next((o for o in others
                      if not (_cites(rec, o["id"]) or _cites(o, rec["id"]))), None)
        others.append(rec)
        if clash is None:
            continue
        _loc_issue(report, raw, Code.DUPLICATE_SNAPSHOT,
                   f"source {rec['id']!r} names the same snapshot (sha256 {sha[:12]}...) as "
                   f"source {clash['id']!r}; one text cannot be two sources: fix the hash, or "
                   f"if {rec['id']!r} is known only through {clash['id']!r}, give it no "
                   "sha256 and cite it `via` that source", ("sha256",))


def _cites(rec: dict[str, Any], sid: str) -> bool:
    return any(sid in (c["source"], c["via"]) for c in rec["cite"])


def _check_snapshots(
    report: Report,
    sources: list[tuple[str, str | None]],
    owner: dict[str, RawRecord],
    index: SnapshotIndex | None,
) -> None:
    """``snapshot-missing`` for each source (id, sha256) whose snapshot is not in ``index``."""
    for sid, sha in sources:
        if sha and (index is None or index.get(sha) is None):
            where = f"in {index.folder}" if index is not None else "(no --snapshots folder given)"
            raw = owner[sid]
            line, col = raw.locate(("sha256",))
            report.add(Code.SNAPSHOT_MISSING, f"no snapshot of source {sid!r} (sha256 "
                       f"{sha[:12]}...) {where}; its quotes are unverified",
                       file=raw.file.display, line=line, column=col, record_id=sid,
                       field="sha256")


# ---------------------------------------------------------------- on several cores

PARALLEL_FROM = 8 * 1024 * 1024
"""Bytes of record files from which ``validate(..., dataset=False)`` uses worker processes."""


def _jobs(records: str | os.PathLike[str]) -> int:
    """How many worker processes to validate ``records`` with (1: none)."""
    forced = os.environ.get("OPENCASE_JOBS", "")
    if forced.isdigit():
        return max(1, int(forced))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (cores or 1) < 2 or not hasattr(os, "fork"):
        return 1
    root = Path(records)
    if not root.is_dir():
        return 1
    size = 0
    for path in iter_record_paths(root):
        try:
            size += path.lstat().st_size
        except OSError:
            continue
        if size >= PARALLEL_FROM:
            return min(cores or 1, 8)
    return 1


def _validate_parallel(
    root: Path, snapshots: str | os.PathLike[str] | SnapshotIndex | None, strict: bool, jobs: int
) -> Report | None:
    """Validate with ``jobs`` worker processes, each taking a share of the files, in two
    rounds: (1) read and check its records against their models, and tell the ids it holds;
    (2) given every id, check its records' references and citations. Returns ``None`` (to
    validate in this process instead) if a worker fails."""
    import multiprocessing
    import pickle

    if not root.exists():
        raise FileNotFoundError(f"records folder not found: {root}")
    index = _index(snapshots)  # hashed once, here: the workers inherit it
    paths = iter_record_paths(root)
    groups = _split(paths, jobs)
    ctx = multiprocessing.get_context("fork")
    conns, procs = [], []
    try:
        for group in groups:
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(child, root, group, index, strict),
                               daemon=True)
            proc.start()
            child.close()
            conns.append(parent)
            procs.append(proc)
        blobs = [conn.recv_bytes() for conn in conns]
        firsts = [pickle.loads(blob) for blob in blobs]
        if any(first[0] != "ok" for first in firsts):
            return None
        # every id: its first record (in file order) owns it; later ones are duplicates
        count = sum(len(first[1]) for first in firsts)
        duplicated = len(set(chain.from_iterable(first[1] for first in firsts))) < count
        dups: list[list[tuple[int, str, str, str, int]]] = [[] for _ in groups]
        # the first valid source of each id (file, line, sha256), as one process takes it
        found: dict[str, tuple[int, int, str | None]] = {}
        holder: dict[str, int] = {}  # source id -> the worker holding its (first) record
        for w, first in enumerate(firsts):
            for sid, at in first[3].items():
                if sid not in found or at < found[sid]:
                    found[sid] = at
            holder.update(dict.fromkeys(first[3], w))
        sources = {sid: at[2] for sid, at in found.items()}
        hashes = [sha for sha in sources.values() if sha is not None]
        if len(set(hashes)) < len(hashes):
            return None  # sources that share a snapshot: one process words that (an error)
        for conn in conns:
            conn.send(duplicated)  # if so, each worker tells where its records are
        if not duplicated:
            # each worker builds the map of every id itself (in parallel), from what the
            # others sent, passed on as it came
            for w, conn in enumerate(conns):
                conn.send_bytes(pickle.dumps([b for v, b in enumerate(blobs) if v != w],
                                             protocol=pickle.HIGHEST_PROTOCOL))
        else:  # which record comes first matters
            kind_of = dict(zip(chain.from_iterable(first[1] for first in firsts),
                               chain.from_iterable(first[2] for first in firsts), strict=True))
            more = [conn.recv() for conn in conns]  # (files, lines, indexes, file numbers)
            at = [(w, j) for w, first in enumerate(firsts) for j in range(len(first[1]))]
            order = [(more[w][3][j], more[w][2][j]) for w, j in at]  # (file, record)
            at = [at[k] for k in sorted(range(len(at)), key=order.__getitem__)]
            ids = [firsts[w][1][j] for w, j in at]
            kinds = [firsts[w][2][j] for w, j in at]
            # built back to front, so that the first record's entry is the one that stays
            kind_of = dict(zip(reversed(ids), reversed(kinds), strict=True))
            owner_at = dict(zip(reversed(ids), reversed(at), strict=True))
            for rid, (w, j) in zip(ids, at, strict=True):
                ow, oj = owner_at[rid]
                if (ow, oj) != (w, j):
                    # (record index in its worker, id, the first's kind, file and line)
                    dups[w].append((more[w][2][j], rid, firsts[ow][2][oj], more[ow][0][oj],
                                    more[ow][1][oj]))
            holder = {sid: owner_at[sid][0] for sid in sources}
            shared = pickle.dumps((kind_of, sources), protocol=pickle.HIGHEST_PROTOCOL)  # once
            for conn in conns:
                conn.send_bytes(shared)
        missing: list[list[tuple[str, str | None]]] = [[] for _ in groups]
        for sid, sha in sorted(sources.items()):
            missing[holder[sid]].append((sid, sha))
        for w, conn in enumerate(conns):
            conn.send((dups[w], missing[w]))
        seconds = [conn.recv() for conn in conns]
        if any(second[0] != "ok" for second in seconds):
            return None
    except (EOFError, OSError):
        return None
    finally:
        for conn in conns:
            conn.close()
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
    report = Report(strict=strict)
    parts = [second[1] for second in seconds]  # per worker: issues by section
    file_no = {display_path(path): n for n, path in enumerate(paths)}

    def in_file_order(section: int) -> list[Any]:  # (a file's issues all come from one worker)
        issues = [i for part in parts for i in part[section]]
        return sorted(issues, key=lambda i: file_no.get(i.file, -1))

    report.extend(in_file_order(0))  # reading
    _add_index_problems(report, index)
    for section in (1, 2, 3):  # models, duplicate ids, references and citations
        report.extend(in_file_order(section))
    # snapshot-missing, by source id across workers
    report.extend(i for _, i in sorted((i.record_id or "", i) for part in parts
                                       for i in part[4]))
    report.stats = {"files": sum(f[4][0] for f in firsts),
                    "records": sum(f[4][1] for f in firsts)}
    return report


def _split(paths: list[Path], jobs: int) -> list[list[tuple[int, Path]]]:
    """``paths`` (with their index) shared between ``jobs`` workers by size, largest first to
    the least loaded; each share in the paths' order."""
    sizes = []
    for path in paths:
        try:
            sizes.append(max(1, path.lstat().st_size))
        except OSError:
            sizes.append(1)
    load = [0] * jobs
    groups: list[list[tuple[int, Path]]] = [[] for _ in range(jobs)]
    for i in sorted(range(len(paths)), key=lambda i: -sizes[i]):
        w = load.index(min(load))
        groups[w].append((i, paths[i]))
        load[w] += sizes[i]
    return [sorted(g) for g in groups if g] or [[]]


def _worker(conn: Any, root: Path, files: list[tuple[int, Path]],
            index: SnapshotIndex | None, strict: bool) -> None:
    """One worker of :func:`_validate_parallel` (in a forked process)."""
    import pickle

    try:
        sections = [Report(strict=strict) for _ in range(5)]
        rs = read_records(root, files=[path for _, path in files])
        file_no = {id(rf): n for rf, (n, _) in zip(rs.files, files, strict=True)}
        _add_reading_issues(sections[0], rs)
        valid = _check_models(sections[1], rs.records)
        with_id = [(i, raw) for i, raw in enumerate(rs.records) if raw.id is not None]
        srcs: dict[str, tuple[int, int, str | None]] = {}  # its first valid source of each id
        for raw, rec in valid:
            if raw.kind == "sources":
                srcs.setdefault(rec["id"], (file_no[id(raw.file)], raw.line, rec["sha256"]))
        ids, kinds = [raw.id for _, raw in with_id], [raw.kind for _, raw in with_id]
        conn.send(("ok", ids, kinds, srcs,  # columns, which pickle much faster than rows
                   (len(rs.files), len(rs.records))))
        if conn.recv():  # some ids are duplicated: where each record is
            conn.send(([raw.file.display for _, raw in with_id],
                       [raw.line for _, raw in with_id], [i for i, _ in with_id],
                       [file_no[id(raw.file)] for _, raw in with_id]))
            kind_of, sources = pickle.loads(conn.recv_bytes())
        else:  # every id is unique: the others' ids and sources, as they sent them
            kind_of = dict(zip(ids, kinds, strict=True))
            sources = {sid: at[2] for sid, at in srcs.items()}
            for blob in pickle.loads(conn.recv_bytes()):
                _, other_ids, other_kinds, other_srcs, _ = pickle.loads(blob)
                kind_of.update(zip(other_ids, other_kinds, strict=True))
                sources.update((sid, at[2]) for sid, at in other_srcs.items())
        dups, missing = conn.recv()
        for i, rid, kind, file, line in dups:
            _duplicate(sections[2], rs.records[i], rid, kind, file, line)
        _check_dataset(sections[3], valid, kind_of, sources, index, None)
        wanted = {sid for sid, _ in missing}
        owners: dict[str, RawRecord] = {}
        for raw in rs.records:  # the first record of each id, as in one process
            if raw.id in wanted and raw.id not in owners:
                owners[raw.id] = raw
        _check_snapshots(sections[4], missing, owners, index)
        conn.send(("ok", [s.issues for s in sections]))
    except BaseException:  # reported to the parent, which validates in one process instead
        import traceback

        with contextlib.suppress(OSError):
            conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def _loc_issue(report: Report, raw: RawRecord, code: str, msg: str, path: tuple[Any, ...]) -> None:
    line, col = raw.locate(path)
    report.add(code, msg, file=raw.file.display, line=line, column=col, record_id=raw.id,
               field=_field_name(path) or None)


def _check_ref(
    report: Report, raw: RawRecord, value: str, kinds: tuple[str, ...], path: tuple[Any, ...],
    kind_of: dict[str, str],
) -> None:
    actual = kind_of.get(value)
    if actual is None:
        close = difflib.get_close_matches(
            value, [k for k in kind_of if _VALID_ID.fullmatch(k)], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        _loc_issue(report, raw, Code.UNKNOWN_REFERENCE,
                   f"{_field_name(path)}: no record has id {value!r}{hint}", path)
    elif actual not in kinds:
        _loc_issue(report, raw, Code.WRONG_REFERENCE_KIND,
                   f"{_field_name(path)}: {value!r} is a {actual} record; this field refers to "
                   f"{' or '.join(kinds)}", path)


def _check_refs(report: Report, raw: RawRecord, rec: dict[str, Any],
                kind_of: dict[str, str]) -> None:
    for ref in compiled.info(raw.kind).refs:
        value = rec[ref.field]
        if value is None:
            continue
        kinds = ref.kinds
        if not ref.many:
            if kind_of.get(value) not in kinds:  # (most references are fine: say so quickly)
                _check_ref(report, raw, value, kinds, (ref.field,), kind_of)
            continue
        for i, item in enumerate(value):
            if ref.sub is None:
                if kind_of.get(item) not in kinds:
                    _check_ref(report, raw, item, kinds, (ref.field, i), kind_of)
            else:
                sub = item[ref.sub]
                if kind_of.get(sub) not in kinds:
                    _check_ref(report, raw, sub, kinds, (ref.field, i, ref.sub), kind_of)


def _check_citations(
    report: Report,
    raw: RawRecord,
    rec: dict[str, Any],
    kind_of: dict[str, str],
    sources: dict[str, str | None],
    index: SnapshotIndex | None,
    dataset: Dataset | None,
) -> None:
    kind = compiled.info(raw.kind)
    cites = rec["cite"]
    if not cites:
        is_source = raw.kind == "sources"
        needs = kind.cite_required or (is_source and rec["sha256"] is None)
        if needs:
            why = (" (a source without a snapshot of its own must cite the passage that "
                   "makes it known)" if is_source else "")
            _loc_issue(report, raw, Code.MISSING_CITATION,
                       f"{kind.singular} {rec['id']!r} "
                       f"cites nothing; add `cite:` with a source and an exact quote{why}",
                       ("cite",) if "cite" in raw.data else ())
        return
    own_fields = kind.fields
    for i, c in enumerate(cites):
        source, via = c["source"], c["via"]
        if kind_of.get(source) != "sources" or (via is not None and kind_of.get(via) != "sources"):
            for name, sid in (("source", source), ("via", via)):
                if sid is None or kind_of.get(sid) == "sources":
                    continue
                what = f"a {kind_of[sid]} record" if sid in kind_of else "not a record"
                _loc_issue(report, raw, Code.UNKNOWN_SOURCE,
                           f"cite[{i}].{name}: {sid!r} is {what}; cite a source record's id",
                           ("cite", i, name))
        if c["supports"]:
            for j, name in enumerate(c["supports"]):
                if name not in own_fields:
                    close = difflib.get_close_matches(name, sorted(own_fields), n=1)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    _loc_issue(report, raw, Code.UNKNOWN_SUPPORTED_FIELD,
                               f"cite[{i}].supports: {raw.kind} have no field {name!r}; {hint}"
                               f"fields: {', '.join(sorted(own_fields))}",
                               ("cite", i, "supports", j))
        text_id = via or source
        sha = sources.get(text_id)
        match: Match | None = None
        if not _meaningful(report, raw, c["quote"], ("cite", i, "quote")):
            pass  # found nowhere: no match, nothing covered
        elif text_id in sources:
            if sha is None:  # a missing snapshot is reported once, on the source
                _loc_issue(report, raw, Code.QUOTE_UNVERIFIABLE,
                           f"cite[{i}]: source {text_id!r} has no snapshot (sha256) and the "
                           "citation gives no `via`, so the quote cannot be checked",
                           ("cite", i, "quote"))
            elif index is not None and index.get(sha) is not None:
                match = _match_quote(report, raw, i, c, index, sha, text_id,
                                     where=dataset is not None)
        if dataset is not None:
            rid = rec["id"]
            dataset.citations[(rid, i)] = CitationCheck(rid, i, text_id, sha, match)


def _check_uncited(
    report: Report, raw: RawRecord, src: dict[str, Any], index: SnapshotIndex | None,
    dataset: Dataset | None,
) -> None:
    """Passages a source marks as deliberately uncited must be found in its own snapshot."""
    sid, sha = src["id"], src["sha256"]
    if sha is None:
        _loc_issue(report, raw, Code.UNCITED_WITHOUT_SNAPSHOT,
                   f"source {sid!r} marks passages as uncited but has no snapshot (sha256) "
                   "of its own; only a source with a snapshot can mark its passages",
                   ("uncited",))
        return
    if index is None or index.get(sha) is None:
        return  # reported once, as snapshot-missing
    for i, passage in enumerate(src["uncited"]):
        if not _meaningful(report, raw, passage["quote"], ("uncited", i, "quote")):
            if dataset is not None:
                dataset.uncited[(sid, i)] = CitationCheck(sid, i, sid, sha, None)
            continue
        match = _match_quote(report, raw, i, passage, index, sha, sid,
                             path=("uncited", i, "quote"), where=dataset is not None)
        if dataset is not None:
            dataset.uncited[(sid, i)] = CitationCheck(sid, i, sid, sha, match)


def _meaningful(report: Report, raw: RawRecord, quote: str, path: tuple[Any, ...]) -> bool:
    """``quote-meaningless`` (and ``False``) for a quote that cannot stand as evidence."""
    why = quote_problem(quote)
    if why is not None:
        _loc_issue(report, raw, Code.QUOTE_MEANINGLESS,
                   f"{_field_name(path)}: the quote {why}, so it proves nothing (it would occur "
                   "almost anywhere); quote the words the record rests on", path)
    return why is None


_SHOWN = 5  # places of an ambiguous quote named in its message


def _match_quote(
    report: Report, raw: RawRecord, i: int, c: dict[str, Any], index: SnapshotIndex, sha: str,
    text_id: str,
    *, path: tuple[Any, ...] | None = None, where: bool = True,
) -> Match | None:
    """Check a quote; return where it is (``where=False``: only check, return ``None``)."""
    snap = index.get(sha)
    assert snap is not None
    path = path or ("cite", i, "quote")
    quote, prefix, suffix = c["quote"], c["prefix"], c["suffix"]
    try:
        if not where and count_quote(snap, quote, prefix, suffix, limit=2) == 1:
            return None  # (working out offsets is most of the cost of a match)
        found = find_quote(snap, quote, prefix, suffix, limit=_SHOWN + 1)
    except (OSError, UnicodeDecodeError) as exc:
        _loc_issue(report, raw, Code.SNAPSHOT_UNREADABLE,
                   f"snapshot {snap.path} of {text_id!r} cannot be read as UTF-8 text ({exc})",
                   path)
        return None
    if len(found) == 1:
        return found[0]
    label = _field_name(path[:-1])
    short = quote if len(quote) <= 60 else quote[:57] + "..."
    if not found:
        bare = find_quote(snap, quote, limit=1) if (prefix or suffix) else []
        if bare:
            _loc_issue(report, raw, Code.QUOTE_NOT_FOUND,
                       f"{label}: the quote occurs in {text_id!r} but not with this "
                       "prefix/suffix; copy them exactly from the text around the quote", path)
        else:
            _loc_issue(report, raw, Code.QUOTE_NOT_FOUND,
                       f"{label}: {short!r} does not occur in the snapshot of {text_id!r}; "
                       "copy the passage exactly", path)
        return None
    offsets = ", ".join(str(m.start) for m in found[:_SHOWN])
    times = f"{len(found)} times" if len(found) <= _SHOWN else f"more than {_SHOWN} times"
    _loc_issue(report, raw, Code.QUOTE_AMBIGUOUS,
               f"{label}: {short!r} occurs {times} in {text_id!r} (at characters "
               f"{offsets}{', ...' if len(found) > _SHOWN else ''}); add `prefix` or `suffix` "
               "to pick one", path)
    return None
