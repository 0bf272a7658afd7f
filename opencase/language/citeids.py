"""Every citation of a record, where it sits, and its id, derived from its content.

A record's citations sit in its own ``cite`` list and in the ``cite`` lists of the items of its
list fields whose items carry citations (``names``, ``reported``): each such field is a *part*
of the record. The published ``citations`` table has one row per citation, or per field a
citation ``supports``, and each row's id is derived from what it says, not from where it is in
a list, so that inserting, removing or reordering a citation changes no other id:

    ``<record_id>#<first 12 hex digits of the SHA-256 of the content>``

where the content is, in this order: the record id; the part (empty for the record's own
``cite``); the item of that part it belongs to (the values of the item's required fields other
than ``cite``: a name variant's ``name`` and ``type``, a reported value's ``field`` and
``value``); the field the row backs (empty: the whole record or item); the citation's
``source``, ``quote``, ``prefix``, ``suffix`` and ``via``. Its ``note`` is not part of it. Each
piece is written as its length in code points, ``:`` and its text (``-`` for no value), so that
no two contents are written alike. Two rows of one record with the same content would get the
same id: validation reports them (``duplicate-citation``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from opencase.language.models import Citation
from opencase.language.spec import fields_of

__all__ = [
    "CitationRow",
    "Repeat",
    "citation_id",
    "citation_rows",
    "item_key",
    "parts_of",
    "repeated_citations",
]

ID_HEX_DIGITS = 12


@dataclass(frozen=True, slots=True)
class CitationRow:
    """One published row of a citation: ``cite_index`` is its place in its ``cite`` list,
    ``part``/``part_position`` the list field and item holding that list (``None`` for the
    record's own ``cite``), ``field`` the supported field (``None``: the whole record or
    item)."""

    id: str
    part: str | None
    part_position: int | None
    cite_index: int
    field: str | None
    citation: Citation


@cache
@cache
def parts_of(model: type[BaseModel]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The list fields of ``model`` whose items carry citations, each with the item fields
    that identify an item (its required fields other than ``cite``)."""
    out = []
    for f in fields_of(model):
        if f.item is None or not any(sub.name == "cite" for sub in f.item.fields):
            continue
        out.append((f.name, tuple(sub.name for sub in f.item.fields
                                  if sub.required and sub.name != "cite")))
    return tuple(out)


def item_key(item: Any, key_fields: tuple[str, ...]) -> tuple[str, ...]:
    """The values that identify ``item`` within its part."""
    return tuple(str(getattr(item, name)) for name in key_fields)


def _piece(text: str | None) -> str:
    return "-" if text is None else f"{len(text)}:{text}"


def citation_id(record_id: str, part: str | None, key: tuple[str, ...], field: str | None,
                citation: Citation) -> str:
    """The id of the row of ``citation`` that backs ``field`` of ``record_id`` (see the
    module's docstring)."""
    c = citation
    part = part or ""
    item = "".join(map(_piece, key))
    field = field or ""
    source, quote = c.source, c.quote
    content = (f"{len(record_id)}:{record_id}{len(part)}:{part}{len(item)}:{item}"
               f"{len(field)}:{field}{len(source)}:{source}{len(quote)}:{quote}"
               f"{_piece(c.prefix)}{_piece(c.suffix)}{_piece(c.via)}")
    digest = hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{record_id}#{digest[:ID_HEX_DIGITS]}"


@dataclass(frozen=True, slots=True)
class Repeat:
    """A citation row whose content (so its id) repeats an earlier row's of the same record:
    the ``cite_index``-th citation of the ``cite`` list at ``part``/``part_position`` (as in
    :class:`CitationRow`), for ``field``; ``first`` is where the earlier one is."""

    part: str | None
    part_position: int | None
    cite_index: int
    field: str | None
    first: tuple[str | None, int | None, int]


def repeated_citations(record: BaseModel) -> list[Repeat]:
    """The citation rows of ``record`` that would get the id of an earlier row (the same
    content: see the module's docstring). Compares the content itself, without hashing."""
    own = getattr(record, "cite", ())
    parts = parts_of(type(record))
    if len(own) < 2 and not any(getattr(record, name) for name, _ in parts) and not (
            own and own[0].supports and len(own[0].supports) > 1):
        return []  # (most records: one citation, for one field or the whole record)
    lists: list[tuple[str | None, int | None, tuple[str, ...], Any]] = [
        (None, None, (), getattr(record, "cite", ()))]
    for name, key_fields in parts_of(type(record)):
        lists.extend((name, k, item_key(item, key_fields), item.cite)
                     for k, item in enumerate(getattr(record, name)))
    if sum(len(cites) for *_, cites in lists) < 2 and not any(
            c.supports and len(c.supports) > 1 for *_, cites in lists for c in cites):
        return []
    seen: dict[tuple[Any, ...], tuple[str | None, int | None, int]] = {}
    out = []
    for part, position, key, cites in lists:
        for i, c in enumerate(cites):
            supported: tuple[str | None, ...] = tuple(c.supports or (None,))
            for field in supported:
                content = (part, key, field, c.source, c.quote, c.prefix, c.suffix, c.via)
                if content in seen:
                    out.append(Repeat(part, position, i, field, seen[content]))
                else:
                    seen[content] = (part, position, i)
    return out


def citation_rows(record: BaseModel) -> Iterator[CitationRow]:
    """Every published citation row of ``record``: its own ``cite`` first, then each part's
    items in order; within a citation, one row per supported field (in order), or one row."""
    rid: str = record.id  # type: ignore[attr-defined]
    yield from _rows(rid, None, None, (), getattr(record, "cite", ()))
    for part, key_fields in parts_of(type(record)):
        for k, item in enumerate(getattr(record, part)):
            yield from _rows(rid, part, k, item_key(item, key_fields), item.cite)


def _rows(rid: str, part: str | None, position: int | None, key: tuple[str, ...],
          cites: Any) -> Iterator[CitationRow]:
    for i, c in enumerate(cites):
        supported: tuple[str | None, ...] = tuple(c.supports or (None,))
        for field in supported:
            yield CitationRow(citation_id(rid, part, key, field, c), part, position, i, field, c)
