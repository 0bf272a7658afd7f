"""``opencase coverage``: sentence splitting, exact figures on a small fixture, marks
(``Source.uncited``) and their validation, the CLI, and the real dataset at 100%."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from opencase.validation.coverage import SentenceStatus, coverage, split_sentences
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


# ---------------------------------------------------------------- the fixture


def test_fixture_figures_and_exact_sentences() -> None:
    report = coverage(RECORDS, SNAPSHOTS)
    assert report.validation.ok, report.validation.format_text()
    assert [s.source for s in report.sources] == ["library-news"]  # okafor-remarks: no snapshot
    sc = report.source("library-news")
    assert (sc.total, sc.cited, sc.marked, sc.not_cited) == (9, 4, 1, 4)
    assert sc.share == pytest.approx(5 / 9)
    assert not sc.complete and not report.complete and not report.ok
    assert [(s.line, s.column, s.text) for s in sc.uncited_sentences()] == [
        (1, 1, "Library closes after flood"),
        (7, 43, "Readers can borrow e-books meanwhile!"),
        (7, 81, "Was the pipe old?"),
        (7, 99, "The council has not said."),
    ]
    (marked,) = sc.marked_sentences()
    assert (marked.line, marked.text, marked.mark) == (5, "Library closes after flood", 0)
    assert marked.reason == "The headline, repeated as a sub-heading."
    cited = [s.text for s in sc.sentences if s.status is SentenceStatus.CITED]
    assert cited == [
        "The town library closed on 3 March after a burst pipe flooded its basement.",
        "Dr. J. Okafor, the chief librarian, said 2,000 books were damaged.",
        "“We will reopen in May.”",  # cited via library-news by a secondary source
        "Volunteers dried the rare maps by hand...",
    ]
    text = (SNAPSHOTS / "library.txt").read_text(encoding="utf-8")
    assert all(text[s.start:s.end] == s.text for s in sc.sentences)
    assert len(sc.notes) == 2
    assert sc.notes[0].startswith("uncited[1] 'Readers can borrow' spans no whole sentence")
    assert sc.notes[1].startswith("uncited[2] ") and "is cited by a record now" in sc.notes[1]
    assert "55.5%" in report.summary()  # rounded down, never up to a false 100%


def test_complete_when_every_sentence_is_cited_or_marked(records: Path) -> None:
    edit(records / "library.yaml", "    uncited:\n", """    cite:
      - source: library-news
        quote: Library closes after flood
        suffix: The town library
        supports: [kind]
      - source: library-news
        quote: Readers can borrow e-books meanwhile! Was the pipe old?
        supports: [kind]
    uncited:
      - quote: The council has not said.
        reason: Says nothing.
""")
    report = coverage(records, SNAPSHOTS)
    assert report.validation.ok, report.validation.format_text()
    sc = report.source("library-news")
    assert (sc.total, sc.cited, sc.marked, sc.not_cited) == (9, 7, 2, 0)
    assert report.complete and report.ok and sc.share == 1.0
    assert "100.0%" in report.summary()
    assert [s.text for s in sc.marked_sentences()] == [
        "Library closes after flood", "The council has not said."]


def test_only_validated_quotes_count_and_invalid_records_are_not_ok(records: Path) -> None:
    edit(records / "library.yaml", "quote: Volunteers dried the rare maps",
         "quote: Volunteers dried the maps")
    report = coverage(records, SNAPSHOTS)
    assert not report.validation.ok
    assert [i.code for i in report.validation.errors] == ["quote-not-found"]
    sc = report.source("library-news")
    assert (sc.cited, sc.not_cited) == (3, 5)
    assert "the records are invalid" in report.format_text()


@pytest.mark.parametrize(
    ("quote", "code"),
    [
        ("eaders can borrow e-books meanwhile!", "quote-not-found"),  # starts inside a word
        ("Readers can borrow e-book", "quote-not-found"),  # ends inside a word
        ("he council has not said.", "quote-not-found"),  # starts inside a word
        ("!", "quote-meaningless"),  # occurs in the sentence, but proves nothing
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
    assert (sc.cited, sc.not_cited) == (4, 4)  # as without the citation


def test_a_missing_snapshot_makes_coverage_incomplete(records: Path) -> None:
    (records / "more.yaml").write_text(
        "sources:\n  - id: lost-article\n    kind: news-article\n    sha256: " + "0" * 64 + "\n",
        encoding="utf-8",
    )
    report = coverage(records, SNAPSHOTS)
    assert report.missing == ["lost-article"]
    assert not report.complete
    assert "'lost-article': no readable snapshot" in report.format_text()


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
    assert report.source("library-news").total == 9
    out = run(records, "--snapshots", folder)
    assert out.returncode == 1 and "'latin-article': no readable snapshot" in out.stdout


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


def test_cli_text_lists_uncited_sentences_and_exits_1() -> None:
    out = run(RECORDS, "--snapshots", SNAPSHOTS)
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("library-news: 55.5% of 9 sentences covered (4 cited, 1 marked "
                               "uncited, 4 not cited)")
    snap = os.path.join("tests", "fixtures", "coverage", "snapshots", "library.txt")
    assert f"  {snap}:7:81: not cited: Was the pipe old?" in lines
    assert f"  {snap}:5:1: marked uncited: Library closes after flood" in lines
    assert lines[-1] == ("coverage incomplete: 55.5% of 9 sentences in 1 source covered "
                         "(4 cited, 1 marked uncited, 4 not cited)")


def test_cli_json(records: Path) -> None:
    out = run(RECORDS, "--snapshots", SNAPSHOTS, "--format", "json")
    assert out.returncode == 1, out.stderr
    data = json.loads(out.stdout)
    assert (data["complete"], data["ok"], data["sentences"], data["cited"], data["marked"],
            data["not_cited"], data["share"]) == (False, False, 9, 4, 1, 4, 0.555556)
    (src,) = data["sources"]
    assert src["source"] == "library-news"
    assert [s["text"] for s in src["uncited_sentences"]] == [
        "Library closes after flood", "Readers can borrow e-books meanwhile!",
        "Was the pipe old?", "The council has not said."]
    assert src["uncited_sentences"][2] == {
        "line": 7, "column": 81, "start": 305, "end": 322, "text": "Was the pipe old?"}
    assert src["marked_sentences"] == [{
        "line": 5, "column": 1, "start": 197, "end": 223, "text": "Library closes after flood",
        "reason": "The headline, repeated as a sub-heading.", "mark": 0}]
    assert data["validation"] == {"valid": True, "errors": 0, "warnings": 0, "issues": []}


def test_cli_exit_0_when_complete_and_snapshots_from_environment(records: Path) -> None:
    edit(records / "library.yaml", "    uncited:\n", """    uncited:
      - quote: Library closes after flood
        suffix: The town library
        reason: headline
      - quote: Readers can borrow e-books meanwhile!
        reason: r
      - quote: Was the pipe old?
        reason: r
      - quote: The council has not said.
        reason: r
