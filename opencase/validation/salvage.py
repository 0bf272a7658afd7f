"""What can still be checked of a record that failed its model.

A record with a structural problem (an unknown field, a missing one, a value outside its
vocabulary) has no model object, so the checks that need one would skip it, and its quote,
reference and ``supports`` problems would appear only in the run after the structural one is
fixed. Instead, what is valid on its own is validated on its own: each field of its kind that
pydantic found nothing wrong with, and in a list field that has a problem, each item. The
references among them, its own ``cite`` list and the citations of its name variants and
reported values are then checked like those of any record, at their own positions. (A
citation with a problem of its own, and checks across fields such as the evidence lint, wait
for the record to pass.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from types import SimpleNamespace
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from opencase.language.fields import ID_PATTERN
from opencase.language.models import Citation, Record
from opencase.reading.files import RawRecord
from opencase.validation.kinds import class_info

__all__ = ["Partial", "salvage"]


Partial = SimpleNamespace
"""The salvaged fields of a record: ``cite`` (a list of citations, ``None`` in place of one
with a problem), each reference field of its kind (``None`` if absent or with a problem; in a
list, ``None`` in place of an item with a problem) and each list whose items have citations
of their own (``names``, ``reported``: items with a ``cite`` list)."""

_ID = re.compile(ID_PATTERN)


def salvage(raw: RawRecord, model: type[Record], errors: Sequence[Mapping[str, Any]]) -> Partial:
    """The fields of ``raw`` that the checks after the model can use, validated one by one;
    ``errors`` are pydantic's (their first location part names the field at fault)."""
    faulty = {err["loc"][0] for err in errors if err["loc"]}
    data = raw.data if isinstance(raw.data, dict) else {}
    info = class_info(model)
    values: dict[str, Any] = {"cite": _cites(data.get("cite"), model, "cite" in faulty)}
    subs: dict[str, list[str]] = {}  # a list field -> the reference keys of its items
    for ref in info.refs:
        if ref.sub:
            subs.setdefault(ref.field, []).append(ref.sub)
    for ref in info.refs:
        if ref.field in values:  # (a list field with several references: salvaged once)
            continue
        value = data.get(ref.field)
        if ref.field not in model.model_fields or value is None:
            values[ref.field] = None
        elif ref.field not in faulty:
            values[ref.field] = _valid(model, ref.field, value)
        elif ref.many and isinstance(value, list):  # each item on its own
            keys = subs.get(ref.field)
            values[ref.field] = [
                (SimpleNamespace(**{k: _an_id(item.get(k)) for k in keys})
                 if isinstance(item, dict) else None) if keys else _an_id(item)
                for item in value]
        else:
            values[ref.field] = None
    for name in info.nested_cites:
        items = data.get(name)
        values[name] = [
            SimpleNamespace(cite=_cites(item.get("cite"), model, True))
            if isinstance(item, dict) else None
            for item in items] if isinstance(items, list) else []
    return Partial(**values)


def _cites(value: Any, model: type[Record], faulty: bool) -> list[Citation | None]:
    """A ``cite`` list: validated whole, or item by item when it has a problem."""
    if not isinstance(value, list):
        return []
    if not faulty:
        return _valid(model, "cite", value) or []
    out: list[Citation | None] = []
    for item in value:
        try:
            out.append(Citation.model_validate(item))
        except ValidationError:  # (reported with the record's other problems)
            out.append(None)
    return out


def _an_id(value: Any) -> str | None:
    return value if isinstance(value, str) and _ID.fullmatch(value) else None


def _valid(model: type[Record], name: str, value: Any) -> Any:
    try:
        return _adapter(model, name).validate_python(value)
    except ValidationError:  # (only together with the rest of the record)
        return None


@cache
def _adapter(model: type[Record], name: str) -> TypeAdapter[Any]:
    info = model.model_fields[name]
    kind: Any = info.annotation
    if info.metadata:
        kind = Annotated[kind, *info.metadata]
    return TypeAdapter(kind)
