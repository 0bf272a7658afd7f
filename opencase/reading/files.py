"""Reading record files: every ``*.yaml`` under a records folder, safely, with locations.

Each file is a mapping from a kind (``people``, ``events``, ...) to a list of records. A file
is read by the fast reader (:mod:`opencase.reading.fastyaml`) when it is sure of it, else by
the exact reader (:mod:`opencase.reading.exactyaml`), which refuses tags, anchors, aliases and
duplicate keys, keeps scalars as text and reports every problem with its position; both give
the same values.

Positions are not stored for every value: :meth:`RecordFile.locate` works out the line and
column of any field path on demand, re-reading only the files that have problems.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opencase import gcpause
from opencase.codes import Code
from opencase.errors import InputNotFound
from opencase.reading.exactyaml import CONTROL, MAX_YAML_PROBLEMS, PathT, build
from opencase.reading.fastyaml import read_fast
from opencase.report import Issue, Report
from opencase.safeio import FileTooLarge, NotARegularFile, read_regular
from opencase.suggest import closest

__all__ = ["RawRecord", "RecordFile", "RecordSet", "parse_yaml_text", "read_records"]

MAX_FILE_BYTES = 64 * 1024 * 1024

@dataclass(slots=True)
class RawRecord:
    """One record as read: its kind, its data (plain dicts, lists, strings) and where it is."""

    kind: str
    index: int
    data: dict[str, Any]
    file: RecordFile
    line: int
    column: int
    tainted: bool = False  # a YAML-level problem (tag, alias, duplicate key) lies inside it

    @property
    def id(self) -> str | None:
        v = self.data.get("id")
        return v if isinstance(v, str) else None

    def locate(self, path: PathT = ()) -> tuple[int, int]:
        """Line and column (1-based) of a field path inside this record."""
        if not path:
            return self.line, self.column
        return self.file.locate((self.kind, self.index, *path))


@dataclass
class RecordFile:
    """A record file: its path, as shown in messages, and its text for on-demand positions."""

    path: Path
    display: str
    text: str = ""
    _positions: dict[PathT, tuple[int, int]] | None = field(default=None, repr=False)
    # False when the fast reader (opencase.reading.fastyaml) read it and saw no value starting with
    # = + - @; True when a value may (spreadsheet formulas are then looked for value by value)
    formulas: bool = True

    def locate(self, path: PathT) -> tuple[int, int]:
        """Line and column (1-based) of ``path``, or of its nearest existing ancestor."""
        if self._positions is None:
            self._positions = {}
            build(self.text, self.display, Report(), self._positions)
        for n in range(len(path), -1, -1):
            pos = self._positions.get(tuple(path[:n]))
            if pos is not None:
                return pos
        return 1, 1


@dataclass
class RecordSet:
    """All records read from a folder, with the problems met while reading."""

    root: Path
    files: list[RecordFile] = field(default_factory=list)
    records: list[RawRecord] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def display_path(path: Path) -> str:
    """The path as messages show it: relative to the working folder when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1




# the bytes that are not a C0 control character or DEL (see CONTROL)
_NOT_C0 = bytes(b for b in range(256) if b not in (*range(9), 11, 12, *range(14, 32), 127))


def _may_hold_control(raw: bytes) -> bool:
    """Whether UTF-8 ``raw`` may hold a CONTROL character; False means it surely does not.
    (Byte operations, many times faster than searching the decoded text: C1 controls are
    encoded as \\xc2\\x80-\\x9f, U+FFFE and U+FFFF as \\xef\\xbf\\xbe-\\xbf.)"""
    return bool(raw.translate(None, _NOT_C0)) or b"\xc2" in raw or b"\xef\xbf" in raw


def _decode(raw: bytes, rf: RecordFile, report: Report) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(raw[: exc.start].decode("utf-8", "replace"), exc.start)
        report.add(
            Code.ENCODING,
            f"byte 0x{raw[exc.start]:02x} at byte offset {exc.start} is not "
            "UTF-8; re-save the file as UTF-8",
            file=rf.display,
            line=line,
            column=col,
        )
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    m = CONTROL.search(text) if _may_hold_control(raw) else None
    if m:
        line, col = _line_col(text, m.start())
        report.add(
            Code.CONTROL_CHARACTER,
            f"control character U+{ord(m.group()):04X} is not allowed in records; delete it",
            file=rf.display,
            line=line,
            column=col,
        )
        return None
    return text


def parse_yaml_text(text: str, display: str) -> tuple[Any, list[Issue], RecordFile]:
    """Parse one YAML text exactly as record files are read (scalars stay text; tags, anchors,
    aliases and duplicate keys are refused): its value, its problems, and a
    :class:`RecordFile` whose ``locate`` gives the line and column of any path in it."""
    rf = RecordFile(Path(display), display, text)
    report = Report()
    data = build(text, display, report, None)
    return data, report.issues, rf


def iter_record_paths(root: Path) -> list[Path]:
    """Every ``*.yaml`` / ``*.yml`` file under ``root`` (sorted; hidden folders skipped), and
    every symlinked folder (not followed, listed so that reading reports it)."""
    if not root.is_dir():
        return [root]
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        # os.walk does not enter a symlinked folder; list it so that it is reported, not
        # silently skipped with the records it may hold
        out.extend(Path(dirpath, d) for d in dirnames if os.path.islink(Path(dirpath, d)))
        out.extend(
            Path(dirpath, f)
            for f in sorted(filenames)
            if f.endswith((".yaml", ".yml")) and not f.startswith(".")
        )
    return out


