"""The tables of case model 2: name variants, reported values, field statuses, parties and
links, the ``entities`` table, citations of list items, content-derived citation ids, the
curator's row order, and a declared foreign key for every reference (planted dangling ones
fail both ``opencase check`` and frictionless)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import frictionless
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from opencase.datapackage.check import check
from opencase.language.citeids import citation_rows
from opencase.language.models import KINDS, Citation, Record
from opencase.publishing.layout import ENTITIES, layout, table_schema
from opencase.publishing.metadata import PackageConfig
from opencase.publishing.publish import write_package
from opencase.publishing.tables import entity_label, from_tables, to_tables

SHA = "a" * 64


def cite(quote: str, **kw: Any) -> dict[str, Any]:
    return {"source": "report", "quote": quote, **kw}


def model2_records() -> dict[str, list[Record]]:
    """A small dataset that uses every field case model 2 adds."""
    data: dict[str, list[dict[str, Any]]] = {
        "cases": [{"id": "river-case", "name": "The river case", "cite": [cite("river case")],
                   "unknown": {"date": "The sources give no dates for the case as a whole."}}],
        "sources": [
            {"id": "report", "kind": "report", "title": "The watchdog's report", "sha256": SHA},
            {"id": "judgment", "kind": "court-judgment", "description": "The review's judgment "
             "as the report summarises it, quoted in its closing section.",
             "cite": [cite("the judgment")]},
        ],
        "people": [
            {"id": "dee-okafor", "name": "Dee Okafor", "cite": [cite("Dee Okafor died")],
             "names": [{"name": "Dea Okafor", "type": "spelling",
                        "cite": [cite("Dea Okafor"), cite("Ms Okafor", note="surname only")]},
                       {"name": "D.O.", "type": "initials", "cite": [cite("D.O.")]}],
             "reported": [
                 {"field": "reported_age", "value": "34", "preferred": True,
                  "reason": "The report gives her date of birth.",
                  "cite": [cite("aged 34", supports=["reported_age"])]},
                 {"field": "reported_age", "value": "35", "cite": [cite("aged 35")]}],
             "reported_age": 34,
             "not_applicable": {"rank": None}},
            {"id": "chief-executive", "office": "Chief Executive", "title": "Dr",
             "cite": [cite("the Chief Executive")],
             "unknown": {"name": "The judgment names only the office."}},
            {"id": "counsel", "rank": "King's Counsel", "cite": [cite("counsel for")]},
        ],
        "organisations": [
            {"id": "watchdog", "name": "River Watchdog", "type": "police-oversight",
             "cite": [cite("River Watchdog")],
             "names": [{"name": "RW", "type": "short-name", "cite": [cite("(RW)")]}]},
        ],
        "groups": [{"id": "jury", "name": "The inquest jury", "count": 11,
                    "cite": [cite("the jury", supports=["name"])],
                    "names": [{"name": "the jurors", "type": "other",
                               "cite": [cite("the jurors")]}]},
                   {"id": "investigators", "name": "The watchdog's investigators",
                    "organisation": "watchdog", "cite": [cite("its investigators")]}],
        "events": [{"id": "death", "case": "river-case", "type": "death",
                    "date": "2019-03/..", "description": "Dee Okafor died.",
                    "proceeding": "inquest",
                    "participants": [{"who": "dee-okafor", "role": "subject"}],
                    "cite": [cite("Dee Okafor died", supports=["case", "date"])]}],
        "proceedings": [
            {"id": "inquest", "case": "river-case", "type": "inquest", "name": "The inquest",
             "conducted_by": "jury", "date": "2020/", "cite": [cite("the inquest")],
             "names": [{"name": "the Okafor inquest", "type": "other",
                        "cite": [cite("Okafor inquest")]}],
             "parties": [{"who": "watchdog", "role": "interested-party"},
                         {"who": "counsel", "role": "counsel", "represents": "watchdog"}]},
            {"id": "review", "case": "river-case", "type": "judicial-review",
             "name": "The judicial review", "conducted_by": "chief-executive",
             "cite": [cite("judicial review")],
             "parties": [{"who": "chief-executive", "role": "claimant"},
                         {"who": "watchdog", "role": "defendant"}],
             "links": [{"type": "follows", "target": "inquest"},
                       {"type": "quashes", "target": "judgment"}]},
        ],
        "findings": [
            {"id": "third", "proceeding": "inquest", "type": "failing",
             "description": "The third finding.", "subjects": ["death", "report"],
             "cite": [cite("Thirdly")]},
            {"id": "first", "proceeding": "inquest", "type": "failing",
             "description": "The first finding.", "subjects": ["watchdog"],
             "cite": [cite("Firstly")]},
        ],
        "statements": [{"id": "ce-said", "speaker": "chief-executive", "type": "quote",
                        "text": "We will appeal.", "about": ["review"],
                        "cite": [cite("We will appeal.")]}],
        "relationships": [{"id": "ce-of-watchdog", "subject": "chief-executive",
                           "type": "employed-by", "object": "watchdog",
                           "cite": [cite("its Chief Executive")]}],
    }
    return {kind: [KINDS[kind].model_validate(r) for r in recs] for kind, recs in data.items()}


@pytest.fixture(scope="module")
def records() -> dict[str, list[Record]]:
    return model2_records()


@pytest.fixture(scope="module")
def tables(records: dict[str, list[Record]]) -> dict[str, pa.Table]:
    return to_tables(records)


def rows(tables: dict[str, pa.Table], name: str, *cols: str) -> list[tuple[Any, ...]]:
    return [tuple(r[c] for c in cols) for r in tables[name].to_pylist()]


# ---------------------------------------------------------------- round trip


def test_every_new_field_round_trips(records: dict[str, list[Record]],
                                     tables: dict[str, pa.Table]) -> None:
    back = from_tables(tables)
    for kind in KINDS:
        assert back[kind] == records.get(kind, []), kind


def test_round_trip_through_plain_python_types(records: dict[str, list[Record]],
                                               tables: dict[str, pa.Table]) -> None:
    relaid = {n: pa.Table.from_pylist(t.to_pylist(), schema=t.schema)
              for n, t in tables.items()}
    assert from_tables(relaid) == {k: records.get(k, []) for k in KINDS}


def test_tables_match_the_layout(tables: dict[str, pa.Table]) -> None:
    assert list(tables) == list(layout())
    assert {"names", "reported_values", "field_statuses", ENTITIES, "proceeding_parties",
            "proceeding_links"} <= set(tables)


# ---------------------------------------------------------------- the new tables


def test_names(tables: dict[str, pa.Table]) -> None:
    assert rows(tables, "names", "record_id", "record_kind", "position", "name", "type") == [
        ("dee-okafor", "people", 0, "Dea Okafor", "spelling"),
        ("dee-okafor", "people", 1, "D.O.", "initials"),
        ("watchdog", "organisations", 0, "RW", "short-name"),
        ("jury", "groups", 0, "the jurors", "other"),
        ("inquest", "proceedings", 0, "the Okafor inquest", "other"),
    ]


def test_reported_values(tables: dict[str, pa.Table]) -> None:
    cols = ("record_id", "record_kind", "position", "field", "value", "preferred", "reason")
    assert rows(tables, "reported_values", *cols) == [
        ("dee-okafor", "people", 0, "reported_age", "34", True,
         "The report gives her date of birth."),
        ("dee-okafor", "people", 1, "reported_age", "35", False, None),
    ]


def test_field_statuses_tell_unknown_from_not_applicable(tables: dict[str, pa.Table]) -> None:
    cols = ("record_id", "record_kind", "field", "status", "reason")
    assert rows(tables, "field_statuses", *cols) == [
        ("river-case", "cases", "date", "unknown",
         "The sources give no dates for the case as a whole."),
        ("dee-okafor", "people", "rank", "not-applicable", None),
        ("chief-executive", "people", "name", "unknown", "The judgment names only the office."),
    ]
    # an open-ended date and an unknown end are EDTF, with no end day either way
    events = tables["events"].to_pylist()[0]
    assert (events["date"], str(events["date_start"]), events["date_end"]) == (
        "2019-03/..", "2019-03-01", None)
    inquest = tables["proceedings"].to_pylist()[0]
    assert (inquest["date"], inquest["date_end"]) == ("2020/", None)


def test_parties_and_links(tables: dict[str, pa.Table]) -> None:
    cols = ("proceeding_id", "position", "who", "role", "represents")
    assert rows(tables, "proceeding_parties", *cols) == [
        ("inquest", 0, "watchdog", "interested-party", None),
        ("inquest", 1, "counsel", "counsel", "watchdog"),
        ("review", 0, "chief-executive", "claimant", None),
        ("review", 1, "watchdog", "defendant", None),
    ]
    assert rows(tables, "proceeding_links", "proceeding_id", "position", "type", "target") == [
        ("review", 0, "follows", "inquest"), ("review", 1, "quashes", "judgment")]


def test_entities_list_every_record_with_a_label(records: dict[str, list[Record]],
                                                 tables: dict[str, pa.Table]) -> None:
    got = rows(tables, ENTITIES, "id", "kind", "label")
    assert [(i, k) for i, k, _ in got] == [(r.id, k) for k in KINDS for r in records.get(k, [])]
    labels = {i: label for i, _, label in got}
    assert labels["dee-okafor"] == "Dee Okafor"  # the name
    assert labels["chief-executive"] == "Chief Executive"  # no name: the office
    assert labels["counsel"] == "King's Counsel"  # no name or office: the rank
    assert labels["report"] == "The watchdog's report"  # a source's title
    assert labels["judgment"] == ("The review's judgment as the report summarises it, quoted "
                                  "in its closing…")  # the description, cut at a word
    assert len(labels["judgment"]) <= 80
    assert labels["death"] == "Dee Okafor died."
    assert labels["ce-said"] == "We will appeal."  # a statement's text
    assert labels["ce-of-watchdog"] == "ce-of-watchdog"  # nothing else: the id


def test_entity_label_collapses_white_space() -> None:
    rel = KINDS["relationships"].model_validate({
        "id": "r", "subject": "a", "type": "other", "object": "b",
        "description": "  two\n  lines  "})
    assert entity_label(rel) == "two lines"


# ---------------------------------------------------------------- citations


def test_citations_of_names_and_reported_values_say_which_item(
        tables: dict[str, pa.Table]) -> None:
    cols = ("record_id", "part", "part_position", "cite_index", "field", "quote", "note")
    okafor = [r for r in rows(tables, "citations", *cols) if r[0] == "dee-okafor"]
    assert okafor == [
        ("dee-okafor", None, None, 0, None, "Dee Okafor died", None),
        ("dee-okafor", "reported", 0, 0, "reported_age", "aged 34", None),
        ("dee-okafor", "reported", 1, 0, None, "aged 35", None),
        ("dee-okafor", "names", 0, 0, None, "Dea Okafor", None),
        ("dee-okafor", "names", 0, 1, None, "Ms Okafor", "surname only"),
        ("dee-okafor", "names", 1, 0, None, "D.O.", None),
    ]
    snap = [r for r in tables["citations"].to_pylist() if r["record_id"] == "report"]
    assert [(r["citation_id"], r["part"], r["cite_index"]) for r in snap] == [
        ("report#snapshot", None, None)]


def test_citation_ids_are_unique_and_derived_from_content(tables: dict[str, pa.Table]) -> None:
    ids = tables["citations"].column("citation_id").to_pylist()
    assert len(ids) == len(set(ids))
    # the same passage for two different name variants: two ids
    person = KINDS["people"].model_validate({
        "id": "p", "name": "P", "cite": [cite("P and Q")],
        "names": [{"name": "Q", "type": "other", "cite": [cite("P and Q")]},
                  {"name": "R", "type": "other", "cite": [cite("P and Q")]}]})
    got = [row.id for row in citation_rows(person)]
    assert len(set(got)) == 3


def _ids(record: Record) -> dict[tuple[Any, ...], str]:
    """Each row's id, by what the row says (not where it is)."""
    return {(row.part, row.field, row.citation.quote): row.id for row in citation_rows(record)}


