"""The data dictionary: the package's ``README.md``, generated from ``datapackage.json``.

It says what the package is, its licence, how to cite it, how provenance works, how to read it
from pandas, DuckDB and R, and, for every table, every column with its type, whether it is
required, its allowed values and its meaning, and what each value of a controlled vocabulary
means (the label of its Table Schema category). It is made only from the descriptor (and the row
counts), so it can never disagree with the Table Schemas.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opencase.datapackage.descriptor import PARQUET_SUFFIX
from opencase.datapackage.linked import LANGUAGES_PROPERTY, PUBLISHED_PROPERTY, TEMPORAL_PROPERTY
from opencase.language.casemodel import EXTENSIONS_PROPERTY, MODEL_PROPERTY

__all__ = ["data_dictionary"]

PROVENANCE = """\
Every row of every table can be traced to the exact words of a source:

- `citations` has one row per citation of a record (`record_id`, `record_kind`), or one per
  field that the citation `supports` (`field`; empty means the whole record). A citation of
  one of the record's name variants or reported values names it by `part` (`names`,
  `reported`) and `part_position` (its row in `names` or `reported_values`). Each row holds
  the `quote`, the `prefix`/`suffix` that pick it out where the words occur more than once (a
  W3C Web Annotation TextQuoteSelector) and its character offsets `quote_start`/`quote_end`
  in the source's snapshot text (a TextPositionSelector: `text[quote_start:quote_end]` is
  exactly the passage found). Offsets count Unicode code points from 0 in the snapshot's
  bytes decoded as UTF-8 with every character kept: a byte order mark counts as one, and so
  does each CR of a CRLF line end (in Python,
  `open(path, encoding="utf-8", newline="").read()`). A passage always begins and ends on a
  whole word, number or character of the snapshot, never inside one. `source_sha256` is the
  SHA-256 of that snapshot's bytes, so anyone holding the article can check the claim.
  `citation_id` is derived from the citation's content, so inserting or reordering citations
  changes no other id.
- `via_source_id` is set when a source is known only because another one quotes it: the quote
  is then found in the snapshot of `via_source_id`.
- A source with a snapshot of its own is its own evidence: its row `<source_id>#snapshot`
  names the snapshot's hash and has no quote.
- Rows of the child tables (`<record>_<list>`, e.g. `event_participants`) rest on the
  citations of their parent record: those with an empty `field` or whose `field` names the
  list.
- Empty offsets mean the quote was published without being checked against a snapshot.

Every record has at least one citation row, and is listed once in `entities` (`id`, `kind`,
`label`): every reference column is a declared foreign key, into `entities` when it may point
into several tables. Where sources disagree on a value, `reported_values` holds each value
with its own citations, and whether the curator prefers it; the record's column holds the
preferred one. Dates are EDTF strings as the sources give them (`2016`, `2019-07`,
`2014/2015`, `2020~`), with `<field>_start` and `<field>_end` the earliest and latest day
they can mean; `2019/..` is open-ended, `2019/` has an unknown end. Nothing is more precise
than its source: an empty cell is a value not recorded, and `field_statuses` says when the
curator states that the sources do not give it (`unknown`) or that it does not apply
(`not-applicable`)."""


def _cell(value: Any) -> str:
    text = " ".join(str(value).split())
    return text.replace("|", "\\|")


def _licence(lic: Mapping[str, Any]) -> str:
    label = lic.get("title") or lic.get("name") or lic.get("path")
    text = f"[{label}]({lic['path']})" if lic.get("path") else str(label)
    return text + (f" (`{lic['name']}`)" if lic.get("name") and lic.get("title") else "")


def _usage(name: str) -> str:
    return f"""\
```python
import pandas as pd
people = pd.read_parquet("parquet/people.parquet")
# from CSV, only an empty cell means "no value" (a name may well be "NA"):
people = pd.read_csv("csv/people.csv", keep_default_na=False, na_values=[""])
```

```sql
-- DuckDB
SELECT * FROM 'parquet/citations.parquet' WHERE record_id = 'some-record-id';
```

```r
# R, with the frictionless package
library(frictionless)
package <- read_package("datapackage.json")
people <- read_resource(package, "people")
```

With Python and opencase installed: `opencase.load("datapackage.json").table("people")`.
The package name is `{name}`."""


def _column_rows(fields: list[dict[str, Any]]) -> list[str]:
    rows = ["| column | type | required | allowed values | meaning |",
            "| --- | --- | --- | --- | --- |"]
    for f in fields:
        cons = f.get("constraints", {})
        allowed = []
        if _defined(f):
            allowed.append(f"one of the values of `{f['name']}` below")
        elif f.get("categories"):
            allowed.append(", ".join(f"`{_value(v)}`" for v in f["categories"]))
        if "pattern" in cons:
            allowed.append(f"pattern `{cons['pattern']}`")
        if "minimum" in cons or "maximum" in cons:
            allowed.append(f"{cons.get('minimum', '')}..{cons.get('maximum', '')}")
        if "maxLength" in cons:
            allowed.append(f"at most {cons['maxLength']} characters")
        if f.get("x-references"):
            allowed.append("id of a record in " + ", ".join(f"`{t}`" for t in f["x-references"]))
        rows.append(
            f"| `{f['name']}` | {f['type']} | {'yes' if cons.get('required') else ''} | "
            f"{_cell('; '.join(allowed))} | {_cell(f.get('description', ''))} |"
        )
    return rows


def _value(category: Any) -> Any:
    """A category's value: Table Schema v2 gives a value, or an object with ``value``."""
    return category["value"] if isinstance(category, Mapping) else category


def _defined(field: Mapping[str, Any]) -> bool:
    """Whether ``field`` has categories with labels (opencase's labels are definitions)."""
    return any(isinstance(c, Mapping) and c.get("label") for c in field.get("categories", ()))


def _category_rows(fields: list[dict[str, Any]]) -> list[str]:
    """For each column whose categories have labels, a table of its values and what each
    means."""
    rows: list[str] = []
    for f in fields:
        if not _defined(f):
            continue
        rows += [f"Values of `{f['name']}`:", "", "| value | meaning |", "| --- | --- |"]
        rows += [f"| `{_value(c)}` | "
                 f"{_cell(c.get('label', '') if isinstance(c, Mapping) else '')} |"
                 for c in f["categories"]]
        rows.append("")
    return rows


def _extensions(d: Mapping[str, Any]) -> list[str]:
    """What the dataset adds to the case model (``opencase:extensions``), if anything."""
    declared = d.get(EXTENSIONS_PROPERTY)
    if not declared:
        return []
    out = ["## This dataset's extensions", "",
           f"The dataset adds to opencase's case model (version {d.get(MODEL_PROPERTY, 1)}) the "
           "values and columns below (`opencase:extensions` in `datapackage.json`); the "
           "other values and columns are the same in every opencase package.", ""]
    for target, values in declared.get("vocabularies", {}).items():
        out += [f"- `{target}`, added value `{v['value']}`: {_cell(v['definition'])}"
                for v in values]
    for kind, fields in declared.get("fields", {}).items():
        for f in fields:
            kinds = f" to {', '.join(f'`{k}`' for k in f['kinds'])}" if f.get("kinds") else ""
            what = f"a list of {f['type']}{kinds}, in a child table" if f.get("list") \
                else f"{f['type']}{kinds}"
            out.append(f"- `{kind}.{f['name']}`, added field ({what}): "
                       f"{_cell(f['description'])}")
    return [*out, ""]


