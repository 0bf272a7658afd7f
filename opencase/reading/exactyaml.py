"""The exact YAML reader of record files, on libyaml's event stream.

It walks the YAML events itself rather than letting a YAML library construct objects, so that:

- nothing is ever constructed from a tag (any tag other than ``!!str`` is an error);
- anchors and aliases are refused (no "billion laughs"), nesting depth is bounded;
- a mapping with the same key twice is an error, never "last one wins";
- scalars stay text: types come from the record models, not from YAML 1.1 guessing
  (``no`` stays "no", ``2016-03-01`` stays a string, ``0755`` is not an octal number).
  Only an unquoted ``~``, ``null`` or empty value is null.

Every problem is reported with its line and column. Record files that the fast reader
(:mod:`opencase.reading.fastyaml`) is sure of never come here; positions of the fields of a
record with a problem are worked out here, on demand.
"""

from __future__ import annotations

import re
from typing import Any

from opencase.codes import Code
from opencase.report import Report

__all__ = ["CONTROL", "MAX_DEPTH", "MAX_YAML_PROBLEMS", "PathT", "build"]

MAX_DEPTH = 32
MAX_YAML_PROBLEMS = 100  # per file; then reading the file stops (bounded time and memory)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
"""Characters records may not hold: C0 and C1 controls (but tab and line breaks), U+FFFE and
U+FFFF."""

PathT = tuple[str | int, ...]


def build(
    text: str,
    where: str,
    report: Report,
    positions: dict[PathT, tuple[int, int]] | None,
    starts: dict[int, tuple[int, int]] | None = None,
    tainted: set[PathT] | None = None,
) -> Any:
    """Turn YAML ``text`` into plain values, reporting problems into ``report`` (as found in
    the file shown as ``where``).

    With ``positions``, also record the (line, column) of every mapping key and list item,
    keyed by its path. With ``starts``, record the position of every record (a mapping two
    levels down), keyed by the ``id()`` of its dict. With ``tainted``, collect the (kind,
    index) of records inside which a YAML-level problem was reported.
    """
    import yaml  # here: files the fast reader takes never need it (see opencase.reading.fastyaml)

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    # stack entries: [container, path, pending_key (for mappings), key_seen set]
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    problems = 0

    def issue(code: Code, msg: str, mark: Any) -> None:
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

    def refuse_anchor(ev: Any) -> None:
        if ev.anchor is not None:
            issue(Code.YAML_ALIAS, f"anchor &{ev.anchor}: records may not use anchors or "
                  "aliases; write the value out in full", ev.start_mark)

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
                refuse_anchor(ev)
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
                elif ev.style == '"' and (bad := CONTROL.search(value)):  # "\0", "\e", "\x1b"
                    issue(
                        Code.CONTROL_CHARACTER,
                        f"an escape in this quoted value makes control character "
                        f"U+{ord(bad.group()):04X}, which records may not hold; remove it",
                        ev.start_mark,
                    )
                add(value, ev.start_mark)
            elif isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                refuse_anchor(ev)
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
                mark = ev.start_mark
                if starts is not None and len(stack) == 3 and isinstance(container, dict) \
                        and mark is not None:  # (libyaml gives every event its mark)
                    starts[id(container)] = (mark.line + 1, mark.column + 1)
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

