"""The case model of a dataset: the standard record models with the dataset's extensions.

:func:`case_model` builds the :class:`CaseModel` an :class:`~opencase.language.extensions.
Extensions` declaration makes: pydantic subclasses of the standard record models (made with
``pydantic.create_model(__base__=...)``, so that ``isinstance(record, Source)`` still holds),
with each extended vocabulary field typed by a new :class:`~opencase.language.fields.Vocabulary`
holding the standard values and the added ones (also inside the item models of list fields,
such as ``Participant``), and with the added fields, all optional. :data:`STANDARD` is the
standard model. Validation, the JSON Schema, the table layout and the published tables all
take a ``CaseModel`` (default: ``STANDARD``).
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, Field, create_model
from pydantic_core import PydanticCustomError

from opencase.language.extensions import AddedField, AddedValue, Extensions, inner_type
from opencase.language.fields import Vocabulary, no_items, whole_number
from opencase.language.models import KINDS, MODEL_VERSION, EDTFDate, Record, Text, ref
from opencase.language.spec import fields_of

__all__ = ["EXTENSIONS_PROPERTY", "MODEL_PROPERTY", "STANDARD", "CaseModel", "case_model"]

MODEL_PROPERTY = "opencase:model"
"""The property of a published ``datapackage.json`` naming the case-model version its tables
are written with."""
EXTENSIONS_PROPERTY = "opencase:extensions"
"""The property of a published ``datapackage.json`` holding the dataset's extensions, as
declared in its package.yaml (:meth:`Extensions.as_data`), so that a loader rebuilds the
same case model."""


@dataclass(frozen=True, eq=False)
class CaseModel:
    """A case model: the record model of each kind (``kinds``, in the standard order), the
    version of the case model it extends, the extensions it adds, and every vocabulary by the
    field that holds it (``events.type``, ``events.participants.role``: the extended ones for
    a dataset that adds values)."""

    kinds: Mapping[str, type[Record]]
    version: int = MODEL_VERSION
    extensions: Extensions = field(default_factory=Extensions)
    vocabularies: Mapping[str, type[Vocabulary]] = field(default_factory=dict)

    @property
    def standard(self) -> bool:
        """Whether this is the standard model (no extensions)."""
        return not self.extensions


def _substitute(annotation: Any, old: Any, new: Any) -> Any:
    """``annotation`` with the type ``old`` replaced by ``new`` (inside unions, lists and
    ``Annotated``)."""
    if annotation is old:
        return new
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *meta = get_args(annotation)
        return Annotated[(_substitute(inner, old, new), *meta)]
    if origin is list:
        return list[_substitute(get_args(annotation)[0], old, new)]  # type: ignore[misc]
    if origin in (Union, types.UnionType):
        args = tuple(_substitute(a, old, new) for a in get_args(annotation))
        return Union[args]  # noqa: UP007
    return annotation


def _extended_vocabulary(enum: type[Vocabulary], added: tuple[AddedValue, ...]
                         ) -> type[Vocabulary]:
    """A new vocabulary: ``enum``'s values, then ``added`` (before ``other``, kept last)."""
    members = [(m.name, (m.value, m.definition)) for m in enum]
    tail = [members.pop()] if members and members[-1][1][0] == "other" else []
    new = [(v.value.upper().replace("-", "_"), (v.value, v.definition)) for v in added]
    make: Any = Vocabulary  # (the functional API of Enum, which type checkers do not follow)
    made: type[Vocabulary] = make(enum.__name__, [*members, *new, *tail],
                                  module=enum.__module__, qualname=enum.__qualname__)
    made.__doc__ = enum.__doc__
    return made


def _replaced(info: Any, annotation: Any) -> tuple[Any, Any]:
    """A field definition for ``create_model``: ``annotation`` with ``info``'s default,
    description and constraints."""
    kwargs: dict[str, Any] = {"description": info.description}
    if info.default_factory is not None:
        kwargs["default_factory"] = info.default_factory
    elif not info.is_required():
        kwargs["default"] = info.default
    if isinstance(info.json_schema_extra, dict):
        kwargs["json_schema_extra"] = info.json_schema_extra
    typed = Annotated[(annotation, *info.metadata)] if info.metadata else annotation
    return typed, Field(**kwargs)


def _scalar_type(f: AddedField) -> Any:
    if f.type == "text":
        return Text
    if f.type == "integer":
        return Annotated[int, BeforeValidator(_integer)]
    if f.type == "number":
        return Annotated[float, BeforeValidator(_number)]
    if f.type == "boolean":
        return Annotated[bool, BeforeValidator(_boolean_value)]
    if f.type == "date":
        return EDTFDate
    return ref(*f.kinds)


