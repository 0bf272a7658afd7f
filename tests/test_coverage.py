"""``opencase coverage``: letters covered by cited and marked passages, the uncovered passages
(cut at sentence ends), exact figures on a small fixture, marks (``Source.uncited``) and their
validation, the CLI with ``--min`` and its formats, and the real dataset's figures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from opencase.validation.coverage import _source_coverage, coverage, split_sentences
from opencase.validation.validate import validate

TESTS = Path(__file__).parent
HERE = TESTS / "fixtures" / "coverage"
RECORDS = HERE / "records"
SNAPSHOTS = HERE / "snapshots"
REPO = TESTS.parent
SHARED = REPO.parent / "shared" / "sources"

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared/sources (the real snapshots) is absent"
)


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "OPENCASE_SNAPSHOTS"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "opencase", "coverage", *map(str, args)],
        capture_output=True, text=True, cwd=REPO, env=full_env, timeout=120,
    )


def texts(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.fixture
def records(tmp_path: Path) -> Path:
    """A writable copy of the fixture records."""
    dest = tmp_path / "records"
    shutil.copytree(RECORDS, dest)
    return dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


# ---------------------------------------------------------------- splitting


def test_lines_are_blocks_and_sentences_end_at_terminal_punctuation() -> None:
    text = "A headline\n\nOne. Two! Three? “Four.” Five…\nSix"
    assert texts(text) == ["A headline", "One.", "Two!", "Three?", "“Four.”", "Five…", "Six"]


def test_abbreviations_initials_and_dotted_words_do_not_end_a_sentence() -> None:
    text = "Dr. J. Smith met Mr. Jones on Sept. 3 in the U.S. Office. Then it rained."
    assert texts(text) == ["Dr. J. Smith met Mr. Jones on Sept. 3 in the U.S. Office.",
                           "Then it rained."]


def test_lowercase_continuation_ellipsis_and_decimals() -> None:
    text = "He paused... then spoke. It cost 2.5 million. Wait... Really?"
    assert texts(text) == ["He paused... then spoke.", "It cost 2.5 million.", "Wait...",
                           "Really?"]


def test_spans_are_trimmed_and_blank_or_symbol_lines_skipped() -> None:
    text = "  Indented line.  \r\n\r\n* * *\r\n—\nLast\u00a0one. "
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["Indented line.", "Last\u00a0one."]
    assert spans[0] == (2, 16)


def test_no_final_newline_and_empty_text() -> None:
    assert texts("Only one") == ["Only one"]
    assert split_sentences("") == []
    assert split_sentences("\n\n") == []


# ---------------------------------------------------------------- counting letters


@pytest.mark.parametrize(
    ("text", "cites", "marks", "figures", "uncovered"),
    [
        # letters are str.isalnum characters: spaces and punctuation do not count
        ("Ab, cd! 12.", [], [], (6, 0, 0), ["Ab, cd", "12"]),
        ("Ab, cd! 12.", [(0, 2)], [], (6, 2, 0), ["cd", "12"]),
        # a quote of a few words covers those words, not its sentence
        ("One two three four.", [(4, 7)], [], (15, 3, 0), ["One", "three four"]),
        # overlapping and touching quotes are counted once
        ("One two three four.", [(0, 7), (4, 13), (13, 19)], [], (15, 15, 0), []),
        # letters both cited and marked count as cited
        ("One two three four.", [(0, 7)], [(4, 13, 0)], (15, 6, 5), ["four"]),
        # an uncovered run is cut at sentence ends and trimmed to its letters
        ("Yes. No! Maybe?\n\n“Quoted.”", [], [], (16, 0, 0),
         ["Yes", "No", "Maybe", "Quoted"]),
        ("Yes. No! Maybe?", [(5, 8)], [], (10, 2, 0), ["Yes", "Maybe"]),
        # other scripts count too; a text without letters is fully covered
        ("Ça coûte 5 €; 東京。", [], [], (10, 0, 0), ["Ça coûte 5 €; 東京"]),
        ("* * *\n— —", [], [], (0, 0, 0), []),
    ],
)
def test_letters_covered_by_cited_and_marked_spans(
    text: str, cites: list[tuple[int, int]], marks: list[tuple[int, int, int]],
    figures: tuple[int, int, int], uncovered: list[str],
) -> None:
    sc = _source_coverage("s", "0" * 64, text, "s.txt", cites, marks)
    assert (sc.letters, sc.covered_cited, sc.covered_marked) == figures
    assert [p.text for p in sc.uncovered] == uncovered
    assert all(text[p.start:p.end] == p.text for p in sc.uncovered)
    assert sc.share == (sum(figures[1:]) / figures[0] if figures[0] else 1.0)


def test_a_mark_every_letter_of_which_is_cited_is_noted() -> None:
    text = "One two three four."
    sc = _source_coverage("s", "0" * 64, text, "s.txt", [(0, 3), (4, 13)],
                          [(0, 7, 0), (8, 18, 1), (0, 3, 2)])
    assert sc.notes == [
        "uncited[0] 'One two' is cited by a record now; remove the mark",
        "uncited[2] 'One' is cited by a record now; remove the mark",
    ]  # uncited[1] still marks "four"
    assert (sc.covered_cited, sc.covered_marked) == (11, 4)


# ---------------------------------------------------------------- the fixture

FIXTURE_UNCOVERED = [
    (1, 1, "Library closes after flood"),  # the headline (the sub-heading is marked)
    (3, 1, "The town library"),  # the rest of the sentence is cited
    (3, 118, "2,000 books were damaged"),  # a quote of the first half covers only that half
    (7, 32, "by hand"),
    (7, 62, "e-books meanwhile"),  # "Readers can borrow" is marked
    (7, 81, "Was the pipe old"),
    (7, 99, "The council has not said"),
]


def test_fixture_figures_and_exact_passages() -> None:
    report = coverage(RECORDS, SNAPSHOTS)
    assert report.validation.ok, report.validation.format_text()
    assert [s.source for s in report.sources] == ["library-news"]  # okafor-remarks: no snapshot
    sc = report.source("library-news")
    assert (sc.letters, sc.covered_cited, sc.covered_marked) == (270, 120, 39)
    assert sc.share == pytest.approx(159 / 270)
    assert report.below == [sc] and not report.ok
    assert [(p.line, p.column, p.text) for p in sc.uncovered] == FIXTURE_UNCOVERED
    text = (SNAPSHOTS / "library.txt").read_text(encoding="utf-8")
    assert all(text[p.start:p.end] == p.text for p in sc.uncovered)
    assert sum(len(p.text) - _non_letters(p.text) for p in sc.uncovered) == 270 - 159
    assert sc.notes == ["uncited[2] 'closed on 3 March after a burst pipe flooded its "
                        "basement.' is cited by a record now; remove the mark"]
    assert "58.8%" in report.summary()  # rounded down, never up to a false 100%


def _non_letters(s: str) -> int:
    return sum(1 for c in s if not c.isalnum())


def test_complete_when_every_letter_is_cited_or_marked(records: Path) -> None:
    edit(records / "library.yaml", "    uncited:\n", """    cite:
      - source: library-news
        quote: Library closes after flood
        suffix: The town library
        supports: [kind]
      - source: library-news
        quote: The town library closed
        supports: [kind]
      - source: library-news
        quote: said 2,000 books were damaged.
        supports: [kind]
      - source: library-news
        quote: Volunteers dried the rare maps by hand... Readers can borrow e-books meanwhile!
        supports: [kind]
    uncited:
      - quote: Was the pipe old? The council has not said.
        reason: Says nothing.
