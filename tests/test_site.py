"""``opencase site``: the static website of a package.

Every page is parsed (``html.parser``) and checked: internal links resolve to a file and an
id, no resource is loaded from the network, every highlighted passage is its quote, hostile
record text stays text, and two builds are byte-identical. Built from the bundled dataset
(with the real snapshots), from the example dataset and from a small hostile fixture."""

from __future__ import annotations

import json
import re
import shutil
import urllib.parse
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest

import opencase
from opencase import build_site, publish

from .conftest import FIXTURES, REPO, SHARED_SOURCES, needs_shared, run_cli

HOSTILE = FIXTURES / "site" / "hostile"
VELL = REPO / "examples" / "fictional-vell-case"
VOID = {"meta", "link", "br", "img", "input", "hr", "wbr", "source", "area", "base", "col",
        "embed", "param", "track", "path", "rect", "line", "stop"}


class Page(HTMLParser):
    """What the checks need of one page: ids, links and resources, the text of every element
    of each marked passage (by ``data-p``), the elements' tags and attributes, and scripts."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.passage_text: dict[str, str] = defaultdict(str)
        self.anchor_passage: dict[str, str] = {}  # id -> data-p
        self.anchor_text: dict[str, str] = defaultdict(str)
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._open: list[tuple[str, str | None, str | None]] = []  # (tag, data-p, id)
        self._script: dict[str, str | None] | None = None
        self._script_text = ""
        self.text_parts: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("id"):
            self.ids.add(str(a["id"]))
        for attr in ("href", "src", "xlink:href", "action", "poster", "data"):
            if a.get(attr) is not None:
                self.links.append((tag, attr, str(a[attr])))
        if tag == "script":
            self._script, self._script_text = a, ""
        if tag not in VOID:
            self._open.append((tag, a.get("data-p"), a.get("id")))
            if a.get("id") and a.get("data-p") is not None:
                self.anchor_passage[str(a["id"])] = str(a["data-p"])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, self._script_text))
            self._script = None
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text += data
            return
        self.text_parts.append(data)
        for _, p, ident in self._open:
            if p is not None:
                self.passage_text[p] += data
            if ident is not None:
                self.anchor_text[ident] += data


_PARSED: dict[Path, dict[Path, Page]] = {}


def pages(site: Path) -> dict[Path, Page]:
    """Every page of a site, parsed (once per site: the module's sites are not changed)."""
    if site not in _PARSED:
        _PARSED[site] = {p: Page(p.read_text(encoding="utf-8"))
                         for p in sorted(site.rglob("*.html"))}
    return _PARSED[site]


def is_remote(url: str) -> bool:
    return urllib.parse.urlsplit(url).scheme != "" or url.startswith("//")


@pytest.fixture(scope="module")
def stephen_port(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled dataset, published from records/ (so that the site shows the records as
    they are, whether or not the committed datapackage/ has been regenerated)."""
    if not SHARED_SOURCES.is_dir():
        pytest.skip("../shared/sources (the real snapshots) is absent")
    out = tmp_path_factory.mktemp("stephen-port") / "datapackage"
    report = publish(REPO / "records", out, snapshots=SHARED_SOURCES,
                     config=REPO / "package.yaml")
    assert report.ok, report.format("text")
    return out


@pytest.fixture(scope="module")
def bundled_site(tmp_path_factory: pytest.TempPathFactory, stephen_port: Path) -> Path:
    out = tmp_path_factory.mktemp("bundled") / "site"
    build_site(stephen_port, out, snapshots=SHARED_SOURCES)
    return out


@pytest.fixture(scope="module")
def hostile_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile") / "datapackage"
    report = publish(HOSTILE / "records", out, snapshots=HOSTILE / "snapshots",
                     config=HOSTILE / "package.yaml")
    assert report.ok, report.format("text")
    return out


@pytest.fixture(scope="module")
def hostile_site(hostile_package: Path) -> Path:
    out = hostile_package.parent / "site"
    build_site(hostile_package, out, snapshots=HOSTILE / "snapshots")
    return out


@pytest.fixture(scope="module")
def vell_sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The example dataset published, and its site with and without the snapshots."""
    root = tmp_path_factory.mktemp("vell")
    report = publish(VELL / "records", root / "datapackage", snapshots=VELL / "snapshots",
                     config=VELL / "package.yaml")
    assert report.ok, report.format("text")
    build_site(root / "datapackage", root / "site", snapshots=VELL / "snapshots")
    build_site(root / "datapackage", root / "site-without-text")
    return root / "site", root / "site-without-text"


def all_sites(request: pytest.FixtureRequest, which: str) -> Path:
    if which == "bundled":
        return request.getfixturevalue("bundled_site")  # type: ignore[no-any-return]
    if which == "hostile":
        return request.getfixturevalue("hostile_site")  # type: ignore[no-any-return]
    with_text, without = request.getfixturevalue("vell_sites")
    return with_text if which == "vell" else without  # type: ignore[no-any-return]


SITES = ["bundled", "hostile", "vell", "vell-without-text"]


# ---------------------------------------------------------------- links and resources


@pytest.mark.parametrize("which", SITES)
def test_every_internal_link_resolves_to_a_file_and_an_id(
        request: pytest.FixtureRequest, which: str) -> None:
    site = all_sites(request, which)
    parsed = pages(site)
    broken = []
    checked = 0
    for path, page in parsed.items():
        for tag, attr, url in page.links:
            if is_remote(url):
                continue
            target, _, fragment = url.partition("#")
            dest = (path.parent / urllib.parse.unquote(target)).resolve() if target else path
            checked += 1
            if site.resolve() not in dest.parents or not dest.is_file():
                broken.append(f"{path.relative_to(site)}: <{tag} {attr}={url!r}> (no file)")
            elif (fragment and dest.suffix == ".html"
                  and urllib.parse.unquote(fragment) not in parsed[dest].ids):
                broken.append(f"{path.relative_to(site)}: <{tag} {attr}={url!r}> (no id)")
    assert broken == []
    assert checked > 50


@pytest.mark.parametrize("which", SITES)
def test_no_page_loads_anything_from_the_network(
        request: pytest.FixtureRequest, which: str) -> None:
    """Remote URLs appear only as plain outbound links (``<a href>``), never as resources."""
    site = all_sites(request, which)
    loaded = [(p.name, tag, attr, url) for p, page in pages(site).items()
              for tag, attr, url in page.links if is_remote(url) and tag != "a"]
    assert loaded == []
    css = (site / "style.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css


def test_every_record_has_a_page(bundled_site: Path, stephen_port: Path) -> None:
    entities = opencase.load(stephen_port).table("entities").to_pylist()
    missing = [e["id"] for e in entities
               if not (bundled_site / e["kind"] / f"{e['id']}.html").is_file()]
    assert missing == []
    assert len(entities) == 91


# ---------------------------------------------------------------- highlighted passages


def passages_are_quotes(site: Path, package: Path, snapshots: Path) -> int:
    """Every citation with offsets: the passage its id marks on its source's page (all the
    elements of that passage, joined) is exactly ``text[quote_start:quote_end]``. Returns how
    many were checked."""
    from opencase.site.model import citation_anchor
    from opencase.validation.quotes import SnapshotIndex

    index = SnapshotIndex(snapshots)
    parsed = pages(site)
    checked = 0
    for c in opencase.load(package).table("citations").to_pylist():
        if c["quote_start"] is None:
            continue
        page = parsed[site / "sources" / f"{c['via_source_id'] or c['source_id']}.html"]
        snap = index.get(c["source_sha256"])
        assert snap is not None
        anchor = citation_anchor(c["citation_id"])
        expected = snap.text[c["quote_start"]:c["quote_end"]]
        assert page.passage_text[page.anchor_passage[anchor]] == expected, anchor
        checked += 1
    return checked


def test_each_highlighted_passage_is_its_quote(bundled_site: Path, stephen_port: Path) -> None:
    assert passages_are_quotes(bundled_site, stephen_port, SHARED_SOURCES) == 327


def test_each_highlighted_passage_is_its_quote_in_the_example(
        vell_sites: tuple[Path, Path]) -> None:
    site = vell_sites[0]
    assert passages_are_quotes(site, site.parent / "datapackage", VELL / "snapshots") > 100


def test_crossing_passages_are_split_and_each_joins_to_its_quote(
        hostile_site: Path, hostile_package: Path) -> None:
    """The mayor's description quote starts inside the quote of his name and ends inside the
    event's quote: its text is split over several elements, the first holding its id."""
    assert passages_are_quotes(hostile_site, hostile_package, HOSTILE / "snapshots") == 6
    page = pages(hostile_site)[hostile_site / "sources" / "page.html"]
    cid = opencase.load(hostile_package).citations("the-mayor", "description")[0]["citation_id"]
    from opencase.site.model import citation_anchor

    anchor = citation_anchor(cid)
    pieces = [a for tag, a in page.tags if a.get("data-p") == page.anchor_passage[anchor]]
    assert len(pieces) == 2
    assert [a.get("id") for a in pieces] == [anchor, None]
    assert page.anchor_text[anchor] == "alert(1)</script> opened"  # the first piece only


def test_a_citation_link_goes_to_its_highlighted_passage(bundled_site: Path,
                                                         stephen_port: Path) -> None:
    page = pages(bundled_site)[bundled_site / "people" / "anthony-walgate.html"]
    links = [url for tag, attr, url in page.links
             if url.startswith("../sources/inquests-commentary.html#c-")]
    # reported_age, cited from the Guardian's report as quoted in the commentary
    (cid,) = [c["citation_id"] for c in opencase.load(stephen_port).citations(
        "anthony-walgate") if c["field"] == "reported_age"]
    anchor = "c-" + cid.replace("#", "-")
    assert f"../sources/inquests-commentary.html#{anchor}" in links
    source = pages(bundled_site)[bundled_site / "sources" / "inquests-commentary.html"]
    assert source.passage_text[source.anchor_passage[anchor]] == "Anthony Walgate, 23"
    assert all(url.partition("#")[2] in source.ids for url in links)


def test_uncited_marks_and_uncovered_text_are_shown(bundled_site: Path) -> None:
    page = pages(bundled_site)[bundled_site / "sources" / "iopc-decision-article.html"]
    marked = [a for tag, a in page.tags if tag == "mark" and "uncited" in (a.get("class") or "")
              and a.get("id")]
    assert [a["id"] for a in marked] == ["u-0", "u-1", "u-2", "u-3"]
    assert page.anchor_text["u-3"] == (
        "Police ‘unaccountable for institutionalised incompetence and prejudice’")
    assert marked[0]["title"].startswith("not cited: A sub-heading that repeats the headline")


def test_without_snapshots_the_source_page_lists_the_quotes(
        vell_sites: tuple[Path, Path]) -> None:
    site = vell_sites[1]
    page = pages(site)[site / "sources" / "wpca-press-release.html"]
    assert not any(a.get("class") == "snapshot" for _, a in page.tags)
    quotes = [a["id"] for tag, a in page.tags if tag == "mark" and a.get("id")]
    assert len(quotes) > 10
    assert all(page.anchor_text[q] for q in quotes)


# ---------------------------------------------------------------- escaping


def test_hostile_record_text_is_shown_as_text(hostile_site: Path) -> None:
    parsed = pages(hostile_site)
    for path, page in parsed.items():
        tags = {tag for tag, _ in page.tags}
        assert "img" not in tags and "b" not in tags, path
        assert not [a for _, a in page.tags if any(k.startswith("on") for k in a)], path
        for attrs, body in page.scripts:
            assert attrs.get("type") == "application/ld+json" or attrs.get("src") in (
                "filter.js", "../filter.js"), path
            assert "<" not in body
    mayor = parsed[hostile_site / "people" / "the-mayor.html"]
    text = "".join(mayor.text_parts)
    assert "Mayor <script>alert(1)</script>" in text
    assert '"><img src=x onerror=alert(2)>' in text
    # a correction's values, reason and note are text too
    assert '<b>Mayor</b> "><img src=x onerror=alert(4)>' in text
    assert "An earlier version wrote </dd><script>alert(5)</script> instead." in text
    assert 'Note: <a href="javascript:alert(6)">see</a>' in text
    assert not [url for _, _, url in mayor.links if url.startswith("javascript:")]
    source = parsed[hostile_site / "sources" / "page.html"]
    assert 'the bridge is safe & sound </script><!--' in "".join(source.text_parts)


def test_json_ld_is_a_schema_org_dataset(hostile_site: Path) -> None:
    (_, body), = pages(hostile_site)[hostile_site / "index.html"].scripts
    ld = json.loads(body)
    assert (ld["@context"], ld["@type"]) == ("https://schema.org", "Dataset")
    assert ld["name"] == 'Hostile <script>alert("title")</script> case'
    assert ld["description"] == 'A test fixture. </script><script>alert("description")</script>'
    assert ld["version"] == "0.1.0"
    overview = pages(hostile_site)[hostile_site / "index.html"]
    assert "<b>Bold</b> pagenews-article82.5% (1 passage uncovered)" in "".join(
        overview.text_parts)
    assert ld["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert "data/hostile-markup-0.1.0.zip" in [d["contentUrl"] for d in ld["distribution"]]


# ---------------------------------------------------------------- pages


def test_overview(bundled_site: Path, stephen_port: Path) -> None:
    page = pages(bundled_site)[bundled_site / "index.html"]
    text = " ".join("".join(page.text_parts).split())
    assert "The Stephen Port case and the IOPC investigation of the Metropolitan Police" in text
    assert "Version 2.0.0" in text
    assert ("opencase contributors. The Stephen Port case and the IOPC investigation of the "
            "Metropolitan Police, version 2.0.0. urn:uuid:") in text
    assert "Records per kind KindRecords Cases1 Sources5 People7 Organisations4" in text
    assert re.search("Police won’t face misconduct charges over failings in Stephen Port case"
                     r"news-article(100\.0%|\d\d\.\d% \(\d+ passages? uncovered\))", text)
    hrefs = [url for _, attr, url in page.links if url.startswith("data/")]
    assert "data/csv/people.csv" in hrefs and "data/parquet/people.parquet" in hrefs
    assert "data/stephen-port-case-2.0.0.zip" in hrefs
    assert (bundled_site / "data" / "csv" / "people.csv").read_bytes() == (
        stephen_port / "csv" / "people.csv").read_bytes()


def test_the_downloaded_zip_is_the_package(bundled_site: Path, tmp_path: Path,
                                           stephen_port: Path) -> None:
    shutil.copy(bundled_site / "data" / "stephen-port-case-2.0.0.zip", tmp_path / "p.zip")
    pkg = opencase.load(tmp_path / "p.zip")
    assert pkg.table("people").equals(opencase.load(stephen_port).table("people"))


def test_a_record_page(bundled_site: Path) -> None:
    page = pages(bundled_site)[bundled_site / "sources" / "iopc-decision-article.html"]
    text = " ".join("".join(page.text_parts).split())
    assert "Publisher not stated in the sources (Not stated in the text.)" in text
    walgate = pages(bundled_site)[bundled_site / "people" / "anthony-walgate.html"]
    text = " ".join("".join(walgate.text_parts).split())
    assert "Reported age 23" in text
    assert "Anthony Walgate, 23 — The Guardian's report of July 2019" in text
    assert ", as quoted in First-person commentary written while the inquests" in text
    assert "Records that refer to this one" in text


def test_statements_are_attributed_words(bundled_site: Path, stephen_port: Path) -> None:
    parsed = pages(bundled_site)
    statements = opencase.load(stephen_port).table("statements").to_pylist()
    for s in statements:
        page = parsed[bundled_site / "statements" / f"{s['id']}.html"]
        text = " ".join("".join(page.text_parts).split())
        assert "Words attributed to " in text
        assert " said, as the sources report it: " in text
        assert "not established facts" in text


def test_name_variants_and_reported_values(vell_sites: tuple[Path, Path]) -> None:
    site = vell_sites[0]
    pkg = opencase.load(site.parent / "datapackage")
    rv_id = pkg.table("reported_values").to_pylist()[0]["record_id"]
    rv = [r for r in pkg.table("reported_values").to_pylist() if r["record_id"] == rv_id]
    page = pages(site)[site / pkg.table("entities").to_pandas().set_index("id")
                       .loc[rv_id, "kind"] / f"{rv_id}.html"]
    text = " ".join("".join(page.text_parts).split())
    assert "What each source reports" in text
    for r in rv:
        assert r["value"] in text
    assert text.count(" preferred") >= 1
    quell = pages(site)[site / "people" / "dorian-quell.html"]
    text = " ".join("".join(quell.text_parts).split())
    assert "Other names in the sources Sergeant Quell (short-name)" in text
    assert "Collar number 4471" in text  # a field the dataset adds


def _text(page: Page) -> str:
    return " ".join("".join(page.text_parts).split())


def test_corrections_are_listed_like_every_kind(bundled_site: Path,
                                                stephen_port: Path) -> None:
    corrections = opencase.load(stephen_port).table("corrections").to_pylist()
    assert len(corrections) == 24
    listing = pages(bundled_site)[bundled_site / "corrections" / "index.html"]
    hrefs = [url for tag, _, url in listing.links if tag == "a"]
    for c in corrections:
        assert f"{c['id']}.html" in hrefs, c["id"]
    text = _text(listing)
    assert "24 records, in the order the curators give" in text
    # a corrected record is linked; a removed one is named by its former id
    assert "../organisations/bbc.html" in hrefs
    assert "families-of-victims-family-of-jack-taylor (removed)" in text
    nav = pages(bundled_site)[bundled_site / "index.html"]
    assert "Corrections24" in _text(nav).replace(" ", "")


def test_a_corrected_record_shows_what_was_what_is_why_and_the_evidence(
        bundled_site: Path) -> None:
    bbc = pages(bundled_site)[bundled_site / "organisations" / "bbc.html"]
    text = _text(bbc)
    assert "This record was corrected: see Corrections." in text
    assert "Type corrected in 2.0.0" in text  # beside the value
    assert ("Corrections Values of this record that an earlier version of the dataset "
            "published differently, and why they changed. Type, corrected in version 2.0.0 "
            "What was news-organisation What is other Why 1.0.0 typed the BBC a news "
            "organisation; the texts say only that John Pape told the BBC of his reaction, "
            "not what the BBC is, so its type is other. Justification John Pape told the BBC "
            "— Police won’t face misconduct charges") in text
    assert "Note: The only passages that name the BBC say that Pape told it something." in text
    assert "corr-bbc-type" in bbc.ids
    # the mark beside the value links to the correction, whose citation opens its passage
    links = [url for tag, _, url in bbc.links if tag == "a"]
    assert "#corr-bbc-type" in links and "../corrections/bbc-type.html" in links
    assert any(u.startswith("../sources/iopc-decision-article.html#c-bbc-type-") for u in links)
    # a list field (the event's participants) and a value now removed (no part_of)
    event = _text(pages(bundled_site)[bundled_site / "events" / "pape-told-bbc.html"])
    assert "Participants corrected in 2.0.0" in event
    assert "What was john-pape (speaker), bbc (reporter) What is john-pape (speaker), bbc " \
        "(recipient)" in event
    group = _text(pages(bundled_site)[bundled_site / "groups" / "officers-below-standard.html"])
    assert "Part of, corrected in version 2.0.0 What was officers-investigated What is no " \
        "value (removed)" in group
    # a record nothing corrected has no such section
    pape = pages(bundled_site)[bundled_site / "people" / "john-pape.html"]
    assert "h-corrections" not in pape.ids and "was corrected" not in _text(pape)


def test_the_correction_page_links_the_record_it_corrects(bundled_site: Path) -> None:
    page = pages(bundled_site)[bundled_site / "corrections" / "pape-told-bbc-type.html"]
    text = _text(page)
    assert "Old value interview" in text and "New value statement" in text
    assert "../events/pape-told-bbc.html" in [url for _, _, url in page.links]
    removal = _text(pages(bundled_site)[bundled_site / "corrections" /
                                        "family-of-jack-taylor-removed.html"])
    assert "Record families-of-victims-family-of-jack-taylor" in removal
    assert "Old value" not in removal and "New value" not in removal


def test_a_correction_justified_by_its_note_alone(vell_sites: tuple[Path, Path]) -> None:
    site = vell_sites[0]
    casimir = _text(pages(site)[site / "people" / "casimir-vell.html"])
    assert ("Name, corrected in version 1.0.0 (2023-11) What was Kasimir Vell What is "
            "Casimir Vell Why Version 0.9.0 took his name") in casimir
    removal = _text(pages(site)[site / "corrections" / "quell-dismissal-removed.html"])
    assert "Note A removal: none of the three texts reports a dismissal" in removal
    listing = _text(pages(site)[site / "corrections" / "index.html"])
    assert "quell-dismissed (removed)" in listing


def test_timeline(bundled_site: Path, stephen_port: Path) -> None:
    page = pages(bundled_site)[bundled_site / "timeline.html"]
    svg_links = [url for tag, attr, url in page.links if tag == "a" and url.startswith(
        ("events/", "proceedings/", "findings/"))]
    assert "findings/iopc-no-misconduct-charges.html" in svg_links
    rects = {a.get("fill") for tag, a in page.tags if tag == "rect"}
    assert "url(#fade-left)" in rects  # ../2019-07: open to the left
    assert any(tag == "title" for tag, _ in page.tags)
    text = " ".join("".join(page.text_parts).split())
    assert "iopc-no-misconduct-charges" not in text
    assert "No misconduct charges against any of the 17 officers involved" in text
    # the undated, in their recorded order
    events = opencase.load(stephen_port).table("events").to_pylist()
    undated = [f"events/{e['id']}.html" for e in events if e["date"] is None]
    listed = [url for url in svg_links if url in undated]
    assert listed == undated


# ---------------------------------------------------------------- determinism and the CLI


@needs_shared
def test_two_builds_are_byte_identical(tmp_path: Path, stephen_port: Path) -> None:
    build_site(stephen_port, tmp_path / "a", snapshots=SHARED_SOURCES)
    build_site(stephen_port, tmp_path / "b", snapshots=SHARED_SOURCES)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*"))
    assert files_a == files_b
    different = [p for p in files_a if (tmp_path / "a" / p).is_file()
                 and (tmp_path / "a" / p).read_bytes() != (tmp_path / "b" / p).read_bytes()]
    assert different == []


def test_cli_builds_and_replaces_a_site(hostile_package: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    for _ in range(2):  # the second build replaces the first
        result = run_cli("site", hostile_package, "--snapshots", HOSTILE / "snapshots",
                         "--out", out)
        assert result.returncode == 0, result.stderr
        assert result.stdout == (f"site: 20 pages (7 records; 1 of 1 sources with their "
                                 f"text) in {out}\n")
        assert result.stderr == ""
    result = run_cli("site", hostile_package, "--out", out, "--format", "json")
    assert json.loads(result.stdout) == {
        "out": str(out), "pages": 20, "records": 7, "sources_with_text": [],
        "sources_without_text": ["page"]}
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no temporary folder left


@pytest.mark.parametrize(("args", "message"), [
    (["missing-package"], "no data package at missing-package"),
    (["{pkg}", "--snapshots", "missing-folder"], "snapshot folder not found: missing-folder"),
    (["{pkg}", "--out", "."], "is not a folder of its own"),
    (["{pkg}", "--out", "notasite"], "notasite is a folder that opencase site did not write"),
])
def test_cli_usage_errors_exit_2_and_write_nothing(
        hostile_package: Path, tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "notasite").mkdir()
    (tmp_path / "notasite" / "keep.txt").write_text("mine", encoding="utf-8")
    argv = [a.replace("{pkg}", str(hostile_package)) for a in args]
    if "--out" not in argv:
        argv += ["--out", "site"]
    result = run_cli("site", *argv, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("opencase site: error: ")
    assert message in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notasite"]
    assert (tmp_path / "notasite" / "keep.txt").read_text(encoding="utf-8") == "mine"


@needs_shared
def test_the_site_of_a_zipped_package(tmp_path: Path, stephen_port: Path) -> None:
    shutil.make_archive(str(tmp_path / "pkg"), "zip", stephen_port)
    result = build_site(tmp_path / "pkg.zip", tmp_path / "site", snapshots=SHARED_SOURCES)
    assert (result.pages, result.records) == (104, 91)
    assert result.sources_with_text == ["inquests-commentary", "iopc-decision-article"]


def test_the_site_of_a_package_at_a_url(hostile_package: Path, tmp_path: Path) -> None:
    """Served on 127.0.0.1: the descriptor is written from what was downloaded, every table
    file is the one served (verified against its hash)."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    shutil.copytree(hostile_package, tmp_path / "www" / "pkg")
    handler = functools.partial(Quiet, directory=str(tmp_path / "www"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/pkg/datapackage.json"
        result = build_site(url, tmp_path / "site", snapshots=HOSTILE / "snapshots")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert (result.pages, result.records, result.sources_with_text) == (20, 7, ["page"])
    site = tmp_path / "site"
    assert json.loads((site / "data" / "datapackage.json").read_text(encoding="utf-8")) == (
        json.loads((hostile_package / "datapackage.json").read_text(encoding="utf-8")))
    assert (site / "data" / "csv" / "people.csv").read_bytes() == (
        hostile_package / "csv" / "people.csv").read_bytes()
    assert passages_are_quotes(site, hostile_package, HOSTILE / "snapshots") == 6


def test_a_package_that_opencase_did_not_publish_is_a_usage_error(tmp_path: Path) -> None:
    pkg = tmp_path / "plain"
    pkg.mkdir()
    (pkg / "t.csv").write_text("a\r\n1\r\n", encoding="utf-8", newline="")
    (pkg / "datapackage.json").write_text(json.dumps({
        "name": "plain", "resources": [{"name": "t", "path": "t.csv", "format": "csv",
                                        "schema": {"fields": [{"name": "a",
                                                               "type": "integer"}]}}]}),
        encoding="utf-8")
    result = run_cli("site", pkg, "--out", tmp_path / "site")
    assert result.returncode == 2
    assert result.stderr == ("opencase site: error: the package has no `entities` table: "
                             "opencase site shows packages published by opencase (case model "
                             "2)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain"]


# ---------------------------------------------------------------- in a real browser

SHOTS = {"overview": "index.html", "timeline": "timeline.html",
         "person": "people/anthony-walgate.html", "proceeding": "proceedings/port-trial.html",
         "source": "sources/iopc-decision-article.html"}


def _absent(why: str) -> None:
    """Skip a browser test whose tools are absent; fail it where they must be there (CI sets
    OPENCASE_BROWSER_TESTS=required, after installing them)."""
    import os

    if os.environ.get("OPENCASE_BROWSER_TESTS") == "required":
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser() -> object:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        _absent("headless Chromium is absent (apt-get install chromium chromium-driver)")
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.binary_location = chromium
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    d = webdriver.Chrome(service=webdriver.ChromeService(driver), options=options)
    yield d
    d.quit()


@needs_shared
def test_in_chromium_pages_load_without_errors_and_a_citation_lands_on_its_passage(
        browser: object, bundled_site: Path, tmp_path: Path) -> None:
    """Screenshots go to $OPENCASE_SITE_SCREENSHOTS (docs/site to refresh the committed ones),
    else to a temporary folder."""
    import os

    from selenium.webdriver.common.by import By

    d: object = browser
    shots = Path(os.environ.get("OPENCASE_SITE_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    for name, rel in SHOTS.items():
        d.get((bundled_site / rel).as_uri())  # type: ignore[attr-defined]
        errors = [e for e in d.get_log("browser")  # type: ignore[attr-defined]
                  if e["level"] in ("SEVERE", "WARNING")]
        assert errors == [], rel
        # every request the page made stays on this machine (file: and data: URLs only)
        requests = [json.loads(e["message"])["message"]
                    for e in d.get_log("performance")]  # type: ignore[attr-defined]
        urls = [m["params"]["request"]["url"] for m in requests
                if m.get("method") == "Network.requestWillBeSent"]
        assert urls, rel  # (the log works: the page itself was requested)
        assert [u for u in urls if not u.startswith(("file:", "data:"))] == [], rel
        if name == "source":  # (the text, its cited passages highlighted, not the header)
            d.execute_script(  # type: ignore[attr-defined]
                "document.querySelector('mark').scrollIntoView({block: 'start'});"
                "window.scrollBy(0, -140);")
        assert d.save_screenshot(str(shots / f"{name}.png"))  # type: ignore[attr-defined]
    # follow the link of Anthony Walgate's reported age to its highlighted passage
    d.get((bundled_site / "people" / "anthony-walgate.html").as_uri())  # type: ignore
    link = d.find_element(  # type: ignore[attr-defined]
        By.CSS_SELECTOR, "#f-reported_age + dd a.passage")
    anchor = link.get_attribute("href").partition("#")[2]
    link.click()
    assert d.current_url.endswith(  # type: ignore[attr-defined]
        f"sources/inquests-commentary.html#{anchor}")
    mark = d.find_element(By.ID, anchor)  # type: ignore[attr-defined]
    assert mark.tag_name == "mark"
    assert d.execute_script(  # type: ignore[attr-defined]  # its pieces, joined
        "const p = arguments[0].dataset.p;"
        "return Array.from(document.querySelectorAll(`[data-p='${p}']`))"
        ".map(e => e.textContent).join('');", mark) == "Anthony Walgate, 23"
    assert d.execute_script(  # type: ignore[attr-defined]
        "const r = arguments[0].getBoundingClientRect();"
        "return r.top >= -1 && r.bottom <= window.innerHeight + 1;", mark)
    assert mark.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"


@needs_shared
def test_in_chromium_axe_finds_no_accessibility_violation(
        browser: object, bundled_site: Path) -> None:
    """axe-core (``npm pack axe-core``; its ``axe.min.js`` named by $OPENCASE_AXE_JS) on the
    overview, the timeline, a list, a person, a proceeding, a statement and a source page."""
    import os

    axe = os.environ.get("OPENCASE_AXE_JS")
    if not axe or not Path(axe).is_file():
        _absent("$OPENCASE_AXE_JS does not name axe-core's axe.min.js (npm pack axe-core)")
    script = Path(axe).read_text(encoding="utf-8")
    d: object = browser
    found = {}
    for rel in [*SHOTS.values(), "events/index.html", "statements/pape-blood-boil.html"]:
        d.get((bundled_site / rel).as_uri())  # type: ignore[attr-defined]
        d.execute_script(script)  # type: ignore[attr-defined]
        found[rel] = d.execute_async_script(  # type: ignore[attr-defined]
            "const done = arguments[arguments.length - 1];"
            "axe.run(document).then(r => done(r.violations.map(v => v.id + ': ' + v.help)));")
    assert found == {rel: [] for rel in found}
