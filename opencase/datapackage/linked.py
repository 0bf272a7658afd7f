"""Linked-data metadata of any Data Package: a schema.org ``Dataset`` and a Croissant file.

Both are built from the descriptor alone, so that publishing (``dataset.jsonld`` and
``croissant.json`` in the package) and the site (the JSON-LD of its overview page) say the
same thing about the same package:

- :func:`schema_org_dataset`: a schema.org ``Dataset`` (JSON-LD, with an inline context whose
  vocabulary is ``https://schema.org/``, so that no JSON-LD processor has to fetch one):
  name, description, version, identifier, url (``homepage``), keywords, licence, creators,
  every contributor with its roles (a schema.org ``Role`` per contributor, ``roleName`` the
  Data Package roles), publisher, dates, languages, temporal coverage, distribution.
- :func:`croissant`: the same metadata as an MLCommons Croissant 1.1 file: every CSV table
  resource a ``cr:FileObject`` (with its SHA-256), a ``cr:RecordSet`` per table whose fields
  are typed from the Table Schema and read from the CSV column, the primary key as the record
  set's ``key`` and each single-column foreign key as the field's ``references``.

What the Data Package v2 profile has no property for, opencase writes in its own namespace:
``opencase:published`` (the publish date), ``opencase:languages`` (BCP 47 tags) and
``opencase:temporalCoverage`` (an ISO 8601 interval, from :func:`temporal_coverage`). The
publisher and the contact are contributors with the roles ``publisher`` and ``contact``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from opencase.datapackage.descriptor import parse_hash, resource_format

__all__ = [
    "CROISSANT_CONFORMS_TO",
    "LANGUAGES_PROPERTY",
    "PUBLISHED_PROPERTY",
    "SCHEMA_ORG",
    "TEMPORAL_PROPERTY",
    "croissant",
    "how_to_cite",
    "schema_org_dataset",
    "temporal_coverage",
]

SCHEMA_ORG = "https://schema.org/"
CROISSANT_CONFORMS_TO = "http://mlcommons.org/croissant/1.1"
PUBLISHED_PROPERTY = "opencase:published"
LANGUAGES_PROPERTY = "opencase:languages"
TEMPORAL_PROPERTY = "opencase:temporalCoverage"
PUBLISHER_ROLE = "publisher"
CONTACT_ROLE = "contact"
CREATOR_ROLES = ("creator", "author")

# Table Schema field types -> Croissant (schema.org) data types; any other type is text
_DATA_TYPES = {
    "string": "sc:Text", "integer": "sc:Integer", "number": "sc:Float",
    "boolean": "sc:Boolean", "date": "sc:Date", "datetime": "sc:DateTime",
    "time": "sc:Time", "year": "sc:Integer",
}

# The Croissant 1.1 context (the terms of the specification's own context).
_CROISSANT_CONTEXT: dict[str, Any] = {
    "@vocab": SCHEMA_ORG,
    "sc": SCHEMA_ORG,
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "dct": "http://purl.org/dc/terms/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "description": {"@container": "@language"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "name": {"@container": "@language"},
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


# ---------------------------------------------------------------- temporal coverage


def temporal_coverage(tables: Mapping[str, Any], schemas: Mapping[str, Any]) -> str | None:
    """The ISO 8601 interval from the earliest ``*_start`` to the latest ``*_end`` of every
    date column (Table Schema type ``date``) of ``tables`` (pyarrow tables by name, each with
    its Table Schema in ``schemas``); ``None`` when no such column holds a date. Column-wise:
    one ``min_max`` per column."""
    import pyarrow.compute as pc

    starts, ends = [], []
    for name, table in tables.items():
        schema = schemas.get(name) or {}
        for f in schema.get("fields") or []:
            col = f.get("name") if isinstance(f, dict) else None
            if not isinstance(col, str) or f.get("type") != "date" \
                    or col not in table.column_names:
                continue
            is_start, is_end = col.endswith("_start"), col.endswith("_end")
            if not (is_start or is_end):
                continue
            mm = pc.min_max(table.column(col)).as_py()
            if is_start and mm["min"] is not None:
                starts.append(mm["min"])
            if is_end and mm["max"] is not None:
                ends.append(mm["max"])
    if not starts and not ends:
        return None
    first = min(starts or ends)
    last = max(ends or starts)
    return f"{first.isoformat()}/{last.isoformat()}"


# ---------------------------------------------------------------- schema.org


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _contributors(descriptor: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [c for c in descriptor.get("contributors") or []
            if isinstance(c, dict) and _text(c.get("title"))]


def _roles(contributor: Mapping[str, Any]) -> list[str]:
    return _as_list(contributor.get("roles"))


def _agent(contributor: Mapping[str, Any]) -> dict[str, Any]:
    """A contributor as a schema.org ``Person`` (when it gives a given or family name or an
    affiliation) or ``Organization``."""
    person = any(_text(contributor.get(k)) for k in ("givenName", "familyName", "organization"))
    agent: dict[str, Any] = {"@type": "Person" if person else "Organization",
                             "name": contributor["title"].strip()}
    for key in ("givenName", "familyName", "email"):
        if _text(contributor.get(key)):
            agent[key] = contributor[key].strip()
    path = _text(contributor.get("path"))
    if path and path.startswith(("http://", "https://")):
        agent["url"] = path
    if person and _text(contributor.get("organization")):
        agent["affiliation"] = {"@type": "Organization", "name": contributor["organization"]}
    return agent


def _licenses(descriptor: Mapping[str, Any]) -> list[str]:
    found = []
    for lic in descriptor.get("licenses") or []:
        if isinstance(lic, dict):
            value = _text(lic.get("path")) or _text(lic.get("name"))
            if value:
                found.append(value)
    return found


def _published(descriptor: Mapping[str, Any]) -> str | None:
    """The publish date: ``opencase:published``, else the date of ``created``."""
    published = _text(descriptor.get(PUBLISHED_PROPERTY))
    if published:
        return published
    created = _text(descriptor.get("created"))
    return created[:10] if created else None


def _languages(descriptor: Mapping[str, Any]) -> list[str]:
    return _as_list(descriptor.get(LANGUAGES_PROPERTY))


def how_to_cite(descriptor: Mapping[str, Any]) -> str:
    """The citation the site shows: creators, title, version, homepage or id."""
    who = ", ".join(c["title"].strip() for c in _creators(descriptor))
    title = descriptor.get("title") or descriptor.get("name")
    where = descriptor.get("homepage") or descriptor.get("id") or ""
    return (f"{who + '. ' if who else ''}{title}, version {descriptor.get('version')}. "
            f"{where}").strip()


def _creators(descriptor: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Contributors with the role ``creator`` or ``author``; failing that, every contributor
    but the publisher and the contact."""
    people = _contributors(descriptor)
    creators = [c for c in people if set(_roles(c)) & set(CREATOR_ROLES)]
    only_reach = {PUBLISHER_ROLE, CONTACT_ROLE}  # who publishes or answers, not who made it
    return creators or [c for c in people if not _roles(c) or set(_roles(c)) - only_reach]


