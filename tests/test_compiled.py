"""The compiled validators (opencase/compiled.py, opencase/coreschema.py) are the models.

Validation checks records with validators compiled from the models' core schemas, so that it
need not import pydantic. These tests hold the two to the same outcome on every record of
every fixture, hostile file and the real dataset, on systematic mutations of valid records and
on generated values: the same fields and values for a valid record, the same errors (type,
location, message, input) for an invalid one. The one difference, normalised here: where a
mapping is expected and something else is given, the model says ``model_type`` ("... or
instance of Citation") and the compiled validator ``dict_type``; both are ``invalid-type``.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError, computed_field, model_validator

from opencase.language.models import KINDS, EventType
from opencase.reading import compiled
from opencase.reading.files import read_records

from .conftest import FIXTURES, REPO


def _outcome(validate: Any, data: Any) -> tuple[str, Any]:
    try:
        value = validate(data)
    except ValidationError as exc:
        return "errors", [_same_words(e) for e in exc.errors(include_url=False)]
    return "ok", value.model_dump() if isinstance(value, BaseModel) else value


def _same_words(err: dict[str, Any]) -> dict[str, Any]:
    if err["type"] == "model_type":
        return {"type": "dict_type", "loc": err["loc"], "msg": "Input should be a valid "
                "dictionary", "input": err["input"]}
    return err


def _assert_same(kind: str, data: Any) -> tuple[str, Any]:
    model = KINDS[kind].__pydantic_validator__.validate_python
    ours = _outcome(compiled.validator(kind).validate_python, data)
    assert ours == _outcome(model, data), (kind, data)
    return ours


def test_the_committed_module_is_what_the_models_generate() -> None:
    """The same schemas as the models compile to now (compared as data: another pydantic
    release may write the same keys in another order; CI pins the one it was made with)."""
    from opencase.reading import coreschema

    stale = "opencase/coreschema.py is stale: run `python -m opencase.reading.compiled`, commit it"
    assert compiled.compile_models() == coreschema.SCHEMAS, stale
    namespace: dict[str, Any] = {}
    exec(compiled.source(), {"__name__": "opencase.generated", "__package__": "opencase"},
         namespace)
    assert namespace["KINDS"] == coreschema.KINDS, stale


def test_a_schema_the_installed_pydantic_core_refuses_is_compiled_from_the_models(
    monkeypatch: Any,
) -> None:
    from opencase.reading import coreschema

    broken = {**coreschema.SCHEMAS, "people": {"type": "a-type-of-a-later-release"}}
    monkeypatch.setattr(coreschema, "SCHEMAS", broken)
    monkeypatch.setattr(compiled, "_VALIDATORS", {})
    person = next(data for kind, data in VALID if kind == "people")
    assert _assert_same("people", person)[0] == "ok"
    assert _assert_same("people", {**person, "zz": "1"})[0] == "errors"


def test_the_check_command_says_when_the_module_is_stale(tmp_path: Any, monkeypatch: Any) -> None:
    stale = tmp_path / "coreschema.py"
    stale.write_text("SCHEMAS = {}\n", encoding="utf-8")
    monkeypatch.setattr(compiled, "MODULE", stale)
    assert compiled.main(["--check"]) == 1
    assert compiled.main([]) == 0
    assert compiled.main(["--check"]) == 0
    assert compiled.main(["--bogus"]) == 2


def test_every_kind_and_what_the_checks_know_of_it() -> None:
    assert compiled.kind_names() == tuple(KINDS)
    for kind, model in KINDS.items():
        info = compiled.info(kind)
        assert info.singular == model.singular
        assert info.cite_required == model.cite_required
        assert info.fields == set(model.model_fields) - {"id", "cite"}


def _record_files() -> list[Any]:
    roots = [FIXTURES, REPO / "records", REPO / "tests" / "hostile"]
    return sorted(p for r in roots if r.is_dir() for p in r.rglob("*.y*ml")
                  if p.is_file() and p.stat().st_size < 1_000_000)


def _records() -> list[tuple[str, Any]]:
    out = []
    for path in _record_files():
        try:
            rs = read_records(path)
        except (OSError, ValueError):
            continue
        out += [(raw.kind, raw.data) for raw in rs.records if not raw.tainted]
    return out


RECORDS = _records()
VALID = [(kind, data) for kind, data in RECORDS
         if _outcome(KINDS[kind].__pydantic_validator__.validate_python, data)[0] == "ok"]


def test_there_are_records_of_every_kind_valid_and_not() -> None:
    assert {kind for kind, _ in VALID} == set(KINDS)
    assert len(VALID) < len(RECORDS)  # (the fixtures hold invalid records too)


@pytest.mark.parametrize("kind,data", RECORDS, ids=lambda x: x if isinstance(x, str) else "")
def test_every_record_on_file_has_the_same_outcome(kind: str, data: Any) -> None:
    _assert_same(kind, data)


_ODD_VALUES: list[Any] = [None, "", "x", "NOT An Id!", "2019-02-30", "2020/2019", "52.0", "-1",
                          "999", [], ["x"], [{}], {}, {"zz": "1"}, 5, True]


def _mutations(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Each field dropped, or set to each odd value; an unknown field; and, in each list of
    mappings, the first item dropped of each key, given an unknown key, or not a mapping."""
    out = [{**data, "zz_unknown": "1"}]
    for key, value in data.items():
        out.append({k: v for k, v in data.items() if k != key})
        out += [{**data, key: odd} for odd in _ODD_VALUES]
        if isinstance(value, list) and value and isinstance(value[0], dict):
            first = value[0]
            items = [{k: v for k, v in first.items() if k != sub} for sub in first]
            items += [{**first, "zz_unknown": "1"}, "not a mapping"]
            items += [{**first, sub: odd} for sub in first for odd in _ODD_VALUES]
            out += [{**data, key: [item, *value[1:]]} for item in items]
    return out


