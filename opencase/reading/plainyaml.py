"""The lexical pieces of the plain YAML record files are written in, shared by the fast line
reader (:mod:`opencase.reading.fastyaml`) and record shapes (:mod:`opencase.reading.shapes`)."""

from __future__ import annotations

import re

__all__ = ["BAD_START", "NULLS", "flow_items", "is_item", "key_end", "key_ok"]

NULLS = frozenset({"", "~", "null", "Null", "NULL"})
"""The plain scalars that are null."""
BAD_START = frozenset("-?:,[]{}#&*!|>'\"%@`")
"""What a plain scalar may not start with (or it is something else: a tag, an alias, a flow
collection, a block scalar, a quoted scalar, a comment, a directive, or an error)."""
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,199}\Z")
_FLOW_ITEM = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}\Z")
_KEY_OK: dict[str, bool] = {}


def key_ok(key: str) -> bool:
    """Whether ``key`` is a mapping key the fast reader takes as it stands."""
    ok = _KEY_OK.get(key)
    if ok is None:
        ok = bool(_KEY.match(key)) and key not in NULLS
        if len(_KEY_OK) < 10_000:
            _KEY_OK[key] = ok
    return ok


def key_end(s: str) -> int:
    """Where the mapping key of a line's content ends (its first ``:`` followed by a space or
    ending it), or -1 if it has none. ``s`` is not empty and ends with no space."""
    i = s.find(": ")
    if i == -1 and s[-1] == ":":
        return len(s) - 1
    return i


def is_item(s: str) -> bool:
    """Whether a line's content is a ``-`` item."""
    return s[0] == "-" and (len(s) == 1 or s[1] == " ")


def flow_items(inner: str, error: type[Exception]) -> list[str | None]:
    """The ids of a flow list (``[a, b]``) from what is between its brackets; raises ``error``
    for anything else."""
    inner = inner.strip(" ")
    if not inner:
        return []
    items: list[str | None] = []
    for item in inner.split(","):
        item = item.strip(" ")
        if not _FLOW_ITEM.match(item):
            raise error
        items.append(None if item in NULLS else item)
    return items