""")
    report = coverage(records, SNAPSHOTS)
    assert report.validation.ok, report.validation.format_text()
    sc = report.source("library-news")
    assert (sc.letters, sc.covered_cited, sc.covered_marked, sc.uncovered) == (270, 214, 56, [])
    assert report.ok and sc.share == 1.0 and not report.below
    assert report.summary().startswith("coverage 100.0%, at least 100% in every source: 270 of "
                                       "270 letters covered")


def test_only_validated_quotes_count_and_invalid_records_are_not_ok(records: Path) -> None:
    edit(records / "library.yaml", "quote: Volunteers dried the rare maps",
         "quote: Volunteers dried the maps")
    report = coverage(records, SNAPSHOTS, minimum=0)
    assert not report.validation.ok and not report.ok
    assert [i.code for i in report.validation.errors] == ["quote-not-found"]
    sc = report.source("library-news")
    assert (sc.covered_cited, sc.covered_marked) == (120 - 26, 39)
    assert "the records are invalid (1 error)" in report.format_text()


@pytest.mark.parametrize(
    ("quote", "code"),
    [
        ("eaders can borrow e-books meanwhile!", "quote-not-found"),  # starts inside a word
        ("Readers can borrow e-book", "quote-not-found"),  # ends inside a word
        ("he council has not said.", "quote-not-found"),  # starts inside a word
        ("!", "quote-meaningless"),  # occurs in the text, but proves nothing
        ("?", "quote-meaningless"),
    ],
)
def test_a_quote_that_breaks_the_rules_covers_nothing(
    records: Path, quote: str, code: str
) -> None:
    edit(records / "library.yaml", "    uncited:\n", f"""    cite:
      - source: library-news
        quote: "{quote}"
        supports: [kind]
    uncited:
