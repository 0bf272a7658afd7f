"""The record format as Markdown: every kind, its fields and vocabularies (each value with its
definition), generated from the models for ``docs/record-format.md`` (a cogapp section
rewritten by ``scripts/regenerate.py``)."""

from __future__ import annotations

from opencase.language.fields import SEMVER_PATTERN
from opencase.language.models import ID_PATTERN, KINDS
from opencase.language.spec import FieldSpec, fields_of
from opencase.language.vocabularies import VocabularyField, vocabularies

__all__ = ["record_format_markdown"]


def record_format_markdown() -> str:
    """One section per kind (its fields as a table), then the shape of list items, then
    every vocabulary with what each of its values means."""
    out: list[str] = []
    items: dict[str, tuple[FieldSpec, ...]] = {}
    for kind, model in KINDS.items():
        doc = (model.__doc__ or "").strip().splitlines()[0].replace("``", "`")
        out += [f"### `{kind}`", "", doc, "", *_table(kind, fields_of(model), items), ""]
    for name, fields in items.items():
        out += [f"### Each item of `{name}`", "", *_table(name, fields, items), ""]
    out += ["## Vocabularies", "", "What each value of a controlled vocabulary means "
            "(`opencase vocab` prints the same; a dataset may add values in its package.yaml).",
            ""]
    for paths, field in _vocabularies().items():
        out += ["### " + ", ".join(f"`{p}`" for p in paths), "", _cell(field.description), "",
                "| value | meaning |", "| --- | --- |",
                *(f"| `{v}` | {_cell(d)} |" for v, d in field.values), ""]
    return "\n".join(out)


def _vocabularies() -> dict[tuple[str, ...], VocabularyField]:
    """Every vocabulary field, those with the same values and definitions together (the
    ``type`` of each item of ``names``, on every kind that has names)."""
    grouped: dict[tuple[tuple[str, str], ...], list[VocabularyField]] = {}
    for field in vocabularies(KINDS).values():
        grouped.setdefault(field.values, []).append(field)
    return {tuple(f.path for f in fields): fields[0] for fields in grouped.values()}


def _table(owner: str, fields: tuple[FieldSpec, ...],
           items: dict[str, tuple[FieldSpec, ...]]) -> list[str]:
    rows = ["| field | required | value | meaning |", "| --- | --- | --- | --- |"]
    for f in fields:
        if f.item is not None and f.item.fields:
            name = f.name if items.get(f.name, f.item.fields) == f.item.fields \
                else f"{owner}.{f.name}"  # a list field of the same name with other items
            items.setdefault(name, f.item.fields)
        what = _cell(f.description) or " "
        rows.append(f"| `{f.name}` | {'yes' if f.required else 'no'} | {_value(f)} | {what} |")
    return rows


def _value(f: FieldSpec) -> str:
    if f.item is not None:
        return "a list (each item below)" if f.item.fields else f"a list of {_value(f.item)}"
    if f.references:
        return "the id of a record of " + " or ".join(f"`{k}`" for k in f.references)
    if f.categories is not None:
        return "one of " + ", ".join(f"`{c}`" for c in f.categories) + \
            " (see [Vocabularies](#vocabularies))"
    if f.edtf:
        return "an EDTF date (`2016`, `2019-07`, `2014/2015`, `2020~`)"
    if f.type == "integer":
        if f.minimum is not None and f.maximum is not None:
            return f"a whole number, {f.minimum:g} to {f.maximum:g}"
        if f.minimum is not None:
            return f"a whole number, {f.minimum:g} or more"
        return "a whole number"
    if f.type == "boolean":
        return "`true` or `false`"
    if f.pattern == ID_PATTERN:
        return "an id: lowercase letters and digits, single hyphens between"
    if f.pattern == SEMVER_PATTERN:
        return "a semantic version: `2.0.0`, `1.1.0-rc.1`"
    if f.pattern is not None:
        return f"text matching `{f.pattern}`"
    return "text"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
