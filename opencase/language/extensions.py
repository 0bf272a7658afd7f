"""Dataset extensions: the vocabulary values and optional fields a dataset adds to the standard
case model in its ``package.yaml``.

A declaration (``extensions:`` in package.yaml, ``opencase:extensions`` in a published
``datapackage.json``) reads::

    vocabularies:
      events.type:                 # KIND.FIELD of a vocabulary field, or KIND.LIST.FIELD
        - value: stop-and-search   # inside the items of a list (events.participants.role)
          definition: A person stopped and searched by police.
    fields:
      people:                      # a kind
        - name: nationality        # lowercase snake_case
          type: text               # text | integer | number | boolean | date | reference
          kinds: [organisations]   # type reference only: the kinds it may point to
          list: false              # true: a list of such values
          description: Nationality as the sources give it.

:func:`read_extensions` checks a declaration (plain data, as read from YAML or JSON) and
returns it as :class:`Extensions` with its :class:`Problem` s, each at a key path inside the
declaration (the caller locates them in its file). Added fields are always optional.
:mod:`opencase.language.casemodel` builds the case model a declaration makes.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from opencase.codes import Code
from opencase.language.fields import ID_PATTERN, Vocabulary
from opencase.language.models import KINDS, Record
from opencase.language.spec import fields_of

__all__ = [
    "FIELD_TYPES",
    "RESERVED_FIELDS",
    "SQL_RESERVED_WORDS",
    "AddedField",
    "AddedValue",
    "Extensions",
    "Problem",
    "inner_type",
    "item_column",
    "read_extensions",
]

FIELD_TYPES = ("text", "integer", "number", "boolean", "date", "reference")
"""The types an added field may have."""

RESERVED_FIELDS = frozenset({"id", "cite", "names", "reported", "unknown", "not_applicable"})
"""Field names no extension may use, on any kind (every record has them, or may have)."""

# Words that are not usable as a bare column name in SQLite (tried: CREATE TABLE and SELECT),
# DuckDB (duckdb_keywords(), category "reserved") or PostgreSQL (the "reserved" keywords of
# its documentation's Appendix C, also those that "can be function or type").
_SQL_WORDS = """
add all alter analyse analyze and any array as asc asymmetric authorization autoincrement
between binary both case cast check collate collation column commit concurrently constraint
create cross current_catalog current_date current_role current_schema current_time
current_timestamp current_user default deferrable delete desc describe distinct do drop else
end escape except exists false fetch for foreign freeze from full grant group having ilike in
index initially inner insert intersect into is isnull join lambda lateral leading left like
limit localtime localtimestamp natural not nothing notnull null offset on only or order outer
overlaps pivot pivot_longer pivot_wider placing primary qualify raise references returning
right select session_user set show similar some summarize symmetric system_user table
tablesample then to trailing transaction true union unique unpivot update user using values
variadic verbose when where window with
"""
SQL_RESERVED_WORDS = frozenset(_SQL_WORDS.split())
"""Words that no added field (nor a column derived from it) may be named."""

_SLUG = re.compile(ID_PATTERN)
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_MAX_TEXT = 10_000
_VOCABULARY_KEYS = ("value", "definition")
_FIELD_KEYS = ("name", "type", "kinds", "list", "description")

Path = tuple[str | int, ...]


# ---------------------------------------------------------------- the declaration


@dataclass(frozen=True, slots=True)
class AddedValue:
    """A value added to a vocabulary, with its definition."""

    value: str
    definition: str


@dataclass(frozen=True, slots=True)
class AddedField:
    """An optional field added to a kind."""

    name: str
    type: str
    description: str
    kinds: tuple[str, ...] = ()
    list: bool = False

    def as_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.kinds:
            out["kinds"] = list(self.kinds)
        out["list"] = self.list
        out["description"] = self.description
        return out


@dataclass(frozen=True, slots=True)
class Extensions:
    """A dataset's extensions: added values by vocabulary field (``events.type``), added
    fields by kind. Hashable, so that one declaration builds one :class:`CaseModel`."""

    vocabularies: tuple[tuple[str, tuple[AddedValue, ...]], ...] = ()
    fields: tuple[tuple[str, tuple[AddedField, ...]], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.vocabularies or self.fields)

    def as_data(self) -> dict[str, Any]:
        """The declaration as plain data (as written in package.yaml; ``list`` a boolean)."""
        out: dict[str, Any] = {}
        if self.vocabularies:
            out["vocabularies"] = {
                path: [{"value": v.value, "definition": v.definition} for v in values]
                for path, values in self.vocabularies
            }
        if self.fields:
            out["fields"] = {kind: [f.as_data() for f in added] for kind, added in self.fields}
        return out


@dataclass(frozen=True, slots=True)
class Problem:
    """A mistake in a declaration: its code, what is wrong and where (a key path inside the
    declaration, e.g. ``("fields", "people", 0, "type")``)."""

    code: Code
    message: str
    path: Path


# ---------------------------------------------------------------- checking a declaration


@dataclass
class _Reader:
    problems: list[Problem] = field(default_factory=list)

    def add(self, code: Code, message: str, path: Path) -> None:
        self.problems.append(Problem(code, message, path))

    def mapping(self, value: Any, path: Path, what: str) -> dict[str, Any] | None:
        if isinstance(value, Mapping):
            return dict(value)
        if value is not None:
            self.add(Code.EXTENSION_INVALID, f"{what} must be a mapping", path)
        return None

    def items(self, value: Any, path: Path, what: str) -> list[Any]:
        if isinstance(value, list):
            return value
        self.add(Code.EXTENSION_INVALID, f"{what} must be a list", path)
        return []

    def keys(self, item: dict[str, Any], allowed: tuple[str, ...], path: Path) -> None:
        for key in item:
            if key not in allowed:
                self.add(Code.EXTENSION_INVALID, f"unknown key {key!r}; allowed: "
                         f"{', '.join(allowed)}", (*path, key))

    def text(self, item: dict[str, Any], key: str, path: Path, what: str) -> str | None:
        value = item.get(key)
        if value is None:
            self.add(Code.EXTENSION_INVALID, f"missing {key!r}: {what}", path)
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > _MAX_TEXT:
            self.add(Code.EXTENSION_INVALID, f"{key!r} must be text of 1 to {_MAX_TEXT:,} "
                     "characters", (*path, key))
            return None
        return value.strip()


def read_extensions(data: Any) -> tuple[Extensions, list[Problem]]:
    """Check the declaration ``data`` (the value of ``extensions``): the extensions it
    declares, without those in error, and every mistake found."""
    r = _Reader()
    top = r.mapping(data, (), "extensions")
    if not top:
        return Extensions(), r.problems
    r.keys(top, ("vocabularies", "fields"), ())
    vocabularies = _read_vocabularies(r, top.get("vocabularies"))
    added = _read_fields(r, top.get("fields"))
    return Extensions(vocabularies, added), r.problems


def _read_vocabularies(r: _Reader, data: Any) -> tuple[tuple[str, tuple[AddedValue, ...]], ...]:
    out = []
    for target, values in (r.mapping(data, ("vocabularies",), "vocabularies") or {}).items():
        path: Path = ("vocabularies", target)
        enum = _vocabulary_at(r, str(target), path)
        seen: set[str] = set()
        added = []
        for i, item in enumerate(r.items(values, path, f"the values added to {target}")):
            at = (*path, i)
            entry = r.mapping(item, at, "an added value") if item is not None else None
            if entry is None:
                if item is None:
                    r.add(Code.EXTENSION_INVALID, "an added value must be a mapping with "
                          "`value` and `definition`", at)
                continue
            r.keys(entry, _VOCABULARY_KEYS, at)
            value = r.text(entry, "value", at, "the value added, a lowercase slug")
            definition = r.text(entry, "definition", at, "what the value means")
            if value is None:
                continue
            if not _SLUG.match(value) or len(value) > 64:
                r.add(Code.EXTENSION_INVALID, f"value {value!r} is not a lowercase slug "
                      "(letters, digits and single hyphens, e.g. stop-and-search)",
                      (*at, "value"))
                continue
            if value in seen or (enum is not None and value in enum._value2member_map_):
                where = "is listed twice" if value in seen else f"is already a value of {target}"
                r.add(Code.EXTENSION_VALUE_CLASH, f"value {value!r} {where}", (*at, "value"))
                continue
            seen.add(value)
            if definition is not None:
                added.append(AddedValue(value, definition))
        if enum is not None and added:
            out.append((str(target), tuple(added)))
    return tuple(out)


def _vocabulary_at(r: _Reader, target: str, path: Path) -> type[Vocabulary] | None:
    """The vocabulary of the field ``target`` names (``events.type``,
    ``events.participants.role``), or ``None`` with the problem added."""
    kind, *parts = target.split(".")
    if kind not in KINDS:
        r.add(Code.EXTENSION_UNKNOWN_KIND, f"{target}: no kind {kind!r}; the kinds are "
              f"{', '.join(KINDS)}", path)
        return None
    model: type[BaseModel] = KINDS[kind]
    if not parts:
        r.add(Code.EXTENSION_INVALID, f"{target}: name the field as KIND.FIELD, e.g. "
              "events.type", path)
        return None
    for depth, name in enumerate(parts):
        info = model.model_fields.get(name)
        if info is None:
            r.add(Code.EXTENSION_UNKNOWN_FIELD, f"{target}: {model.__name__} has no field "
                  f"{name!r}; its fields are {', '.join(model.model_fields)}", path)
            return None
        inner = inner_type(info.annotation)
        last = depth == len(parts) - 1
        if isinstance(inner, type) and issubclass(inner, Vocabulary):
            if last:
                return inner
            r.add(Code.EXTENSION_UNKNOWN_FIELD, f"{target}: {name!r} has no fields of its "
                  "own", path)
            return None
        if isinstance(inner, type) and issubclass(inner, BaseModel) and not last:
            model = inner
            continue
        vocabularies = _vocabulary_paths(model)
        hint = f"; its vocabulary fields are {', '.join(vocabularies)}" if vocabularies else ""
        r.add(Code.EXTENSION_NOT_A_VOCABULARY, f"{target}: {name!r} is not a vocabulary "
              f"field{hint}", path)
        return None
    return None  # pragma: no cover (the loop returns)


def _vocabulary_paths(model: type[BaseModel]) -> list[str]:
    out = []
    for name, info in model.model_fields.items():
        inner = inner_type(info.annotation)
        if isinstance(inner, type) and issubclass(inner, Vocabulary):
            out.append(name)
    return out


def _read_fields(r: _Reader, data: Any) -> tuple[tuple[str, tuple[AddedField, ...]], ...]:
    out = []
    for kind, items in (r.mapping(data, ("fields",), "fields") or {}).items():
        path: Path = ("fields", kind)
        if kind not in KINDS:
            r.add(Code.EXTENSION_UNKNOWN_KIND, f"no kind {kind!r}; the kinds are "
                  f"{', '.join(KINDS)}", path)
            continue
        model = KINDS[kind]
        taken = _taken_columns(model)
        added = []
        for i, item in enumerate(r.items(items, path, f"the fields added to {kind}")):
            at = (*path, i)
            entry = r.mapping(item, at, "an added field")
            if entry is None:
                if item is None:
                    r.add(Code.EXTENSION_INVALID, "an added field must be a mapping with "
                          "`name`, `type` and `description`", at)
                continue
            f = _read_field(r, entry, at, kind, taken)
            if f is not None:
                added.append(f)
                taken |= _columns(f.name, f.type == "date")
        if added:
            out.append((str(kind), tuple(added)))
    return tuple(out)


def _read_field(r: _Reader, entry: dict[str, Any], at: Path, kind: str,
                taken: set[str]) -> AddedField | None:
    r.keys(entry, _FIELD_KEYS, at)
    name = r.text(entry, "name", at, "the field's name, in lowercase snake_case")
    ftype = r.text(entry, "type", at, f"one of {', '.join(FIELD_TYPES)}")
    description = r.text(entry, "description", at, "what the field holds")
    many = _boolean(r, entry.get("list", False), (*at, "list"))
    kinds = _kinds(r, entry, at, ftype)
    if ftype is not None and ftype not in FIELD_TYPES:
        r.add(Code.EXTENSION_INVALID, f"unknown type {ftype!r}; use one of "
              f"{', '.join(FIELD_TYPES)}", (*at, "type"))
        ftype = None
    if name is None or not _name_ok(r, name, (*at, "name"), kind, taken, ftype, many):
        return None
    if ftype is None or description is None or many is None or kinds is None:
        return None
    return AddedField(name, ftype, description, kinds, many)


def _boolean(r: _Reader, value: Any, path: Path) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    r.add(Code.EXTENSION_INVALID, f"'list' must be true or false, not {value!r}", path)
    return None


def _kinds(r: _Reader, entry: dict[str, Any], at: Path, ftype: str | None
           ) -> tuple[str, ...] | None:
    raw = entry.get("kinds")
    if ftype != "reference":
        if raw is not None:
            r.add(Code.EXTENSION_INVALID, "'kinds' is only for a field of type reference",
                  (*at, "kinds"))
            return None
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        r.add(Code.EXTENSION_INVALID, "a reference needs 'kinds': the kinds of record it may "
              "point to, e.g. [organisations]", (*at, "kinds") if raw is not None else at)
        return None
    ok = True
    for j, k in enumerate(raw):
        if not isinstance(k, str) or k not in KINDS:
            r.add(Code.EXTENSION_UNKNOWN_KIND, f"no kind {k!r}; the kinds are "
                  f"{', '.join(KINDS)}", (*at, "kinds", j))
            ok = False
    return tuple(dict.fromkeys(str(k) for k in raw)) if ok else None


def _name_ok(r: _Reader, name: str, path: Path, kind: str, taken: set[str],
             ftype: str | None, many: bool | None) -> bool:
    if not _FIELD_NAME.match(name) or len(name) > 64:
        r.add(Code.EXTENSION_INVALID, f"field name {name!r} is not lowercase snake_case "
              "(a letter, then letters, digits and underscores, e.g. nationality)", path)
        return False
    if name in RESERVED_FIELDS:
        r.add(Code.EXTENSION_FIELD_CLASH, f"{name!r} is reserved: every record may have it",
              path)
        return False
    if name.startswith("model_") or hasattr(BaseModel, name):
        r.add(Code.EXTENSION_FIELD_CLASH, f"{name!r} is the name of a method or attribute of "
              "every record object (`model_...` names are reserved too); choose another name",
              path)
        return False
    columns = _columns(name, ftype == "date")
    clash = sorted(columns & taken)
    if clash:
        what = "a field" if name in KINDS[kind].model_fields else "a field or column"
        r.add(Code.EXTENSION_FIELD_CLASH, f"{kind} already has {what} named {clash[0]!r}",
              path)
        return False
    if many:
        columns = {item_column(name)}
        singular = KINDS[kind].singular
        if columns & {"position", f"{singular}_id"}:
            r.add(Code.EXTENSION_FIELD_CLASH, f"the items of a list {name!r} would be "
                  f"published in a column {item_column(name)!r}, which its table already "
                  "has; choose another name", path)
            return False
        columns |= {name}
    reserved = sorted(c for c in columns if c in SQL_RESERVED_WORDS)
    if reserved:
        r.add(Code.EXTENSION_RESERVED_WORD, f"field {name!r} would be published as a column "
              f"{reserved[0]!r}, a reserved word of SQL; choose another name", path)
        return False
    return True


def item_column(field_name: str) -> str:
    """The column of each value of a list of plain values (as the layout names it)."""
    return field_name[:-1] if field_name.endswith("s") and not field_name.endswith("ss") \
        else field_name


def _columns(name: str, date: bool) -> set[str]:
    return {name, f"{name}_start", f"{name}_end"} if date else {name}


def _taken_columns(model: type[Record]) -> set[str]:
    taken = set(RESERVED_FIELDS)
    for f in fields_of(model):
        taken |= _columns(f.name, f.edtf and f.item is None)
        taken.add(f.column_name)  # (a field published under another name: case -> case_id)
    return taken


def inner_type(annotation: Any) -> Any:
    """The type inside ``annotation``'s ``None`` alternative, ``Annotated`` and ``list``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated or origin is list:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [a for a in get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation
