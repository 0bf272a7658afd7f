"""Metadata in the package: croissant.json read by mlcroissant, dataset.jsonld expanded by a
JSON-LD processor (pyld), the data's LICENSE and CITATION.cff, the descriptions in the Parquet
files (pyarrow, DuckDB), the new package.yaml keys and the release zip's checksum
(``sha256sum -c``). Nothing here reaches the network: a fixture makes every connection fail."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import yaml

import opencase
from opencase.datapackage.linked import croissant, schema_org_dataset, temporal_coverage
from opencase.publishing.publish import publish

from .conftest import FIXTURES, REPO, SHARED_SOURCES, needs_shared, run_cli

SDO = "https://schema.org/"
CR = "http://mlcommons.org/croissant/"
EXAMPLE = REPO / "examples" / "fictional-vell-case"

METADATA = """\
published: 2024-05-06
languages: [en, cy]
homepage: https://example.org/millbrook
id: https://doi.org/10.5281/zenodo.1234567
publisher:
  name: The Millbrook Archive
  url: https://example.org/archive
contact:
  name: Data desk
  email: data@example.org
contributors:
  - title: Ann Example
    givenName: Ann
    familyName: Example
    organization: Millbrook University
    roles: [creator, dataCurator]
  - title: Reviewers of Millbrook
    roles: [contributor]
"""


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every connection attempt fails: the tools read the package from disk or not at all."""
    def refuse(*_args: Any, **_kw: Any) -> None:
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _project(root: Path, extra: str = METADATA) -> Path:
    """A copy of tests/fixtures/publish whose package.yaml has ``extra`` in place of its
    contributors."""
    project = root / "project"
    shutil.copytree(FIXTURES / "publish", project)
    config = project / "package.yaml"
    text = config.read_text(encoding="utf-8")
    text = text[:text.index("contributors:")] + extra
    config.write_text(text, encoding="utf-8")
    return project


def _publish(project: Path, out: Path, **kw: Any) -> Any:
    pub = publish(project / "records", out, snapshots=project / "snapshots", **kw)
    assert pub.ok, pub.format("text")
    return pub


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("metadata")
    project = _project(root)
    out = root / "dist" / "millbrook"
    pub = _publish(project, out, zip=True)
    assert pub.checksum_path == root / "dist" / "millbrook-bridge-1.2.3.zip.sha256"
    return out


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _validated(path: Path, warnings: tuple[str, ...] = ()) -> Any:
    """The Croissant file read by mlcroissant, with no errors, and no warnings but those
    about the properties ``warnings`` names."""
    import mlcroissant as mlc

    dataset = mlc.Dataset(jsonld=str(path))
    issues = dataset.metadata.ctx.issues
    assert not issues.errors, issues.report()
    unexpected = [w for w in issues.warnings
                  if not any(f"schema.org/{name}" in w for name in warnings)]
    assert not unexpected, issues.report()
    assert len(issues.warnings) == len(warnings), issues.report()
    return dataset


# ---------------------------------------------------------------- Croissant


def _check_croissant(package: Path) -> Any:
    return _check_croissant_with(package)