def test_inserting_or_reordering_citations_changes_no_other_id() -> None:
    base = {"id": "ev", "case": "c", "type": "death", "description": "d",
            "cite": [cite("one"), cite("two", supports=["date", "type"]), cite("three")]}
    before = _ids(KINDS["events"].model_validate(base))
    inserted = {**base, "cite": [cite("zero"), *base["cite"][:2], cite("new"), base["cite"][2]]}
    after = _ids(KINDS["events"].model_validate(inserted))
    assert {k: v for k, v in after.items() if k in before} == before
    assert len(after) == len(before) + 2
    reordered = {**base, "cite": list(reversed(base["cite"]))}
    assert _ids(KINDS["events"].model_validate(reordered)) == before
    # a note is not part of the content; the quote is
    noted = {**base, "cite": [cite("one", note="n"), *base["cite"][1:]]}
    assert _ids(KINDS["events"].model_validate(noted)) == before
    # names reordered, and a citation inserted into one name's list
    person = {"id": "p", "name": "P", "cite": [cite("P")],
              "names": [{"name": "Q", "type": "other", "cite": [cite("Q"), cite("Q.")]},
                        {"name": "R", "type": "other", "cite": [cite("R")]}]}
    before = _ids(KINDS["people"].model_validate(person))
    moved = {**person, "names": [
        person["names"][1],
        {**person["names"][0], "cite": [cite("Q first"), *person["names"][0]["cite"]]}]}
    after = _ids(KINDS["people"].model_validate(moved))
    assert {k: v for k, v in after.items() if k in before} == before