def data_dictionary(descriptor: Mapping[str, Any], rows: Mapping[str, int], citation: str
                    ) -> str:
    """The package README for ``descriptor`` (its CSV resources define the tables), with
    ``rows`` (row counts by table name) and ``citation`` (how to cite the package)."""
    d = descriptor
    out = [f"# {d['title']}", ""]
    if d.get("description"):
        out += [d["description"].strip(), ""]
    out += [f"- Package: `{d['name']}`, version {d['version']}", f"- Id: {d['id']}"]
    if d.get("created"):
        out.append(f"- Created: {d['created']}")
    if d.get("homepage"):
        out.append(f"- Homepage: {d['homepage']}")
    if d.get(PUBLISHED_PROPERTY):
        out.append(f"- Published: {d[PUBLISHED_PROPERTY]}")
    if d.get(LANGUAGES_PROPERTY):
        out.append(f"- Language of the data: {', '.join(d[LANGUAGES_PROPERTY])}")
    if d.get(TEMPORAL_PROPERTY):
        first, _, last = d[TEMPORAL_PROPERTY].partition("/")
        out.append(f"- Time covered by the data: {first} to {last} (the earliest and latest "
                   "day of its dates)")
    licences = ", ".join(_licence(lic) for lic in d.get("licenses", []))
    out += [f"- Licence of the data: {licences}", ""]
    out += ["## How to cite", "", citation, "",
            "Please also cite the sources (`sources` in `datapackage.json`, and the `sources` "
            "table) for anything you quote from them.", ""]
    if d.get("contributors"):
        out += ["## Contributors", ""]
        out += [f"- {c['title']}" + (f" ({', '.join(c['roles'])})" if c.get("roles") else "")
                for c in d["contributors"]]
        out.append("")
    if d.get("sources"):
        out += ["## Sources", ""]
        out += [f"- {s['title']}" + (f" <{s['path']}>" if s.get("path") else "")
                for s in d["sources"]]
        out.append("")
    tables = [r for r in d["resources"] if r["format"] == "csv"]
    twins = {r["name"].removesuffix(PARQUET_SUFFIX): r for r in d["resources"]
             if r["format"] == "parquet"}
    out += ["## Files", "",
            "Every table is published twice with the same rows: as CSV (UTF-8, header row, "
            "RFC 4180, empty cell = no value) and as Parquet (zstd). `datapackage.json` lists "
            f"them as resources `<table>` (CSV) and `<table>{PARQUET_SUFFIX}`, each with its "
            "SHA-256 hash and Table Schema.", "",
            "| table | rows | CSV | Parquet | what it holds |", "| --- | --- | --- | --- | --- |"]
    for r in tables:
        pq = twins.get(r["name"])
        out.append(f"| [`{r['name']}`](#{r['name']}) | {rows.get(r['name'], 0)} | "
                   f"`{r['path']}` | {'`' + pq['path'] + '`' if pq else ''} | "
                   f"{_cell(r.get('description', ''))} |")
    out += ["", "Beside them: `croissant.json`, the package described in MLCommons Croissant "
            "1.1 (read by `mlcroissant` and dataset search engines); `dataset.jsonld`, the "
            "package as a schema.org `Dataset` (JSON-LD); `LICENSE`, the data's licence; "
            "`CITATION.cff`, how to cite the dataset (Citation File Format). Each Parquet file "
            "holds the descriptions below in its metadata (`description` of each field and of "
            "the schema)."]
    out += ["", "## How provenance works", "", PROVENANCE, "", *_extensions(d),
            "## Reading the data", "", _usage(d["name"]), "", "## Tables", ""]
    for r in tables:
        schema = r["schema"]
        out += [f"### {r['name']}", "", _cell(r.get("description", "")), "",
                f"Primary key: {', '.join(f'`{k}`' for k in schema['primaryKey'])}."]
        for fk in schema.get("foreignKeys", []):
            target = fk["reference"].get("resource", r["name"])
            out.append(f"Foreign key: `{fk['fields'][0]}` -> "
                       f"`{target}.{fk['reference']['fields'][0]}`.")
        out += ["", *_column_rows(schema["fields"]), "", *_category_rows(schema["fields"])]
    return "\n".join(out).rstrip() + "\n"
