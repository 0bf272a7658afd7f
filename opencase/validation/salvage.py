"""What can still be checked of a record that failed its model.

A record with a structural problem (an unknown field, a missing one, a value outside its
vocabulary) has no model object, so the checks that need one would skip it, and its quote,
reference and ``supports`` problems would appear only in the run after the structural one is
fixed. Instead, each top-level field of its kind that pydantic found nothing wrong with is
validated on its own: the references among them and its own ``cite`` list are then checked
like those of any record. (Fields with a problem, and checks across fields, such as the
evidence lint, wait for the record to pass.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from types import SimpleNamespace
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from opencase.language.models import Record
from opencase.reading.files import RawRecord
from opencase.validation.kinds import class_info

__all__ = ["Partial", "salvage"]


Partial = SimpleNamespace
"""The salvaged fields of a record: ``cite`` (a list of citations, empty if it had a
problem) and each reference field of its kind (``None`` if absent or with a problem)."""


def salvage(raw: RawRecord, model: type[Record], errors: Sequence[Mapping[str, Any]]) -> Partial:
    """The fields of ``raw`` that the checks after the model can use, validated one by one;
    ``errors`` are pydantic's (their first location part names the field at fault)."""
    faulty = {err["loc"][0] for err in errors if err["loc"]}
    data = raw.data if isinstance(raw.data, dict) else {}
    wanted = ["cite", *(ref.field for ref in class_info(model).refs)]
    values: dict[str, Any] = {}
    for name in wanted:
        value = None
        if name in data and name not in faulty and name in model.model_fields:
            try:
                value = _adapter(model, name).validate_python(data[name])
            except ValidationError:  # (only together with the rest of the record)
                value = None
        values[name] = value
    values["cite"] = values["cite"] or []
    return Partial(**values)


@cache
def _adapter(model: type[Record], name: str) -> TypeAdapter[Any]:
    info = model.model_fields[name]
    kind: Any = info.annotation
    if info.metadata:
        kind = Annotated[kind, *info.metadata]
    return TypeAdapter(kind)