def test_an_exact_duplicate_would_share_an_id() -> None:
    ev = KINDS["events"].model_validate({"id": "ev", "case": "c", "type": "death",
                                         "description": "d",
                                         "cite": [cite("one"), cite("one", note="again")]})
    a, b = citation_rows(ev)
    assert a.id == b.id  # validation reports it (duplicate-citation)


# ---------------------------------------------------------------- order


def test_rows_keep_the_curators_order(records: dict[str, list[Record]],
                                      tables: dict[str, pa.Table]) -> None:
    # the jury's third finding was given first: it stays first
    assert tables["findings"].column("id").to_pylist() == ["third", "first"]
    assert rows(tables, "finding_subjects", "finding_id", "position", "subject") == [
        ("third", 0, "death"), ("third", 1, "report"), ("first", 0, "watchdog")]
    assert [r.id for r in from_tables(tables)["findings"]] == ["third", "first"]


# ---------------------------------------------------------------- foreign keys


def test_every_reference_column_is_a_declared_foreign_key() -> None:
    for name, spec in layout().items():
        keyed = {fk.column: fk.table for fk in spec.foreign_keys}
        for c in spec.columns:
            if c.references:
                want = c.references[0] if len(c.references) == 1 else ENTITIES
                assert keyed.get(c.name) == want, (name, c.name)
        declared = {fk["fields"][0] for fk in table_schema(name).get("foreignKeys", [])}
        assert declared == set(keyed), name