def _common(descriptor: Mapping[str, Any]) -> dict[str, Any]:
    """The schema.org properties both documents share, in a fixed order."""
    d = descriptor
    title = _text(d.get("title")) or str(d.get("name"))
    ld: dict[str, Any] = {"name": title,
                          "description": _text(d.get("description")) or title}
    if _text(d.get("id")):
        ld["identifier"] = d["id"]
    if _text(d.get("homepage")):
        ld["url"] = d["homepage"]
    if _text(d.get("version")):
        ld["version"] = d["version"]
    published = _published(d)
    if published:
        ld["datePublished"] = published
    if _text(d.get("created")):
        ld["dateCreated"] = d["created"]
    keywords = _as_list(d.get("keywords"))
    if keywords:
        ld["keywords"] = keywords
    licenses = _licenses(d)
    if licenses:
        ld["license"] = licenses[0] if len(licenses) == 1 else licenses
    languages = _languages(d)
    if languages:
        ld["inLanguage"] = languages[0] if len(languages) == 1 else languages
    if _text(d.get(TEMPORAL_PROPERTY)):
        ld["temporalCoverage"] = d[TEMPORAL_PROPERTY]
    creators = _creators(d)
    if creators:
        ld["creator"] = [_agent(c) for c in creators]
    publishers = [c for c in _contributors(d) if PUBLISHER_ROLE in _roles(c)]
    if publishers:
        ld["publisher"] = _agent(publishers[0])
    roles = [{"@type": "Role", "roleName": _roles(c), "contributor": _agent(c)}
             for c in _contributors(d) if _roles(c)]
    if roles:
        ld["contributor"] = roles
    ld["citation"] = how_to_cite(d)
    return ld


