"""The record models compiled for validation that needs no pydantic at run time.

Importing pydantic's model machinery and building the models takes most of a short
``opencase validate`` (about 0.2 s of 0.35 s on the real records). Checking records needs none
of it: only the validators that pydantic-core (pydantic's compiled core, which ``import
pydantic`` loads too) builds from the models' *core schemas*. So :func:`source` writes the
models' core schemas, and what the checks need to know of each kind, into
:mod:`opencase.reading.coreschema`, a generated module that refers to pydantic-free code only
(:mod:`opencase.language.fields`); :func:`validator` builds a validator from it. Each validator gives
what the model would, as plain data: a record's model becomes a dict of the same fields
(``typed-dict``), with the same defaults, values and errors (``tests/test_compiled.py`` holds
the two to that on every fixture and on generated records; the one difference is the wording
of a mapping given as something else, ``dict_type`` where the model says ``model_type``).

The models stay the one source of truth: ``python -m opencase.reading.compiled`` regenerates
``opencase/coreschema.py``, and a test fails when the committed module differs from what the
models generate.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from opencase.language.fields import RefField

__all__ = ["KindInfo", "compile_models", "info", "kind_names", "source", "validator"]

MODULE = Path(__file__).with_name("coreschema.py")


@dataclass(frozen=True, slots=True)
class KindInfo:
    """What the dataset checks need to know of a kind of record."""

    singular: str
    cite_required: bool
    refs: tuple[RefField, ...]
    fields: frozenset[str]  # the fields a citation's ``supports`` may name


_VALIDATORS: dict[str, Any] = {}
_INFO: dict[str, KindInfo] = {}


def kind_names() -> tuple[str, ...]:
    """Every record kind, in the models' order."""
    from opencase.reading import coreschema  # (imported here: it is rewritten from this module)

    return tuple(coreschema.SCHEMAS)


def validator(kind: str) -> Any:
    """The pydantic-core ``SchemaValidator`` of ``kind``'s records (built once).

    Built from :mod:`opencase.reading.coreschema`; should the installed pydantic-core refuse that
    schema (a pydantic release other than the one it was generated with), from the models
    themselves, compiled here and now (slower to start, the same checks)."""
    v = _VALIDATORS.get(kind)
    if v is None:
        from pydantic_core import SchemaError, SchemaValidator

        from opencase.reading import coreschema

        try:
            v = SchemaValidator(coreschema.SCHEMAS[kind])
        except SchemaError:
            v = SchemaValidator(compile_models()[kind])
        _VALIDATORS[kind] = v
    return v


def info(kind: str) -> KindInfo:
    """What the checks need to know of ``kind`` (its references, its fields...)."""
    got = _INFO.get(kind)
    if got is None:
        from opencase.reading import coreschema

        singular, cite_required, refs, fields = coreschema.KINDS[kind]
        got = _INFO[kind] = KindInfo(singular, cite_required,
                                     tuple(RefField(*r) for r in refs), frozenset(fields))
    return got


# ---------------------------------------------------------------- generating coreschema.py

_DROPPED = frozenset({"metadata", "ref", "serialization"})
_FIELD_KEYS = frozenset({"type", "schema", "metadata"})
_CONFIG_KEYS = frozenset({"extra_fields_behavior", "title"})