_INTEGER = re.compile(r"-?[0-9]{1,18}")
_NUMBER = re.compile(r"-?[0-9]{1,18}(\.[0-9]{1,18})?([eE][-+]?[0-9]{1,3})?")


def _integer(value: Any) -> Any:
    """A whole number, written in digits (with an optional minus sign) in record files."""
    if isinstance(value, str) and not _INTEGER.fullmatch(value):
        return whole_number(value)  # its error
    return value


def _number(value: Any) -> Any:
    """A decimal number (``2.5``, ``-3``, ``1e6``): no ``nan``, ``inf`` or ``1_000``."""
    if isinstance(value, str) and not _NUMBER.fullmatch(value):
        raise PydanticCustomError("float_parsing",
                                  "Input should be a number written in digits, e.g. 2.5")
    return value


def _boolean_value(value: Any) -> Any:
    """``true`` or ``false``, and nothing else YAML or pydantic would also take for one."""
    if isinstance(value, str):
        if value not in ("true", "false"):
            raise PydanticCustomError("bool_parsing", "Input should be true or false")
        return value == "true"
    return value


def _added(f: AddedField) -> tuple[Any, Any]:
    scalar = _scalar_type(f)
    if f.list:
        return list[scalar], Field(default_factory=no_items,  # type: ignore[valid-type]
                                   description=f.description)
    return scalar | None, Field(None, description=f.description)


def _rebuild(model: type[BaseModel], prefix: str, added_values: Mapping[str, tuple[
        AddedValue, ...]], vocabularies: dict[str, type[Vocabulary]],
        added_fields: tuple[AddedField, ...] = ()) -> type[BaseModel]:
    """``model``, or a subclass of it with extended vocabularies (at ``prefix.FIELD`` in
    ``added_values``; nested item models rebuilt likewise) and ``added_fields``."""
    changes: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        inner = inner_type(info.annotation)
        path = f"{prefix}.{name}"
        if isinstance(inner, type) and issubclass(inner, Vocabulary):
            new_enum = inner
            if path in added_values:
                new_enum = _extended_vocabulary(inner, added_values[path])
                changes[name] = _replaced(info, _substitute(info.annotation, inner, new_enum))
            vocabularies[path] = new_enum
        elif isinstance(inner, type) and issubclass(inner, BaseModel) and inner is not model:
            new_model = _rebuild(inner, path, added_values, vocabularies)
            if new_model is not inner:
                changes[name] = _replaced(info, _substitute(info.annotation, inner, new_model))
    for f in added_fields:
        changes[f.name] = _added(f)
    if not changes:
        return model
    built: type[BaseModel] = create_model(
        model.__name__, __base__=model, __module__=model.__module__, __doc__=model.__doc__,
        **changes)
    return built


def case_model(extensions: Extensions | None = None) -> CaseModel:
    """The case model ``extensions`` declare (one object per declaration, so that the layouts
    and checks built for it are built once); :data:`STANDARD` for none."""
    return _build(extensions if extensions is not None else Extensions())


@cache
def _build(extensions: Extensions) -> CaseModel:
    values = _shared(dict(extensions.vocabularies))
    fields_by_kind = dict(extensions.fields)
    kinds: dict[str, type[Record]] = {}
    vocabularies: dict[str, type[Vocabulary]] = {}
    for kind, model in KINDS.items():
        built = _rebuild(model, kind, values, vocabularies, fields_by_kind.get(kind, ()))
        kinds[kind] = built  # type: ignore[assignment]
    return CaseModel(kinds, MODEL_VERSION, extensions, vocabularies)


def _shared(values: dict[str, tuple[AddedValue, ...]]) -> dict[str, tuple[AddedValue, ...]]:
    """``values`` with the values added to the items of a list that every kind publishes in
    one shared table (``names``: ``people.names.type``) added for every kind that has it, so
    that the shared table has one vocabulary."""
    out = dict(values)
    for path, added in values.items():
        kind, *parts = path.split(".")
        if len(parts) != 2:
            continue
        spec = next((f for f in fields_of(KINDS[kind]) if f.name == parts[0]), None)
        if spec is None or spec.table is None:
            continue
        for other, model in KINDS.items():
            if any(f.name == parts[0] and f.table == spec.table for f in fields_of(model)):
                key = f"{other}.{parts[0]}.{parts[1]}"
                merged = {v.value: v for v in (*out.get(key, ()), *added)}
                out[key] = tuple(merged.values())
    return out


STANDARD = case_model()
"""The standard case model: :data:`opencase.language.models.KINDS`, with no extensions."""
