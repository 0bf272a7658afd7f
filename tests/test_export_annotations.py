"""`opencase export annotations`: every citation as a W3C Web Annotation, checked against the
model's required structure and read by a JSON-LD processor (pyld) with the W3C context
vendored in tests/fixtures/w3c (no network)."""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import http.server
import json
import re
import shutil
import threading
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opencase import export_annotations, publish
from opencase.errors import LoadError, UsageError
from opencase.exporting.annotations import _json

from .conftest import FIXTURES, RELEASE_1_0_0, REPO, SHARED_SOURCES, run_cli

ANNO = "http://www.w3.org/ns/anno.jsonld"
CONTEXT = json.loads((FIXTURES / "w3c" / "anno.jsonld").read_text(encoding="utf-8"))
OA, AS = "http://www.w3.org/ns/oa#", "http://www.w3.org/ns/activitystreams#"
XSD_NNI = "http://www.w3.org/2001/XMLSchema#nonNegativeInteger"
MOTIVATIONS = {"assessing", "bookmarking", "classifying", "commenting", "describing", "editing",
               "highlighting", "identifying", "linking", "moderating", "questioning",
               "replying", "tagging"}
IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
PORT_BASE = "urn:uuid:cb626d7b-74cd-50ad-bf20-b0da7e18b7bc"

DATASETS = {  # records, snapshots
    "stephen-port": (REPO / "records", SHARED_SOURCES),
    "example": (REPO / "examples" / "fictional-vell-case" / "records",
                REPO / "examples" / "fictional-vell-case" / "snapshots"),
    "extensions": (FIXTURES / "extensions" / "records", FIXTURES / "publish" / "snapshots"),
    "millbrook": (FIXTURES / "publish" / "records", FIXTURES / "publish" / "snapshots"),
}


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each dataset's records published into a temporary folder (not the committed
    datapackage/, which may lag behind the records on a branch)."""
    out = {}
    for name, (records, snapshots) in DATASETS.items():
        if not snapshots.is_dir():
            continue
        target = tmp_path_factory.mktemp(name) / "datapackage"
        report = publish(records, target, snapshots=snapshots)
        assert report.ok, report.format("text")
        out[name] = target
    return out


def _package(packages: dict[str, Path], name: str) -> Path:
    if name not in packages:
        pytest.skip(f"the snapshots of {name} are absent")
    return packages[name]


def _loader(url: str, options: Any = None) -> dict[str, Any]:
    """pyld's document loader: the vendored W3C context, and nothing from the network."""
    if url != ANNO:
        raise AssertionError(f"the JSON-LD processor asked for {url}")
    return {"contextUrl": None, "documentUrl": url, "document": CONTEXT}