""")
    report = coverage(records, SNAPSHOTS)
    assert [i.code for i in report.validation.errors] == [code]
    sc = report.source("library-news")
    assert (sc.covered_cited, sc.covered_marked) == (120, 39)  # as without the citation


def test_a_missing_snapshot_makes_coverage_not_ok(records: Path) -> None:
    (records / "more.yaml").write_text(
        "sources:\n  - id: lost-article\n    kind: news-article\n    sha256: " + "0" * 64 + "\n",
        encoding="utf-8",
    )
    report = coverage(records, SNAPSHOTS, minimum=0)
    assert report.missing == ["lost-article"]
    assert not report.ok
    assert "'lost-article': no readable snapshot" in report.format_text()
    assert report.summary().endswith("; 1 source without a readable snapshot")


def test_an_unreadable_snapshot_is_reported_not_raised(records: Path, tmp_path: Path) -> None:
    import hashlib

    folder = tmp_path / "snaps"
    shutil.copytree(SNAPSHOTS, folder)
    bad = b"caf\xe9 latin-1 text\n"
    (folder / "bad.txt").write_bytes(bad)
    (records / "more.yaml").write_text(
        "sources:\n  - id: latin-article\n    kind: news-article\n    sha256: "
        + hashlib.sha256(bad).hexdigest() + "\n", encoding="utf-8")
    report = coverage(records, folder)
    assert report.missing == ["latin-article"]
    assert report.source("library-news").letters == 270
    out = run(records, "--snapshots", folder, "--min", "0")
    assert out.returncode == 1 and "'latin-article': no readable snapshot" in out.stdout


def test_the_minimum_is_a_percentage() -> None:
    with pytest.raises(ValueError, match="from 0 to 100, not 101"):
        coverage(RECORDS, SNAPSHOTS, minimum=101)


# ---------------------------------------------------------------- validating marks


def test_mark_quotes_are_checked_like_citation_quotes(records: Path) -> None:
    edit(records / "library.yaml", "      - quote: Readers can borrow\n",
         "      - quote: Readers may borrow\n")
    edit(records / "library.yaml", "        prefix: We will reopen in May.”\n", "")
    report = validate(records, SNAPSHOTS)
    got = sorted((i.code, i.field, i.line) for i in report.errors)
    assert got == [
        ("quote-ambiguous", "uncited[0].quote", 15),
        ("quote-not-found", "uncited[1].quote", 17),
    ]
    messages = " ".join(i.message for i in report.errors)
    assert "uncited[0]: 'Library closes after flood' occurs 2 times" in messages
    assert "uncited[1]: 'Readers may borrow' does not occur in the snapshot" in messages


def test_marks_need_a_source_with_its_own_snapshot(records: Path) -> None:
    edit(records / "library.yaml", "    author: j-okafor\n", """    author: j-okafor
    uncited:
      - quote: We will reopen in May.
        reason: no snapshot of its own
