"""Data-truth properties of the real dataset (records/), beyond what validation checks.

Each test is a rule of the dataset's standard of truth that a later edit could silently
break: every value rests on a citation, statement texts are the source's words with elisions
marked, one IOPC decision has one date, an event and a finding of the same fact are linked,
and the package says what its sources are and what rights their quoted text carries.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from opencase.validation.folding import fold

from .conftest import REPO

RECORDS = REPO / "records"
BOOKKEEPING = {"id", "cite", "reported", "unknown", "not_applicable", "uncited", "names", "sha256"}
ELISION = "[...]"


def records() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(Path(RECORDS).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for kind, items in data.items():
            for record in items:
                yield kind, record


def by_id() -> dict[str, dict[str, Any]]:
    return {record["id"]: record for _, record in records()}


def test_every_value_rests_on_a_citation() -> None:
    uncited = []
    for kind, record in records():
        if kind == "corrections":
            continue  # said of the dataset's versions (next test)
        cites = record.get("cite", [])
        if any("supports" not in c for c in cites):
            continue  # a citation of the whole record backs every field
        supported = {f for c in cites for f in c["supports"]}
        filled = {k for k, v in record.items() if k not in BOOKKEEPING and v not in (None, [])}
        uncited += [f"{kind} {record['id']}.{f}" for f in sorted(filled - supported)]
    assert uncited == []


def test_every_correction_s_reason_rests_on_a_citation() -> None:
    """A correction's record, field, old value and version are said of the dataset's versions;
    its reason (what was wrong) rests on a passage, like every value of the case."""
    corrections = [record for kind, record in records() if kind == "corrections"]
    assert len(corrections) == 24
    for c in corrections:
        supported = {f for cite in c["cite"] for f in cite["supports"]}
        assert "reason" in supported, c["id"]


def test_a_source_with_a_snapshot_cites_its_own_text_for_kind_language_and_description() -> None:
    for _, source in records():
        if source.get("sha256"):
            supported = {f for c in source["cite"] for f in c.get("supports", [])}
            assert {"kind", "language", "description"} <= supported, source["id"]
            assert {c["source"] for c in source["cite"]} == {source["id"]}


def test_statement_texts_are_the_cited_words_with_elisions_marked() -> None:
    for kind, statement in records():
        if kind != "statements":
            continue
        cited = fold(" ".join(c["quote"] for c in statement["cite"]))
        for piece in statement["text"].split(ELISION):
            assert fold(piece.strip()) in cited, (statement["id"], piece)


def test_the_guardian_report_says_where_its_quotation_ends_is_the_curators_reading() -> None:
    guardian = by_id()["guardian-2019-07-report"]
    notes = " ".join(c.get("note", "") for c in guardian["cite"])
    assert "does not mark where the Guardian's words end" in notes
    assert "His trial heard that police had failed to link the deaths." in notes
    assert set(guardian["unknown"]) == {"title", "author", "url"}


def test_the_iopc_decision_has_one_date_wherever_it_is_reported() -> None:
    found = by_id()
    dated = [
        "iopc-no-misconduct-charges",
        "iopc-systemic-failings",
        "iopc-nine-below-standard",
        "iopc-nine-required-to-improve",
        "iopc-no-disciplinary-action-said",
    ]
    assert {found[i]["date"] for i in dated} == {"../2019-07"}
    for record_id in dated:
        (cite,) = [c for c in found[record_id]["cite"] if c.get("supports") == ["date"]]
        assert cite["quote"] == "as of July 2019 when the Guardian reported on this story"
    # what the Guardian's report does not carry is undated, and says why
    for record_id in ("iopc-recommendations", "iopc-statement-on-decision",
                      "iopc-advised-families-and-officers"):
        assert "date" not in found[record_id] and found[record_id]["unknown"]["date"]


def test_the_conviction_event_and_the_verdict_are_linked() -> None:
    found = by_id()
    assert "port-convicted" in found["port-verdict"]["subjects"]
    assert found["port-convicted"]["date"] == found["port-verdict"]["date"] == "2016"


def test_counts_rest_on_quotes_that_state_them() -> None:
    words = {9: "nine", 16: "sixteen", 17: "seventeen"}
    for _, record in records():
        count = record.get("count")
        if count is None:
            continue
        for cite in record["cite"]:
            if "count" in cite.get("supports", ["count"]):
                quote = fold(cite["quote"]).lower()
                assert str(count) in quote or words[count] in quote, (
                    record["id"], cite["quote"])


def test_the_package_names_its_sources_kinds_and_the_rights_in_quoted_text() -> None:
    config = yaml.safe_load((REPO / "package.yaml").read_text(encoding="utf-8"))
    assert config["version"] == "2.0.0" and config["model"] == 2
    description = config["description"]
    assert "two news articles" not in description
    assert "news article" in description and "blog post" in description
    assert "Rights:" in description and "not redistributed" in description
    kinds = {s["id"]: s["kind"] for k, s in records() if k == "sources" and s.get("sha256")}
    assert kinds == {"iopc-decision-article": "news-article", "inquests-commentary": "blog-post"}