class _Name:
    """Written into the generated module as the name it holds."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


def _constant(name: str) -> str:
    """``UncitedPassage`` -> ``UNCITED_PASSAGE``."""
    return "".join("_" + c if c.isupper() and i else c for i, c in enumerate(name)).upper()


class _Compiler:
    """Turns models' core schemas into pydantic-core data that needs no model class: each
    ``model`` becomes the ``typed-dict`` of its fields, written once as a constant named after
    it; functions and enums become their names in :mod:`opencase.language.fields`."""

    def __init__(self, names: dict[int, str]) -> None:
        self.names = names
        self.models: dict[str, Any] = {}  # constant name -> its typed-dict, inner ones first
        self.classes: dict[str, type] = {}  # constant name -> its model class

    def plain(self, node: Any) -> Any:
        if isinstance(node, dict):
            kind = node.get("type")
            if kind in ("definitions", "definition-ref"):
                raise ValueError("recursive models are not supported by opencase.reading.compiled")
            if kind == "model":
                return self.typed_dict(node)
            return {k: self.plain(v) for k, v in node.items() if k not in _DROPPED}
        if isinstance(node, list):
            if node and all(isinstance(x, Enum) for x in node):
                return _Name(f"list({self.name_of(type(node[0]))})")
            return [self.plain(x) for x in node]
        if isinstance(node, Enum):
            return _Name(f"{self.name_of(type(node))}.{node.name}")
        if callable(node):
            return _Name(self.name_of(node))
        if node is None or isinstance(node, (str, int, float)):  # (bool is an int)
            return node
        raise ValueError(f"{node!r} cannot be written into the compiled module")

    def name_of(self, thing: Any) -> str:
        name = self.names.get(id(thing))
        if name is None:
            raise ValueError(f"{thing!r} is not in opencase.language.fields; the compiled validators "
                             "can only refer to what is there")
        return name

    def typed_dict(self, node: dict[str, Any]) -> _Name:
        cls = node["cls"].__name__
        const = _constant(cls)
        if const in self.models:
            if self.classes[const] is not node["cls"]:
                raise ValueError(f"two models are named {cls}: rename one")
            return _Name(const)
        self.classes[const] = node["cls"]
        config = node.get("config", {})
        inner = node["schema"]
        odd = set(config) - _CONFIG_KEYS
        if odd or inner["type"] != "model-fields" or inner.get("computed_fields") \
                or node.get("custom_init") or node.get("post_init") or node.get("root_model"):
            raise ValueError(f"model {cls}: only plain models compile "
                             f"(unexpected {sorted(odd) or 'layout'})")
        fields = {}
        for name, field in inner["fields"].items():
            if set(field) - _FIELD_KEYS:
                raise ValueError(f"{cls}.{name}: unexpected field settings "
                                 f"{sorted(set(field) - _FIELD_KEYS)}")
            schema = field["schema"]
            fields[name] = {"type": "typed-dict-field", "schema": self.plain(schema),
                            "required": schema["type"] != "default"}
        out: dict[str, Any] = {"type": "typed-dict", "fields": fields}
        if config.get("extra_fields_behavior"):
            out["extra_behavior"] = config["extra_fields_behavior"]
        self.models[const] = out
        return _Name(const)


def _compiler() -> _Compiler:
    from opencase.language import fields

    return _Compiler({id(getattr(fields, n)): n for n in fields.__all__
                      if callable(getattr(fields, n)) and n != "RefField"})


def _resolve(node: Any, names: dict[str, Any]) -> Any:
    """The compiler's output with every name replaced by what it names (as importing the
    generated module does)."""
    if isinstance(node, _Name):  # X, X.MEMBER or list(X)
        name = node.name
        if name.startswith("list("):
            return list(names[name[5:-1]])
        head, _, member = name.partition(".")
        return getattr(names[head], member) if member else names[head]
    if isinstance(node, dict):
        return {k: _resolve(v, names) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(x, names) for x in node]
    return node


def compile_models() -> dict[str, Any]:
    """Each kind's core schema compiled from the models now, as :mod:`opencase.reading.coreschema`
    holds it once imported (needs pydantic)."""
    from opencase.language import fields
    from opencase.language.models import KINDS

    compiler = _compiler()
    top = {kind: compiler.plain(model.__pydantic_core_schema__) for kind, model in KINDS.items()}
    names = {n: getattr(fields, n) for n in fields.__all__}
    for const, schema in compiler.models.items():  # inner models first
        names[const] = _resolve(schema, names)
    return {kind: names[node.name] for kind, node in top.items()}


def source() -> str:
    """The text of ``opencase/coreschema.py``, generated from the models."""
    import pprint

    from opencase.language.models import KINDS, reference_fields

    compiler = _compiler()
    schemas = {kind: compiler.plain(model.__pydantic_core_schema__)
               for kind, model in KINDS.items()}
    kinds = {
        kind: (model.singular, model.cite_required,
               [(r.field, r.kinds, r.many, r.sub) for r in reference_fields(model)],
               sorted(set(model.model_fields) - {"id", "cite"}))
        for kind, model in KINDS.items()
    }
    used = {n.split("(")[-1].rstrip(")") for n in _names_in(list(compiler.models.values()))}
    imported = sorted(used - set(compiler.models), key=lambda n: (n[0].islower(), n))

    def fmt(value: Any) -> str:
        return pprint.pformat(value, width=95, sort_dicts=False)

    constants = "".join(f"{name}: dict[str, Any] = {fmt(schema)}\n\n"
                        for name, schema in compiler.models.items())
    return (
        '"""Generated by ``python -m opencase.reading.compiled`` from the record models: do not edit.\n\n'
        "The core schema of each kind of record, as pydantic-core validates it without the\n"
        "model classes (each model as the typed-dict of its fields), and what the checks need\n"
        "to know of each kind: (singular, whether it must cite, its references as (field,\n"
        'kinds, many, sub), the fields `supports` may name). See opencase/compiled.py.\n"""\n\n'
        "# ruff: noqa: E501\n"
        "from __future__ import annotations\n\n"
        "from typing import Any\n\n"
        "from opencase.language.fields import (\n" + "".join(f"    {n},\n" for n in imported) + ")\n\n"
        f"{constants}"
        f"SCHEMAS: dict[str, Any] = {fmt(schemas)}\n\n"
        f"KINDS: dict[str, Any] = {fmt(kinds)}\n"
    )


def _names_in(node: Any) -> set[str]:
    if isinstance(node, _Name):
        return {node.name}
    if isinstance(node, dict):
        return set().union(*(_names_in(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_names_in(v) for v in node)) if node else set()
    return set()


def main(argv: list[str] | None = None) -> int:
    """``python -m opencase.reading.compiled [--check]``: write (or check) opencase/coreschema.py."""
    args = sys.argv[1:] if argv is None else argv
    text = source()
    if args == ["--check"]:
        if MODULE.read_text(encoding="utf-8") != text:
            print(f"{MODULE} is stale: run `python -m opencase.reading.compiled`", file=sys.stderr)
            return 1
        return 0
    if args:
        print("usage: python -m opencase.reading.compiled [--check]", file=sys.stderr)
        return 2
    MODULE.write_text(text, encoding="utf-8")
    print(f"wrote {MODULE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