MUTATED = [(kind, m) for kind, data in VALID[::3] for m in _mutations(data)]


def test_the_mutations_are_many_and_mostly_invalid() -> None:
    outcomes = [_assert_same(kind, data)[0] for kind, data in MUTATED]
    assert len(outcomes) > 2000
    assert outcomes.count("errors") > len(outcomes) // 2


def _json_like() -> Any:
    scalars = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(_ODD_VALUES[1:9]))
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(VALID), st.data())
def test_generated_values_have_the_same_outcome(record: tuple[str, Any], data: Any) -> None:
    kind, rec = record
    fields = sorted(KINDS[kind].model_fields)
    changed = dict(rec)
    for key in data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3)):
        changed[key] = data.draw(_json_like())
    _assert_same(kind, changed)


def test_validation_without_problems_does_not_import_pydantic() -> None:
    code = (
        "import sys\n"
        "from opencase.cli import main\n"
        "code = main(['validate', sys.argv[1], '--snapshots', sys.argv[2]])\n"
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(FIXTURES / "valid"),
                          str(FIXTURES / "snapshots")], capture_output=True, text=True,
                         check=True)
    assert out.stdout.splitlines()[-1] == "0 []"


class _Checked(BaseModel):
    a: str

    @model_validator(mode="after")
    def _after(self) -> _Checked:
        return self


class _Computed(BaseModel):
    a: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def b(self) -> str:
        return self.a


class _Dated(BaseModel):
    a: date = date(2020, 1, 1)


class _Kind(BaseModel):
    a: EventType = EventType.MURDER


def _twins() -> type[BaseModel]:
    first = type("Twin", (BaseModel,), {"__annotations__": {"a": str}})
    second = type("Twin", (BaseModel,), {"__annotations__": {"b": str}})
    return type("Pair", (BaseModel,), {"__annotations__": {"x": first, "y": second}})


@pytest.mark.parametrize("model,why", [(_Checked, "is not in opencase.language.fields"),
                                       (_Computed, "only plain models compile"),
                                       (_Dated, "cannot be written into the compiled module"),
                                       (_twins(), "two models are named Twin")])
def test_models_the_compiler_cannot_express_are_refused(model: type[BaseModel], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        compiled._Compiler({}).plain(model.__pydantic_core_schema__)


def test_an_enum_default_is_written_by_name() -> None:
    compiler = compiled._compiler()
    out = compiler.plain(_Kind.__pydantic_core_schema__)
    default = compiler.models[out.name]["fields"]["a"]["schema"]["default"]
    assert repr(default) == "EventType.MURDER"
