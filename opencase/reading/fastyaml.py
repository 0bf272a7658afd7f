"""A fast reader for the plain YAML that record files are written in.

Curators write records in a small, regular part of YAML: block mappings and sequences,
single-line plain or quoted scalars, flow lists of ids (``[a, b]``), folded or literal block
scalars (``>-``, ``|``) and comments. :func:`read_fast` reads exactly that part with plain
string operations on each line and a stack of open containers, several times faster than
walking libyaml's events in Python (``benchmarks/run.py --steps machinery`` measures it).

It is a shortcut, never a second opinion: for any text it is not sure about it returns
``None`` and the caller reads the file with the exact reader (:mod:`opencase.reading.exactyaml`),
which reports problems with their positions. Whatever it accepts, it gives the same values as
the exact reader, which would find no problem in it: it refuses anything that could be a tag,
an anchor, an alias, a duplicate key, a second document, a multi-line plain or quoted scalar,
an escape other than ``\\\\`` and ``\\"``, an unusual key, a tab, a lone carriage return, or
indentation it does not expect. ``tests/test_fastyaml.py`` holds it to that, case by case and
on generated texts.
"""

from __future__ import annotations

import re
from typing import Any

from opencase.reading.formulas import may_start_formula

__all__ = ["read_fast"]

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
# a plain scalar may not start with these (or it is something else: a tag, an alias, a flow
# collection, a block scalar, a quoted scalar, a comment, a directive, or an error)
_BAD_START = frozenset("-?:,[]{}#&*!|>'\"%@`")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,199}\Z")
_DQ = re.compile(r'"((?:[^"\\]|\\["\\])*)"(?: +(?:#.*)?)?\Z')
_SQ = re.compile(r"'((?:[^']|'')*)'(?: +(?:#.*)?)?\Z")
_DQ_ESCAPE = re.compile(r"\\([\"\\])")
_FLOW = re.compile(r"\[([^\[\]{}#\"'`]*)\](?: +(?:#.*)?)?\Z")
_FLOW_ITEM = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}\Z")
_BLOCK = re.compile(r"([>|])(-?)(?: +#.*)?\Z")
_MAX_DEPTH = 24  # below the exact reader's limit, so that the exact reader reports deeper
# tabs, and characters YAML treats as line breaks, refuses, or reads as a byte-order mark
_ODD = re.compile(
    "[\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]"
)


class _Unsure(Exception):
    """The text is outside what the fast reader handles: read it with the exact reader."""



def read_fast(
    text: str, *, checked: bool = False
) -> tuple[Any, dict[int, tuple[int, int]], bool] | None:
    """Read a record file's ``text``: ``(data, starts, formulas)``, or ``None`` when not sure.

    ``data`` is what the exact reader builds (dicts, lists, strings, ``None``) and ``starts``
    maps the ``id()`` of every record (a mapping two levels down) to its 1-based
    ``(line, column)``, as the exact reader does. ``formulas`` is ``False`` when no value
    starts with ``=``, ``+``, ``-`` or ``@`` (so none can run as a spreadsheet formula), and
    ``True`` when one may.
    ``checked``: the caller has already refused the text if it holds a C0 or C1 control
    character, U+FFFE or U+FFFF (as :mod:`opencase.reading.files` does).
    """
    if checked:  # only the _ODD characters that are not control characters are left to see
        if "\t" in text or "\u2028" in text or "\u2029" in text or "\ufeff" in text:
            return None
    # (isprintable is false for every _ODD character, and much faster than the search)
    elif not text.replace("\n", "").replace("\r", "").isprintable() and _ODD.search(text):
        return None
    if "\r" in text:
        if "\r" in text.replace("\r\n", ""):
            return None  # a lone CR is a line break to YAML, not to str.split
        text = text.replace("\r\n", "\n")  # the same lines and columns
    try:
        return _Reader(text).run()
    except (_Unsure, RecursionError):
        return None


_KEY_OK: dict[str, bool] = {}


def _key_ok(key: str) -> bool:
    ok = _KEY_OK.get(key)
    if ok is None:
        ok = bool(_KEY.match(key)) and key not in _NULLS
        if len(_KEY_OK) < 10_000:
            _KEY_OK[key] = ok
    return ok