""")
    out = run(records, env={"OPENCASE_SNAPSHOTS": str(SNAPSHOTS)})
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines()[-1].startswith("coverage complete: 100.0% of 9 sentences")


def test_cli_usage_and_io_errors_exit_2(tmp_path: Path) -> None:
    no_snapshots = run(RECORDS)
    assert no_snapshots.returncode == 2
    assert "--snapshots DIR" in no_snapshots.stderr
    assert run(RECORDS, "--snapshots", tmp_path / "nope").returncode == 2
    assert run(tmp_path / "nope", "--snapshots", SNAPSHOTS).returncode == 2
    assert run(RECORDS, "--snapshots", SNAPSHOTS, "--format", "xml").returncode == 2
    helped = run("--help")
    assert helped.returncode == 0
    assert "opencase coverage records --snapshots" in helped.stdout


def test_cli_github_annotations() -> None:
    out = run(RECORDS, "--snapshots", SNAPSHOTS, "--format", "github")
    assert out.returncode == 1
    warnings = [ln for ln in out.stdout.splitlines() if ln.startswith("::warning")]
    assert len(warnings) == 4
    assert warnings[2] == ("::warning title=uncited-sentence::library-news line 7: no record "
                           "cites 'Was the pipe old?'")


# ---------------------------------------------------------------- the real dataset


@needs_shared
def test_the_dataset_covers_both_sources_completely() -> None:
    report = coverage(REPO / "records", SHARED)
    assert report.validation.ok, report.validation.format_text()
    assert report.ok and report.complete and not report.missing
    figures = {s.source: (s.total, s.cited, s.marked, s.not_cited) for s in report.sources}
    assert figures == {
        "iopc-decision-article": (22, 18, 4, 0),
        "inquests-commentary": (18, 18, 0, 0),
    }
    article = report.source("iopc-decision-article")
    assert [(s.line, s.text) for s in article.marked_sentences()] == [
        (9, "No charges for police over Stephen Port ‘failings’"),
        (21, "Grindr killer Stephen Port"),
        (23, "Grindr killer Stephen Port"),
        (29, "Police ‘unaccountable for institutionalised incompetence and prejudice’"),
    ]
    assert all(s.reason for s in article.marked_sentences())
    assert not article.notes


@needs_shared
def test_cli_on_the_dataset_exits_0() -> None:
    out = run("records", "--snapshots", SHARED, "--format", "json")
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr
    data = json.loads(out.stdout)
    assert (data["sentences"], data["share"], data["not_cited"]) == (40, 1.0, 0)


def test_opencase_coverage_stays_the_function_after_its_module_is_imported() -> None:
    import opencase
    import opencase.validation.coverage  # what the CLI does

    assert callable(opencase.coverage)
    assert opencase.coverage is opencase.validation.coverage.coverage
