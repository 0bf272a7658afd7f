"""Every vocabulary field of a case model, with what each of its values means: what
``opencase vocab`` prints, and the vocabularies section of ``docs/record-format.md``.

A vocabulary field is named by its path: ``KIND.FIELD`` (``events.type``), or
``KIND.LIST.FIELD`` for a field of the items of a list (``events.participants.role``,
``proceedings.parties.role``). The fields are read through :func:`opencase.language.spec.fields_of`
from the record models given, so a dataset's extended models (a case model's ``kinds``) list
the values the dataset adds, with their definitions, like the standard ones.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel

from opencase.language.models import KINDS
from opencase.language.spec import FieldSpec, fields_of

__all__ = ["VocabularyField", "suggestion", "vocabularies", "vocabularies_json",
           "vocabularies_text"]


@dataclass(frozen=True, slots=True)
class VocabularyField:
    """A vocabulary field: its ``path``, what the field holds (``description``) and its
    values with their definitions, in the vocabulary's order."""

    path: str
    description: str
    values: tuple[tuple[str, str], ...]


def vocabularies(kinds: Mapping[str, type[BaseModel]] = KINDS) -> dict[str, VocabularyField]:
    """Every vocabulary field of the record models ``kinds`` (by kind, as in record files),
    by path, in the order of the kinds and of their fields."""
    out: dict[str, VocabularyField] = {}
    for kind, model in kinds.items():
        for f in fields_of(model):
            _collect(f"{kind}.{f.name}", f, out)
    return out


def _collect(path: str, f: FieldSpec, out: dict[str, VocabularyField]) -> None:
    spec = f.item or f
    if spec.categories is not None:
        definitions = spec.definitions or ("",) * len(spec.categories)
        out[path] = VocabularyField(path, f.description,
                                    tuple(zip(spec.categories, definitions, strict=True)))
    for sub in spec.fields:
        _collect(f"{path}.{sub.name}", sub, out)


def suggestion(path: str, known: Mapping[str, VocabularyField]) -> str:
    """What to say when ``path`` names no vocabulary field: the nearest paths, or the
    vocabulary fields of the kind or list it names."""
    inside = [p for p in known if p.startswith(path + ".")]
    if inside:
        return f"{path} holds the vocabulary fields {', '.join(inside)}"
    close = difflib.get_close_matches(path, list(known), n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(close) + "?"
    return "run `opencase vocab` for every vocabulary field"


def vocabularies_text(fields: Mapping[str, VocabularyField]) -> str:
    """``fields`` as text: each field's path and what it holds, then one line per value
    (the value, padded, then its definition), a blank line between fields."""
    blocks = []
    for f in fields.values():
        width = max(len(v) for v, _ in f.values)
        lines = [f"{f.path}: {f.description}" if f.description else f.path]
        lines += [f"  {value:<{width}}  {definition}".rstrip() for value, definition in f.values]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def vocabularies_json(fields: Mapping[str, VocabularyField]) -> str:
    """``fields`` as JSON: ``{path: [{"value": ..., "definition": ...}, ...]}``."""
    return json.dumps({f.path: [{"value": v, "definition": d} for v, d in f.values]
                       for f in fields.values()}, indent=2, ensure_ascii=False)