CONFIG = PackageConfig(name="model-two", title="Model two", version="1.0.0")


def _package(tables: dict[str, pa.Table], out: Path) -> Path:
    write_package(tables, out, CONFIG, progress=False)
    return out


def _plant(tables: dict[str, pa.Table], table: str, column: str,
           value: str = "no-such-record") -> dict[str, pa.Table]:
    """``tables`` with the first non-empty cell of ``column`` set to ``value``."""
    t = tables[table]
    values = t.column(column).to_pylist()
    i = next(i for i, v in enumerate(values) if v is not None)
    values[i] = value
    planted = t.set_column(t.schema.get_field_index(column), t.schema.field(column),
                           pa.array(values, t.schema.field(column).type))
    return {**tables, table: planted}


def test_the_unplanted_package_passes_both_checkers(tables: dict[str, pa.Table],
                                                    tmp_path: Path) -> None:
    out = _package(tables, tmp_path / "pkg")
    report = check(out)
    assert report.ok and not report.issues, report.format_text()
    assert frictionless.validate(str(out / "datapackage.json")).valid


PLANTED = [
    ("events", "case_id"),  # one kind, main table
    ("events", "proceeding"),
    ("groups", "organisation"),
    ("statements", "speaker"),  # several kinds, main table
    ("proceedings", "conducted_by"),
    ("relationships", "object"),
    ("event_participants", "who"),  # several kinds, child table
    ("proceeding_parties", "represents"),
    ("proceeding_links", "target"),
    ("finding_subjects", "subject"),
    ("statement_about", "about"),
    ("event_participants", "event_id"),  # a child row's parent
    ("names", "record_id"),  # tables shared by every kind
    ("reported_values", "record_id"),
    ("field_statuses", "record_id"),
    ("citations", "record_id"),
    ("citations", "source_id"),
]


