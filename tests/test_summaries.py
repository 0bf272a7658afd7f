"""Report summaries count every issue, listed or not, and come last: a long run of one code
is listed up to a limit, then one "... and N more" line follows the items it abbreviates, and
the summary line follows it. Through the real CLI, on tests/fixtures/summaries (25 quotes of
two sources whose snapshots are not given: publish lists 20 and counts 5 more)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opencase.codes import Code
from opencase.report import Report, Severity

from .conftest import run_cli

RECORDS = Path("tests", "fixtures", "summaries", "records")  # as the CLI shows it, from REPO
REPO = Path(__file__).parent.parent
FIRE = RECORDS / "fire.yaml"
MISSING = [
    f"{FIRE}:14:5: warning snapshot-missing no snapshot of source 'fire-report' (sha256 "
    "aaaaaaaaaaaa...) (no --snapshots folder given); its quotes are unverified",
    f"{FIRE}:17:5: warning snapshot-missing no snapshot of source 'fire-follow-up' (sha256 "
    "bbbbbbbbbbbb...) (no --snapshots folder given); its quotes are unverified",
]


def unverified(record: str, source: str) -> str:
    sha = ("a" if source == "fire-report" else "b") * 12
    return (f"<records>: warning quote-unverified {record} cite[0]: the quote is published "
            f"unverified (no snapshot {sha}... of {source!r} was given); its "
            "quote_start/quote_end are empty")


def test_validate_lists_its_warnings_then_counts_them() -> None:
    out = run_cli("validate", RECORDS, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [*MISSING,
                                       "valid: 0 errors, 2 warnings (1 file, 27 records)"]


def test_publish_counts_every_warning_and_elides_after_the_items(tmp_path: Path) -> None:
    out = run_cli("publish", RECORDS, "--out", tmp_path / "pkg", cwd=REPO)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    # the 25 citations in the order of their record ids (the residents alternate between
    # the two sources); the first 20 are listed
    residents = ["ada", "ben", "cal", "dee", "eli", "fay", "gus", "hal", "ivy", "jo", "kit",
                 "lu", "max", "ned", "oz", "pam", "quin", "rae", "sam", "tess", "uma", "vic",
                 "wyn", "xan"]
    sources = {"lantern-street-fire": "fire-report"} | {
        f"{n}-resident": ("fire-report", "fire-follow-up")[k % 2]
        for k, n in enumerate(residents)}
    listed = sorted(sources)[:20]
    assert lines == [
        *(unverified(r, sources[r]) for r in listed),
        "<records>: warning quote-unverified ... and 5 more quotes published unverified, "
        "with empty quote_start/quote_end",
        *MISSING,
        "valid: 0 errors, 27 warnings (1 file, 27 records, 23 tables, 81 rows)",
        f"published {tmp_path / 'pkg'}",
    ]


def test_publish_json_counts_every_warning_and_says_what_was_omitted(tmp_path: Path) -> None:
    out = run_cli("publish", RECORDS, "--out", tmp_path / "pkg", "--format", "json", cwd=REPO)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (data["valid"], data["errors"], data["warnings"], len(data["issues"])) == (
        True, 0, 27, 22)
    assert data["omitted"] == [{
        "code": "quote-unverified", "severity": "warning", "count": 5,
        "message": "... and 5 more quotes published unverified, with empty "
                   "quote_start/quote_end"}]


def test_publish_github_annotates_the_omission_after_its_items(tmp_path: Path) -> None:
    out = run_cli("publish", RECORDS, "--out", tmp_path / "pkg", "--format", "github",
                  cwd=REPO)
    lines = out.stdout.splitlines()
    assert lines[20] == ("::warning title=quote-unverified::... and 5 more quotes published "
                         "unverified, with empty quote_start/quote_end")
    assert lines[-1] == "valid: 0 errors, 27 warnings (1 file, 27 records, 23 tables, 81 rows)"
    assert len(lines) == 24


@pytest.mark.parametrize(
    ("strict", "summary", "ok"),
    [
        (False, "valid: 0 errors, 3 warnings", True),
        (True, "invalid: 3 errors, 0 warnings", False),  # omitted warnings become errors too
    ],
)
def test_omitted_issues_count_and_follow_their_code(strict: bool, summary: str, ok: bool
                                                     ) -> None:
    report = Report(strict=strict)
    report.add(Code.QUOTE_UNVERIFIED, "b", file="z.yaml", line=1)
    report.add(Code.SNAPSHOT_MISSING, "a", file="a.yaml", line=1)
    report.omit(Code.QUOTE_UNVERIFIED, 1, "... and 1 more")
    report.omit(Code.QUOTE_UNVERIFIED, 0, "nothing omitted, nothing said")
    severity = Severity.ERROR if strict else Severity.WARNING
    assert (report.ok, report.error_count + report.warning_count) == (ok, 3)
    assert report.format_text().splitlines() == [
        f"a.yaml:1: {severity} snapshot-missing a",
        f"z.yaml:1: {severity} quote-unverified b",
        f"<records>: {severity} quote-unverified ... and 1 more",
        summary,
    ]


def test_an_omission_without_listed_items_of_its_code_comes_last_before_the_summary() -> None:
    report = Report()
    report.add(Code.SNAPSHOT_MISSING, "a", file="a.yaml", line=1)
    report.omit(Code.QUOTE_UNVERIFIED, 4, "... 4 quotes")
    assert report.format_text().splitlines()[1:] == [
        "<records>: warning quote-unverified ... 4 quotes", "valid: 0 errors, 5 warnings"]