def _ni(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "ni:///sha-256;" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _snapshots(folder: Path) -> dict[str, tuple[str, str]]:
    """The texts of a snapshot folder by SHA-256: (ni IRI, text as stored)."""
    out = {}
    for p in folder.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            out[hashlib.sha256(data).hexdigest()] = (_ni(data),
                                                     data.decode("utf-8", errors="replace"))
    return out


def _export(package: Path | str, out: Path, **kw: Any) -> dict[str, Any]:
    export_annotations(package, out, **kw)
    doc: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return doc


def _items(doc: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = doc["first"]["items"]
    return items


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ------------------------------------------------------- the W3C model's required structure


def _check_selector(sel: dict[str, Any]) -> None:
    if sel["type"] == "TextQuoteSelector":
        assert set(sel) <= {"type", "exact", "prefix", "suffix"}
        assert isinstance(sel["exact"], str) and sel["exact"]
        for key in ("prefix", "suffix"):
            assert key not in sel or (isinstance(sel[key], str) and sel[key])
    else:
        assert sel["type"] == "TextPositionSelector"
        assert set(sel) == {"type", "start", "end"}
        assert all(type(sel[k]) is int and sel[k] >= 0 for k in ("start", "end"))
        assert sel["start"] <= sel["end"]


def _check_resource(node: dict[str, Any]) -> None:
    """An external resource, a SpecificResource (source, selectors, purpose) or a
    TextualBody (value)."""
    if node.get("type") == "SpecificResource":
        assert isinstance(node["source"], dict) and IRI.fullmatch(node["source"]["id"])
        for sel in _listed(node.get("selector", [])):
            _check_selector(sel)
        assert node.get("purpose", "describing") in MOTIVATIONS
    elif node.get("type") == "TextualBody":
        assert isinstance(node["value"], str) and node["purpose"] in MOTIVATIONS
    else:
        assert IRI.fullmatch(node["id"])


def check_w3c_structure(doc: dict[str, Any]) -> None:
    """The MUSTs (and the SHOULDs opencase keeps) of the W3C Web Annotation Data Model for an
    AnnotationCollection with its page embedded, and for each Annotation in it."""
    assert doc["@context"] == ANNO
    assert IRI.fullmatch(doc["id"]) and doc["type"] == "AnnotationCollection"
    assert isinstance(doc["label"], str) and doc["label"]
    assert type(doc["total"]) is int
    if doc["total"] == 0:
        assert "first" not in doc and "last" not in doc
        return
    page = doc["first"]
    assert IRI.fullmatch(page["id"]) and page["type"] == "AnnotationPage"
    assert page["partOf"] == doc["id"] and page["startIndex"] == 0
    assert doc["last"] == page["id"]  # one page, the first and the last
    items = page["items"]
    assert isinstance(items, list) and len(items) == doc["total"]
    ids = [a["id"] for a in items]
    assert len(set(ids)) == len(ids)
    for a in items:
        assert IRI.fullmatch(a["id"]) and a["type"] == "Annotation"
        assert a["motivation"] in MOTIVATIONS
        for body in _listed(a["body"]):
            _check_resource(body)
        _check_resource(a["target"])


W3C_TESTS = FIXTURES / "w3c" / "annotation-tests"


@functools.cache
def _w3c_assertions(test_list: str) -> list[tuple[str, Any]]:
    """The assertions of one of the W3C test suite's lists of MUSTs, as validators."""
    from jsonschema import Draft4Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT4

    registry: Registry[Any] = Registry().with_resources(
        (p.name, DRAFT4.create_resource(json.loads(p.read_text(encoding="utf-8"))))
        for p in sorted((W3C_TESTS / "definitions").glob("*.json")))
    suite = json.loads((W3C_TESTS / test_list).read_text(encoding="utf-8"))
    out = []
    for name in suite["assertions"]:
        schema = json.loads((W3C_TESTS / name).read_text(encoding="utf-8"))
        assert schema["assertionType"] == "must"
        out.append((name, Draft4Validator(schema, registry=registry,
                                          format_checker=Draft4Validator.FORMAT_CHECKER)))
    return out


def w3c_must_failures(doc: dict[str, Any]) -> list[str]:
    """The MUST assertions of the W3C test suite that the collection (with its page) or one of
    its annotations (with the collection's context) fails: each assertion's file name and its
    error message."""
    failed: set[str] = set()

    def check(test_list: str, instance: dict[str, Any]) -> None:
        for name, validator in _w3c_assertions(test_list):
            expected = validator.schema.get("expectedResult", "valid") == "valid"
            if validator.is_valid(instance) != expected:
                failed.add(f"{name}: {validator.schema['errorMessage']}")

    check("collections/collectionMusts.test", doc)
    check("collections/pages/pageMusts.test", doc)
    shapes: set[Any] = set()
    for annotation in doc.get("first", {}).get("items", []):
        shape = _shape(annotation)
        if shape not in shapes:  # (the suite takes 0.1 s an annotation: one of each shape)
            shapes.add(shape)
            check("annotations/annotationMusts.test", {"@context": doc["@context"], **annotation})
    return sorted(failed)


_NAMED = frozenset({"type", "motivation", "purpose", "format", "language", "@type"})


def _shape(value: Any, key: str = "") -> Any:
    """What the W3C assertions look at in a value: its keys, the kinds of their values, and
    the values of the terms that name a type or a purpose (other text only as its kind, IRIs
    apart from plain text; numbers by their sign; a list by the shapes of its items)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _shape(v, k)) for k, v in value.items()))
    if isinstance(value, list):
        return frozenset(_shape(v, key) for v in value)
    if isinstance(value, str) and key not in _NAMED:
        return ("iri" if re.match(r"[a-z][a-z0-9+.-]*:", value) else "text", not value)
    if isinstance(value, int) and not isinstance(value, bool):
        return ("integer", value >= 0)
    return value


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("name", DATASETS)
def test_the_w3c_test_suite_finds_every_must_kept(packages: dict[str, Path], name: str,
                                                  tmp_path: Path) -> None:
    doc = _export(_package(packages, name), tmp_path / "a.jsonld")
    assert w3c_must_failures(doc) == []


def test_the_w3c_test_suite_finds_a_broken_annotation(packages: dict[str, Path],
                                                      tmp_path: Path) -> None:
    """(The suite's assertions do fail what breaks a MUST.)"""
    doc = _export(_package(packages, "millbrook"), tmp_path / "a.jsonld")
    first = _items(doc)[0]
    del first["target"]["selector"][0]["exact"]
    first["target"]["selector"][1]["start"] = "9"
    doc["total"] = -1
    del _items(doc)[1]["target"]
    assert [f.split(":")[0] for f in w3c_must_failures(doc)] == [
        "annotations/3.1-targetKeyFound.json",
        "annotations/3.2-targetObjectsRecognized.json",
        "annotations/specificResource/4.2-TextDataPositionSelectorValid.json",
        "annotations/specificResource/4.2-selectorValidIfPresent.json",
        "annotations/specificResource/4.2.4-textQuoteSelectorValid.json",
        "collections/5.1-collectionTotalValidated.json"]


@pytest.mark.parametrize("name", DATASETS)
def test_every_citation_is_an_annotation_of_the_w3c_model(packages: dict[str, Path], name: str,
                                                          tmp_path: Path) -> None:
    pkg = _package(packages, name)
    doc = _export(pkg, tmp_path / "a.jsonld")
    check_w3c_structure(doc)
    citations = pq.read_table(pkg / "parquet" / "citations.parquet")
    assert doc["total"] == citations.num_rows > 0
    base = doc["id"].removesuffix("#/annotations")
    assert [a["id"] for a in _items(doc)] == [
        f"{base}#{cid.replace('#', '%23')}" for cid in citations.column("citation_id").to_pylist()]


@pytest.mark.parametrize("name", DATASETS)
def test_selectors_select_the_quote_in_the_text_named_by_its_hash(packages: dict[str, Path],
                                                                   name: str,
                                                                   tmp_path: Path) -> None:
    """For every citation located in a snapshot, the TextQuoteSelector's exact text is the
    snapshot's text at the TextPositionSelector's [start, end), and the target's source is the
    RFC 6920 IRI of that snapshot's SHA-256."""
    pkg = _package(packages, name)
    texts = _snapshots(DATASETS[name][1])
    doc = _export(pkg, tmp_path / "a.jsonld")
    rows = pq.read_table(pkg / "parquet" / "citations.parquet").to_pylist()
    located = 0
    for a, row in zip(_items(doc), rows, strict=True):
        target = a["target"]
        if not row["quote"]:  # a source's own snapshot: the whole text
            assert target["id"] == texts[row["source_sha256"]][0]
            assert a["motivation"] == "identifying"
            continue
        assert target["type"] == "SpecificResource"
        quote_sel, *position = target["selector"]
        assert quote_sel["exact"] == row["quote"]
        if row["quote_start"] is None:
            assert position == []
            continue
        ni, text = texts[row["source_sha256"]]
        assert target["source"]["id"] == ni
        ((pos,),) = (position,)
        assert (pos["start"], pos["end"]) == (row["quote_start"], row["quote_end"])
        assert quote_sel["exact"] == text[pos["start"]:pos["end"]]
        located += 1
    assert located == sum(1 for r in rows if r["quote_start"] is not None) > 0


def test_the_stephen_port_annotations(packages: dict[str, Path], tmp_path: Path) -> None:
    """What the real package's annotations say: ids under the package's id, the body (record,
    field, value, note), the text named by its hash, the Guardian's words in the commentary."""
    pkg = _package(packages, "stephen-port")
    doc = _export(pkg, tmp_path / "a.jsonld")
    assert (doc["total"], len(_items(doc))) == (329, 329)
    by_id = {a["id"].removeprefix(PORT_BASE + "#"): a for a in _items(doc)}
    age = [a for a in _items(doc) if a["id"].startswith(f"{PORT_BASE}#anthony-walgate%23")
           and _listed(a["body"])[0].get("schema:propertyID") == "reported_age"]
    (a,) = age
    commentary = (SHARED_SOURCES / "003_13a4480c4c2fb7d9.txt").read_bytes()
    assert a["motivation"] == "describing"
    assert _listed(a["body"])[0] == {
        "type": "SpecificResource", "purpose": "describing",
        "source": {"id": f"{PORT_BASE}#anthony-walgate", "label": "Anthony Walgate",
                   "schema:additionalType": "people"},
        "schema:propertyID": "reported_age", "schema:value": "23"}
    assert a["target"]["source"]["id"] == _ni(commentary)
    # (a text without a title is labelled as in `entities`)
    assert a["target"]["source"]["label"].startswith("First-person commentary written while")
    assert a["target"]["selector"][0] == {"type": "TextQuoteSelector",
                                          "exact": "Anthony Walgate, 23"}
    assert a["schema:citation"] == {"id": f"{PORT_BASE}#guardian-2019-07-report"}

    snapshot = by_id["iopc-decision-article%23snapshot"]
    assert snapshot["body"] == {"id": f"{PORT_BASE}#iopc-decision-article",
                                "label": "Police won’t face misconduct charges over failings "
                                "in Stephen Port case", "schema:additionalType": "sources"}
    assert snapshot["target"]["id"].startswith("ni:///sha-256;")

    dated = by_id["stephen-port-case%2396ba589a8e03"]
    value, note = dated["body"]
    assert (value["schema:propertyID"], value["schema:value"]) == ("date", "2014/..")
    assert note["type"] == "TextualBody" and note["purpose"] == "commenting"
    assert note["value"].startswith("The case begins with the murders of 2014-2015")

    name = by_id["stephen-port%2382c91aada5e4"]  # a citation of a name variant
    assert {k: v for k, v in name["body"].items() if k != "source"} == {
        "type": "SpecificResource", "purpose": "describing", "schema:propertyID": "names",
        "schema:additionalType": "names", "schema:position": 1,
        "schema:value": "Grindr serial killer"}
    motivations = {a["motivation"] for a in _items(doc)}
    assert motivations == {"describing", "identifying"}

    # a list field of ids: its items in their order, as in the child table
    lists = {}
    for kind, field, table, key, item in (
            ("proceedings", "subjects", "proceeding_subjects", "proceeding_id", "subject"),
            ("findings", "subjects", "finding_subjects", "finding_id", "subject"),
            ("statements", "about", "statement_about", "statement_id", "about")):
        rows = pq.read_table(pkg / "parquet" / f"{table}.parquet").to_pylist()
        for r in sorted(rows, key=lambda r: r["position"]):
            lists.setdefault((kind, field, r[key]), []).append(r[item])
    checked = 0
    for a in _items(doc):
        body = _listed(a["body"])[0]
        if isinstance(body.get("schema:value"), dict):
            record = body["source"]
            key = (record["schema:additionalType"], body["schema:propertyID"],
                   record["id"].split("#")[1])
            assert body["schema:value"] == {"@list": lists[key]}
            checked += 1
    assert checked == 23


def test_reported_values_and_extension_fields(packages: dict[str, Path],
                                              tmp_path: Path) -> None:
    """A citation of a reported value names the field it reports, its position in
    `reported_values` and the value; a field a dataset adds has its value too."""
    pkg = _package(packages, "example")
    doc = _export(pkg, tmp_path / "a.jsonld")
    reported = pq.read_table(pkg / "parquet" / "reported_values.parquet").to_pylist()
    seen = {}
    for a in _items(doc):
        body = _listed(a["body"])[0]
        if body.get("schema:additionalType") == "reported":
            record = body["source"]["id"].split("#")[1]
            seen[(record, body["schema:position"])] = (body["schema:propertyID"],
                                                       body["schema:value"])
    assert seen == {(r["record_id"], r["position"]): (r["field"], r["value"]) for r in reported}
    assert seen[("casimir-vell", 2)] == ("reported_age", "34")
    assert seen[("restraint", 0)] == ("restraint_minutes", "11")  # an extension field


@pytest.mark.parametrize("name", DATASETS)
def test_a_json_ld_processor_reads_the_annotations(packages: dict[str, Path], name: str,
                                                   tmp_path: Path) -> None:
    """pyld expands the collection with the W3C context into the model's IRIs, and compacting
    the expanded graph again gives back the very document: no term is unknown to the
    context, no value lost."""
    from pyld import jsonld

    pkg = _package(packages, name)
    doc = _export(pkg, tmp_path / "a.jsonld")
    options = {"documentLoader": _loader}
    (collection,) = jsonld.expand(doc, options)
    assert collection["@type"] == [AS + "OrderedCollection"]
    assert collection[AS + "totalItems"] == [{"@value": doc["total"], "@type": XSD_NNI}]
    (page,) = collection[AS + "first"]
    assert page["@type"] == [AS + "OrderedCollectionPage"]
    (items,) = page[AS + "items"]
    annotations = items["@list"]
    assert len(annotations) == doc["total"]
    positions = 0
    for node in annotations:
        assert node["@type"] == [OA + "Annotation"]
        assert node[OA + "motivatedBy"][0]["@id"] in {OA + "describing", OA + "identifying"}
        assert node[OA + "hasBody"]
        (target,) = node[OA + "hasTarget"]
        if OA + "hasSelector" not in target:  # a whole text
            assert target["@id"].startswith("ni:///sha-256;")
            continue
        assert target["@type"] == [OA + "SpecificResource"]
        assert target[OA + "hasSource"][0]["@id"]
        selectors = {s["@type"][0]: s for s in target[OA + "hasSelector"]}
        assert selectors[OA + "TextQuoteSelector"][OA + "exact"][0]["@value"]
        if OA + "TextPositionSelector" in selectors:
            pos = selectors[OA + "TextPositionSelector"]
            start, end = pos[OA + "start"][0], pos[OA + "end"][0]
            assert start["@type"] == end["@type"] == XSD_NNI
            assert 0 <= start["@value"] <= end["@value"]
            positions += 1
    assert positions > 0
    assert jsonld.compact(collection, ANNO, options) == doc


def test_zip_folder_and_url_give_the_same_file(packages: dict[str, Path],
                                               tmp_path: Path) -> None:
    """The package as a folder, a zip and a URL (served on 127.0.0.1): byte-identical output,
    and the same again on a second run."""
    pkg = _package(packages, "stephen-port")
    export_annotations(pkg, tmp_path / "folder.jsonld")
    export_annotations(pkg, tmp_path / "again.jsonld")
    shutil.make_archive(str(tmp_path / "pkg"), "zip", pkg)
    run = run_cli("export", "annotations", tmp_path / "pkg.zip", tmp_path / "zip.jsonld")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"wrote {tmp_path / 'zip.jsonld'}: 329 annotations "
                                 "(327 with quote and position, 0 with the quote only, 2 of a "
                                 "whole text)")
    with _served(pkg) as url:
        export_annotations(url, tmp_path / "url.jsonld")
    want = (tmp_path / "folder.jsonld").read_bytes()
    for name in ("again", "zip", "url"):
        assert (tmp_path / f"{name}.jsonld").read_bytes() == want


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def _served(folder: Path) -> Iterator[str]:
    """``folder`` served on 127.0.0.1 (an ephemeral port): the URL of its datapackage.json."""
    handler = functools.partial(_Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/datapackage.json"
    finally:
        httpd.shutdown()
        httpd.server_close()


# ------------------------------------------ other layouts: 1.0.0, quotes without offsets, ids


def _write_package(folder: Path, citations: list[dict[str, Any]],
                   fields: list[tuple[str, str]], *, descriptor: dict[str, Any] | None = None,
                   sources: list[dict[str, Any]] | None = None) -> Path:
    """A small package of CSV tables written by hand (not by opencase's publisher)."""
    folder.mkdir()
    (folder / "csv").mkdir()

    def table(name: str, rows: list[dict[str, Any]], cols: list[tuple[str, str]]) -> dict[str,
                                                                                       Any]:
        import csv

        with open(folder / "csv" / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
            w.writerow([c for c, _ in cols])
            for r in rows:
                w.writerow(["" if r.get(c) is None else r[c] for c, _ in cols])
        return {"name": name, "path": f"csv/{name}.csv", "format": "csv",
                "mediatype": "text/csv", "encoding": "utf-8",
                "schema": {"fields": [{"name": c, "type": t} for c, t in cols]}}

    resources = [table("citations", citations, fields)]
    if sources is not None:
        resources.append(table("sources", sources, [("id", "string"), ("title", "string"),
                                                     ("url", "string"),
                                                     ("sha256", "string")]))
    desc = {"name": "hand-made", "title": "A hand-made package", "version": "1.0.0",
            **(descriptor or {}), "resources": resources}
    (folder / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    return folder


OLD_FIELDS = [("citation_id", "string"), ("record_id", "string"), ("record_kind", "string"),
              ("cite_index", "integer"), ("field", "string"), ("source_id", "string"),
              ("quote", "string"), ("prefix", "string"), ("suffix", "string"),
              ("start", "integer"), ("end", "integer"), ("source_sha256", "string"),
              ("via_source_id", "string"), ("note", "string")]


def test_the_1_0_0_layout_and_quotes_without_offsets(tmp_path: Path) -> None:
    """The 1.0.0 layout names the offsets `start`/`end` and has no `part` or `entities`; a
    quote of a source without a snapshot (no hash, no offsets) gets a TextQuoteSelector only,
    in the page at the source's URL; the package's name gives a stable UUID base."""
    sha = hashlib.sha256(b"The pier closed on Monday.").hexdigest()
    pkg = _write_package(tmp_path / "old", [
        {"citation_id": "pier-closure#0.0", "record_id": "pier-closure", "record_kind": "events",
         "cite_index": 0, "field": "date", "source_id": "notice", "quote": "closed on Monday",
         "prefix": "The pier", "start": 9, "end": 25, "source_sha256": sha},
        {"citation_id": "pier-closure#1.0", "record_id": "pier-closure", "record_kind": "events",
         "cite_index": 1, "source_id": "web-report", "quote": "shut \"for good\"\\",
         "note": "line one\nline two\ttab"},
    ], OLD_FIELDS, sources=[
        {"id": "notice", "title": "Notice", "url": "https://example.org/notice", "sha256": sha},
        {"id": "web-report", "url": "https://example.org/report?a=1&b=2#p3"},
    ])
    doc = _export(pkg, tmp_path / "a.jsonld")
    check_w3c_structure(doc)
    base = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'opencase:hand-made')}"
    located, quoted = _items(doc)
    assert located["id"] == f"{base}#pier-closure%230.0"
    assert located["target"] == {
        "type": "SpecificResource",
        "source": {"id": _ni(b"The pier closed on Monday."), "type": "Text",
                   "format": "text/plain", "label": "Notice",
                   "dcterms:source": {"id": "https://example.org/notice"}},
        "selector": [{"type": "TextQuoteSelector", "exact": "closed on Monday",
                      "prefix": "The pier"},
                     {"type": "TextPositionSelector", "start": 9, "end": 25}]}
    assert "The pier closed on Monday."[9:25] == "closed on Monday"
    assert quoted["motivation"] == "identifying"
    assert quoted["target"] == {
        "type": "SpecificResource", "source": {"id": "https://example.org/report?a=1&b=2#p3"},
        "selector": [{"type": "TextQuoteSelector", "exact": "shut \"for good\"\\"}]}
    assert quoted["body"][1]["value"] == "line one\nline two\ttab"
    written = export_annotations(pkg, tmp_path / "b.jsonld")
    assert (written.total, written.located, written.quote_only, written.whole_text) == (
        2, 1, 1, 0)


def test_the_published_1_0_0_package(tmp_path: Path) -> None:
    """The dataset's 1.0.0 package (releases/): every citation, and each located quote the
    snapshot's text at its offsets."""
    if not SHARED_SOURCES.is_dir():
        pytest.skip("../shared/sources is absent")
    with zipfile.ZipFile(RELEASE_1_0_0) as z:
        z.extractall(tmp_path / "datapackage")
    pkg = tmp_path / "datapackage"
    assert json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))["version"] == (
        "1.0.0")
    doc = _export(pkg, tmp_path / "a.jsonld")
    check_w3c_structure(doc)
    rows = pq.read_table(pkg / "parquet" / "citations.parquet").to_pylist()
    assert doc["total"] == len(rows) == 211
    texts = _snapshots(SHARED_SOURCES)
    for a, row in zip(_items(doc), rows, strict=True):
        assert a["id"] == f"{PORT_BASE}#{row['citation_id'].replace('#', '%23')}"
        if row["quote"]:
            quote_sel, pos = a["target"]["selector"]
            ni, text = texts[row["source_sha256"]]
            assert a["target"]["source"]["id"] == ni
            assert quote_sel["exact"] == text[pos["start"]:pos["end"]] == row["quote"]
            assert (pos["start"], pos["end"]) == (row["start"], row["end"])


def test_ids_that_are_not_slugs_are_percent_encoded(tmp_path: Path) -> None:
    fields = [("citation_id", "string"), ("record_id", "string"), ("source_id", "string"),
              ("quote", "string")]
    pkg = _write_package(tmp_path / "p", [
        {"citation_id": "Émile Zola#1", "record_id": "Émile Zola", "source_id": "a/b",
         "quote": "J'accuse"},
    ], fields, descriptor={"id": "https://example.org/zola/"})
    doc = _export(pkg, tmp_path / "a.jsonld")
    check_w3c_structure(doc)
    (a,) = _items(doc)
    assert a["id"] == "https://example.org/zola/#%C3%89mile%20Zola%231"
    assert a["body"] == {"id": "https://example.org/zola/#%C3%89mile%20Zola"}
    assert a["target"]["source"] == {"id": "https://example.org/zola/#a%2Fb"}
    doc = _export(pkg, tmp_path / "b.jsonld", base="https://example.org/zola/a.jsonld")
    assert _items(doc)[0]["id"] == "https://example.org/zola/a.jsonld#%C3%89mile%20Zola%231"


def test_a_package_without_citations_is_an_empty_collection_or_an_error(tmp_path: Path) -> None:
    fields = [("citation_id", "string"), ("record_id", "string"), ("source_id", "string"),
              ("quote", "string")]
    doc = _export(_write_package(tmp_path / "empty", [], fields), tmp_path / "a.jsonld")
    check_w3c_structure(doc)
    assert doc["total"] == 0
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "t.csv").write_text("a\n1\n", encoding="utf-8")
    (plain / "datapackage.json").write_text(json.dumps({"name": "plain", "resources": [
        {"name": "t", "path": "t.csv", "format": "csv",
         "schema": {"fields": [{"name": "a", "type": "integer"}]}}]}), encoding="utf-8")
    with pytest.raises(LoadError, match="has no `citations` table"):
        export_annotations(plain, tmp_path / "b.jsonld")
    assert not (tmp_path / "b.jsonld").exists()


