"""The example dataset (examples/fictional-vell-case): a FICTIONAL case that uses every feature
of case model 2. It must validate under --strict against its own snapshots, publish, pass
`opencase check` and `frictionless validate`, load back with nothing lost, and really use each
feature: the YAML tests read the records, the others the published tables."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import opencase

from .conftest import REPO, run_cli

EXAMPLE = REPO / "examples" / "fictional-vell-case"
RECORDS = EXAMPLE / "records"
SNAPSHOTS = EXAMPLE / "snapshots"
FICTION = "FICTION: an invented text, written for the opencase example dataset."


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*map(str, args))


def _yaml(name: str) -> Any:
    return yaml.load((EXAMPLE / name).read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def _records(kind: str) -> list[dict[str, Any]]:
    return list(_yaml(f"records/{kind}.yaml")[kind])


def _by_id(kind: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in _records(kind)}


# ---------------------------------------------------------------- fiction, snapshots


def test_marked_as_fiction_everywhere() -> None:
    config = _yaml("package.yaml")
    assert config["title"].startswith("FICTION")
    assert config["description"].startswith("FICTION")
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# FICTION") and "Everything in this folder is fiction" in readme
    snapshots = sorted(SNAPSHOTS.glob("*.txt"))
    assert len(snapshots) == 3
    for path in snapshots:
        assert path.read_text(encoding="utf-8").splitlines()[0].startswith(FICTION), path.name
    for path in sorted(RECORDS.glob("*.yaml")):
        assert path.read_text(encoding="utf-8").startswith("# FICTION"), path.name
    for source in _records("sources"):
        assert source["description"].startswith("FICTION."), source["id"]


def test_every_snapshot_is_a_source_by_its_hash() -> None:
    hashes = {hashlib.sha256(p.read_bytes()).hexdigest(): p.name
              for p in SNAPSHOTS.glob("*.txt")}
    declared = {s["sha256"]: s["id"] for s in _records("sources") if "sha256" in s}
    assert set(declared) == set(hashes)
    assert sorted(declared.values()) == ["case-note", "inquest-conclusion", "wpca-press-release"]


# ---------------------------------------------------------------- validate, publish, check


def test_validates_under_strict_with_its_snapshots() -> None:
    run = _cli("validate", RECORDS, "--snapshots", SNAPSHOTS, "--strict")
    assert run.returncode == 0, run.stdout + run.stderr
    last = run.stdout.strip().splitlines()[-1]
    assert last == "valid: 0 errors, 0 warnings (11 files, 61 records)"
    report = opencase.validate(RECORDS, SNAPSHOTS, strict=True)
    assert report.ok and report.issues == []


def test_coverage_is_complete() -> None:
    """Every letter of the three invented texts is cited or marked uncited."""
    run = _cli("coverage", RECORDS, "--snapshots", SNAPSHOTS)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[-1] == (
        "coverage 100.0%, at least 100% in every source: 3765 of 3765 letters covered "
        "(3459 cited, 306 marked uncited), 0 passages uncovered")


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("example") / "vell-package"
    run = _cli("publish", RECORDS, "--snapshots", SNAPSHOTS, "--out", out, "--strict")
    assert run.returncode == 0, run.stdout + run.stderr
    return out


def test_published_package_passes_opencase_check(package: Path) -> None:
    run = _cli("check", package)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().splitlines()[-1].startswith("valid: 0 errors, 0 warnings")


def test_published_package_passes_frictionless_validate(package: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "frictionless", "validate",
                          str(package / "datapackage.json"), "--json"],
                         capture_output=True, text=True, timeout=300)
    result = json.loads(run.stdout)
    assert result["valid"] is True, run.stdout[-3000:]


def test_loads_back_with_nothing_lost(package: Path) -> None:
    report = opencase.validate(RECORDS, SNAPSHOTS, strict=True)
    assert report.ok and report.dataset is not None
    pkg = opencase.load(package)
    kinds = [k for k, recs in report.dataset.records.items() if recs]
    assert len(kinds) == 11
    for kind in kinds:
        curated = [r.model_dump() for r in report.dataset.records[kind]]
        loaded = [r.model_dump() for r in pkg.records(kind)]
        assert loaded == curated, kind


# ---------------------------------------------------------------- the features, in the YAML


def test_records_use_name_variants_with_citations_and_initials() -> None:
    casimir = _by_id("people")["casimir-vell"]
    variants = {(n["name"], n["type"]) for n in casimir["names"]}
    assert variants == {("Kasimir Vell", "spelling"), ("C.V.", "initials")}
    assert all(n["cite"] for n in casimir["names"])
    for kind in ("organisations", "groups", "proceedings"):
        assert any(r.get("names") for r in _records(kind)), kind


def test_records_use_every_new_vocabulary_family() -> None:
    events = _records("events")
    assert {"call-for-help", "use-of-force", "restraint", "hearing", "judgment",
            "death"} <= {e["type"] for e in events}
    roles = {p["role"] for e in events for p in e.get("participants", [])}
    assert {"caller", "claimant", "counsel", "coroner", "jury"} <= roles
    proceedings = _records("proceedings")
    assert {"judicial-review", "inquest", "misconduct-hearing"} <= {
        p["type"] for p in proceedings}
    assert {"case-note", "court-judgment", "press-release"} <= {
        s["kind"] for s in _records("sources")}
    assert "parent-of" in {r["type"] for r in _records("relationships")}


def test_records_state_unknown_not_applicable_and_open_dates() -> None:
    unknown = [r for kind in ("people", "sources", "events") for r in _records(kind)
               if r.get("unknown")]
    assert len(unknown) >= 5
    assert _by_id("groups")["inquest-jury"]["not_applicable"] == {
        "organisation": "A jury is drawn from the public and belongs to no organisation."}
    assert _by_id("proceedings")["operation-lantern"]["date"] == "2021/.."
    assert _by_id("relationships")["quell-serves-constabulary"]["date"] == "2009/"


# ---------------------------------------------------------------- the features, published


def _rows(package: Path, table: str) -> list[dict[str, Any]]:
    return opencase.load(package).table(table).to_pylist()


def _kinds(package: Path) -> dict[str, str]:
    return {r["id"]: r["kind"] for r in _rows(package, "entities")}


def test_published_entities_list_every_record_once(package: Path) -> None:
    kinds = _kinds(package)
    assert len(kinds) == 61
    assert kinds["wpca-report"] == "sources" and kinds["misconduct-panel"] == "groups"
    cited = {r["record_id"] for r in _rows(package, "citations")}
    # every record rests on a passage, but a correction that its note alone justifies
    assert set(kinds) - cited == {"quell-dismissal-removed"}
    assert kinds["quell-dismissal-removed"] == "corrections"


def test_published_names(package: Path) -> None:
    names = [(r["record_id"], r["record_kind"], r["name"], r["type"])
             for r in _rows(package, "names")]
    assert ("casimir-vell", "people", "Kasimir Vell", "spelling") in names
    assert ("casimir-vell", "people", "C.V.", "initials") in names
    assert ("wpca-chief-executive", "people", "The Chief Executive of the Authority",
            "office") in names
    assert {kind for _, kind, _, _ in names} == {"people", "organisations", "groups",
                                                  "proceedings"}
    parts = {(c["record_id"], c["part"], c["quote"]) for c in _rows(package, "citations")}
    assert ("casimir-vell", "names",
            "Casimir Vell, referred to in the judgment as C.V.") in parts


def test_published_person_known_by_office_title_rank(package: Path) -> None:
    people = {r["id"]: r for r in _rows(package, "people")}
    chief = people["wpca-chief-executive"]
    assert chief["name"] is None and chief["office"] == "Chief Executive"
    assert people["ysolde-tarrowby"]["title"] == "Dr"
    assert people["ysolde-tarrowby"]["office"] == "Senior Coroner for Wyvernshire"
    assert people["dorian-quell"]["rank"] == "Sergeant"


def test_published_reported_values_with_preference(package: Path) -> None:
    rows = [(r["record_id"], r["field"], r["value"], r["preferred"])
            for r in _rows(package, "reported_values")]
    assert rows[:4] == [
        ("casimir-vell", "name", "Casimir Vell", True),
        ("casimir-vell", "name", "Kasimir Vell", False),
        ("casimir-vell", "reported_age", "34", False),
        ("casimir-vell", "reported_age", "35", False),
    ]
    assert ("restraint", "restraint_minutes", "11", True) in rows
    preferred = next(r for r in _rows(package, "reported_values") if r["preferred"])
    assert preferred["reason"].startswith("The family confirmed this spelling")
    people = {r["id"]: r for r in _rows(package, "people")}
    assert people["casimir-vell"]["name"] == "Casimir Vell"
    assert people["casimir-vell"]["reported_age"] is None  # none preferred: left empty


def test_published_field_statuses_of_both_statuses(package: Path) -> None:
    rows = {(r["record_id"], r["field"]): (r["status"], r["reason"])
            for r in _rows(package, "field_statuses")}
    assert rows[("wpca-chief-executive", "name")] == (
        "unknown", "The texts name the office, never the person who holds it.")
    assert rows[("inquest-jury", "organisation")] == (
        "not-applicable", "A jury is drawn from the public and belongs to no organisation.")
    assert rows[("ines-marchbank", "collar_number")][0] == "unknown"  # an added field
    assert {s for s, _ in rows.values()} == {"unknown", "not-applicable"}


def test_published_open_ended_and_unknown_end_dates(package: Path) -> None:
    lantern = next(r for r in _rows(package, "proceedings") if r["id"] == "operation-lantern")
    assert lantern["date"] == "2021/.." and lantern["date_end"] is None
    assert str(lantern["date_start"]) == "2021-01-01"
    quell = next(r for r in _rows(package, "relationships")
                 if r["id"] == "quell-serves-constabulary")
    assert quell["date"] == "2009/" and quell["date_end"] is None
    statuses = {(r["record_id"], r["field"]) for r in _rows(package, "field_statuses")}
    assert ("operation-lantern", "date") not in statuses  # open-ended is not unknown


def test_published_parties_conducted_by_and_representation(package: Path) -> None:
    parties = [(r["proceeding_id"], r["position"], r["who"], r["role"], r["represents"])
               for r in _rows(package, "proceeding_parties")]
    assert ("judicial-review", 4, "tamsin-orrey", "counsel", "odile-vell") in parties
    assert ("judicial-review", 5, "benedict-harrowmere", "counsel", "wpca") in parties
    assert ("inquest", 1, "inquest-jury", "jury", None) in parties
    roles = {role for _, _, _, role, _ in parties}
    assert {"claimant", "defendant", "interested-party", "counsel", "coroner", "jury",
            "judge", "panel", "accused", "deceased", "family"} <= roles
    kinds = _kinds(package)
    conducted = {r["id"]: kinds[r["conducted_by"]] for r in _rows(package, "proceedings")}
    assert conducted["inquest"] == "people"
    assert conducted["misconduct-hearing"] == "groups"
    assert conducted["wpca-investigation"] == "organisations"


def test_published_links_of_every_type_used(package: Path) -> None:
    kinds = _kinds(package)
    links = {(r["proceeding_id"], r["type"], r["target"])
             for r in _rows(package, "proceeding_links")}
    assert links == {
        ("wpca-investigation", "arises-from", "referral"),
        ("wpca-investigation", "part-of", "operation-lantern"),
        ("misconduct-hearing", "related-to", "wpca-case-to-answer"),
        ("judicial-review", "follows", "inquest"),
        ("judicial-review", "reviews", "wpca-investigation"),
        ("judicial-review", "quashes", "wpca-report"),
        ("judicial-review", "quashes", "wpca-proportionate"),
        ("fresh-investigation", "arises-from", "jr-fresh-investigation"),
        ("fresh-investigation", "replaces", "wpca-investigation"),
    }
    targets = {kinds[t] for _, _, t in links}
    assert targets == {"events", "proceedings", "findings", "sources"}


def test_published_findings_keep_the_sources_order(package: Path) -> None:
    inquest = [r for r in _rows(package, "findings") if r["proceeding"] == "inquest"]
    ids = [r["id"] for r in inquest]
    assert ids == ["inquest-cause-of-death", "jury-call-for-help", "jury-welfare-check",
                   "jury-eleven-minutes", "jury-breathing-not-monitored",
                   "jury-restraint-contributed", "jury-death-in-hospital"]
    assert ids != sorted(ids)  # the order is the record of the inquest's, not the ids'
    assert [r["item_number"] for r in inquest[1:]] == [1, 2, 3, 4, 5, 6]
    subjects = [(r["subject"], r["position"]) for r in _rows(package, "finding_subjects")
                if r["finding_id"] == "jr-irrational"]
    assert subjects == [("wpca-proportionate", 0), ("wpca-report", 1)]


def test_published_findings_about_events_sources_and_findings(package: Path) -> None:
    kinds = _kinds(package)
    about = {kinds[r["subject"]] for r in _rows(package, "finding_subjects")}
    assert {"events", "sources", "findings", "people", "groups", "organisations"} <= about


def test_published_opinion_is_attributed(package: Path) -> None:
    comment = next(r for r in _rows(package, "statements") if r["id"] == "case-note-comment")
    assert (comment["speaker"], comment["type"]) == ("case-note", "opinion")


def test_published_corrections_say_what_was_what_is_and_why(package: Path) -> None:
    rows = {r["id"]: r for r in _rows(package, "corrections")}
    spelling = rows["casimir-vell-name-spelling"]
    assert (spelling["record_id"], spelling["field"], spelling["old_value"],
            spelling["new_value"], spelling["version"]) == (
        "casimir-vell", "name", "Kasimir Vell", "Casimir Vell", "1.0.0")
    people = {r["id"]: r for r in _rows(package, "people")}
    assert people["casimir-vell"]["name"] == spelling["new_value"]
    quotes = [(r["field"], r["quote"]) for r in _rows(package, "citations")
              if r["record_id"] == "casimir-vell-name-spelling"]
    assert ("new_value", "The family of Casimir Vell confirmed the spelling of his first name "
            "to the court.") in quotes
    removal = rows["quell-dismissal-removed"]
    assert removal["record_id"] not in _kinds(package)  # the removed record's former id
    assert (removal["field"], removal["new_value"]) == (None, None)
    assert removal["note"].startswith("A removal")


def test_published_extensions(package: Path) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["opencase:extensions"]["vocabularies"]["events.type"] == [
        {"value": "welfare-check",
         "definition": "Police sent to check on a person's safety or well-being."}]
    people = {r["id"]: r for r in _rows(package, "people")}
    assert people["dorian-quell"]["collar_number"] == "4471"
    restraint = next(r for r in _rows(package, "events") if r["id"] == "restraint")
    assert (restraint["restraint_minutes"], restraint["body_worn_video"]) == (11, True)
    recorded = [(r["recorded_by"], r["position"]) for r in _rows(package, "event_recorded_by")]
    assert recorded == [("dorian-quell", 0), ("ines-marchbank", 1)]
    review = next(r for r in _rows(package, "proceedings") if r["id"] == "judicial-review")
    assert review["neutral_citation"] == "[2023] WVHC 214 (Admin)"
    assert review["permission_granted"] == "2023-01-09"
    assert str(review["permission_granted_start"]) == "2023-01-09"
    types = {r["type"] for r in _rows(package, "events")}
    assert "welfare-check" in types
    schema = next(r["schema"] for r in descriptor["resources"] if r["name"] == "events")
    type_field = next(f for f in schema["fields"] if f["name"] == "type")
    assert {"value": "welfare-check",
            "label": "Police sent to check on a person's safety or well-being."} in \
        type_field["categories"]


def test_published_citation_ids_derive_from_content(package: Path) -> None:
    rows = _rows(package, "citations")
    ids = [r["citation_id"] for r in rows]
    assert len(set(ids)) == len(ids)
    # the id docs/case-model.md shows: the case's first citation, of its description
    first = next(r for r in rows if r["citation_id"] == "vell-case#b2dd49295caf")
    assert (first["record_id"], first["field"], first["source_id"]) == (
        "vell-case", "description", "wpca-press-release")
