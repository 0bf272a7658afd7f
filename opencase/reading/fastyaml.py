"""A fast reader for the plain YAML that record files are written in.

Curators write records in a small, regular part of YAML: block mappings and sequences,
single-line plain or quoted scalars, flow lists of ids (``[a, b]``), folded or literal block
scalars (``>-``, ``|``) and comments. :func:`read_fast` reads exactly that part, many times
faster than walking libyaml's events in Python, in two ways:

- a line reader: plain string operations on each line, with a stack of open containers;
- record shapes (:mod:`opencase.reading.shapes`): in a large file, the records that share a
  layout are each matched by one regular expression; a record that matches no shape is read
  by the line reader.

It is a shortcut, never a second opinion: for any text it is not sure about it returns
``None`` and the caller reads the file with the exact reader (:mod:`opencase.reading.exactyaml`),
which reports problems with their positions. Whatever it accepts, it gives the same values as
the exact reader, which would find no problem in it: it refuses anything that could be a tag,
an anchor, an alias, a duplicate key, a second document, a multi-line plain or quoted scalar,
an escape other than ``\\\\`` and ``\\"``, an unusual key, a tab, a lone carriage return, or
indentation it does not expect. ``tests/test_fastyaml.py`` holds it to that, case by case and
on generated texts. ``benchmarks/run.py --steps machinery`` measures what each part gains.
"""

from __future__ import annotations

import re
from typing import Any

from opencase.reading.formulas import may_start_formula
from opencase.reading.plainyaml import BAD_START, NULLS, flow_items, key_end, key_ok
from opencase.reading.shapes import Shape, lex

__all__ = ["read_fast"]

_DQ = re.compile(r'"((?:[^"\\]|\\["\\])*)"(?: +(?:#.*)?)?\Z')
_SQ = re.compile(r"'((?:[^']|'')*)'(?: +(?:#.*)?)?\Z")
_DQ_ESCAPE = re.compile(r"\\([\"\\])")
_FLOW = re.compile(r"\[([^\[\]{}#\"'`]*)\](?: +(?:#.*)?)?\Z")
_BLOCK = re.compile(r"([>|])(-?)(?: +#.*)?\Z")
_MAX_DEPTH = 24  # below the exact reader's limit, so that the exact reader reports deeper
# tabs, and characters YAML treats as line breaks, refuses, or reads as a byte-order mark
_ODD = re.compile(
    "[\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]"
)
_MAX_SHAPES = 16
_SHAPES_FROM = 64 * 1024  # text length from which record shapes are tried


class _Unsure(Exception):
    """The text is outside what the fast reader handles: read it with the exact reader."""