def schema_org_dataset(descriptor: Mapping[str, Any],
                       distribution: Iterable[Mapping[str, Any]] | None = None,
                       context: str | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The package as a schema.org ``Dataset`` (JSON-LD). ``distribution``: the downloads, each
    with ``name``, ``path`` and ``mediatype`` (default: the package's resources, at their
    paths relative to the package). ``context``: the JSON-LD context (default an inline one,
    ``{"@vocab": "https://schema.org/"}``, which needs no fetching; a web page may give
    ``"https://schema.org"``, the form search engines document)."""
    ld: dict[str, Any] = {"@context": context or {"@vocab": SCHEMA_ORG}, "@type": "Dataset"}
    if _text(descriptor.get("id")):
        ld["@id"] = descriptor["id"]
    ld.update(_common(descriptor))
    ld["isAccessibleForFree"] = True
    downloads = []
    for x in distribution if distribution is not None else _resource_downloads(descriptor):
        item = {"@type": "DataDownload", "name": x["name"],
                "encodingFormat": x.get("mediatype") or x.get("format"),
                "contentUrl": x["path"]}
        if x.get("sha256"):
            item["sha256"] = x["sha256"]
        downloads.append({k: v for k, v in item.items() if v})
    if downloads:
        ld["distribution"] = downloads
    return ld


def _sha256(resource: Mapping[str, Any]) -> str | None:
    parsed = parse_hash(resource.get("hash"))
    return parsed[1] if parsed and parsed[0] == "sha256" else None


def _resource_downloads(descriptor: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for r in descriptor.get("resources") or []:
        if isinstance(r, dict) and isinstance(r.get("path"), str) and r.get("name"):
            out.append({"name": r["name"], "path": r["path"],
                        "mediatype": r.get("mediatype") or r.get("format"),
                        "sha256": _sha256(r)})
    return out


# ---------------------------------------------------------------- Croissant


def _csv_tables(descriptor: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The CSV table resources with a single local path and a Table Schema of named fields."""
    out = []
    for r in descriptor.get("resources") or []:
        if not isinstance(r, dict) or resource_format(r) != "csv":
            continue
        schema = r.get("schema")
        if not isinstance(r.get("path"), str) or not isinstance(schema, dict):
            continue
        fields = schema.get("fields")
        if isinstance(fields, list) and fields and all(
                isinstance(f, dict) and isinstance(f.get("name"), str) for f in fields):
            out.append(r)
    return out


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value or [] if isinstance(v, str)] if isinstance(value, list) else []


def croissant(descriptor: Mapping[str, Any]) -> dict[str, Any]:
    """The package as an MLCommons Croissant 1.1 document (see the module's docstring)."""
    # the language of the texts: the data's first, else "und" (BCP 47: undetermined)
    languages = _languages(descriptor)
    context = {"@language": languages[0] if languages else "und", **_CROISSANT_CONTEXT}
    doc: dict[str, Any] = {"@context": context, "@type": "sc:Dataset",
                           "conformsTo": CROISSANT_CONFORMS_TO}
    common = _common(descriptor)
    doc["citeAs"] = common.pop("citation")
    doc.update(common)
    tables = _csv_tables(descriptor)
    doc["distribution"] = [_file_object(r) for r in tables]
    by_name = {r["name"]: r for r in tables}
    doc["recordSet"] = [_record_set(r, by_name) for r in tables]
    return doc


def _file_object(resource: Mapping[str, Any]) -> dict[str, Any]:
    obj: dict[str, Any] = {"@type": "cr:FileObject", "@id": resource["path"],
                           "name": resource["path"], "contentUrl": resource["path"],
                           "encodingFormat": "text/csv"}
    if isinstance(resource.get("bytes"), int):
        obj["contentSize"] = f"{resource['bytes']} B"
    sha = _sha256(resource)
    if sha:
        obj["sha256"] = sha
    return obj


def _record_set(resource: Mapping[str, Any], by_name: Mapping[str, Any]) -> dict[str, Any]:
    name, schema = resource["name"], resource["schema"]
    fields = []
    for f in schema["fields"]:
        kind = f.get("type")
        field: dict[str, Any] = {
            "@type": "cr:Field", "@id": f"{name}/{f['name']}", "name": f["name"],
            "dataType": _DATA_TYPES.get(kind, "sc:Text") if isinstance(kind, str) else "sc:Text",
            "source": {"fileObject": {"@id": resource["path"]},
                       "extract": {"column": f["name"]}},
        }
        if _text(f.get("description")):
            field["description"] = f["description"].strip()
        fields.append(field)
    record_set: dict[str, Any] = {"@type": "cr:RecordSet", "@id": name, "name": name}
    if _text(resource.get("description")):
        record_set["description"] = resource["description"].strip()
    key = [k for k in _as_list(schema.get("primaryKey"))
           if any(f["name"] == k for f in schema["fields"])]
    if key:
        ids = [{"@id": f"{name}/{k}"} for k in key]
        record_set["key"] = ids[0] if len(ids) == 1 else ids
    by_field = {f["@id"]: f for f in fields}
    for fk in schema.get("foreignKeys") or []:
        target = _reference(name, fk, by_name)
        if target is not None:
            by_field[f"{name}/{target[0]}"]["references"] = {"field": {"@id": target[1]}}
    record_set["field"] = fields
    return record_set


def _reference(name: str, fk: Any, by_name: Mapping[str, Any]) -> tuple[str, str] | None:
    """A single-column foreign key to a CSV table of the package: (its column, the id of the
    field it references); ``None`` for what Croissant cannot say (several columns, or a
    table it does not describe)."""
    if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
        return None
    cols, ref = _as_list(fk.get("fields")), fk["reference"]
    targets = _as_list(ref.get("fields"))
    table = ref.get("resource") or name  # no resource: the same table
    if len(cols) != 1 or len(targets) != 1 or table not in by_name:
        return None
    names = [f["name"] for f in by_name[table]["schema"]["fields"]]
    own = [f["name"] for f in by_name[name]["schema"]["fields"]]
    if targets[0] not in names or cols[0] not in own:
        return None
    return cols[0], f"{table}/{targets[0]}"
