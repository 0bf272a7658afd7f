"""The published tables: layout from the models, Table/Arrow schemas, records <-> tables."""

from __future__ import annotations

import random
import re
from enum import StrEnum
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from opencase.language.models import ID_PATTERN, KINDS, Citation, EventType, Source
from opencase.publishing.layout import arrow_schema, layout, table_schema
from opencase.publishing.tables import from_tables, to_tables
from opencase.validation.validate import validate

from .conftest import FIXTURES, SHARED_SOURCES

PUBLISH = FIXTURES / "publish"
CITATION_COLUMNS = ["citation_id", "record_id", "record_kind", "part", "part_position",
                    "cite_index", "field", "source_id", "quote", "prefix", "suffix",
                    "quote_start", "quote_end", "source_sha256", "via_source_id", "note"]


@pytest.fixture(scope="module")
def fixture_dataset() -> Any:
    report = validate(PUBLISH / "records", PUBLISH / "snapshots")
    assert report.ok, report.format_text()
    return report.dataset


@pytest.fixture(scope="module")
def fixture_tables(fixture_dataset: Any) -> dict[str, pa.Table]:
    return to_tables(fixture_dataset.records, fixture_dataset.citations)


# ---------------------------------------------------------------- layout


def test_every_kind_has_a_table_keyed_by_id_and_citations_come_last() -> None:
    specs = layout()
    for kind in KINDS:
        assert specs[kind].primary_key == ("id",)
        assert specs[kind].names[0] == "id"
        assert "cite" not in specs[kind].names
    assert list(specs)[-1] == "citations"
    assert specs["citations"].names == CITATION_COLUMNS


def test_list_fields_become_child_tables_named_singular_field() -> None:
    specs = layout()
    parts = specs["event_participants"]
    assert parts.names == ["event_id", "position", "who", "role"]
    assert parts.primary_key == ("event_id", "position")
    assert parts.foreign_keys[0].column == "event_id" and parts.foreign_keys[0].table == "events"
    assert specs["proceeding_subjects"].names == ["proceeding_id", "position", "subject"]
    assert "participants" not in specs["events"].names


def test_edtf_fields_get_start_and_end_date_columns() -> None:
    events = layout()["events"].names
    i = events.index("date")
    assert events[i:i + 3] == ["date", "date_start", "date_end"]
    assert arrow_schema("events").field("date_start").type == pa.date32()


def test_references_to_one_kind_key_its_table_others_key_entities() -> None:
    fks = {(fk.column, fk.table) for fk in layout()["events"].foreign_keys}
    assert fks == {("id", "entities"), ("case_id", "cases"), ("proceeding", "proceedings")}
    who = layout()["event_participants"].column("who")
    assert set(who.references) == {"people", "organisations", "groups"}
    parts = {(fk.column, fk.table) for fk in layout()["event_participants"].foreign_keys}
    assert parts == {("event_id", "events"), ("who", "entities")}
    cites = {(fk.column, fk.table) for fk in layout()["citations"].foreign_keys}
    assert cites == {("record_id", "entities"), ("source_id", "sources"),
                     ("via_source_id", "sources")}


def test_table_schema_has_types_constraints_categories_and_keys() -> None:
    schema = table_schema("events")
    fields = {f["name"]: f for f in schema["fields"]}
    assert schema["primaryKey"] == ["id"]
    assert fields["id"]["constraints"]["required"] is True
    assert fields["id"]["constraints"]["unique"] is True
    assert fields["id"]["constraints"]["pattern"] == "[a-z0-9]+(-[a-z0-9]+)*"
    enum_values = [e.value for e in EventType]
    assert fields["type"]["categories"] == [{"value": e.value, "label": e.definition}
                                            for e in EventType]
    assert fields["type"]["constraints"]["enum"] == enum_values
    assert fields["date_start"]["type"] == "date"
    assert {"fields": ["case_id"], "reference": {"resource": "cases", "fields": ["id"]}} in \
        schema["foreignKeys"]
    people = {f["name"]: f for f in table_schema("people")["fields"]}
    assert people["reported_age"]["constraints"] == {"minimum": 0, "maximum": 130}
    assert "$schema" in table_schema("people", standalone=True)


def test_self_reference_omits_the_resource() -> None:
    fks = table_schema("groups", resource_suffix="-parquet")["foreignKeys"]
    part_of = next(fk for fk in fks if fk["fields"] == ["part_of"])
    assert part_of["reference"] == {"fields": ["id"]}
    org = next(fk for fk in fks if fk["fields"] == ["organisation"])
    assert org["reference"]["resource"] == "organisations-parquet"


def test_every_enum_field_publishes_all_its_values() -> None:
    for spec in layout().values():
        for c in spec.columns:
            if c.categories and spec.name != "citations":
                assert len(set(c.categories)) == len(c.categories)


# ---------------------------------------------------------------- records -> tables


def test_tables_match_their_arrow_schemas(fixture_tables: dict[str, pa.Table]) -> None:
    assert list(fixture_tables) == list(layout())
    for name, table in fixture_tables.items():
        assert table.schema.equals(arrow_schema(name)), name