@pytest.mark.parametrize(("args", "says"), [
    (["{missing}", "{out}"], "no data package at"),
    (["{corrupt}", "{out}"], "error: "),
    (["{notapackage}", "{out}"], "error: "),
    (["{plain}", "{out}"], "has no `citations` table: it is not an opencase package"),
    (["{pkg}", "{tmp}/nowhere/a.jsonld"], "does not exist"),
    (["{pkg}", "{tmp}"], "is a folder"),
    (["{pkg}", "{out}", "--base", "not an IRI"], "is not an absolute IRI"),
    (["{pkg}", "{out}", "--base", "https://example.org/a#b"], "is not an absolute IRI"),
])
def test_bad_input_is_a_located_usage_error(tmp_path: Path, args: list[str], says: str) -> None:
    """Exit 2 with the message on stderr, no traceback, and OUT left as it was."""
    pkg = _write_package(tmp_path / "pkg", [], [("citation_id", "string"),
                                                ("record_id", "string"),
                                                ("source_id", "string")])
    (tmp_path / "corrupt.zip").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "notapackage").mkdir()
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "datapackage.json").write_text(json.dumps({"name": "plain", "resources": []}),
                                            encoding="utf-8")
    out = tmp_path / "out.jsonld"
    out.write_text("the previous file", encoding="utf-8")
    values = {"missing": tmp_path / "missing", "corrupt": tmp_path / "corrupt.zip",
              "notapackage": tmp_path / "notapackage", "plain": plain, "pkg": pkg, "out": out,
              "tmp": tmp_path}
    run = run_cli("export", "annotations", *(a.format(**values) for a in args))
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.startswith("opencase export annotations: error: ")
    assert says in run.stderr and "Traceback" not in run.stderr
    assert out.read_text(encoding="utf-8") == "the previous file"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.jsonld")]