def _key_end(s: str) -> int:
    """Where the mapping key of a line's content ends (its ``:``), or -1 if it has none."""
    i = s.find(":")
    n = len(s)
    while i != -1 and i + 1 < n and s[i + 1] != " ":
        i = s.find(":", i + 1)
    return i


def _special(v: str) -> Any:
    """A value that starts with an indicator: quoted, a flow list of ids, or unsure."""
    c = v[0]
    if c == '"':
        m = _DQ.match(v)
        if m is None:
            raise _Unsure
        body = m.group(1)
        return _DQ_ESCAPE.sub(r"\1", body) if "\\" in body else body
    if c == "'":
        m = _SQ.match(v)
        if m is None:
            raise _Unsure
        return m.group(1).replace("''", "'")
    if c == "[":
        m = _FLOW.match(v)
        if m is None:
            raise _Unsure
        return _flow_items(m.group(1))
    raise _Unsure


def _flow_items(inner: str) -> list[str | None]:
    inner = inner.strip(" ")
    if not inner:
        return []
    items: list[str | None] = []
    for item in inner.split(","):
        item = item.strip(" ")
        if not _FLOW_ITEM.match(item):
            raise _Unsure
        items.append(None if item in _NULLS else item)
    return items


def _plain(v: str) -> str | None:
    h = v.find(" #")
    if h != -1:
        v = v[:h].rstrip(" ")
    if ": " in v or v[-1] == ":":
        raise _Unsure
    return None if v in _NULLS else v