def _check_croissant_with(package: Path, warnings: tuple[str, ...] = ()) -> Any:
    """croissant.json validates, names every CSV table of the package with its SHA-256, and
    mlcroissant reads the same ids as the CSV files hold."""
    descriptor = _json(package / "datapackage.json")
    doc = _json(package / "croissant.json")
    assert doc["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    assert doc == croissant(descriptor)
    dataset = _validated(package / "croissant.json", warnings)
    csvs = [r for r in descriptor["resources"] if r["format"] == "csv"]
    files = {f["@id"]: f for f in doc["distribution"]}
    assert sorted(files) == sorted(r["path"] for r in csvs)
    for r in csvs:
        data = (package / r["path"]).read_bytes()
        assert files[r["path"]]["sha256"] == hashlib.sha256(data).hexdigest()
        assert files[r["path"]]["contentSize"] == f"{len(data)} B"
    sets = {rs["@id"]: rs for rs in doc["recordSet"]}
    assert sorted(sets) == sorted(r["name"] for r in csvs)
    for r in csvs:
        fields = sets[r["name"]]["field"]
        assert [f["name"] for f in fields] == [f["name"] for f in r["schema"]["fields"]]
    people = pacsv.read_csv(package / "csv" / "people.csv")
    records = list(dataset.records("people"))
    assert [rec["people/id"].decode() for rec in records] == people.column("id").to_pylist()
    return doc, sets


def test_croissant_of_the_fixture_package(package: Path) -> None:
    doc, sets = _check_croissant(package)
    assert doc["@context"]["@language"] == "en"
    assert doc["datePublished"] == "2024-05-06"
    assert doc["temporalCoverage"] == "2018-01-01/2020-03-31"
    assert doc["inLanguage"] == ["en", "cy"]
    assert doc["url"] == "https://example.org/millbrook"
    assert doc["publisher"] == {"@type": "Organization", "name": "The Millbrook Archive",
                                "url": "https://example.org/archive"}
    assert doc["license"] == "https://creativecommons.org/licenses/by/4.0/"
    # the key, the types and the references come from the Table Schemas
    events = {f["name"]: f for f in sets["events"]["field"]}
    assert sets["events"]["key"] == {"@id": "events/id"}
    assert events["date_start"]["dataType"] == "sc:Date"
    assert events["id"]["dataType"] == "sc:Text"
    assert events["case_id"]["references"] == {"field": {"@id": "cases/id"}}
    assert events["id"]["references"] == {"field": {"@id": "entities/id"}}
    assert events["case_id"]["source"] == {"fileObject": {"@id": "csv/events.csv"},
                                           "extract": {"column": "case_id"}}
    assert sets["event_participants"]["key"] == [{"@id": "event_participants/event_id"},
                                                 {"@id": "event_participants/position"}]
    position = next(f for f in sets["event_participants"]["field"] if f["name"] == "position")
    assert position["dataType"] == "sc:Integer"
    assert position["description"]


def test_croissant_without_languages_or_dates(published_project: Path) -> None:
    """package.yaml with none of the new keys: the texts' language is undetermined (BCP 47
    `und`), and there is no publish date to give."""
    package = published_project / "datapackage"
    doc, _ = _check_croissant_with(package, warnings=("datePublished",))
    assert doc["@context"]["@language"] == "und"
    assert "datePublished" not in doc and "inLanguage" not in doc
    assert doc["creator"] == [{"@type": "Organization", "name": "opencase test suite"}]


@needs_shared
def test_croissant_of_the_stephen_port_package(tmp_path: Path) -> None:
    out = tmp_path / "datapackage"
    pub = publish(REPO / "records", out, snapshots=SHARED_SOURCES, strict=True,
                  created="2026-12-01T00:00:00Z")
    assert pub.ok, pub.format("text")
    doc, sets = _check_croissant(out)
    assert doc["name"].startswith("The Stephen Port case")
    assert doc["license"] == "https://creativecommons.org/licenses/by/4.0/"
    # package.yaml's `published` is the publish date; `created` (the build) stays apart
    assert (doc["datePublished"], doc["dateCreated"]) == ("2026-12-02", "2026-12-01T00:00:00Z")
    assert (out / "CITATION.cff").read_bytes() == (REPO / "CITATION.cff").read_bytes()
    statements = {f["name"]: f for f in sets["statements"]["field"]}
    assert statements["speaker"]["references"] == {"field": {"@id": "entities/id"}}
    # a foreign key into its own table (a Table Schema reference without a resource)
    groups = {f["name"]: f for f in sets["groups"]["field"]}
    assert groups["part_of"]["references"] == {"field": {"@id": "groups/id"}}
    assert sets["citations"]["key"] == {"@id": "citations/citation_id"}


def test_croissant_of_the_example_dataset(tmp_path: Path) -> None:
    out = tmp_path / "vell"
    pub = publish(EXAMPLE / "records", out, snapshots=EXAMPLE / "snapshots", strict=True,
                  created="2025-01-02T03:04:05Z")
    assert pub.ok, pub.format("text")
    _, sets = _check_croissant(out)
    # the dataset's extensions are fields like the others, typed from their Table Schema
    people = {f["name"]: f for f in sets["people"]["field"]}
    events = {f["name"]: f for f in sets["events"]["field"]}
    assert people["collar_number"]["dataType"] == "sc:Text"
    assert events["restraint_minutes"]["dataType"] == "sc:Integer"
    assert events["body_worn_video"]["dataType"] == "sc:Boolean"
    assert events["restraint_minutes"]["description"] == (
        "How many minutes a person was restrained, as reported.")


# ---------------------------------------------------------------- schema.org JSON-LD


def _expanded(doc: dict[str, Any]) -> dict[str, Any]:
    from pyld import jsonld

    def offline(url: str, _options: Any = None) -> Any:
        raise AssertionError(f"the JSON-LD processor tried to fetch {url}")

    (node,) = jsonld.expand(doc, {"documentLoader": offline})
    return node  # type: ignore[no-any-return]


def _values(node: dict[str, Any], term: str) -> list[Any]:
    return [v.get("@value", v.get("@id", v)) for v in node.get(SDO + term, [])]


def test_dataset_jsonld_expands_to_schema_org_terms(package: Path) -> None:
    doc = _json(package / "dataset.jsonld")
    assert doc == schema_org_dataset(_json(package / "datapackage.json"))
    node = _expanded(doc)
    assert node["@type"] == [SDO + "Dataset"]
    assert node["@id"] == "https://doi.org/10.5281/zenodo.1234567"
    assert _values(node, "name") == ["The Millbrook bridge collapse (test fixture)"]
    assert _values(node, "version") == ["1.2.3"]
    assert _values(node, "datePublished") == ["2024-05-06"]
    assert _values(node, "temporalCoverage") == ["2018-01-01/2020-03-31"]
    assert _values(node, "inLanguage") == ["en", "cy"]
    assert _values(node, "url") == ["https://example.org/millbrook"]
    assert _values(node, "license") == ["https://creativecommons.org/licenses/by/4.0/"]
    (creator,) = node[SDO + "creator"]
    assert creator["@type"] == [SDO + "Person"]
    assert _values(creator, "givenName") == ["Ann"]
    assert _values(creator["https://schema.org/affiliation"][0], "name") == [
        "Millbrook University"]
    (publisher,) = node[SDO + "publisher"]
    assert (publisher["@type"], _values(publisher, "name")) == (
        [SDO + "Organization"], ["The Millbrook Archive"])
    roles = {_values(r[SDO + "contributor"][0], "name")[0]: _values(r, "roleName")
             for r in node[SDO + "contributor"]}
    assert roles == {"Ann Example": ["creator", "dataCurator"],
                     "Reviewers of Millbrook": ["contributor"],
                     "The Millbrook Archive": ["publisher"], "Data desk": ["contact"]}
    contact = next(r[SDO + "contributor"][0] for r in node[SDO + "contributor"]
                   if _values(r, "roleName") == ["contact"])
    assert _values(contact, "email") == ["data@example.org"]
    downloads = {_values(d, "contentUrl")[0]: d for d in node[SDO + "distribution"]}
    assert "csv/people.csv" in downloads and "parquet/people.parquet" in downloads
    people = (package / "csv" / "people.csv").read_bytes()
    assert _values(downloads["csv/people.csv"], "sha256") == [
        hashlib.sha256(people).hexdigest()]


def test_the_site_and_the_package_share_the_schema_org_builder(package: Path) -> None:
    descriptor = _json(package / "datapackage.json")
    downloads = [{"name": "x.csv", "path": "data/x.csv", "mediatype": "text/csv"}]
    page = schema_org_dataset(descriptor, downloads, context="https://schema.org")
    file = _json(package / "dataset.jsonld")
    assert {k: v for k, v in page.items() if k not in ("@context", "distribution")} == {
        k: v for k, v in file.items() if k not in ("@context", "distribution")}
    assert page["distribution"] == [{"@type": "DataDownload", "name": "x.csv",
                                     "encodingFormat": "text/csv", "contentUrl": "data/x.csv"}]


# ---------------------------------------------------------------- temporal coverage


def test_temporal_coverage_spans_every_start_and_end_column() -> None:
    from datetime import date

    def schema(*names: str) -> dict[str, Any]:
        return {"fields": [{"name": n, "type": "date"} for n in names]}

    a = pa.table({"date_start": [date(2001, 5, 1), None], "date_end": [date(2001, 5, 31), None]})
    b = pa.table({"as_of_start": [date(1999, 1, 1)], "as_of_end": [date(2003, 12, 31)],
                  "born": [date(1900, 1, 1)]})  # not a _start/_end column: not counted
    assert temporal_coverage({"a": a, "b": b}, {"a": schema("date_start", "date_end"),
                                                "b": schema("as_of_start", "as_of_end", "born")}
                             ) == "1999-01-01/2003-12-31"
    assert temporal_coverage({"a": a}, {"a": schema("date_start", "date_end")}
                             ) == "2001-05-01/2001-05-31"
    empty = pa.table({"date_start": pa.array([None], pa.date32())})
    assert temporal_coverage({"a": empty}, {"a": schema("date_start")}) is None
    # a text column of that name is no date
    text = pa.table({"date_start": ["2001"]})
    assert temporal_coverage({"a": text}, {"a": {"fields": [{"name": "date_start",
                                                             "type": "string"}]}}) is None


# ---------------------------------------------------------------- Parquet descriptions


def test_parquet_files_carry_the_descriptions(package: Path) -> None:
    descriptor = _json(package / "datapackage.json")
    for r in descriptor["resources"]:
        if r["format"] != "parquet":
            continue
        schema = pq.read_schema(package / r["path"])
        assert schema.metadata[b"description"].decode() == r["description"]
        for f in r["schema"]["fields"]:
            meta = schema.field(f["name"]).metadata or {}
            assert f["description"], (r["name"], f["name"])  # every column is described
            assert meta[b"description"].decode() == f["description"]
    path = str(package / "parquet" / "events.parquet")
    kv = duckdb.execute("SELECT decode(key), decode(value) FROM parquet_kv_metadata(?)",
                        [path]).fetchall()
    events = next(r for r in descriptor["resources"] if r["name"] == "events-parquet")
    assert ("description", events["description"]) in kv
    # and the data are as before: DuckDB reads the same rows from the CSV and the Parquet file
    csv_rows = duckdb.execute("SELECT * FROM read_csv(?, all_varchar=true)",
                              [str(package / "csv" / "events.csv")]).fetchall()
    pq_rows = duckdb.execute("SELECT * FROM read_parquet(?)", [path]).fetchall()
    assert len(csv_rows) == len(pq_rows) > 0


# ---------------------------------------------------------------- the package as a whole


def test_new_files_are_not_resources_and_readers_ignore_them(package: Path) -> None:
    descriptor = _json(package / "datapackage.json")
    paths = {r["path"] for r in descriptor["resources"]}
    for name in ("croissant.json", "dataset.jsonld", "LICENSE", "CITATION.cff"):
        assert (package / name).is_file() and name not in paths
    run = run_cli("check", str(package))
    assert run.returncode == 0, run.stdout + run.stderr
    pkg = opencase.load(package)
    assert sorted(pkg.table_names) == sorted(r["name"] for r in descriptor["resources"]
                                             if r["format"] == "csv")


def test_descriptor_says_who_when_and_in_what_language(package: Path) -> None:
    d = _json(package / "datapackage.json")
    assert d["homepage"] == "https://example.org/millbrook"
    assert d["opencase:published"] == "2024-05-06"
    assert d["opencase:languages"] == ["en", "cy"]
    assert d["opencase:temporalCoverage"] == "2018-01-01/2020-03-31"
    assert d["contributors"] == [
        {"title": "Ann Example", "givenName": "Ann", "familyName": "Example",
         "roles": ["creator", "dataCurator"], "organization": "Millbrook University"},
        {"title": "Reviewers of Millbrook", "roles": ["contributor"]},
        {"title": "The Millbrook Archive", "path": "https://example.org/archive",
         "roles": ["publisher"]},
        {"title": "Data desk", "email": "data@example.org", "roles": ["contact"]},
    ]
    readme = (package / "README.md").read_text(encoding="utf-8")
    assert "- Published: 2024-05-06\n" in readme
    assert "- Language of the data: en, cy\n" in readme
    assert "- Time covered by the data: 2018-01-01 to 2020-03-31 " in readme
    assert "- The Millbrook Archive (publisher)\n" in readme


def test_publishing_twice_gives_identical_bytes(package: Path, tmp_path: Path) -> None:
    project = _project(tmp_path)
    out = tmp_path / "again" / "millbrook"
    _publish(project, out, zip=True)
    for p in sorted(package.parent.rglob("*")):
        if p.is_file():
            rel = p.relative_to(package.parent)
            assert (out.parent / rel).read_bytes() == p.read_bytes(), rel


# ---------------------------------------------------------------- LICENSE and CITATION.cff


def test_generated_citation_describes_the_dataset(package: Path) -> None:
    cff = yaml.safe_load((package / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff == {
        "cff-version": "1.2.0",
        "message": "If you use this dataset, please cite it as below.",
        "type": "dataset",
        "title": "The Millbrook bridge collapse (test fixture)",
        "version": "1.2.3",
        "date-released": "2024-05-06",
        "abstract": "A small fictional dataset for the opencase publishing tests.",
        "authors": [{"family-names": "Example", "given-names": "Ann",
                     "affiliation": "Millbrook University"}],
        "contact": [{"name": "Data desk", "email": "data@example.org"}],
        "doi": "10.5281/zenodo.1234567",
        "keywords": ["test", "fixture"],
        "license": "CC-BY-4.0",
        "url": "https://example.org/millbrook",
    }


def test_generated_license_names_the_data_licence(package: Path) -> None:
    text = (package / "LICENSE").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0 International (CC-BY-4.0)" in text
    assert "https://creativecommons.org/licenses/by/4.0/" in text


def test_the_code_licence_beside_package_yaml_is_not_the_data_licence(tmp_path: Path) -> None:
    project = _project(tmp_path)
    shutil.copyfile(REPO / "LICENSE", project / "LICENSE")  # Apache-2.0: the code's
    shutil.copyfile(REPO / "CITATION.cff", project / "CITATION.cff")  # another dataset's
    _publish_fails = publish(project / "records", tmp_path / "out",
                             snapshots=project / "snapshots")
    # the repository's CITATION.cff is of version 2.0.0, this package 1.2.3: refused, located
    assert not _publish_fails.ok
    (issue,) = _publish_fails.report.errors
    assert (issue.code.value, Path(issue.file).name, issue.line) == (
        "package-config", "CITATION.cff", _line(project / "CITATION.cff", "version:"))
    # software citation beside package.yaml: not the data's, a citation is written instead
    (project / "CITATION.cff").write_text("cff-version: 1.2.0\ntitle: a tool\n"
                                          "message: cite\nauthors: [{name: x}]\n")
    out = tmp_path / "out"
    _publish(project, out)
    assert "Apache" not in (out / "LICENSE").read_text(encoding="utf-8")
    assert "CC-BY-4.0" in (out / "LICENSE").read_text(encoding="utf-8")
    assert yaml.safe_load((out / "CITATION.cff").read_text())["type"] == "dataset"


def _line(path: Path, start: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(start))


def test_the_data_licence_and_citation_beside_package_yaml_are_copied(tmp_path: Path) -> None:
    project = _project(tmp_path)
    licence = ("Attribution 4.0 International\n\nCreative Commons Attribution 4.0 "
               "International Public License\n...\n")
    (project / "LICENSE").write_text(licence, encoding="utf-8")
    cff = ("cff-version: 1.2.0\nmessage: Cite it.\ntype: dataset\ntitle: Millbrook\n"
           "version: 1.2.3\nauthors:\n  - name: The Millbrook Archive\n")
    (project / "CITATION.cff").write_text(cff, encoding="utf-8")
    out = tmp_path / "out"
    _publish(project, out)
    assert (out / "LICENSE").read_text(encoding="utf-8") == licence
    assert (out / "CITATION.cff").read_text(encoding="utf-8") == cff


def test_license_file_and_citation_file_name_other_files(tmp_path: Path) -> None:
    project = _project(tmp_path, METADATA + "license_file: legal/DATA-LICENSE.txt\n"
                       "citation_file: legal/dataset.cff\n")
    (project / "legal").mkdir()
    (project / "legal" / "DATA-LICENSE.txt").write_text("the full text\n")
    (project / "legal" / "dataset.cff").write_text(
        "cff-version: 1.2.0\nmessage: m\ntype: dataset\ntitle: t\nauthors: [{name: a}]\n")
    out = tmp_path / "out"
    _publish(project, out)
    assert (out / "LICENSE").read_text() == "the full text\n"
    assert (out / "CITATION.cff").read_bytes() == (project / "legal" / "dataset.cff").read_bytes()


# ---------------------------------------------------------------- package.yaml mistakes


@pytest.mark.parametrize(
    ("extra", "field", "at", "message"),
    [  # at: the line of ``extra`` the problem is located at (0: its first)
        ("published: 2024-13-01\n", "published", 0, "'2024-13-01' is not a date"),
        ("languages: [en, English]\n", "languages.1", 0,
         "'English' is not a BCP 47 language tag"),
        ("publisher:\n  name: P\n  url: ftp://example.org\n", "publisher.url", 2,
         "'ftp://example.org' is not an http(s) address"),
        ("publisher:\n  url: https://example.org\n", "publisher.name", 0, "field required"),
        ("contact:\n  name: C\n", "contact", 0,
         "give an email or a url to reach the contact"),
        ("contact:\n  name: C\n  email: not-an-address\n", "contact.email", 2,
         "'not-an-address' is not an email address"),
        ("contact:\n  name: C\n  phone: 123\n", "contact.phone", 2, "unknown field"),
        ("license_file: NO-SUCH-FILE\n", "license_file", 0, "no such file"),
        ("citation_file: NO-SUCH.cff\n", "citation_file", 0, "no such file"),
        # a package.yaml copies nothing from outside its folder into a published package
        ("license_file: ../outside.txt\n", "license_file", 0,
         "'../outside.txt' is not a relative path inside the folder of package.yaml"),
        ("citation_file: /etc/hostname\n", "citation_file", 0,
         "'/etc/hostname' is not a relative path inside the folder of package.yaml"),
    ],
)
def test_mistakes_in_the_new_keys_are_located(tmp_path: Path, extra: str, field: str, at: int,
                                              message: str) -> None:
    project = _project(tmp_path, "contributors: []\n" + extra)
    (tmp_path / "outside.txt").write_text("CC-BY-4.0, and a secret\n")
    config = project / "package.yaml"
    line = _line(config, extra.split(":")[0] + ":") + at
    run = run_cli("publish", str(project / "records"), "--snapshots",
                  str(project / "snapshots"), "--out", str(tmp_path / "out"))
    assert run.returncode == 1, run.stdout + run.stderr
    located = [x for x in run.stdout.splitlines() if "package-config" in x]
    assert len(located) == 1, run.stdout
    assert f"package.yaml:{line}:" in located[0], located[0]
    assert f"package-config {field}: {message}" in located[0], located[0]
    assert not (tmp_path / "out").exists()


def test_a_named_citation_file_of_software_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path, METADATA + "citation_file: CITATION.cff\n")
    (project / "CITATION.cff").write_text("cff-version: 1.2.0\nmessage: m\ntitle: tool\n"
                                          "type: software\nauthors: [{name: a}]\n")
    pub = publish(project / "records", tmp_path / "out", snapshots=project / "snapshots")
    (issue,) = pub.report.errors
    assert "describes software, not a dataset" in issue.message
    assert (Path(issue.file).name, issue.line) == ("CITATION.cff", 4)


# ---------------------------------------------------------------- the release zip


def test_zip_checksum_is_verified_by_sha256sum(package: Path) -> None:
    dist = package.parent
    zip_name = "millbrook-bridge-1.2.3.zip"
    sums = dist / f"{zip_name}.sha256"
    assert sums.read_text() == (
        f"{hashlib.sha256((dist / zip_name).read_bytes()).hexdigest()}  {zip_name}\n")
    ok = subprocess.run(["sha256sum", "-c", sums.name], cwd=dist, capture_output=True,
                        text=True, check=False)
    assert ok.returncode == 0 and f"{zip_name}: OK" in ok.stdout, ok.stdout + ok.stderr
    with zipfile.ZipFile(dist / zip_name) as zf:
        names = set(zf.namelist())
    assert {"croissant.json", "dataset.jsonld", "LICENSE", "CITATION.cff",
            "datapackage.json"} <= names


def test_sha256sum_fails_on_a_changed_zip(package: Path, tmp_path: Path) -> None:
    zip_name = "millbrook-bridge-1.2.3.zip"
    for name in (zip_name, f"{zip_name}.sha256"):
        shutil.copyfile(package.parent / name, tmp_path / name)
    with (tmp_path / zip_name).open("ab") as f:
        f.write(b"\0")
    bad = subprocess.run(["sha256sum", "-c", f"{zip_name}.sha256"], cwd=tmp_path,
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and "FAILED" in bad.stdout


def test_cli_publish_zip_names_the_checksum(tmp_path: Path) -> None:
    project = _project(tmp_path)
    out = tmp_path / "dist" / "pkg"
    run = run_cli("publish", str(project / "records"), "--snapshots",
                  str(project / "snapshots"), "--out", str(out), "--zip")
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{tmp_path / 'dist' / 'millbrook-bridge-1.2.3.zip.sha256'}" in run.stdout
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == [
        "millbrook-bridge-1.2.3.zip", "millbrook-bridge-1.2.3.zip.sha256", "pkg"]
