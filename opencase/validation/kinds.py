"""What the dataset checks need to know of each kind of record, read once from its model."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from opencase.language.casemodel import STANDARD, CaseModel
from opencase.language.citeids import parts_of
from opencase.language.fields import RefField
from opencase.language.models import KINDS, Record
from opencase.language.spec import fields_of, reference_fields

__all__ = ["KindInfo", "class_info", "kind_info", "kind_names"]


@dataclass(frozen=True, slots=True)
class KindInfo:
    """A kind's singular name, whether its records must cite, its references, the fields a
    citation's ``supports`` may name, and the list fields whose items have citations of their
    own (``names``, ``reported``)."""

    singular: str
    cite_required: bool
    refs: tuple[RefField, ...]
    fields: frozenset[str]
    nested_cites: tuple[str, ...] = ()
    named: bool = False  # whether its records have name variants (``names``)


def kind_names() -> tuple[str, ...]:
    """Every record kind, in the models' order."""
    return tuple(KINDS)


def kind_info(kind: str, case_model: CaseModel = STANDARD) -> KindInfo:
    """What the checks need to know of ``kind`` (the top-level key of its records) in
    ``case_model``."""
    return class_info(case_model.kinds[kind])


@cache
def class_info(model: type[Record]) -> KindInfo:
    """What the checks need to know of the records of ``model`` (``type(record)``: the
    model of the dataset's case model that the record was validated with)."""
    specs = fields_of(model)
    nested = tuple(name for name, _ in parts_of(model))
    return KindInfo(model.singular, model.cite_required, tuple(reference_fields(model)),
                    frozenset(f.name for f in specs) - {"id", "cite"}, nested,
                    any(f.name == "names" for f in specs))