""")
    report = validate(records, SNAPSHOTS)
    assert [(i.code, i.record_id, i.field) for i in report.errors] == [
        ("uncited-without-snapshot", "okafor-remarks", "uncited")]


def test_a_mark_needs_a_reason(records: Path) -> None:
    edit(records / "library.yaml", "        reason: The headline, repeated as a sub-heading.\n",
         "")
    report = validate(records, SNAPSHOTS)
    assert [(i.code, i.field) for i in report.errors] == [("missing-key", "uncited[0].reason")]


# ---------------------------------------------------------------- the CLI

SNAP = os.path.join("tests", "fixtures", "coverage", "snapshots", "library.txt")


def test_cli_text_lists_uncovered_passages_and_exits_1() -> None:
    out = run(RECORDS, "--snapshots", SNAPSHOTS)
    assert out.returncode == 1, out.stderr
    assert out.stdout.splitlines() == [
        f"library-news: 159/270 letters covered, 58.8% (120 cited, 39 marked uncited) in {SNAP}",
        *(f"  {SNAP}:{line}:{col}: not covered: {text}" for line, col, text in FIXTURE_UNCOVERED),
        "  note: uncited[2] 'closed on 3 March after a burst pipe flooded its basement.' is "
        "cited by a record now; remove the mark",
        "source 'library-news': 58.8% of its letters covered, below the minimum 100%",
        "coverage 58.8%, below the minimum 100% in 1 of 1 source: 159 of 270 letters covered "
        "(120 cited, 39 marked uncited), 7 passages uncovered",
    ]


@pytest.mark.parametrize(
    ("minimum", "code", "summary"),
    [
        ("58.8", 0, "coverage 58.8%, at least 58.8% in every source"),
        ("58.9", 1, "coverage 58.8%, below the minimum 58.9% in 1 of 1 source"),
        ("0", 0, "coverage 58.8%, at least 0% in every source"),
        ("50%", 0, "coverage 58.8%, at least 50% in every source"),
        (None, 1, "coverage 58.8%, below the minimum 100% in 1 of 1 source"),
    ],
)
def test_cli_min_fails_under_it(minimum: str | None, code: int, summary: str) -> None:
    out = run(RECORDS, "--snapshots", SNAPSHOTS, *(["--min", minimum] if minimum else []))
    assert out.returncode == code, out.stdout + out.stderr
    assert out.stdout.splitlines()[-1].startswith(summary + ": 159 of 270 letters covered")
    below = [ln for ln in out.stdout.splitlines() if ln.startswith("source 'library-news'")]
    assert len(below) == code


@pytest.mark.parametrize("minimum", ["101", "-1", "ten", "nan"])
def test_cli_min_out_of_range_is_a_usage_error(minimum: str) -> None:
    out = run(RECORDS, "--snapshots", SNAPSHOTS, "--min", minimum)
    assert out.returncode == 2 and out.stdout == ""
    assert "--min" in out.stderr and "percentage" in out.stderr


def test_cli_json() -> None:
    out = run(RECORDS, "--snapshots", SNAPSHOTS, "--format", "json", "--min", "50")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {k: v for k, v in data.items() if k not in ("sources", "validation")} == {
        "ok": True, "minimum": 50.0, "letters": 270, "covered_cited": 120,
        "covered_marked": 39, "share": 0.588889, "below_minimum": [], "missing_snapshots": []}
    src = data["sources"]["library-news"]
    assert [(p["line"], p["column"], p["text"]) for p in src.pop("uncovered")] == \
        FIXTURE_UNCOVERED
    assert src == {
        "sha256": "c4ba395420fa6d6cf5eebf58495d118da144070b0847df9456cc4ae6915bfb53",
        "snapshot": SNAP, "letters": 270, "covered_cited": 120, "covered_marked": 39,
        "share": 0.588889,
        "notes": ["uncited[2] 'closed on 3 March after a burst pipe flooded its basement.' is "
                  "cited by a record now; remove the mark"]}
    assert list(data["sources"]) == ["library-news"]
    assert data["validation"] == {"valid": True, "errors": 0, "warnings": 0, "issues": []}


def test_cli_json_passage_offsets() -> None:
    out = run(RECORDS, "--snapshots", SNAPSHOTS, "--format", "json")
    assert out.returncode == 1
    (_, _, _, _, _, pipe, _) = json.loads(out.stdout)["sources"]["library-news"]["uncovered"]
    assert pipe == {"start": 305, "end": 321, "line": 7, "column": 81, "text": "Was the pipe old"}


def test_cli_exit_0_when_complete_and_snapshots_from_environment(records: Path) -> None:
    edit(records / "library.yaml", "    uncited:\n", """    uncited:
      - quote: Library closes after flood
        suffix: The town library
        reason: headline
      - quote: The town library
        reason: r
      - quote: 2,000 books were damaged.
        reason: r
      - quote: by hand... Readers can borrow e-books meanwhile! Was the pipe old? The council
        reason: r
      - quote: has not said.
        reason: r