class _Reader:
    """One file: the line reader's state (a stack of open containers)."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.ends_nl = text.endswith("\n")
        self.starts: dict[int, tuple[int, int]] = {}
        # the stack; index 0 is a sentinel, 1 the top-level mapping, 2 a kind's list of
        # records, 3 a record
        self.inds: list[int] = [-1]
        self.conts: list[Any] = [None]
        self.kinds: list[int] = [0]  # 0 mapping, 1 sequence, 2 sequence at its key's indent
        # a key (or "-") with nothing after it: its value is decided by the next line
        self.pend_c: Any = None
        self.pend_k: str | None = None
        self.pend_ind = 0
        self.root: dict[str, Any] | None = None
        self.formulas = False  # a value may start with = + - @

    def run(self) -> tuple[Any, dict[int, tuple[int, int]], bool]:
        self.read_lines()
        self.resolve(None)
        if self.root is None and len(self.inds) > 1:
            raise _Unsure
        return self.root, self.starts, self.formulas

    def resolve(self, value: Any) -> None:
        if self.pend_c is not None:
            if self.pend_k is None:
                self.pend_c.append(value)
            else:
                self.pend_c[self.pend_k] = value
            self.pend_c = None

    def push(self, container: Any, ind: int, kind: int, line: int) -> None:
        self.inds.append(ind)
        self.conts.append(container)
        self.kinds.append(kind)
        depth = len(self.inds) - 1
        if depth == 3 and kind == 0:
            self.starts[id(container)] = (line + 1, ind + 1)
        if depth > _MAX_DEPTH:
            raise _Unsure

    def read_lines(self) -> None:
        """Read every line, building the values on the stack."""
        lines = self.lines
        n = len(lines)
        inds = self.inds
        kinds = self.kinds
        conts = self.conts
        i = 0
        while i < n:
            line = lines[i]
            s = line.lstrip(" ")
            if not s or s[0] == "#":
                i += 1
                continue
            ind = len(line) - len(s)
            if s[-1] == " ":
                s = s.rstrip(" ")
            dash = s[0] == "-" and (len(s) == 1 or s[1] == " ")
            if self.pend_c is not None:
                if ind > self.pend_ind:
                    nested: Any = [] if dash else {}
                    self.resolve(nested)
                    self.push(nested, ind, 1 if dash else 0, i)
                elif dash and ind == self.pend_ind and self.pend_k is not None:
                    new: list[Any] = []
                    self.resolve(new)
                    self.push(new, ind, 2, i)
                else:
                    self.resolve(None)
            if ind != inds[-1] or (kinds[-1] == 2 and not dash):
                while ind < inds[-1] or (ind == inds[-1] and kinds[-1] == 2 and not dash):
                    inds.pop()
                    conts.pop()
                    kinds.pop()
                if ind != inds[-1]:
                    if self.root is None and len(inds) == 1 and not dash:
                        self.root = {}
                        self.push(self.root, ind, 0, i)
                    else:
                        raise _Unsure
            c = conts[-1]
            i += 1
            if dash:
                if not kinds[-1]:
                    raise _Unsure  # a "-" item where a mapping's key is due
                v = s[1:].lstrip(" ")
                if not v or v[0] == "#":
                    self.pend_c, self.pend_k, self.pend_ind = c, None, ind
                    continue
                if v[0] == "-" and (len(v) == 1 or v[1] == " "):
                    raise _Unsure  # "- - x"
                if v[0] in _BAD_START:
                    if v[0] in ">|":
                        value, i = self.block(v, ind, i)
                    else:
                        value = _special(v)
                    c.append(self.note(value))
                    continue
                if _key_end(v) == -1:
                    c.append(self.note(_plain(v)))
                    continue
                new_map: dict[str, Any] = {}
                c.append(new_map)
                self.push(new_map, ind + len(s) - len(v), 0, i - 1)
                c = new_map
                s = v
            elif kinds[-1]:
                raise _Unsure  # a key where a "-" item is due
            j = _key_end(s)
            if j == -1:
                raise _Unsure
            key = s[:j]
            if not _key_ok(key) or key in c:
                raise _Unsure
            v = s[j + 1 :].lstrip(" ")
            if not v or v[0] == "#":
                self.pend_c, self.pend_k, self.pend_ind = c, key, inds[-1]
                continue
            if v[0] in _BAD_START:
                if v[0] in ">|":
                    value, i = self.block(v, inds[-1], i)
                else:
                    value = _special(v)
                c[key] = self.note(value)
                continue
            if " #" in v or ": " in v or v[-1] == ":":
                c[key] = self.note(_plain(v))
            else:
                if may_start_formula(v[0]):
                    self.formulas = True
                c[key] = None if v in _NULLS else v

    def note(self, value: Any) -> Any:
        """``value``, noting whether it starts like a formula."""
        if type(value) is str and value and may_start_formula(value[0]):
            self.formulas = True
        return value

    def block(self, header: str, ind: int, i: int) -> tuple[str, int]:
        """A block scalar whose header (``>-``, ``|``...) ends line ``i - 1``; its content
        must be indented deeper than ``ind``."""
        m = _BLOCK.match(header)
        if m is None:
            raise _Unsure
        folded = m.group(1) == ">"
        strip = m.group(2) == "-"
        lines = self.lines
        n = len(lines)
        if i >= n:
            raise _Unsure
        first = lines[i]
        s = first.lstrip(" ")
        if not s:
            raise _Unsure  # leading blank lines, or an empty scalar
        ci = len(first) - len(s)
        if ci <= ind:
            raise _Unsure
        content: list[str | None] = []
        while i < n:
            line = lines[i]
            if not line:
                content.append(None)
                i += 1
                continue
            s = line.lstrip(" ")
            if not s:
                raise _Unsure  # a line of spaces only
            li = len(line) - len(s)
            if li < ci:
                break
            if line[-1] == " " or (folded and li > ci):
                raise _Unsure  # trailing spaces; more-indented lines in a folded scalar
            content.append(line[ci:])
            i += 1
        if i == n and not self.ends_nl and not strip:
            raise _Unsure  # the last line has no line break to keep
        # trailing blank lines belong to no one; give them back to the line reader
        while content and content[-1] is None:
            content.pop()
            i -= 1
        return _fold(content, folded, strip), i


def _fold(content: list[str | None], folded: bool, strip: bool) -> str:
    if folded:
        parts: list[str] = []
        blanks = 0
        for x in content:
            if x is None:
                blanks += 1
                continue
            if parts:
                parts.append("\n" * blanks if blanks else " ")
            parts.append(x)
            blanks = 0
        out = "".join(parts)
    else:
        out = "\n".join("" if x is None else x for x in content)
    return out if strip else out + "\n"