def test_a_failure_while_writing_leaves_the_previous_file(packages: dict[str, Path],
                                                          tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure after some annotations were written (here, in the third batch): the error,
    the previous OUT as it was, and no temporary file left beside it."""
    from opencase.exporting import annotations

    pkg = _package(packages, "stephen-port")
    out = tmp_path / "out.jsonld"
    out.write_text("the previous file", encoding="utf-8")
    monkeypatch.setattr(annotations, "BATCH_ROWS", 100)
    real = annotations._Writer.annotations
    calls = []

    def failing(self: Any, batch: pa.RecordBatch) -> pa.Array:
        calls.append(batch.num_rows)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(self, batch)

    monkeypatch.setattr(annotations._Writer, "annotations", failing)
    with pytest.raises(OSError, match="No space left"):
        export_annotations(pkg, out)
    assert calls == [100, 100, 100]
    assert out.read_text(encoding="utf-8") == "the previous file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonld"]


def test_the_python_api_raises_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a folder"):
        export_annotations(REPO / "datapackage", tmp_path)
    with pytest.raises(UsageError, match="not an absolute IRI"):
        export_annotations(REPO / "datapackage", tmp_path / "a.jsonld", base="relative/path")


def test_with_the_snapshots_the_quote_selector_is_the_text_itself(tmp_path: Path) -> None:
    """A curator's quote may differ from the source in typography and white space (validation
    folds both); with the snapshots, ``exact`` is the snapshot's own text at [start, end) and
    ``prefix``/``suffix`` the 32 characters around it, so both selectors say the same."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "publish", project)
    actors = project / "records" / "actors.yaml"
    text = actors.read_text(encoding="utf-8")
    assert "quote: the engineers’ warnings were ignored" in text
    actors.write_text(text.replace("quote: the engineers’ warnings were ignored",
                                   "quote: the engineers' warnings  were ignored"),
                      encoding="utf-8")
    report = publish(project / "records", project / "datapackage",
                     snapshots=project / "snapshots")
    assert report.ok, report.format("text")
    snapshot = (project / "snapshots" / "millbrook.txt").read_text(encoding="utf-8")

    def changed(doc: dict[str, Any]) -> dict[str, Any]:
        (a,) = [a for a in _items(doc) if "selector" in a["target"]
                and "engineers" in a["target"]["selector"][0]["exact"]
                and a["target"]["selector"][0]["exact"].endswith("ignored")]
        return a

    plain = changed(_export(project / "datapackage", tmp_path / "plain.jsonld"))
    quote_sel, pos = plain["target"]["selector"]
    assert quote_sel == {"type": "TextQuoteSelector",
                         "exact": "the engineers' warnings  were ignored"}
    assert snapshot[pos["start"]:pos["end"]] == "the engineers’ warnings were ignored"

    run = run_cli("export", "annotations", project / "datapackage", tmp_path / "exact.jsonld",
                  "--snapshots", project / "snapshots", "--format", "json")
    assert run.returncode == 0, run.stderr
    said = json.loads(run.stdout)
    doc = json.loads((tmp_path / "exact.jsonld").read_text(encoding="utf-8"))
    check_w3c_structure(doc)
    assert said["from_snapshots"] == said["located"] > 0 and said["snapshot_missing"] == 0
    quote_sel, pos = changed(doc)["target"]["selector"]
    start, end = pos["start"], pos["end"]
    assert quote_sel == {"type": "TextQuoteSelector",
                         "exact": "the engineers’ warnings were ignored",
                         "prefix": snapshot[start - 32:start], "suffix": snapshot[end:end + 32]}
    for a in _items(doc):  # every located quote: the text itself, with its context
        if "selector" in a["target"] and len(a["target"]["selector"]) == 2:
            q, p = a["target"]["selector"]
            assert q["exact"] == snapshot[p["start"]:p["end"]]
            assert q.get("prefix", "") == snapshot[max(0, p["start"] - 32):p["start"]]
            assert q.get("suffix", "") == snapshot[p["end"]:p["end"] + 32]
    assert changed(doc)["id"] == plain["id"]

    (tmp_path / "empty").mkdir()  # a folder without the snapshot: the quotes as published
    written = export_annotations(project / "datapackage", tmp_path / "missing.jsonld",
                                 snapshots=tmp_path / "empty")
    assert (written.from_snapshots, written.snapshot_missing) == (0, written.located)
    assert (tmp_path / "missing.jsonld").read_bytes() == (tmp_path / "plain.jsonld").read_bytes()
    run = run_cli("export", "annotations", project / "datapackage", tmp_path / "x.jsonld",
                  "--snapshots", tmp_path / "no-such-folder")
    assert run.returncode == 2 and "snapshot folder not found" in run.stderr
    assert not (tmp_path / "x.jsonld").exists()


@given(st.lists(st.one_of(st.none(), st.text()), max_size=20))
def test_json_string_literals_round_trip(values: list[str | None]) -> None:
    """Every string, control characters, quotes and backslashes included, is written as a
    JSON string literal that reads back to itself."""
    written = _json(pa.array(values, pa.string())).to_pylist()
    assert [None if w is None else json.loads(w) for w in written] == values