""")
    out = run(records, env={"OPENCASE_SNAPSHOTS": str(SNAPSHOTS)})
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines()[-1] == (
        "coverage 100.0%, at least 100% in every source: 270 of 270 letters covered (120 cited, "
        "150 marked uncited), 0 passages uncovered")


def test_cli_usage_and_io_errors_exit_2(tmp_path: Path) -> None:
    no_snapshots = run(RECORDS)
    assert no_snapshots.returncode == 2
    assert "--snapshots DIR" in no_snapshots.stderr
    assert run(RECORDS, "--snapshots", tmp_path / "nope").returncode == 2
    assert run(tmp_path / "nope", "--snapshots", SNAPSHOTS).returncode == 2
    assert run(RECORDS, "--snapshots", SNAPSHOTS, "--format", "xml").returncode == 2
    helped = run("--help")
    assert helped.returncode == 0
    assert "opencase coverage records --snapshots snapshots --min 80" in helped.stdout


def test_cli_github_annotations() -> None:
    out = run(RECORDS, "--snapshots", SNAPSHOTS, "--format", "github")
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert len(lines) == 9
    assert lines[5] == ("::warning title=passage-uncovered::library-news line 7 column 81: no "
                        "record cites or marks 'Was the pipe old'")
    assert lines[7] == ("::error title=coverage-below-minimum::source 'library-news': 58.8%25 of "
                        "its letters covered, below the minimum 100%25")
    assert lines[8].startswith("coverage 58.8%, below the minimum 100%")


# ---------------------------------------------------------------- the real dataset


@needs_shared
def test_the_dataset_figures() -> None:
    report = coverage(REPO / "records", SHARED)
    assert report.validation.ok, report.validation.format_text()
    assert not report.missing
    figures = {s.source: (s.letters, s.covered_cited, s.covered_marked)
               for s in report.sources}
    assert figures == {
        "inquests-commentary": (2587, 2584, 0),
        "iopc-decision-article": (2342, 2189, 150),
    }
    assert {s.source: [(p.line, p.column, p.text) for p in s.uncovered]
            for s in report.sources} == {
        "inquests-commentary": [(6, 116, "and")],
        "iopc-decision-article": [(33, 1, "But")],
    }
    assert not any(s.notes for s in report.sources)


@needs_shared
def test_cli_on_the_dataset_with_a_minimum() -> None:
    out = run("records", "--snapshots", SHARED, "--format", "json", "--min", "99")
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr
    data = json.loads(out.stdout)
    assert (data["letters"], data["covered_cited"], data["covered_marked"], data["share"]) == (
        4929, 4773, 150, 0.998783)


def test_opencase_coverage_stays_the_function_after_its_module_is_imported() -> None:
    import opencase
    import opencase.validation.coverage  # what the CLI does

    assert callable(opencase.coverage)
    assert opencase.coverage is opencase.validation.coverage.coverage