def read_fast(
    text: str, *, shapes: bool = True, checked: bool = False
) -> tuple[Any, dict[int, tuple[int, int]], bool] | None:
    """Read a record file's ``text``: ``(data, starts, formulas)``, or ``None`` when not sure.

    ``data`` is what the exact reader builds (dicts, lists, strings, ``None``) and ``starts``
    maps the ``id()`` of every record (a mapping two levels down) to its 1-based
    ``(line, column)``, as the exact reader does. ``formulas`` is ``False`` when no value
    starts with ``=``, ``+``, ``-`` or ``@`` (so none can run as a spreadsheet formula), and
    ``True`` when one may. ``shapes=False`` reads every line with the line reader (for tests).
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
        return _Reader(text, shapes).run()
    except (_Unsure, RecursionError):
        return None


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
        return flow_items(m.group(1), _Unsure)
    raise _Unsure


def _plain(v: str) -> str | None:
    h = v.find(" #")
    if h != -1:
        v = v[:h].rstrip(" ")
    if ": " in v or v[-1] == ":":
        raise _Unsure
    return None if v in NULLS else v


class _Reader:
    """One file: the line reader's state (a stack of open containers) and the shapes."""

    def __init__(self, text: str, shapes: bool) -> None:
        self.text = text
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
        # shapes pay off only when many records share them: compiling one costs milliseconds
        self.fast = shapes and len(text) >= _SHAPES_FROM
        self.shapes: dict[int, list[Shape]] = {}  # by number of lines
        self.hits = 0
        self.misses = 0
        self.formulas = False  # a value may start with = + - @

    # ---- the driver

    def run(self) -> tuple[Any, dict[int, tuple[int, int]], bool]:
        n = len(self.lines)
        i = 0
        pos = 0
        while i < n:
            if self.fast and len(self.inds) > 2 and self.kinds[2]:
                i, pos = self.records(i, pos)
                if i >= n:
                    break
            i, pos = self.read_lines(i, pos)
        self.resolve(None)
        if self.root is None and len(self.inds) > 1:
            raise _Unsure
        return self.root, self.starts, self.formulas

    # ---- record shapes

    def records(self, i: int, pos: int) -> tuple[int, int]:
        """Read records of the list at depth 2 by their shapes, from line ``i`` (text offset
        ``pos``) on, while they have one; return where the line reader takes over."""
        ind = self.inds[2]
        prefix = " " * ind + "- "
        marker = "\n" + prefix
        text = self.text
        size = len(text)
        lines = self.lines
        n = len(lines)
        starts = self.starts
        by_lines = self.shapes
        out = None
        while i < n and lines[i].startswith(prefix):
            end = text.find(marker, pos)
            stop = end + 1 if end != -1 else size
            chunk = text[pos:stop]
            nl = chunk.count("\n")
            shapes = by_lines.get(nl)
            got = None
            matched = False  # a shape fits, but a value needs the line reader
            if shapes is not None:
                for k, shape in enumerate(shapes):
                    m = shape.rx.fullmatch(chunk)
                    if m is not None:
                        got = shape.read(m.groups())
                        matched = got is None
                        if got is not None and k:
                            shapes.insert(0, shapes.pop(k))
                        break
            if got is None:
                new = matched or (shapes is not None and len(shapes) >= _MAX_SHAPES)
                fresh = None if new else lex(chunk, ind)
                m = None if fresh is None else fresh.rx.fullmatch(chunk)
                if m is not None and fresh is not None:
                    got = fresh.read(m.groups())
                    if got is not None:
                        by_lines.setdefault(nl, []).insert(0, fresh)
                if got is None:
                    self.misses += 1
                    if self.misses > 50 and self.misses > self.hits:
                        self.fast = False  # records here rarely share a layout
                    return i, pos
            if out is None:
                # close the previous record, as a line at the records' indentation would
                self.resolve(None)
                del self.inds[3:], self.conts[3:], self.kinds[3:]
                out = self.conts[2]
            rec, formulas = got
            out.append(rec)
            if formulas:
                self.formulas = True
            starts[id(rec)] = (i + 1, ind + 3)
            self.hits += 1
            i += nl
            pos = stop
        return i, pos

    # ---- the line reader

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

    def read_lines(self, i: int, pos: int) -> tuple[int, int]:
        """Read lines from ``i`` (at text offset ``pos``) until the next record that shapes
        may read; return where it stopped."""
        lines = self.lines
        n = len(lines)
        inds = self.inds
        kinds = self.kinds
        conts = self.conts
        first = True
        while i < n:
            line = lines[i]
            s = line.lstrip(" ")
            if not s or s[0] == "#":
                i += 1
                pos += len(line) + 1
                continue
            ind = len(line) - len(s)
            if s[-1] == " ":
                s = s.rstrip(" ")
            dash = s[0] == "-" and (len(s) == 1 or s[1] == " ")
            if (
                dash
                and not first
                and self.fast
                and len(inds) > 2
                and kinds[2]
                and ind == inds[2]
                and self.pend_c is None
            ):
                return i, pos  # the next record: try its shape
            first = False
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
            pos += len(line) + 1
            if dash:
                if not kinds[-1]:
                    raise _Unsure  # a "-" item where a mapping's key is due
                v = s[1:].lstrip(" ")
                if not v or v[0] == "#":
                    self.pend_c, self.pend_k, self.pend_ind = c, None, ind
                    continue
                if v[0] == "-" and (len(v) == 1 or v[1] == " "):
                    raise _Unsure  # "- - x"
                if v[0] in BAD_START:
                    if v[0] in ">|":
                        value, i, pos = self.block(v, ind, i, pos)
                    else:
                        value = _special(v)
                    c.append(self.note(value))
                    continue
                if key_end(v) == -1:
                    c.append(self.note(_plain(v)))
                    continue
                new_map: dict[str, Any] = {}
                c.append(new_map)
                self.push(new_map, ind + len(s) - len(v), 0, i - 1)
                c = new_map
                s = v
            elif kinds[-1]:
                raise _Unsure  # a key where a "-" item is due
            j = key_end(s)
            if j == -1:
                raise _Unsure
            key = s[:j]
            if not key_ok(key) or key in c:
                raise _Unsure
            v = s[j + 1 :].lstrip(" ")
            if not v or v[0] == "#":
                self.pend_c, self.pend_k, self.pend_ind = c, key, inds[-1]
                continue
            if v[0] in BAD_START:
                if v[0] in ">|":
                    value, i, pos = self.block(v, inds[-1], i, pos)
                else:
                    value = _special(v)
                c[key] = self.note(value)
                continue
            if " #" in v or ": " in v or v[-1] == ":":
                c[key] = self.note(_plain(v))
            else:
                if may_start_formula(v[0]):
                    self.formulas = True
                c[key] = None if v in NULLS else v
        return i, pos

    def note(self, value: Any) -> Any:
        """``value``, noting whether it starts like a formula."""
        if type(value) is str and value and may_start_formula(value[0]):
            self.formulas = True
        return value

    def block(self, header: str, ind: int, i: int, pos: int) -> tuple[str, int, int]:
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
                pos += 1
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
            pos += len(line) + 1
        if i == n and not self.ends_nl and not strip:
            raise _Unsure  # the last line has no line break to keep
        # trailing blank lines belong to no one; give them back to the line reader
        while content and content[-1] is None:
            content.pop()
            i -= 1
            pos -= 1
        return _fold(content, folded, strip), i, pos


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
