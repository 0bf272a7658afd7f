"""``opencase source add``: a source's text copied into the snapshots, its record appended to
records/sources.yaml as text (the file's comments kept), or the problems and nothing written.

The fixture (tests/fixtures/source_add) is a small valid dataset: a commented sources.yaml with
one source, a person and an organisation, the snapshot of the source, and texts to add."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

import opencase
from opencase.curating.sources import add_source
from opencase.reading.files import display_path

from .conftest import FIXTURES, run_cli

ARTICLE_SHA = hashlib.sha256((FIXTURES / "source_add/texts/article.txt").read_bytes()).hexdigest()
GAZETTE_SHA = hashlib.sha256((FIXTURES / "source_add/snapshots/gazette.txt").read_bytes()
                             ).hexdigest()


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A writable copy of the fixture dataset; commands run in it."""
    dest = tmp_path / "harbour"
    shutil.copytree(FIXTURES / "source_add", dest)
    return dest


def state(folder: Path) -> dict[str, bytes]:
    """Every file of the records and snapshots folders, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for sub in ("records", "snapshots") for p in sorted((folder / sub).rglob("*"))
            if p.is_file()}


def test_happy_path(dataset: Path) -> None:
    before = (dataset / "records/sources.yaml").read_bytes()
    result = run_cli("source", "add", "texts/article.txt", "--id", "pier-closure",
                     "--kind", "news-article", "--title", "Pier to close in June",
                     "--publisher", "harbour-council", "--author", "ada-lovell",
                     "--published", "2024-05", "--language", "en",
                     "--url", "https://example.org/pier?a=1#top", cwd=dataset)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        f"copied the text to snapshots/pier-closure.txt (sha256 {ARTICLE_SHA})",
        "added source 'pier-closure': appended to records/sources.yaml, line 14",
        'next: opencase find "a phrase of the text" --source pier-closure --snapshots '
        "snapshots --cite, and paste the cite: entry into a record",
    ]
    # the text copied byte for byte, named after the id
    copied = (dataset / "snapshots/pier-closure.txt").read_bytes()
    assert copied == (dataset / "texts/article.txt").read_bytes()
    assert hashlib.sha256(copied).hexdigest() == ARTICLE_SHA
    # the old file kept byte for byte, the record appended below it, values safely quoted
    after = (dataset / "records/sources.yaml").read_bytes()
    assert after.startswith(before)
    assert after[len(before):].decode().splitlines() == [
        "  - id: pier-closure",
        "    title: Pier to close in June",
        "    kind: news-article",
        "    publisher: harbour-council",
        "    author: ada-lovell",
        "    url: https://example.org/pier?a=1#top",
        "    published: 2024-05",
        "    language: en",
        f"    sha256: {ARTICLE_SHA}",
    ]
    valid = run_cli("validate", "records", "--snapshots", "snapshots", "--strict", cwd=dataset)
    assert valid.stdout.strip() == "valid: 0 errors, 0 warnings (2 files, 4 records)"
    assert valid.returncode == 0


def test_json_output(dataset: Path) -> None:
    result = run_cli("source", "add", "texts/article.txt", "--id", "pier-closure",
                     "--kind", "news-article", "--format", "json", cwd=dataset)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "added": True,
        "id": "pier-closure",
        "sha256": ARTICLE_SHA,
        "snapshot": "snapshots/pier-closure.txt",
        "copied": True,
        "sources_file": "records/sources.yaml",
        "created": False,
        "line": 14,
        "record": {"id": "pier-closure", "kind": "news-article", "sha256": ARTICLE_SHA},
        "issues": [],
    }


GAZETTE_AT = "records/sources.yaml:8:5"


@pytest.mark.parametrize(("args", "expected"), [
    pytest.param(
        ["texts/article.txt", "--id", "ada-lovell", "--kind", "report"],
        ["--id: error duplicate-id id 'ada-lovell' is already the id of the person at "
         "records/people.yaml:2:5; choose another id"],
        id="duplicate-id"),
    pytest.param(
        ["texts/gazette-copy.txt", "--id", "gazette-again", "--kind", "report"],
        [f"texts/gazette-copy.txt: error duplicate-snapshot this text (sha256 {GAZETTE_SHA}) "
         f"is already the snapshot of source 'harbour-gazette' at {GAZETTE_AT}; cite that "
         "source instead"],
        id="already-registered"),
    pytest.param(
        ["texts/latin1.txt", "--id", "cafe", "--kind", "report"],
        ["texts/latin1.txt:2:4: error encoding byte 0xe9 at byte offset 15 is not UTF-8; save "
         "the text as UTF-8 and add it again"],
        id="not-utf-8"),
    pytest.param(
        ["texts/empty.txt", "--id", "nothing", "--kind", "report"],
        ["texts/empty.txt: error snapshot-empty the text is empty: there is nothing to quote; "
         "give the file that holds the source's text"],
        id="empty"),
    pytest.param(
        ["texts/blank.txt", "--id", "nothing", "--kind", "report"],
        ["texts/blank.txt: error snapshot-empty the text is only white space: there is nothing "
         "to quote; give the file that holds the source's text"],
        id="white-space"),
    pytest.param(
        ["texts/no-letters.txt", "--id", "nothing", "--kind", "report"],
        ["texts/no-letters.txt: error snapshot-empty the text is without a letter or digit: "
         "there is nothing to quote; give the file that holds the source's text"],
        id="no-letters"),
    pytest.param(
        ["texts/article.txt", "--id", "pier", "--kind", "news"],
        ["--kind: error not-in-vocabulary kind: 'news' is not allowed; use one of "
         "'news-article', 'blog-post', 'official-statement', 'press-release', 'report', "
         "'court-judgment', 'case-note', 'inquest-conclusion', 'transcript', 'interview', "
         "'broadcast', 'court-record' or 'other'"],
        id="bad-kind"),
    pytest.param(
        ["texts/article.txt", "--id", "pier", "--kind", "report", "--published", "2024-13"],
        ["--published: error invalid-date published: '2024-13': month 13 does not exist "
         "(01 to 12)"],
        id="bad-published"),
    pytest.param(
        ["texts/article.txt", "--id", "Pier_1", "--kind", "report"],
        ["--id: error invalid-id id: 'Pier_1' is not a valid id; use lowercase letters, digits "
         "and single hyphens, e.g. 'stephen-port'"],
        id="bad-id"),
    pytest.param(
        ["texts/article.txt", "--id", "pier", "--kind", "report", "--publisher", "harbour",
         "--author", "harbour-council"],
        ["--author: error wrong-reference-kind author: 'harbour-council' is the id of the "
         "organisation at records/people.yaml:8:5, not of a person",
         "--publisher: error unknown-reference publisher: no record has the id 'harbour'; give "
         "the id of an existing organisation, or add that record first"],
        id="references"),
    pytest.param(
        ["texts/article.txt", "--id", "pier", "--kind", "report", "--title", "=HYPERLINK(1)"],
        ["--title: error spreadsheet-formula title: '=HYPERLINK(1)' starts with '=' and would "
         "run as a formula when the CSV is opened in a spreadsheet"],
        id="formula"),
])
def test_refused_with_located_issues(dataset: Path, args: list[str],
                                     expected: list[str]) -> None:
    before = state(dataset)
    result = run_cli("source", "add", *args, cwd=dataset)
    assert result.returncode == 1, result.stderr
    n = len(expected)
    assert result.stdout.splitlines() == [
        *expected, f"not added: {n} problem{'s' * (n != 1)}; nothing was written"]
    assert state(dataset) == before


def test_every_problem_in_one_run(dataset: Path) -> None:
    result = run_cli("source", "add", "texts/gazette-copy.txt", "--id", "ada-lovell", "--kind",
                     "news", "--published", "2024-13", cwd=dataset)
    assert result.returncode == 1
    codes = [line.split(" ")[2] for line in result.stdout.splitlines()[:-1]]
    assert codes == ["duplicate-id", "not-in-vocabulary", "invalid-date", "duplicate-snapshot"]


@pytest.mark.parametrize(("args", "message"), [
    (["texts/article.txt", "--id", "pier", "--kind", "report", "--records", "nope"],
     "opencase source add: error: records folder not found: nope (run `opencase init` to "
     "start a dataset)"),
    (["texts/article.txt", "--id", "pier", "--kind", "report", "--snapshots", "nope"],
     "opencase source add: error: snapshot folder not found: nope"),
    (["texts/missing.txt", "--id", "pier", "--kind", "report"],
     "opencase source add: error: no such file: texts/missing.txt"),
    (["texts", "--id", "pier", "--kind", "report"],
     "opencase source add: error: texts is a folder; give the text as a regular file"),
])
def test_missing_input_is_a_usage_error(dataset: Path, args: list[str], message: str) -> None:
    before = state(dataset)
    result = run_cli("source", "add", *args, cwd=dataset)
    assert (result.returncode, result.stdout, result.stderr.strip()) == (2, "", message)
    assert state(dataset) == before


def test_source_without_subverb_shows_its_help() -> None:
    result = run_cli("source")
    assert result.returncode == 2
    assert result.stdout.startswith("usage: opencase source [-h] SUBVERB ...")
    assert "add       register a source" in result.stdout


def test_snapshot_name_taken(dataset: Path) -> None:
    (dataset / "snapshots/pier.txt").write_text("Another text.\n", encoding="utf-8")
    before = state(dataset)
    result = run_cli("source", "add", "texts/article.txt", "--id", "pier", "--kind", "report",
                     cwd=dataset)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        "snapshots/pier.txt: error snapshot-name-taken snapshots/pier.txt is already there, "
        "with other bytes; choose another --id, or move that file away")
    assert state(dataset) == before


def test_text_already_in_the_snapshots_is_not_copied(dataset: Path) -> None:
    shutil.copy(dataset / "texts/article.txt", dataset / "snapshots/downloaded.txt")
    added = add_source(dataset / "snapshots/downloaded.txt", "pier", kind="report",
                       records=dataset / "records", snapshots=dataset / "snapshots")
    assert added.ok and not added.copied
    assert added.snapshot == dataset / "snapshots/downloaded.txt"
    assert sorted(p.name for p in (dataset / "snapshots").iterdir()) == [
        "downloaded.txt", "gazette.txt"]


# ---- the sources file's layout: appended as text, every other byte kept

ITEM = ["  - id: pier", "    kind: report", f"    sha256: {ARTICLE_SHA}"]


@pytest.mark.parametrize(("old", "new"), [
    pytest.param(None, ["sources:", *ITEM], id="no-sources-file"),
    pytest.param("# only a comment, no newline at the end",
                 ["# only a comment, no newline at the end", "sources:", *ITEM],
                 id="no-sources-key"),
    pytest.param("sources:\n", ["sources:", *ITEM], id="empty-list"),
    pytest.param(
        "sources:\n- id: a\n  kind: report\n  sha256: " + GAZETTE_SHA + "\n\n\n",
        ["sources:", "- id: a", "  kind: report", f"  sha256: {GAZETTE_SHA}",
         "- id: pier", "  kind: report", f"  sha256: {ARTICLE_SHA}", "", ""],
        id="items-at-column-1-blank-lines-kept-after"),
    pytest.param(
        "sources:\n  - id: a\n    kind: report\n    sha256: " + GAZETTE_SHA + "\n\n"
        "# the people\npeople:\n  - id: b\n    name: B\n    cite:\n      - source: a\n"
        "        quote: Ada Lovell wrote\n",
        ["sources:", "  - id: a", "    kind: report", f"    sha256: {GAZETTE_SHA}", *ITEM, "",
         "# the people", "people:", "  - id: b", "    name: B", "    cite:",
         "      - source: a", "        quote: Ada Lovell wrote"],
        id="before-the-next-kind-and-its-comment"),
])
def test_layouts(dataset: Path, old: str | None, new: list[str]) -> None:
    records = dataset / "records"
    (records / "sources.yaml").unlink()
    (records / "people.yaml").unlink()
    if old is not None:
        (records / "sources.yaml").write_text(old, encoding="utf-8")
    (dataset / "snapshots/gazette.txt").unlink()
    added = add_source(dataset / "texts/article.txt", "pier", kind="report", records=records,
                       snapshots=dataset / "snapshots")
    assert added.ok, added.message()
    assert added.created is (old is None)
    assert (records / "sources.yaml").read_text(encoding="utf-8").split("\n")[:-1] == new


def test_crlf_file_with_bom_gets_crlf_lines_and_keeps_its_bom(dataset: Path) -> None:
    path = dataset / "records/sources.yaml"
    old = b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(old)
    added = add_source(dataset / "texts/article.txt", "pier", kind="report",
                       records=dataset / "records", snapshots=dataset / "snapshots")
    assert added.ok, added.message()
    assert path.read_bytes() == old + ("\r\n".join(ITEM) + "\r\n").encode()


def test_flow_list_is_not_appended_to(dataset: Path) -> None:
    path = dataset / "records/sources.yaml"
    path.write_text("sources: []\n", encoding="utf-8")
    added = add_source(dataset / "texts/article.txt", "pier", kind="report",
                       records=dataset / "records", snapshots=dataset / "snapshots")
    (issue,) = added.report.issues
    assert issue.code == "sources-not-appendable"
    assert issue.file == display_path(path)
    assert issue.message == (
        "cannot append the record as text: its `sources:` is written on one line ('[]'), not "
        "as a block list; add it under `sources:` by hand:\n" + "\n".join(ITEM))
    assert path.read_text(encoding="utf-8") == "sources: []\n"
    assert not (dataset / "snapshots/pier.txt").exists()


def test_extension_source_kind_is_accepted(dataset: Path) -> None:
    (dataset / "package.yaml").write_text(
        "name: harbour\ntitle: Harbour\nversion: 1.0.0\nmodel: 2\nextensions:\n"
        "  vocabularies:\n    sources.kind:\n      - value: leaflet\n"
        "        definition: A printed leaflet.\n", encoding="utf-8")
    added = add_source(dataset / "texts/article.txt", "pier", kind="leaflet",
                       records=dataset / "records", snapshots=dataset / "snapshots")
    assert added.ok, added.message()


def test_public_name() -> None:
    assert opencase.add_source is add_source and "add_source" in opencase.__all__
