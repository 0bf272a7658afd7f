"""Record shapes: reading many records of one layout in one regular-expression match each.

Most records of a file share their layout (the same keys, indentation and nesting, with
different values). The first record of a layout is turned into one regular expression for the
whole record and a builder (:func:`lex`); the next records of that layout are then matched in
one call each, and their values checked in bulk (:meth:`Shape.read`). A record that matches no
shape is read by the fast line reader (:mod:`opencase.reading.fastyaml`), which drives this.
Nothing here evaluates anything: shapes are regular expressions built with :func:`re.escape`
and builders are closures.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from opencase.reading.plainyaml import BAD_START, NULLS, flow_items, is_item, key_end, key_ok

__all__ = ["NoShape", "Shape", "lex"]

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

# pieces of record shapes: each captures one value of one line
_RX_PLAIN = r"""([^-?:,\[\]{}#&*!|>'"%@`\n ][^\n]*(?<![ :]))"""
_RX_DQ = r'"((?:[^"\\\n ][^"\\\n]*)?)"'  # (a value starting with a space: see _MAY_FORMULA)
_RX_SQ = r"'((?:[^'\n ][^'\n]*)?)'"
_RX_FLOW = r"\[([A-Za-z0-9_., -]*)\]"
_SHAPE_DEPTH = 8

Builder = Callable[[tuple[str, ...]], Any]

class NoShape(Exception):
    """This record does not fit the shape after all: read it with the line reader."""


class Shape:
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
        if not NULLS.isdisjoint(g):  # (a quoted "null" too: the line reader sorts it out)
            return None
        try:
            rec = self.build(g)
        except NoShape:
            return None
        return rec, _MAY_FORMULA.search(joined) is not None


# ---- record shapes: from one record's text to a regular expression and a builder


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
        get = itemgetter(*getters[:n])
    if not tail:
        plain = lambda g: dict(zip(head, get(g), strict=False))  # noqa: E731
        plain.simple = (head, get)  # type: ignore[attr-defined]
        return plain
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
    """Turns the lines of one record into a shape, or raises :class:`NoShape`."""

    def __init__(self, toks: list[tuple[int, str]]) -> None:
        self.toks = toks
        self.groups = 0
        self.plain: list[int] = []

    def group(self) -> int:
        self.groups += 1
        return self.groups - 1

    def mapping(self, j: int, ind: int, prefix: str, depth: int) -> tuple[str, Builder, int]:
        if depth > _SHAPE_DEPTH:
            raise NoShape
        toks = self.toks
        n = len(toks)
        keys: list[str] = []
        parts: list[str] = []
        getters: list[int | Builder] = []
        while j < n:
            li, s = toks[j]
            if li < ind or (li == ind and is_item(s)):
                break
            if li > ind:
                raise NoShape
            k = key_end(s)
            if k <= 0:
                raise NoShape
            key = s[:k]
            if not key_ok(key) or key in keys:
                raise NoShape
            rest = s[k + 1 :]
            v = rest.lstrip(" ")
            head = prefix + re.escape(key) + ":"
            prefix = " " * ind
            j += 1
            keys.append(key)
            if not v:
                if j < n and (toks[j][0] > ind or (toks[j][0] == ind and is_item(toks[j][1]))):
                    cli, cs = toks[j]
                    if is_item(cs):
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
            raise NoShape
        return "".join(parts), _map_builder(tuple(keys), getters), j

    def sequence(self, j: int, li: int, depth: int) -> tuple[str, Builder, int]:
        if depth > _SHAPE_DEPTH:
            raise NoShape
        toks = self.toks
        n = len(toks)
        parts: list[str] = []
        getters: list[int | Builder] = []
        while j < n:
            lj, s = toks[j]
            if lj < li or (lj == li and not is_item(s)):
                break
            if lj > li or len(s) < 3 or s[2] == " ":
                raise NoShape
            v = s[2:]
            if is_item(v):
                raise NoShape
            if v[0] not in BAD_START and key_end(v) != -1:
                toks[j] = (li + 2, v)
                rx, b, j = self.mapping(j, li + 2, " " * li + "- ", depth + 1)
                parts.append(rx)
                getters.append(b)
                continue
            if v[0] in ">|":
                raise NoShape
            rx, g, j = self.value(v, j + 1, li)
            parts.append(" " * li + "- " + rx)
            getters.append(g)
        if not parts:
            raise NoShape
        return "".join(parts), _list_builder(getters), j

    def value(self, v: str, j: int, ind: int) -> tuple[str, int | Builder, int]:
        """The pattern of a value that starts on its key's (or ``-``'s) line, with the line
        break(s) after it; ``j`` is the next line."""
        c = v[0]
        if c == '"':
            if not re.fullmatch(r'"[^"\\]*"', v):
                raise NoShape
            return _RX_DQ + "\n", self.group(), j
        if c == "'":
            if not re.fullmatch(r"'[^']*'", v):
                raise NoShape
            return _RX_SQ + "\n", self.group(), j
        if c == "[":
            if not re.fullmatch(r"\[[A-Za-z0-9_., -]*\]", v):
                raise NoShape
            g = self.group()
            return _RX_FLOW + "\n", lambda G: flow_items(G[g], NoShape), j
        if c == ">" or c == "|":
            if v not in (">", ">-", "|", "|-"):
                raise NoShape
            toks = self.toks
            if j >= len(toks) or toks[j][0] <= ind:
                raise NoShape
            ci = toks[j][0]
            while j < len(toks) and toks[j][0] >= ci:
                if toks[j][0] != ci:
                    raise NoShape  # more-indented lines: the line reader handles them
                j += 1
            g = self.group()
            folded, strip = c == ">", v.endswith("-")
            line = r"[^ \n][^\n]*(?<! )\n"  # a line of content, after its indentation
            indent = " {" + str(ci) + "}"
            rx = re.escape(v) + r"\n" + indent + "(" + line + "(?:" + indent + line + ")*)"
            return rx, lambda G: _block_value(G[g], ci, folded, strip), j
        if c in BAD_START:
            raise NoShape
        g = self.group()
        self.plain.append(g)
        return _RX_PLAIN + "\n", g, j


def lex(chunk: str, ind: int) -> Shape | None:
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
    if li != ind or not s.startswith("- ") or len(s) < 3 or s[2] == " " or is_item(s[2:]):
        return None
    if s[2] in BAD_START or key_end(s[2:]) == -1:
        return None
    toks[0] = (ind + 2, s[2:])
    lexer = _Lexer(toks)
    try:
        rx, build, j = lexer.mapping(0, ind + 2, " " * ind + "- ", 1)
    except NoShape:
        return None
    if j != len(toks):
        return None
    return Shape(rx + r"\n*", build, lexer.plain)