@pytest.mark.parametrize(("table", "column"), PLANTED)
def test_a_dangling_reference_fails_check_and_frictionless(
        tables: dict[str, pa.Table], tmp_path: Path, table: str, column: str) -> None:
    out = _package(_plant(tables, table, column), tmp_path / "pkg")
    report = check(out)
    found = {(i.code, i.file, i.field) for i in report.issues}
    # (the Parquet twin holds the same rows: check says so once, on the CSV file)
    assert ("foreign-key", f"csv/{table}.csv", column) in found, report.format_text()
    assert not report.ok
    result = frictionless.validate(str(out / "datapackage.json"))
    errors = {(task.name, e.type) for task in result.tasks for e in task.errors}
    assert (table, "foreign-key") in errors, result.flatten(["type", "note"])
    assert (f"{table}-parquet", "foreign-key") in errors


def test_a_record_missing_from_entities_fails_check(tables: dict[str, pa.Table],
                                                    tmp_path: Path) -> None:
    ent = tables[ENTITIES]
    dropped = ent.filter(pc.not_equal(ent.column("id"), "watchdog"))
    out = _package({**tables, ENTITIES: dropped}, tmp_path / "pkg")
    found = {(i.code, i.file, i.field) for i in check(out).issues}
    assert ("foreign-key", "csv/organisations.csv", "id") in found


def _an_id(tables: dict[str, pa.Table], kind: str) -> str:
    return str(tables[kind].column("id")[0].as_py())


@pytest.mark.parametrize(("table", "column", "kind"), [
    ("statements", "speaker", "events"),  # a speaker is a person, organisation or group
    ("proceedings", "conducted_by", "findings"),
    ("event_participants", "who", "sources"),
])
def test_a_reference_to_a_row_of_the_wrong_kind_fails_check(
        tables: dict[str, pa.Table], tmp_path: Path, table: str, column: str,
        kind: str) -> None:
    wrong = _an_id(tables, kind)
    out = _package(_plant(tables, table, column, wrong), tmp_path / "pkg")
    report = check(out)
    found = [i for i in report.issues if i.code == "reference-kind"]
    assert [(i.file, i.field) for i in found] == [(f"csv/{table}.csv", column)]
    assert f'{column} "{wrong}" is a row of {kind!r} in \'entities\'' in found[0].message
    assert not report.ok


