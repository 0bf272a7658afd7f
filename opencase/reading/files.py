"""Reading record files: every ``*.yaml`` under a records folder, safely, with locations.

Each file is a mapping from a kind (``people``, ``events``, ...) to a list of records. The
reader walks the YAML event stream itself (libyaml's parser when available) rather than letting
a YAML library construct objects, so that:

- nothing is ever constructed from a tag (any tag other than ``!!str`` is an error);
- anchors and aliases are refused (no "billion laughs"), nesting depth is bounded;
- a mapping with the same key twice is an error, never "last one wins";
- scalars stay text: types come from the record models, not from YAML 1.1 guessing
  (``no`` stays "no", ``2016-03-01`` stays a string, ``0755`` is not an octal number).
  Only an unquoted ``~``, ``null`` or empty value is null.

Positions are not stored for every value: :meth:`RecordFile.locate` works out the line and
column of any field path on demand, re-reading only the files that have problems.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opencase.codes import Code
from opencase.reading.fastyaml import read_fast
from opencase.report import Issue, Report
from opencase.safeio import FileTooLarge, NotARegularFile, read_regular

__all__ = ["RawRecord", "RecordFile", "RecordSet", "read_records"]

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 32
MAX_YAML_PROBLEMS = 100  # per file; then reading the file stops (bounded time and memory)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")

PathT = tuple[str | int, ...]


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
            _build(self.text, self, Report(), self._positions)
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


def _build(
    text: str,
    rf: RecordFile,
    report: Report,
    positions: dict[PathT, tuple[int, int]] | None,
    starts: dict[int, tuple[int, int]] | None = None,
    tainted: set[PathT] | None = None,
) -> Any:
    """Turn YAML ``text`` into plain values, reporting problems into ``report``.

    With ``positions``, also record the (line, column) of every mapping key and list item,
    keyed by its path. With ``starts``, record the position of every record (a mapping two
    levels down), keyed by the ``id()`` of its dict. With ``tainted``, collect the (kind,
    index) of records inside which a YAML-level problem was reported.
    """
    import yaml  # here: files the fast reader takes never need it (see opencase.reading.fastyaml)

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    where = rf.display
    # stack entries: [container, path, pending_key (for mappings), key_seen set]
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    problems = 0

    def issue(code: str, msg: str, mark: Any) -> None:
        nonlocal problems
        problems += 1
        if problems > MAX_YAML_PROBLEMS:
            raise _TooManyProblems(mark)
        report.add(code, msg, file=where, line=mark.line + 1, column=mark.column + 1)
        if tainted is not None:
            path = child_path()
            if len(path) >= 2:
                tainted.add(path[:2])

    def add(value: Any, mark: Any) -> None:
        nonlocal root
        if not stack:
            root = value
            return
        top = stack[-1]
        container, path = top[0], top[1]
        if isinstance(container, list):
            if positions is not None:
                positions[(*path, len(container))] = (mark.line + 1, mark.column + 1)
            container.append(value)
            return
        key = top[2]
        if key is _NO_KEY:
            if not isinstance(value, str):
                issue(
                    Code.YAML_SYNTAX, "a mapping key must be plain text, not a list or mapping",
                    mark
                )
                value = f"<invalid key at line {mark.line + 1}>"
            if value in container:
                issue(
                    Code.YAML_DUPLICATE_KEY,
                    f"key {value!r} appears twice in this mapping (first at line "
                    f"{top[3][value]}); keep one, or the other value would be lost",
                    mark,
                )
                top[2] = _DUPLICATE
                return
            top[3][value] = mark.line + 1
            if positions is not None:
                positions[(*path, value)] = (mark.line + 1, mark.column + 1)
            top[2] = value
            return
        if key is not _DUPLICATE:
            container[key] = value
        top[2] = _NO_KEY

    def child_path() -> PathT:
        if not stack:
            return ()
        top = stack[-1]
        if isinstance(top[0], list):
            return (*top[1], len(top[0]))
        return (*top[1], top[2])

    try:
        while True:
            ev = loader.get_event()
            if isinstance(ev, yaml.ScalarEvent):
                if ev.anchor is not None:
                    issue(
                        Code.YAML_ALIAS,
                        f"anchor &{ev.anchor}: records may not use anchors "
                        "or aliases; write the value out in full",
                        ev.start_mark,
                    )
                if ev.tag not in (None, "!", "tag:yaml.org,2002:str"):
                    issue(
                        Code.YAML_TAG,
                        f"tag {ev.tag} is not allowed: records hold only "
                        "plain text, lists and mappings (nothing is constructed)",
                        ev.start_mark,
                    )
                value: Any = ev.value
                if not ev.style and ev.implicit[0] and value in _NULLS:
                    value = None
                elif ev.style == '"' and (bad := _CONTROL.search(value)):  # "\0", "\e", "\x1b"
                    issue(
                        Code.CONTROL_CHARACTER,
                        f"an escape in this quoted value makes control character "
                        f"U+{ord(bad.group()):04X}, which records may not hold; remove it",
                        ev.start_mark,
                    )
                add(value, ev.start_mark)
            elif isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if ev.anchor is not None:
                    issue(
                        Code.YAML_ALIAS,
                        f"anchor &{ev.anchor}: records may not use anchors "
                        "or aliases; write the value out in full",
                        ev.start_mark,
                    )
                if ev.tag is not None and not ev.implicit:
                    issue(
                        Code.YAML_TAG,
                        f"tag {ev.tag} is not allowed: records hold only "
                        "plain text, lists and mappings (nothing is constructed)",
                        ev.start_mark,
                    )
                if len(stack) >= MAX_DEPTH:
                    issue(
                        Code.YAML_TOO_DEEP,
                        f"values nest deeper than {MAX_DEPTH} levels; no record needs that",
                        ev.start_mark,
                    )
                    return None
                path = child_path()
                container: Any = {} if isinstance(ev, yaml.MappingStartEvent) else []
                add(container, ev.start_mark)
                stack.append([container, path, _NO_KEY, {}])
                if starts is not None and len(stack) == 3 and isinstance(container, dict):
                    starts[id(container)] = (ev.start_mark.line + 1, ev.start_mark.column + 1)
            elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                stack.pop()
            elif isinstance(ev, yaml.AliasEvent):
                issue(
                    Code.YAML_ALIAS,
                    f"alias *{ev.anchor}: records may not use anchors or "
                    "aliases; write the value out in full",
                    ev.start_mark,
                )
                add(None, ev.start_mark)
            elif isinstance(ev, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    issue(
                        Code.YAML_SYNTAX,
                        "a record file holds one YAML document; remove the "
                        "`---` separator or split the file",
                        ev.start_mark,
                    )
                    return root
            elif isinstance(ev, yaml.StreamEndEvent):
                return root
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = " ".join(str(x) for x in (exc.context, exc.problem) if x) or "invalid YAML"
        ctx = exc.context_mark
        if ctx is not None and mark is not None and ctx.line != mark.line:
            # e.g. an unclosed quote or bracket: say where it was opened, not only where the
            # parser gave up
            msg += f" (it starts at line {ctx.line + 1}, column {ctx.column + 1})"
        if mark is not None and "maximum nesting depth" in str(exc.problem):
            # libyaml 0.2.6 and newer stop at their own depth limit while scanning ahead,
            # before the parser reaches MAX_DEPTH: the same finding
            issue(
                Code.YAML_TOO_DEEP,
                f"values nest deeper than the YAML parser allows (opencase allows {MAX_DEPTH} "
                "levels; no record needs more)",
                mark,
            )
        elif mark is not None:
            issue(Code.YAML_SYNTAX, f"{msg}; fix the YAML here", mark)
        else:
            report.add(Code.YAML_SYNTAX, msg, file=where)
        return None
    except yaml.YAMLError as exc:  # libyaml's reader errors carry no problem_mark
        report.add(Code.YAML_SYNTAX, str(exc).replace("\n", " "), file=where)
        return None
    except _TooManyProblems as exc:
        report.add(
            Code.TOO_MANY_PROBLEMS,
            f"more than {MAX_YAML_PROBLEMS} YAML problems; stopped reading the file here. "
            "Fix the problems above and run again",
            file=where,
            line=exc.mark.line + 1,
            column=exc.mark.column + 1,
        )
        return None
    finally:
        loader.dispose()


_NO_KEY = object()
_DUPLICATE = object()


class _TooManyProblems(Exception):
    def __init__(self, mark: Any) -> None:
        self.mark = mark


# the bytes that are not a C0 control character or DEL (see _CONTROL)
_NOT_C0 = bytes(b for b in range(256) if b not in (*range(9), 11, 12, *range(14, 32), 127))


def _may_hold_control(raw: bytes) -> bool:
    """Whether UTF-8 ``raw`` may hold a _CONTROL character; False means it surely does not.
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
    m = _CONTROL.search(text) if _may_hold_control(raw) else None
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
    data = _build(text, rf, report, None)
    return data, report.issues, rf


def iter_record_paths(root: Path) -> list[Path]:
    """Every ``*.yaml`` / ``*.yml`` file under ``root`` (sorted; hidden folders skipped), and
    every symlinked folder (not followed, listed so that reading reports it)."""
    if not root.is_dir():
        return [root]
    out = []
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
    from opencase.reading.compiled import kind_names

    known = set(kinds) if kinds is not None else set(kind_names())
    root_path = Path(root)
    if not root_path.exists():
        raise FileNotFoundError(f"records folder not found: {root}")
    rs = RecordSet(root_path)
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
            data = _build(text, rf, report, None, starts, tainted)
        _collect(data, rf, rs, report, known, starts, tainted)
    if files is None and not rs.files:
        report.add(
            Code.NO_RECORDS,
            "no record files (*.yaml, *.yml) here; check the path (an empty folder "
            "validates nothing)",
            file=display_path(root_path),
        )
    rs.issues = report.issues
    return rs


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
            import difflib

            close = difflib.get_close_matches(str(kind), sorted(known), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
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