def test_child_rows_and_positions(fixture_tables: dict[str, pa.Table]) -> None:
    parts = fixture_tables["event_participants"].to_pylist()
    assert parts == [
        {"event_id": "bridge-collapse", "position": 0, "who": "injured-walkers",
         "role": "affected"},
        {"event_id": "bridge-collapse", "position": 1, "who": "county-council",
         "role": "subject"},
    ]
    subjects = fixture_tables["finding_subjects"].to_pylist()
    assert [(r["finding_id"], r["position"], r["subject"]) for r in subjects] == [
        ("inspections-skipped", 0, "county-council"),
        ("warnings-ignored", 0, "county-council"),
        ("warnings-ignored", 1, "council-engineers"),
    ]


def test_edtf_days(fixture_tables: dict[str, pa.Table]) -> None:
    rows = {r["id"]: r for r in fixture_tables["findings"].to_pylist()}
    skipped = rows["inspections-skipped"]
    assert (skipped["date"], str(skipped["date_start"]), str(skipped["date_end"])) == (
        "2018/2019", "2018-01-01", "2019-12-31")
    assert rows["warnings-ignored"]["date_start"] is None


def test_every_record_row_has_a_citation(fixture_tables: dict[str, pa.Table]) -> None:
    cited = set(fixture_tables["citations"].column("record_id").to_pylist())
    for kind in KINDS:
        ids = fixture_tables[kind].column("id").to_pylist()
        assert set(ids) <= cited, kind


def test_citation_rows(fixture_tables: dict[str, pa.Table]) -> None:
    rows = fixture_tables["citations"].to_pylist()
    ids = [r["citation_id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9-]+#([0-9a-f]{12}|snapshot)", i) for i in ids)
    nair = [r for r in rows if r["record_id"] == "priya-nair"]
    assert [(r["cite_index"], r["field"]) for r in nair] == [
        (0, "reported_age"), (0, "name"), (1, "description")]
    assert all(r["citation_id"].startswith("priya-nair#") for r in nair)
    assert nair[2]["note"] == "The article gives her job, not her employer."
    snap = next(r for r in rows if r["citation_id"] == "millbrook-article#snapshot")
    assert snap["quote"] is None and snap["cite_index"] is None
    assert snap["source_sha256"] == (
        "834fbcc0280ebf9df48852fd16835d2ec74453933d191680cacb26369f96f379")
    via = next(r for r in rows if r["record_id"] == "nair-warned")
    assert via["source_id"] == "radio-millbrook-interview"
    assert via["via_source_id"] == "millbrook-article"
    assert via["source_sha256"] == snap["source_sha256"]
    text = (PUBLISH / "snapshots" / "millbrook.txt").read_text(encoding="utf-8")
    assert text[via["quote_start"]:via["quote_end"]] == "“We warned them, in writing, twice.”"
    radio = next(r for r in rows if r["record_id"] == "radio-millbrook")
    assert radio["prefix"] == "41, told"


def test_unverified_citations_have_no_offsets(fixture_dataset: Any) -> None:
    tables = to_tables(fixture_dataset.records)  # no checks: nothing was verified
    rows = tables["citations"].to_pylist()
    assert all(r["quote_start"] is None and r["quote_end"] is None for r in rows)
    assert all(r["source_sha256"] for r in rows)  # the hash the sources declare


def test_rows_keep_the_order_records_are_given_in(fixture_dataset: Any) -> None:
    shuffled = {}
    rng = random.Random(7)
    for kind, recs in fixture_dataset.records.items():
        recs = list(recs)
        rng.shuffle(recs)
        shuffled[kind] = recs
    tables = to_tables(shuffled, fixture_dataset.citations)
    for kind, recs in shuffled.items():
        assert tables[kind].column("id").to_pylist() == [r.id for r in recs], kind
    entities = tables["entities"].column("id").to_pylist()
    assert entities == [r.id for kind in KINDS for r in shuffled.get(kind, [])]
    back = from_tables(tables)
    for kind, recs in shuffled.items():
        assert back[kind] == recs, kind
    # the same records in the same order give the same tables
    again = to_tables(shuffled, fixture_dataset.citations)
    for name, table in tables.items():
        assert table.equals(again[name]), name


def test_empty_text_is_refused_so_that_null_round_trips() -> None:
    """CSV cannot tell "" from no value, so records may not hold "": unknown is left out."""
    with pytest.raises(ValidationError, match="at least 1 character"):
        Source(id="s", kind="report", description="", sha256="0" * 64)
    src = Source(id="s", kind="report", sha256="0" * 64)
    tables = to_tables({"sources": [src]})
    assert tables["sources"].column("description").to_pylist() == [None]
    assert from_tables(tables)["sources"] == [src]


# ---------------------------------------------------------------- tables -> records


def test_round_trip_fixture(fixture_dataset: Any, fixture_tables: dict[str, pa.Table]) -> None:
    back = from_tables(fixture_tables)
    for kind in KINDS:
        assert back[kind] == fixture_dataset.records.get(kind, []), kind


