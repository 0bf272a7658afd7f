"""A fast reader for the plain YAML that record files are written in.

Curators write records in a small, regular part of YAML: block mappings and sequences,
single-line plain or quoted scalars, flow lists of ids (``[a, b]``), folded or literal block
scalars (``>-``, ``|``) and comments. :func:`read_fast` reads exactly that part, many times
faster than walking libyaml's events in Python, in two ways:

- a line reader: plain string operations on each line, with a stack of open containers;
- record shapes: most records of a file share their layout (the same keys, indentation and
  nesting, with different values). The first record of a layout is turned into one regular
  expression for the whole record and a builder; the next records of that layout are then
  matched in one call each, and their values checked in bulk. A record that matches no shape
  is read by the line reader.

It is a shortcut, never a second opinion: for any text it is not sure about it returns
``None`` and the caller reads the file with the exact reader (:mod:`opencase.reading.files`), which
reports problems with their positions. Whatever it accepts, it gives the same values as the
exact reader, which would find no problem in it: it refuses anything that could be a tag, an
anchor, an alias, a duplicate key, a second document, a multi-line plain or quoted scalar, an
escape other than ``\\\\`` and ``\\"``, an unusual key, a tab, a lone carriage return, or
indentation it does not expect. ``tests/test_fastyaml.py`` holds it to that, case by case and
on generated texts. Nothing here evaluates anything: shapes are regular expressions built with
:func:`re.escape` and builders are closures.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from operator import itemgetter
from typing import Any

__all__ = ["formula_start", "read_fast"]

_FORMULA = "=+-@"  # a value starting with one of these may run as a spreadsheet formula
# a value whose text starts with one of these (after a line break) may start like a formula:
# a formula character, or one a spreadsheet may skip before it (control and invisible format
# characters and white space, as :func:`_skipped` has them, with room for newer Unicode; not
# a line break, nor a space: record shapes take no quoted value that starts with a space)
_MAY_FORMULA = re.compile(
    "\n[=+\\-@\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\xa0\xad\u0600-\u0605\u061c\u06dd\u070f"
    "\u0890-\u0891\u08e2\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff"
    "\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e007f"
    "\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2800\u3164\ufe00-\ufe0f\uffa0"
    "\U000e0100-\U000e01ef]"
)

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

# pieces of record shapes: each captures one value of one line
_RX_PLAIN = r"""([^-?:,\[\]{}#&*!|>'"%@`\n ][^\n]*(?<![ :]))"""
_RX_DQ = r'"((?:[^"\\\n ][^"\\\n]*)?)"'  # (a value starting with a space: see _MAY_FORMULA)
_RX_SQ = r"'((?:[^'\n ][^'\n]*)?)'"
_RX_FLOW = r"\[([A-Za-z0-9_., -]*)\]"
_MAX_SHAPES = 16
_SHAPES_FROM = 64 * 1024  # text length from which record shapes are tried
_SHAPE_DEPTH = 8

Builder = Callable[[tuple[str, ...]], Any]


def _may_formula(first: str) -> bool:
    """Whether a value starting with ``first`` may start like a formula (see
    :func:`formula_start`)."""
    return first in _FORMULA or first <= " " or (not first.isascii() and _skipped(first))


# invisible characters that are neither controls nor spaces: the combining grapheme joiner,
# Khmer and Mongolian invisible signs and selectors, Hangul fillers, the Braille blank (and
# the variation selectors, by range)
_BLANKS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f\u2800"
                    "\u3164\uffa0")


def _skipped(c: str) -> bool:
    """A character a spreadsheet may skip before a formula: white space (tab, CR, no-break
    and other spaces), control characters, invisible format characters (zero-width spaces and
    joiners, bidi controls, soft hyphen, byte-order mark) and other invisible characters
    (variation selectors, Hangul fillers, the Braille blank)."""
    return (c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Zs", "Zl", "Zp")
            or c in _BLANKS or "\ufe00" <= c <= "\ufe0f" or "\U000e0100" <= c <= "\U000e01ef")


def formula_start(value: str) -> int | None:
    """Where a value starts like a spreadsheet formula: the index of the ``=``, ``+``, ``-``
    or ``@`` it starts with once leading white space, control and invisible characters are
    skipped (and something follows it), else None."""
    if not value or (value[0] > " " and value[0].isascii() and value[0] not in _FORMULA):
        return None  # (most values: one look at the first character)
    i, n = 0, len(value)
    while i < n and _skipped(value[i]):
        i += 1
    return i if i < n - 1 and value[i] in _FORMULA else None


class _Unsure(Exception):
    """The text is outside what the fast reader handles: read it with the exact reader."""


class _NoShape(Exception):
    """This record does not fit the shape after all: read it with the line reader."""


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
        return _flow_items(m.group(1), _Unsure)
    raise _Unsure


def _flow_items(inner: str, error: type[Exception]) -> list[str | None]:
    inner = inner.strip(" ")
    if not inner:
        return []
    items: list[str | None] = []
    for item in inner.split(","):
        item = item.strip(" ")
        if not _FLOW_ITEM.match(item):
            raise error
        items.append(None if item in _NULLS else item)
    return items


def _plain(v: str) -> str | None:
    h = v.find(" #")
    if h != -1:
        v = v[:h].rstrip(" ")
    if ": " in v or v[-1] == ":":
        raise _Unsure
    return None if v in _NULLS else v


class _Shape:
    """The layout of one record: a regular expression for its text and a builder."""

    __slots__ = ("build", "plain", "rx")

    def __init__(self, rx: str, build: Builder, plain: list[int]) -> None:
        self.rx = re.compile(rx)
        self.build = build
        n = len(plain)
        self.plain: Callable[[tuple[str, ...]], tuple[str, ...]] | None = (
            None if n == 0 else (lambda g, i=plain[0]: (g[i],)) if n == 1 else itemgetter(*plain)
        )

    def read(self, g: tuple[str, ...]) -> tuple[Any, bool] | None:
        """The record from its matched values, and whether a value may start like a formula
        (see :func:`read_fast`); or ``None`` if a value needs the line reader (a comment, a
        ``: `` inside a plain value, a null word, an odd flow list...)."""
        # every value's text starts right after a line break here (block scalars' later
        # lines after their indentation; flow lists of ids cannot start like a formula)
        joined = "\n" + "\n".join(g)
        if (": " in joined or " #" in joined) and self.plain is not None:
            plain = "\n".join(self.plain(g))
            if ": " in plain or " #" in plain:
                return None
        if not _NULLS.isdisjoint(g):  # (a quoted "null" too: the line reader sorts it out)
            return None
        try:
            rec = self.build(g)
        except _NoShape:
            return None
        return rec, _MAY_FORMULA.search(joined) is not None


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
        self.shapes: dict[int, list[_Shape]] = {}  # by number of lines
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
                shape = None if new else _lex(chunk, ind)
                m = None if shape is None else shape.rx.fullmatch(chunk)
                if m is not None and shape is not None:
                    got = shape.read(m.groups())
                    if got is not None:
                        by_lines.setdefault(nl, []).insert(0, shape)
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
                if v[0] in _BAD_START:
                    if v[0] in ">|":
                        value, i, pos = self.block(v, ind, i, pos)
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
                    value, i, pos = self.block(v, inds[-1], i, pos)
                else:
                    value = _special(v)
                c[key] = self.note(value)
                continue
            if " #" in v or ": " in v or v[-1] == ":":
                c[key] = self.note(_plain(v))
            else:
                if _may_formula(v[0]):
                    self.formulas = True
                c[key] = None if v in _NULLS else v
        return i, pos

    def note(self, value: Any) -> Any:
        """``value``, noting whether it starts like a formula."""
        if type(value) is str and value and _may_formula(value[0]):
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


# ---- record shapes: from one record's text to a regular expression and a builder


def _is_item(s: str) -> bool:
    return s[0] == "-" and (len(s) == 1 or s[1] == " ")


def _null(g: tuple[str, ...]) -> None:
    return None


def _map_builder(keys: tuple[str, ...], getters: list[int | Builder]) -> Builder:
    n = 0
    while n < len(getters) and type(getters[n]) is int:
        n += 1
    head = keys[:n]
    tail = tuple(
        (k, itemgetter(x) if type(x) is int else x)
        for k, x in zip(keys[n:], getters[n:], strict=True)
    )
    if n == 0:
        get: Callable[[tuple[str, ...]], tuple[str, ...]] = lambda g: ()  # noqa: E731
    elif n == 1:
        get = lambda g, i=getters[0]: (g[i],)  # type: ignore[misc] # noqa: E731
    else:
        get = itemgetter(*getters[:n])  # type: ignore[arg-type]
    if not tail:
        build = lambda g: dict(zip(head, get(g), strict=False))  # noqa: E731
        build.simple = (head, get)  # type: ignore[attr-defined]
        return build
    if len(tail) == 1:
        ((k1, f1),) = tail

        def build1(g: tuple[str, ...]) -> dict[str, Any]:
            d = dict(zip(head, get(g), strict=False))
            d[k1] = f1(g)  # type: ignore[operator]
            return d

        return build1

    def build(g: tuple[str, ...]) -> dict[str, Any]:
        d = dict(zip(head, get(g), strict=False))
        for k, f in tail:
            d[k] = f(g)  # type: ignore[operator]
        return d

    return build


def _list_builder(getters: list[int | Builder]) -> Builder:
    fns = tuple(itemgetter(x) if type(x) is int else x for x in getters)
    if len(fns) == 1:
        (f,) = fns
        simple = getattr(f, "simple", None)
        if simple is not None:  # one mapping of scalars (a participant, a citation)
            keys, get = simple
            return lambda g: [dict(zip(keys, get(g), strict=False))]
        return lambda g: [f(g)]  # type: ignore[operator]
    return lambda g: [f(g) for f in fns]  # type: ignore[operator]


def _block_value(body: str, ci: int, folded: bool, strip: bool) -> str:
    out = body[:-1].replace("\n" + " " * ci, " " if folded else "\n")
    return out if strip else out + "\n"


class _Lexer:
    """Turns the lines of one record into a shape, or raises :class:`_NoShape`."""

    def __init__(self, toks: list[tuple[int, str]]) -> None:
        self.toks = toks
        self.groups = 0
        self.plain: list[int] = []

    def group(self) -> int:
        self.groups += 1
        return self.groups - 1

    def mapping(self, j: int, ind: int, prefix: str, depth: int) -> tuple[str, Builder, int]:
        if depth > _SHAPE_DEPTH:
            raise _NoShape
        toks = self.toks
        n = len(toks)
        keys: list[str] = []
        parts: list[str] = []
        getters: list[int | Builder] = []
        while j < n:
            li, s = toks[j]
            if li < ind or (li == ind and _is_item(s)):
                break
            if li > ind:
                raise _NoShape
            k = _key_end(s)
            if k <= 0:
                raise _NoShape
            key = s[:k]
            if not _key_ok(key) or key in keys:
                raise _NoShape
            rest = s[k + 1 :]
            v = rest.lstrip(" ")
            head = prefix + re.escape(key) + ":"
            prefix = " " * ind
            j += 1
            keys.append(key)
            if not v:
                if j < n and (toks[j][0] > ind or (toks[j][0] == ind and _is_item(toks[j][1]))):
                    cli, cs = toks[j]
                    if _is_item(cs):
                        rx, b, j = self.sequence(j, cli, depth + 1)
                    else:
                        rx, b, j = self.mapping(j, cli, " " * cli, depth + 1)
                    parts.append(head + "\n" + rx)
                    getters.append(b)
                else:
                    parts.append(head + "\n")
                    getters.append(_null)
                continue
            rx, g, j = self.value(v, j, ind)
            parts.append(head + " " * (len(rest) - len(v)) + rx)
            getters.append(g)
        if not keys:
            raise _NoShape
        return "".join(parts), _map_builder(tuple(keys), getters), j

    def sequence(self, j: int, li: int, depth: int) -> tuple[str, Builder, int]:
        if depth > _SHAPE_DEPTH:
            raise _NoShape
        toks = self.toks
        n = len(toks)
        parts: list[str] = []
        getters: list[int | Builder] = []
        while j < n:
            lj, s = toks[j]
            if lj < li or (lj == li and not _is_item(s)):
                break
            if lj > li or len(s) < 3 or s[2] == " ":
                raise _NoShape
            v = s[2:]
            if _is_item(v):
                raise _NoShape
            if v[0] not in _BAD_START and _key_end(v) != -1:
                toks[j] = (li + 2, v)
                rx, b, j = self.mapping(j, li + 2, " " * li + "- ", depth + 1)
                parts.append(rx)
                getters.append(b)
                continue
            if v[0] in ">|":
                raise _NoShape
            rx, g, j = self.value(v, j + 1, li)
            parts.append(" " * li + "- " + rx)
            getters.append(g)
        if not parts:
            raise _NoShape
        return "".join(parts), _list_builder(getters), j

    def value(self, v: str, j: int, ind: int) -> tuple[str, int | Builder, int]:
        """The pattern of a value that starts on its key's (or ``-``'s) line, with the line
        break(s) after it; ``j`` is the next line."""
        c = v[0]
        if c == '"':
            if not re.fullmatch(r'"[^"\\]*"', v):
                raise _NoShape
            return _RX_DQ + "\n", self.group(), j
        if c == "'":
            if not re.fullmatch(r"'[^']*'", v):
                raise _NoShape
            return _RX_SQ + "\n", self.group(), j
        if c == "[":
            if not re.fullmatch(r"\[[A-Za-z0-9_., -]*\]", v):
                raise _NoShape
            g = self.group()
            return _RX_FLOW + "\n", lambda G: _flow_items(G[g], _NoShape), j
        if c == ">" or c == "|":
            if v not in (">", ">-", "|", "|-"):
                raise _NoShape
            toks = self.toks
            if j >= len(toks) or toks[j][0] <= ind:
                raise _NoShape
            ci = toks[j][0]
            while j < len(toks) and toks[j][0] >= ci:
                if toks[j][0] != ci:
                    raise _NoShape  # more-indented lines: the line reader handles them
                j += 1
            g = self.group()
            folded, strip = c == ">", v.endswith("-")
            line = r"[^ \n][^\n]*(?<! )\n"  # a line of content, after its indentation
            indent = " {" + str(ci) + "}"
            rx = re.escape(v) + r"\n" + indent + "(" + line + "(?:" + indent + line + ")*)"
            return rx, lambda G: _block_value(G[g], ci, folded, strip), j
        if c in _BAD_START:
            raise _NoShape
        g = self.group()
        self.plain.append(g)
        return _RX_PLAIN + "\n", g, j


def _lex(chunk: str, ind: int) -> _Shape | None:
    """The shape of the record in ``chunk`` (its lines from ``-`` on, at indentation
    ``ind``), or ``None`` when it has lines no shape describes (comments, blank lines,
    trailing spaces...)."""
    lines = chunk.split("\n")
    if lines[-1] != "":
        return None
    lines.pop()
    while lines and not lines[-1]:
        lines.pop()
    toks: list[tuple[int, str]] = []
    for line in lines:
        s = line.lstrip(" ")
        if not s or s[0] == "#" or line[-1] == " ":
            return None
        toks.append((len(line) - len(s), s))
    if not toks:
        return None
    li, s = toks[0]
    if li != ind or not s.startswith("- ") or len(s) < 3 or s[2] == " " or _is_item(s[2:]):
        return None
    if s[2] in _BAD_START or _key_end(s[2:]) == -1:
        return None
    toks[0] = (ind + 2, s[2:])
    lexer = _Lexer(toks)
    try:
        rx, build, j = lexer.mapping(0, ind + 2, " " * ind + "- ", 1)
    except _NoShape:
        return None
    if j != len(toks):
        return None
    return _Shape(rx + r"\n*", build, lexer.plain)