def test_a_row_of_entities_whose_record_is_missing_fails_check(
        tables: dict[str, pa.Table], tmp_path: Path) -> None:
    """A ghost row in `entities` would let a dangling reference into several tables pass."""
    ent = tables[ENTITIES]
    ghost = pa.table({"id": ["ghost"], "kind": ["people"], "label": ["Nobody"]},
                     schema=ent.schema)
    planted = _plant({**tables, ENTITIES: pa.concat_tables([ent, ghost])},
                     "statements", "speaker", "ghost")
    out = _package(planted, tmp_path / "pkg")
    report = check(out)
    found = [(i.code, i.file, i.field, i.line) for i in report.issues]
    rows = ent.num_rows + 2  # the header, then the rows: the ghost is the last
    assert found == [("foreign-key", "csv/entities.csv", "kind", rows)], report.format_text()
    assert "kind 'people' says that resource 'people' holds this row, but \"ghost\" is not" \
        in report.issues[0].message


def test_the_descriptor_declares_the_keys_into_entities(tables: dict[str, pa.Table],
                                                        tmp_path: Path) -> None:
    out = _package(tables, tmp_path / "pkg")
    desc = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    by_name = {r["name"]: r for r in desc["resources"]}
    fks = by_name["citations"]["schema"]["foreignKeys"]
    assert {"fields": ["record_id"], "reference": {"resource": "entities", "fields": ["id"]}} \
        in fks
    pq_fks = by_name["citations-parquet"]["schema"]["foreignKeys"]
    assert {"fields": ["record_id"],
            "reference": {"resource": "entities-parquet", "fields": ["id"]}} in pq_fks


def test_citation_model_is_published_whole() -> None:
    published = {"source": "source_id", "via": "via_source_id", "supports": "field"}
    names = layout()["citations"].names
    for field in Citation.model_fields:
        assert published.get(field, field) in names, field


# ---------------------------------------------------------------- validation of duplicates

DUPLICATES = """\
sources:
  - id: report
    kind: report
    title: The report
    sha256: {sha}
people:
  - id: dee
    name: Dee
    cite:
      - source: report
        quote: Dee Okafor died
      - source: report
        quote: Dee Okafor died
        note: the same passage again
      - source: report
        quote: aged 34
        supports: [reported_age, reported_age]
    reported_age: 34
    names:
      - name: D.O.
        type: initials
        cite:
          - source: report
            quote: D.O.
          - source: report
            quote: D.O.
  - id: dea
    name: Dea
    cite:
      - source: report
        quote: Dee Okafor died
"""


def test_validation_reports_a_duplicate_citation_at_its_place(tmp_path: Path) -> None:
    from opencase.validation.validate import validate

    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "r.yaml").write_text(DUPLICATES.format(sha=SHA), encoding="utf-8")
    report = validate(tmp_path / "records")
    dups = [(i.record_id, i.field, i.line) for i in report.issues
            if i.code == "duplicate-citation"]
    assert dups == [("dee", "cite[1]", 12), ("dee", "cite[2].supports", 17),
                    ("dee", "names[0].cite[1]", 25)]
    assert not report.ok
    messages = [i.message for i in report.issues if i.code == "duplicate-citation"]
    assert messages[0].startswith("cite[1] repeats cite[0]: the same source, quote")
    assert "names that field twice" in messages[1]
    # the same passage cited by two records is no duplicate: their ids differ
    assert not any(i.record_id == "dea" for i in report.issues if i.code == "duplicate-citation")


def test_load_gives_the_citations_of_a_field_or_of_a_part(tables: dict[str, pa.Table],
                                                          tmp_path: Path) -> None:
    from opencase import load

    pkg = load(_package(tables, tmp_path / "pkg"))
    quotes = [(c["part"], c["quote"]) for c in pkg.citations("dee-okafor", "reported_age")]
    # the record's whole-record citation and the reported value's citation that names the
    # field; not the citations of its names, nor of the other reported value (which back
    # that item, not the field)
    assert quotes == [(None, "Dee Okafor died"), ("reported", "aged 34")]
    names = [(c["part"], c["part_position"], c["quote"])
             for c in pkg.citations("dee-okafor", "names")]
    assert names == [(None, None, "Dee Okafor died"), ("names", 0, "Dea Okafor"),
                     ("names", 0, "Ms Okafor"), ("names", 1, "D.O.")]
    assert [r.id for r in pkg.records("findings")] == ["third", "first"]
