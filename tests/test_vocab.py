"""Every vocabulary value has a definition: in the models, ``opencase vocab``, the editor
JSON Schema, ``docs/record-format.md``, and a published package's Table Schemas (categories
with labels, Data Package v2) and data dictionary."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import frictionless
import pytest

from opencase.datapackage.check import check
from opencase.language import fields
from opencase.language.casemodel import case_model
from opencase.language.extensions import AddedValue, Extensions
from opencase.language.fields import (
    EventType,
    FieldStatus,
    LinkType,
    NameType,
    ParticipantRole,
    PartyRole,
    Vocabulary,
)
from opencase.language.reference import record_format_markdown
from opencase.language.vocabularies import vocabularies
from opencase.publishing.schemas import record_file_schema

from .conftest import REPO, run_cli

VOCABULARIES = [v for v in vars(fields).values()
                if isinstance(v, type) and issubclass(v, Vocabulary) and v is not Vocabulary]

VOCABULARY_FIELDS = [
    "sources.kind", "people.names.type", "organisations.type", "organisations.names.type",
    "groups.names.type", "events.type", "events.participants.role", "proceedings.type",
    "proceedings.status", "proceedings.parties.role", "proceedings.links.type",
    "proceedings.names.type", "findings.type", "statements.type", "relationships.type",
]


def _pairs(vocabulary: type[Vocabulary]) -> list[dict[str, str]]:
    return [{"value": m.value, "definition": m.definition} for m in vocabulary]


# ---------------------------------------------------------------- the definitions


def test_there_are_the_vocabularies_of_case_model_2() -> None:
    assert {v.__name__ for v in VOCABULARIES} == {
        "SourceKind", "OrganisationType", "EventType", "ParticipantRole", "ProceedingType",
        "ProceedingStatus", "FindingType", "StatementKind", "RelationshipType", "PartyRole",
        "LinkType", "NameType", "FieldStatus"}


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda v: v.__name__)
def test_every_value_has_one_plain_sentence_as_its_definition(
        vocabulary: type[Vocabulary]) -> None:
    for member in vocabulary:
        d = member.definition
        assert d.strip() == d and d, member
        assert d[0].isupper() and d.endswith("."), member
        # one sentence: no full stop before a capital ("e.g. a body" is fine)
        assert not re.search(r"[.!?]\s+[A-Z]", d), member
        assert len(d) <= 120, member
    # Table Schema: the labels of one field's categories must be unique
    definitions = [m.definition for m in vocabulary]
    assert len(set(definitions)) == len(definitions)


def test_the_other_value_is_last_and_says_where_to_say_what_it_is() -> None:
    for vocabulary in VOCABULARIES:
        values = [m.value for m in vocabulary]
        if "other" in values:
            assert values[-1] == "other", vocabulary
            assert vocabulary("other").definition.startswith("Another "), vocabulary


# ---------------------------------------------------------------- opencase vocab


def test_vocab_lists_one_field_with_each_value_and_its_definition() -> None:
    result = run_cli("vocab", "events.type")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "events.type: What kind of event."
    assert lines[1] == "  murder         A killing that the sources call murder."
    assert "  death          A person's death from any cause other than a killing that the " \
        "sources call murder." in lines
    assert "  judgment       A court, tribunal or inquest giving its judgment, conclusion or " \
        "a ruling." in lines
    assert "  investigation  An investigation opened, carried out or closed." in lines
    assert lines[-1] == "  other          Another kind of event; its description says what " \
        "happened."
    assert len(lines) == 1 + len(EventType)


def test_vocab_lists_every_vocabulary_field() -> None:
    result = run_cli("vocab")
    assert result.returncode == 0, result.stderr
    headers = [line.split(":")[0] for line in result.stdout.splitlines()
               if line and not line.startswith(" ")]
    assert headers == VOCABULARY_FIELDS
    assert "  counsel           A lawyer who acted for a party, named in `represents`." in \
        result.stdout.splitlines()


def test_vocab_json_is_every_field_with_its_values_and_definitions() -> None:
    result = run_cli("vocab", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == VOCABULARY_FIELDS
    assert data["events.type"] == _pairs(EventType)
    assert data["events.participants.role"] == _pairs(ParticipantRole)
    assert data["proceedings.parties.role"] == _pairs(PartyRole)
    assert data["proceedings.links.type"] == _pairs(LinkType)
    for path in ("people.names.type", "organisations.names.type", "groups.names.type",
                 "proceedings.names.type"):
        assert data[path] == _pairs(NameType)
    expected = {path: [{"value": v, "definition": d} for v, d in f.values]
                for path, f in vocabularies().items()}
    assert data == expected


def test_vocab_json_of_one_field() -> None:
    result = run_cli("vocab", "proceedings.parties.role", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"proceedings.parties.role": _pairs(PartyRole)}


@pytest.mark.parametrize(("field", "said"), [
    ("events.typ", "no vocabulary field 'events.typ': did you mean events.type"),
    ("events", "no vocabulary field 'events': events holds the vocabulary fields "
     "events.type, events.participants.role"),
    ("events.description", "no vocabulary field 'events.description': "),
])
def test_vocab_of_an_unknown_field_exits_2_with_a_suggestion(field: str, said: str) -> None:
    result = run_cli("vocab", field)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"opencase vocab: error: {said}")


def test_vocab_help_has_an_example() -> None:
    result = run_cli("vocab", "--help")
    assert result.returncode == 0
    assert "example:\n  opencase vocab events.participants.role" in result.stdout


def test_a_dataset_s_added_values_are_listed_with_their_definitions() -> None:
    """``vocabularies`` takes any case model's record models: a dataset's extended ones list
    the values it adds (before ``other``), with the definitions it gives."""
    added = AddedValue("stop-and-search", "A person stopped and searched by the police.")
    model = case_model(Extensions(vocabularies=(("events.participants.role", (added,)),)))
    listed = vocabularies(model.kinds)
    roles = listed["events.participants.role"].values
    assert roles[-2:] == (("stop-and-search", "A person stopped and searched by the police."),
                          ("other", ParticipantRole.OTHER.definition))
    assert listed["events.type"].values == vocabularies()["events.type"].values


def test_vocab_lists_the_values_a_dataset_adds_in_its_package_yaml(tmp_path: Path) -> None:
    example = tmp_path / "example"
    shutil.copytree(REPO / "examples" / "fictional-vell-case", example)
    result = run_cli("vocab", "events.type", cwd=example)  # package.yaml beside records/
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == [
        "  welfare-check  Police sent to check on a person's safety or well-being.",
        "  other          Another kind of event; its description says what happened.",
    ]
    elsewhere = run_cli("vocab", "--config", str(example / "package.yaml"), "--format", "json",
                        cwd=tmp_path)
    assert json.loads(elsewhere.stdout)["events.type"][-2]["value"] == "welfare-check"
    standard = run_cli("vocab", "events.type", cwd=tmp_path)  # no package.yaml: standard
    assert "welfare-check" not in standard.stdout


def test_vocab_reports_a_mistake_in_the_extensions_and_exits_1(tmp_path: Path) -> None:
    example = tmp_path / "example"
    shutil.copytree(REPO / "examples" / "fictional-vell-case", example)
    config = example / "package.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "    events.type:\n", "    events.typo:\n"), encoding="utf-8")
    result = run_cli("vocab", cwd=example)
    assert result.returncode == 1
    first, summary = result.stdout.strip().splitlines()
    shown, where = first.split(":", 1)  # the file as given or relative to the folder
    assert (example / shown).resolve() == config.resolve()
    line = config.read_text(encoding="utf-8").splitlines().index("    events.typo:") + 1
    assert where.startswith(f"{line}:5: error extension-unknown-field events.typo: ")
    assert summary == "invalid: 1 error, 0 warnings"


# ---------------------------------------------------------------- documents


def test_the_editor_json_schema_gives_each_value_s_definition() -> None:
    definitions = record_file_schema()["definitions"]
    for vocabulary in VOCABULARIES:
        if vocabulary.__name__ in definitions:
            d = definitions[vocabulary.__name__]
            assert d["enum"] == [m.value for m in vocabulary]
            assert d["enumDescriptions"] == [m.definition for m in vocabulary]
    assert "EventType" in definitions and "PartyRole" in definitions


def test_the_record_format_lists_each_value_with_its_definition() -> None:
    text = record_format_markdown()
    section = text[text.index("## Vocabularies"):]
    assert "### `events.type`\n\nWhat kind of event.\n\n| value | meaning |\n| --- | --- |\n" \
        "| `murder` | A killing that the sources call murder. |\n" in section
    assert "### `people.names.type`, `organisations.names.type`, `groups.names.type`, " \
        "`proceedings.names.type`\n" in section
    for vocabulary in VOCABULARIES:
        if vocabulary.__name__ == "FieldStatus":  # not a field's value: keys of records
            continue
        for m in vocabulary:
            assert f"| `{m.value}` | {m.definition} |" in section, m


# ---------------------------------------------------------------- the published package


@pytest.fixture
def published(published_project: Path) -> Path:
    """The package of tests/fixtures/publish (published once for the session)."""
    return published_project / "datapackage"


def _fields_with_categories(descriptor: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(r["name"], f) for r in descriptor["resources"] for f in r["schema"]["fields"]
            if "categories" in f]


def test_published_categories_are_values_labelled_with_their_definitions(
        published: Path) -> None:
    descriptor = json.loads((published / "datapackage.json").read_text(encoding="utf-8"))
    vocabs = {tuple((m.value, m.definition) for m in v) for v in VOCABULARIES}
    in_fields = {f.values for f in vocabularies().values()}
    labelled = set()
    for resource, f in _fields_with_categories(descriptor):
        cats = f["categories"]
        if all(isinstance(c, str) for c in cats):  # record kinds, statuses: no vocabulary field
            assert tuple(cats) not in {tuple(v for v, _ in pairs) for pairs in in_fields}, \
                (resource, f["name"])
            continue
        assert all(set(c) == {"value", "label"} for c in cats), (resource, f["name"])
        pairs = tuple((c["value"], c["label"]) for c in cats)
        assert pairs in vocabs, (resource, f["name"])
        assert f["constraints"]["enum"] == [c["value"] for c in cats]
        labelled.add(pairs)
    # every vocabulary a record field holds is published, labelled, somewhere (and the
    # statuses of field_statuses too)
    assert in_fields <= labelled
    assert labelled - in_fields <= {tuple((m.value, m.definition) for m in FieldStatus)}
    events = next(r for r in descriptor["resources"] if r["name"] == "events")
    (etype,) = [f for f in events["schema"]["fields"] if f["name"] == "type"]
    assert etype["categories"][0] == {"value": "murder",
                                      "label": "A killing that the sources call murder."}


def test_the_published_package_passes_frictionless_and_opencase_check(published: Path) -> None:
    report = frictionless.validate(published / "datapackage.json")
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type",
                                         "note"])
    result = check(published)
    assert result.ok, result.format("text")


def test_the_data_dictionary_gives_each_value_s_definition(published: Path) -> None:
    readme = (published / "README.md").read_text(encoding="utf-8")
    events = readme[readme.index("### events\n"):]
    events = events[:events.index("\n### ", 1)]
    assert "| `type` | string | yes | one of the values of `type` below | What kind of " \
        "event. |" in events
    assert "Values of `type`:\n\n| value | meaning |\n| --- | --- |\n" \
        "| `murder` | A killing that the sources call murder. |\n" in events
    for m in EventType:
        assert f"| `{m.value}` | {m.definition} |" in events
    # a column of plain categories (no labels) still lists its values inline
    citations = readme[readme.index("### citations\n"):]
    assert "| `record_kind` | string | yes | `cases`, `sources`, " in citations