def read_records(
    root: str | os.PathLike[str],
    *,
    kinds: Iterable[str] | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    files: Iterable[Path] | None = None,
) -> RecordSet:
    """Read every record file under ``root`` (a folder, or a single file).

    Problems are collected in ``RecordSet.issues``; raises :class:`FileNotFoundError` only
    when ``root`` itself does not exist. ``files``: read only these, of the files
    :func:`iter_record_paths` lists under ``root`` (for a share of the work).
    """
    if kinds is None:
        from opencase.language.models import KINDS  # (pydantic: only when records are read)

        kinds = KINDS
    known = set(kinds)
    root_path = Path(root)
    if not root_path.exists():
        raise InputNotFound(f"records folder not found: {root}")
    rs = RecordSet(root_path)
    with gcpause.paused():  # millions of long-lived objects, no cycles (opencase.gcpause)
        rs.issues = _read_files(rs, known, files, max_file_bytes).issues
    return rs


def _read_files(rs: RecordSet, known: set[str], files: Iterable[Path] | None,
                max_file_bytes: int) -> Report:
    """Read the record files (``files``, else every one under ``rs.root``) into ``rs``."""
    root_path = rs.root
    report = Report()
    for path in iter_record_paths(root_path) if files is None else files:
        rf = RecordFile(path, display_path(path))
        rs.files.append(rf)
        try:
            # the root, named by the user, may be a symlink; nothing found below it is followed
            raw = read_regular(path.resolve() if path == root_path else path, max_file_bytes)
        except FileTooLarge as exc:
            report.add(
                Code.FILE_TOO_LARGE,
                f"file is {exc.size:,} bytes, over the limit of "
                f"{exc.limit:,}; split it into smaller files",
                file=rf.display,
            )
            continue
        except NotARegularFile as exc:
            report.add(
                Code.NOT_A_REGULAR_FILE,
                f"this is {exc.what}; opencase reads only regular files under the records "
                "folder: replace it with the file itself, or remove it",
                file=rf.display,
            )
            continue
        except OSError as exc:
            report.add(Code.IO_ERROR, f"cannot read file: {exc.strerror or exc}", file=rf.display)
            continue
        text = _decode(raw, rf, report)
        if text is None:
            continue
        rf.text = text
        starts: dict[int, tuple[int, int]] = {}
        tainted: set[PathT] = set()
        fast = read_fast(text, checked=True)  # plain files, quickly; None when not sure
        if fast is not None:
            data, starts, rf.formulas = fast
        else:
            data = build(text, rf.display, report, None, starts, tainted)
        _collect(data, rf, rs, report, known, starts, tainted)
    if files is None and not rs.files:
        report.add(
            Code.NO_RECORDS,
            "no record files (*.yaml, *.yml) here; check the path (an empty folder "
            "validates nothing)",
            file=display_path(root_path),
        )
    return report


def _collect(
    data: Any,
    rf: RecordFile,
    rs: RecordSet,
    report: Report,
    known: set[str],
    starts: dict[int, tuple[int, int]],
    tainted: set[PathT],
) -> None:
    if data is None:
        if not any(i.file == rf.display for i in report.issues):
            report.add(Code.EMPTY_FILE, "the file holds no records", file=rf.display)
        return
    if not isinstance(data, dict):
        report.add(
            Code.NOT_A_MAPPING,
            "the top level must map kinds to lists of records, e.g. "
            f"`people:` (found a {_type_name(data)})",
            file=rf.display,
            line=1,
            column=1,
        )
        return
    shapes = 0  # structural problems so far; bounded like YAML problems

    def too_many(path: PathT) -> bool:
        nonlocal shapes
        shapes += 1
        if shapes <= MAX_YAML_PROBLEMS:
            return False
        line, col = rf.locate(path)
        report.add(
            Code.TOO_MANY_PROBLEMS,
            f"more than {MAX_YAML_PROBLEMS} problems with the file's structure; stopped "
            "reading it here. Fix the problems above and run again",
            file=rf.display,
            line=line,
            column=col,
        )
        return True

    for kind, items in data.items():
        if kind not in known:
            if too_many((kind,)):
                return
            close = closest(str(kind), sorted(known))
            hint = f"did you mean {close!r}? " if close else ""
            line, col = rf.locate((kind,))
            report.add(
                Code.UNKNOWN_KIND,
                f"unknown kind {kind!r}; {hint}kinds are: {', '.join(sorted(known))}",
                file=rf.display,
                line=line,
                column=col,
            )
            continue
        if items is None:
            continue
        if not isinstance(items, list):
            line, col = rf.locate((kind,))
            report.add(
                Code.NOT_A_LIST,
                f"{kind!r} must be a list of records (`- id: ...`), not a {_type_name(items)}",
                file=rf.display,
                line=line,
                column=col,
            )
            continue
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                if too_many((kind, i)):
                    return
                line, col = rf.locate((kind, i))
                report.add(
                    Code.NOT_A_RECORD,
                    f"item {i + 1} of {kind!r} must be a mapping of "
                    f"fields (`- id: ...`), not a {_type_name(item)}",
                    file=rf.display,
                    line=line,
                    column=col,
                )
                continue
            line, col = starts.get(id(item), (1, 1))
            rs.records.append(RawRecord(kind, i, item, rf, line, col, (kind, i) in tainted))


def _type_name(v: Any) -> str:
    return {dict: "mapping", list: "list", str: "text value", type(None): "null"}.get(
        type(v), type(v).__name__
    )