def test_round_trip_through_csv_and_parquet_types(fixture_tables: dict[str, pa.Table]) -> None:
    # tables as a loader reads them: same columns, possibly plain Python-typed
    relaid = {n: pa.Table.from_pylist(t.to_pylist(), schema=t.schema)
              for n, t in fixture_tables.items()}
    assert from_tables(relaid) == from_tables(fixture_tables)


@pytest.mark.skipif(not SHARED_SOURCES.is_dir(), reason="the real snapshots are absent")
def test_round_trip_real_records() -> None:
    report = validate(FIXTURES.parent.parent / "records", SHARED_SOURCES)
    if not report.ok:
        pytest.skip("the real records are invalid right now")
    ds = report.dataset
    tables = to_tables(ds.records, ds.citations)
    back = from_tables(tables)
    for kind in KINDS:
        assert back[kind] == ds.records.get(kind, []), kind
    cited = set(tables["citations"].column("record_id").to_pylist())
    for kind in KINDS:
        assert set(tables[kind].column("id").to_pylist()) <= cited, kind


# ---------------------------------------------------------------- generated records

EDTF_SAMPLES = ["2016", "2019-07", "2020-03-15", "2014/2015", "../2016", "2019-07/..",
                "2020~", "2021?", "2019-07/2020-01-02", "/2016", "2016%"]
TEXT = st.text(min_size=1, max_size=20)


def _resolve(prop: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    nullable = False
    if "anyOf" in prop:
        opts = [o for o in prop["anyOf"] if o.get("type") != "null"]
        nullable = len(opts) < len(prop["anyOf"])
        prop = {**prop, **opts[0]}
    if "$ref" in prop:
        prop = {**defs[prop["$ref"].rsplit("/", 1)[-1]], **prop}
    return prop, nullable


def _strategy(prop: dict[str, Any], defs: dict[str, Any], required: bool) -> Any:
    prop, nullable = _resolve(prop, defs)
    kind = prop.get("type")
    if "enum" in prop:
        s: Any = st.sampled_from(prop["enum"])
    elif prop.get("format") == "edtf":
        s = st.sampled_from(EDTF_SAMPLES)
    elif kind == "string" and prop.get("pattern") == ID_PATTERN:
        s = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,4}){0,2}", fullmatch=True)
    elif kind == "string" and "pattern" in prop:
        s = st.from_regex(prop["pattern"], fullmatch=True)
    elif kind == "string":
        s = TEXT
    elif kind == "integer":
        s = st.integers(prop.get("minimum", -(10**6)), prop.get("maximum", 10**6))
    elif kind == "boolean":
        s = st.booleans()
    elif kind == "object" and "patternProperties" in prop:  # unknown, not_applicable
        ((_pattern, value),) = prop["patternProperties"].items()
        s = st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
                            _strategy(value, defs, False), max_size=3)
    elif kind == "array":
        s = st.lists(_strategy(prop["items"], defs, True), min_size=prop.get("minItems", 0),
                     max_size=3)
    elif kind == "object":
        req = set(prop.get("required", ()))
        s = st.fixed_dictionaries(
            {k: _strategy(v, defs, True) for k, v in prop["properties"].items() if k in req},
            optional={k: _strategy(v, defs, False) for k, v in prop["properties"].items()
                      if k not in req},
        )
    else:
        raise AssertionError(f"no strategy for {prop}")
    return s | st.none() if nullable and not required else s


@st.composite
def datasets(draw: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for kind, model in KINDS.items():
        schema = model.model_json_schema()
        defs = schema.get("$defs", {})
        props = {k: v for k, v in schema["properties"].items() if k not in ("id", "cite")}
        own = list(props)
        cite = st.fixed_dictionaries(
            {"source": st.just("src"), "quote": TEXT},
            optional={"prefix": TEXT, "suffix": TEXT, "via": st.just("other"), "note": TEXT,
                      "supports": st.lists(st.sampled_from(own), min_size=1, max_size=3)
                      if own else st.nothing()},
        )
        record = _strategy({"type": "object", "properties": props,
                            "required": schema.get("required", [])}, defs, True)
        recs = draw(st.lists(st.tuples(record, st.lists(cite, max_size=3)), max_size=3))
        out[kind] = [model.model_validate({**data, "id": f"{kind}-{i}", "cite": cites})
                     for i, (data, cites) in enumerate(recs)]
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets())
def test_round_trip_generated_records(records: dict[str, list[Any]]) -> None:
    back = from_tables(to_tables(records))
    for kind in KINDS:
        assert back[kind] == records[kind], kind


def test_citation_model_fields_are_all_published() -> None:
    published = {"source": "source_id", "via": "via_source_id", "supports": "field"}
    names = layout()["citations"].names
    for field in Citation.model_fields:
        assert published.get(field, field) in names, field


def test_enum_values_are_strings() -> None:
    for spec in layout().values():
        for c in spec.columns:
            if c.categories:
                assert all(isinstance(v, str) and not isinstance(v, StrEnum)
                           for v in c.categories)
