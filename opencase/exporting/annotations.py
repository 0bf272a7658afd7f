"""``opencase export annotations``: every citation of a package as a W3C Web Annotation.

The package's ``citations`` table becomes one ``AnnotationCollection`` of the W3C Web
Annotation Data Model, in JSON-LD with the model's context (``http://www.w3.org/ns/anno.jsonld``):
the collection's ``first`` (and ``last``) ``AnnotationPage`` holds every citation, in the
table's order, as an ``Annotation``:

- ``id``: ``BASE#CITATION_ID`` (the citation id's ``#`` written ``%23``); ``BASE`` is the
  package's ``id`` when that is an IRI (opencase writes a ``urn:uuid:``), else a name-based
  UUID URN of its ``id`` or ``name``, or the base IRI given. A citation id is derived from the
  citation's content, so an annotation keeps its id from one version of a dataset to the next.
- ``motivation``: ``identifying`` for a citation of a whole record (the passage is about that
  record), ``describing`` for one of a field, a name variant or a reported value (the value
  describes what the passage says).
- ``body``: the record (``BASE#RECORD_ID``, its ``label`` from ``entities`` and its kind as
  ``schema:additionalType``); for a field, a ``SpecificResource`` of that record with the
  field as ``schema:propertyID`` and its value as ``schema:value`` (a JSON-LD ``@list`` for a
  list of ids or words; none for a list of structured items; for a name variant or a
  reported value, ``schema:additionalType`` ``names`` or ``reported`` and its
  ``schema:position``, the property ``names`` or the field reported); and the curator's
  note, if any, as a ``TextualBody`` with the purpose ``commenting``.
- ``target``: a ``SpecificResource`` whose ``source`` is the text the passage is in, named by
  the SHA-256 of its snapshot as an RFC 6920 IRI (``ni:///sha-256;...``), with the web page it
  was taken from (``dcterms:source``) when its URL is known; its ``selector`` is a
  ``TextQuoteSelector`` (``exact``, ``prefix``, ``suffix``) and, when the quote was located
  in the snapshot, a ``TextPositionSelector`` (``start``, ``end``: code points of the
  snapshot). A source's own snapshot (a citation without a quote) targets the whole text.
- ``schema:citation``: the source record the citation names (``BASE#SOURCE_ID``).

Columnar: each annotation's JSON text is put together by Arrow string kernels, a batch of
citations at a time; only the few distinct texts (and, in a package whose ids need
percent-encoding, the distinct ids) go through Python one by one.
"""

from __future__ import annotations

import base64
import json
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from opencase.errors import InvalidArgument, LoadError, NotAFolder, UsageError
from opencase.safeio import temporary_beside

if TYPE_CHECKING:
    import pyarrow as pa

    from opencase.datapackage.load import DataPackage
    from opencase.validation.quotes import SnapshotIndex

__all__ = ["ANNO_CONTEXT", "AnnotationsWritten", "annotation_base", "export_annotations",
           "ni_iri"]

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CONTEXT = 32  # code points of prefix and suffix taken from a snapshot
BATCH_ROWS = 65_536
# an absolute IRI without a fragment, white space or characters an IRI may not hold
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s#<>\"{}|\\^`]+")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")  # (a fragment allowed)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PLAIN_ID = r"^[A-Za-z0-9._~#-]*$"  # ids written into a fragment as they are (``#`` as %23)
_CONTROL = r"[\x00-\x1f]"


@dataclass(frozen=True)
class AnnotationsWritten:
    """What :func:`export_annotations` wrote: ``total`` annotations into ``out``, of which
    ``located`` have a TextPositionSelector, ``quote_only`` a TextQuoteSelector alone (a quote
    not located in a snapshot) and ``whole_text`` target a whole text (a source's snapshot).
    With a snapshot folder, ``from_snapshots`` located quotes were taken from their snapshot's
    text and ``snapshot_missing`` kept as published (their snapshot is not in the folder)."""

    out: Path
    base: str
    total: int
    located: int
    quote_only: int
    whole_text: int
    from_snapshots: int = 0
    snapshot_missing: int = 0

    def summary(self) -> str:
        said = (f"wrote {self.out}: {self.total} annotations ({self.located} with quote and "
                f"position, {self.quote_only} with the quote only, {self.whole_text} of a "
                f"whole text), ids under {self.base}#")
        if self.from_snapshots or self.snapshot_missing:
            said += f"; {self.from_snapshots} quotes taken from their snapshots"
        if self.snapshot_missing:
            said += (f", {self.snapshot_missing} as published (their snapshot is not in the "
                     "folder)")
        return said

    def as_dict(self) -> dict[str, Any]:
        return {"out": str(self.out), "base": self.base, "total": self.total,
                "located": self.located, "quote_only": self.quote_only,
                "whole_text": self.whole_text, "from_snapshots": self.from_snapshots,
                "snapshot_missing": self.snapshot_missing}


def export_annotations(package: str | os.PathLike[str] | DataPackage,
                       out: str | os.PathLike[str], *, base: str | None = None,
                       snapshots: str | os.PathLike[str] | None = None) -> AnnotationsWritten:
    """Write every citation of ``package`` (a folder, ``datapackage.json``, zip or http(s) URL,
    or a package :func:`opencase.load` opened) into ``out`` as a W3C Web Annotation
    ``AnnotationCollection`` in JSON-LD (see the module docstring). ``base``: the IRI the
    annotations' ids are fragments of (default: from the package's ``id``, see
    :func:`annotation_base`). ``snapshots``: a folder of source snapshots, found by SHA-256;
    each located quote's TextQuoteSelector is then taken from its snapshot: ``exact`` is the
    text at ``[start, end)`` (the curator's quote may differ in typography or white space) and
    ``prefix``/``suffix`` the :data:`CONTEXT` characters just before and after it (without it,
    the published quote, prefix and suffix). The file is written beside ``out`` and then
    swapped in, so a failure leaves no half-written file.

    Raises :class:`opencase.LoadError` for a package that cannot be opened or has no
    ``citations`` table, :class:`opencase.errors.UsageError` for a bad ``base`` or an ``out``
    that is a folder or in a folder that does not exist or a missing snapshot folder,
    ``OSError`` for an ``out`` it cannot write.
    """
    from opencase.datapackage.load import DataPackage
    from opencase.dataset import load
    from opencase.validation.quotes import SnapshotIndex

    target = Path(out)
    _check_out(target)
    if base is not None:  # (before any download)
        annotation_base({}, base)
    index = SnapshotIndex(snapshots) if snapshots is not None else None
    pkg = package if isinstance(package, DataPackage) else load(package)
    if "citations" not in pkg.table_names:
        raise LoadError(f"{_where(package)} has no `citations` table: it is not an opencase "
                        "package, whose citations would become annotations")
    iri = annotation_base(pkg.descriptor, base)
    citations = pkg.table("citations")
    for name in ("citation_id", "record_id", "source_id"):
        if name not in citations.column_names:
            raise LoadError(f"the `citations` table of {_where(package)} has no column "
                            f"`{name}`: not an opencase package")
    writer = _Writer(pkg, iri, index)
    return writer.write(citations, target)


def annotation_base(descriptor: Mapping[str, Any], base: str | None = None) -> str:
    """The IRI whose fragments name a package's annotations and records: ``base`` when given
    (an absolute IRI without a fragment), else the package's ``id`` when that is one, else
    ``urn:uuid:`` and the name-based (SHA-1, RFC 9562 version 5) UUID of ``opencase:`` and its
    ``id`` or ``name``."""
    if base is not None:
        if not isinstance(base, str) or not _IRI.fullmatch(base):
            raise InvalidArgument(f"the base {base!r} is not an absolute IRI without a "
                                  "fragment (such as https://example.org/case/annotations"
                                  ".jsonld or urn:uuid:...)")
        return base
    pid, name = descriptor.get("id"), descriptor.get("name")
    if isinstance(pid, str) and _IRI.fullmatch(pid):
        return pid
    key = next((k for k in (pid, name) if isinstance(k, str) and k), None)
    if key is None:
        raise LoadError("the package has neither an id nor a name to derive the annotations' "
                        "ids from: give a base IRI")
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'opencase:' + key)}"


def ni_iri(sha256: str) -> str:
    """The RFC 6920 ``ni`` IRI of a SHA-256 given in hexadecimal: ``ni:///sha-256;`` and the
    digest in unpadded base64url."""
    digest = base64.urlsafe_b64encode(bytes.fromhex(sha256)).decode("ascii")
    return "ni:///sha-256;" + digest.rstrip("=")


def _where(package: object) -> str:
    return "the package" if not isinstance(package, (str, os.PathLike)) else str(package)


def _check_out(out: Path) -> None:
    if out.is_dir():
        raise UsageError(f"{out} is a folder: give the path of the .jsonld file to write")
    if not out.parent.is_dir():
        raise NotAFolder(f"the folder {out.parent} (of {out.name}) does not exist")


# ------------------------------------------------------------------ the JSON, column-wise


def _cat(*pieces: Any) -> Any:
    """Pieces (string arrays and literals) joined row by row; null where any piece is."""
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(*pieces, "")


def _opt(*pieces: Any) -> Any:
    """Like :func:`_cat`, but ``""`` where any piece is null (an optional member)."""
    import pyarrow.compute as pc

    return pc.fill_null(_cat(*pieces), "")


def _json(arr: pa.Array) -> pa.Array:
    """Each value as a JSON string literal (null stays null)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pc.cast(arr, pa.string())
    arr = pc.replace_substring(arr, "\\", "\\\\")
    arr = pc.replace_substring(arr, '"', '\\"')
    if pc.any(pc.match_substring_regex(arr, _CONTROL)).as_py():
        for code in range(0x20):
            arr = pc.replace_substring(arr, chr(code), json.dumps(chr(code))[1:-1])
    return _cat('"', arr, '"')


def _fragment(arr: pa.Array) -> pa.Array:
    """Ids as IRI fragments: percent-encoded but for the unreserved characters."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pc.all(pc.match_substring_regex(arr, _PLAIN_ID)).as_py() is not False:
        return pc.replace_substring(arr, "#", "%23")
    coded = pc.dictionary_encode(arr)
    words = [None if w is None else quote(w, safe="-._~")
             for w in coded.dictionary.to_pylist()]
    return pa.array(words, pa.string()).take(coded.indices)


def _blank(arr: pa.Array) -> pa.Array:
    """Empty strings as null (a CSV's empty cell and Parquet's null alike)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        return arr
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)


class _Writer:
    """The lookups an annotation needs (labels, values, texts), read once per package."""

    def __init__(self, pkg: DataPackage, base: str, index: SnapshotIndex | None = None) -> None:
        self.pkg = pkg
        self.base = base
        self.index = index
        self.from_snapshots = self.snapshot_missing = 0
        self.b = json.dumps(base)[1:-1]  # (an IRI: nothing to escape, but to be sure)
        self._keyed: dict[tuple[str, str], tuple[pa.Array, pa.Array] | None] = {}
        self.lists: dict[tuple[str, str], tuple[str, tuple[str, ...], str]] = {}
        self._lists: dict[str, tuple[pa.Array, pa.Array] | None] = {}
        self.fields = self._field_columns()
        self.sources = self._sources()

    # ---- reading the package

    def _field_columns(self) -> dict[str, dict[str, str]]:
        """For each kind (table), the column holding each of its fields' single values."""
        case_model = getattr(self.pkg, "case_model", None)
        if case_model is None:  # a package opened without the record models
            return {}
        from opencase.publishing.layout import layout

        out: dict[str, dict[str, str]] = {}
        for spec in layout(case_model).values():
            if spec.kind and spec.name == spec.kind and not spec.list_field:
                out[spec.kind] = {c.field: c.name for c in spec.columns
                                  if c.field and not c.part}
            elif spec.kind and spec.list_field and not spec.item_is_model \
                    and len(spec.primary_key) == 2:  # a list of ids or words, one per row
                (item,) = (n for n in spec.names if n not in spec.primary_key)
                self.lists[(spec.kind, spec.list_field)] = (spec.name, spec.primary_key, item)
        return out

    def _sources(self) -> dict[str, dict[str, Any]]:
        if "sources" not in self.pkg.table_names:
            return {}
        table = self.pkg.table("sources")
        if "id" not in table.column_names:
            return {}
        keep = [c for c in ("id", "title", "url", "language") if c in table.column_names]
        out = {row["id"]: row for row in table.select(keep).to_pylist()}
        found = self._lookup("entities", "label", ("id",))
        if found is not None:  # a source without a title is known by its label
            ids = table.column("id").combine_chunks()
            for sid, label in zip(ids.to_pylist(), _take(found, ids).to_pylist(), strict=True):
                out[sid]["label"] = label
        return out

    def _lookup(self, table_name: str, value: str,
                key: tuple[str, ...]) -> tuple[pa.Array, pa.Array] | None:
        """(keys, values) of a table: the key columns joined by U+001F, and column ``value``
        as text; ``None`` when the package has no such table or columns."""
        import pyarrow as pa
        import pyarrow.compute as pc

        cache_key = (table_name, value + "\x1f" + "\x1f".join(key))
        if cache_key not in self._keyed:
            found = None
            if table_name in self.pkg.table_names:
                t = self.pkg.table(table_name)
                if value in t.column_names and all(k in t.column_names for k in key):
                    try:
                        values = pc.cast(t.column(value).combine_chunks(), pa.string())
                    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                        values = None  # (a list or a struct: not one value)
                    if values is not None:
                        keys = _cat(*_joined([pc.cast(t.column(k).combine_chunks(),
                                                      pa.string()) for k in key]))
                        found = (keys, values)
            self._keyed[cache_key] = found
        return self._keyed[cache_key]

    def _column_of(self, kind: str, field: str) -> str:
        return self.fields.get(kind, {}).get(field, field)

    # ---- the pieces of an annotation

    def _values(self, c: dict[str, pa.Array]) -> pa.Array:
        """The value each citation supports, as JSON: the field's column in the record's
        table (a string), the items of a list field of ids or words in their order (a JSON-LD
        ``@list`` of strings), the name variant's name or the reported value; null for the whole
        record, or a list of structured items."""
        import pyarrow as pa
        import pyarrow.compute as pc

        n = len(c["record_id"])
        out = pa.nulls(n, pa.string())
        rid = c["record_id"]
        field_key = _cat(c["record_kind"], "\x1f", c["field"])
        keys = [k for k in pc.unique(field_key).to_pylist() if k is not None]
        for key in keys:
            kind, _, field = key.partition("\x1f")
            found = self._lookup(kind, self._column_of(kind, field), ("id",))
            if found is not None:
                out = pc.if_else(_is(field_key, key), _take(found, rid), out)
        item = _cat(rid, "\x1f", pc.cast(c["part_position"], pa.string()))
        for part, table, column in (("names", "names", "name"),
                                    ("reported", "reported_values", "value")):
            rows = pc.fill_null(pc.equal(c["part"], part), False)
            if pc.any(rows).as_py():
                found = self._lookup(table, column, ("record_id", "position"))
                if found is not None:
                    out = pc.if_else(rows, _take(found, item), out)
        out = _json(out)
        for key in keys:
            found = self._list_values(*key.partition("\x1f")[::2])
            if found is not None:
                out = pc.if_else(_is(field_key, key), _take(found, rid), out)
        return out

    def _list_values(self, kind: str, field: str) -> tuple[pa.Array, pa.Array] | None:
        """(record ids, their items as a JSON-LD list, ``{"@list": [...]}``, so that their order
        is kept) of a list field of ids or words, or
        ``None`` when ``field`` is not one, or the package lacks its table."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if (kind, field) not in self.lists:
            return None
        table, (key, position), item = self.lists[(kind, field)]
        if table not in self._lists:
            found = None
            if table in self.pkg.table_names and {key, position, item} <= set(
                    self.pkg.table(table).column_names):
                t = self.pkg.table(table).select([key, position, item])
                t = t.sort_by([(key, "ascending"), (position, "ascending")])
                grouped = t.group_by(key, use_threads=False).aggregate([(item, "list")])
                items = grouped.column(f"{item}_list").combine_chunks()
                texts = _json(pc.cast(items.flatten(), pa.string()))
                joined = pc.binary_join(pa.ListArray.from_arrays(items.offsets, texts), ",")
                found = (pc.cast(grouped.column(key).combine_chunks(), pa.string()),
                         _cat('{"@list":[', joined, "]}"))
            self._lists[table] = found
        return self._lists[table]

    def _reported_fields(self, c: dict[str, pa.Array]) -> pa.Array:
        """The field of each cited reported value (null for the other citations)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        rows = pc.fill_null(pc.equal(c["part"], "reported"), False)
        found = self._lookup("reported_values", "field", ("record_id", "position"))
        if found is None or not pc.any(rows).as_py():
            return pa.nulls(len(rows), pa.string())
        item = _cat(c["record_id"], "\x1f", pc.cast(c["part_position"], pa.string()))
        return pc.if_else(rows, _take(found, item), pa.scalar(None, pa.string()))

    def _labels(self, rid: pa.Array) -> pa.Array:
        import pyarrow as pa

        found = self._lookup("entities", "label", ("id",))
        return pa.nulls(len(rid), pa.string()) if found is None else _take(found, rid)

    def _source_node(self, text_source: str, sha256: str | None) -> str:
        """The JSON of the text a passage is in: its snapshot's ``ni`` IRI (with the web
        page's URL as ``dcterms:source``), else its URL, else its source record."""
        info = self.sources.get(text_source, {})
        url = info.get("url")
        url = url if isinstance(url, str) and _URL.fullmatch(url) else None
        node: dict[str, Any]
        if sha256 is not None:
            if not _SHA256.fullmatch(sha256):
                raise LoadError(f"citations: source_sha256 {sha256!r} is not a SHA-256 in "
                                "hexadecimal")
            node = {"id": ni_iri(sha256), "type": "Text", "format": "text/plain"}
        elif url is not None:
            node = {"id": url}
        else:
            node = {"id": f"{self.base}#{quote(text_source, safe='-._~')}"}
        label = info.get("title") or info.get("label")
        if label:
            node["label"] = label
        if info.get("language"):
            node["language"] = info["language"]
        if sha256 is not None and url is not None:
            node["dcterms:source"] = {"id": url}
        return json.dumps(node, ensure_ascii=False, separators=(",", ":"))

    def _targets(self, c: dict[str, pa.Array]) -> pa.Array:
        import pyarrow as pa
        import pyarrow.compute as pc

        text_source = pc.coalesce(c["via_source_id"], c["source_id"])
        key = pc.dictionary_encode(_cat(text_source, "\x1f",
                                        pc.fill_null(c["source_sha256"], "")))
        nodes = []
        for k in key.dictionary.to_pylist():
            sid, _, sha = k.partition("\x1f")
            nodes.append(self._source_node(sid, sha or None))
        source = pa.array(nodes, pa.string()).take(key.indices)
        quote_selector = _cat('{"type":"TextQuoteSelector","exact":', _json(c["quote"]),
                              _opt(',"prefix":', _json(c["prefix"])),
                              _opt(',"suffix":', _json(c["suffix"])), "}")
        position = _opt(',{"type":"TextPositionSelector","start":',
                        pc.cast(c["start"], pa.string()), ',"end":',
                        pc.cast(c["end"], pa.string()), "}")
        passage = _cat('{"type":"SpecificResource","source":', source, ',"selector":[',
                       quote_selector, position, "]}")
        return pc.if_else(pc.is_null(c["quote"]), source, passage)

    def _bodies(self, c: dict[str, pa.Array]) -> tuple[pa.Array, pa.Array]:
        """Each annotation's body and whether it is of a value (not of a whole record)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        record = _cat('{"id":"', self.b, "#", _fragment(c["record_id"]), '"',
                      _opt(',"label":', _json(self._labels(c["record_id"]))),
                      _opt(',"schema:additionalType":', _json(c["record_kind"])), "}")
        prop = pc.coalesce(c["field"], self._reported_fields(c), c["part"])
        of_value = pc.is_valid(prop)
        value = _cat('{"type":"SpecificResource","purpose":"describing","source":', record,
                     ',"schema:propertyID":', _json(prop),
                     _opt(',"schema:additionalType":', _json(c["part"])),
                     _opt(',"schema:position":', pc.cast(c["part_position"], pa.string())),
                     _opt(',"schema:value":', self._values(c)), "}")
        body = pc.if_else(of_value, value, record)
        note = _cat('{"type":"TextualBody","purpose":"commenting","format":"text/plain",'
                    '"value":', _json(c["note"]), "}")
        with_note = _cat("[", body, ",", note, "]")
        return pc.if_else(pc.is_null(note), body, with_note), of_value

    def annotations(self, batch: pa.RecordBatch) -> pa.Array:
        """The JSON text of each citation of ``batch`` as an Annotation."""
        import pyarrow.compute as pc

        c = _columns(batch)
        if self.index is not None:
            self._quote_snapshots(c)
        body, of_value = self._bodies(c)
        motivation = pc.if_else(of_value, '"describing"', '"identifying"')
        return _cat('{"id":"', self.b, "#", _fragment(c["citation_id"]),
                    '","type":"Annotation","motivation":', motivation, ',"body":', body,
                    ',"target":', self._targets(c), ',"schema:citation":{"id":"', self.b, "#",
                    _fragment(c["source_id"]), '"}}')

    # ---- quotes from the snapshots

    def _read_snapshots(self, citations: pa.Table) -> None:
        """The snapshots the citations are located in that the folder holds, as one array of
        their characters (code points) end to end, with where each starts and its length."""
        import pyarrow as pa
        import pyarrow.compute as pc

        shas: list[str] = []
        texts: list[pa.Array] = []
        if self.index is not None and "source_sha256" in citations.column_names:
            for sha in pc.unique(citations.column("source_sha256")).to_pylist():
                snapshot = self.index.get(sha) if sha else None
                if snapshot is None:
                    continue
                try:
                    text = snapshot.text
                except UnicodeDecodeError:
                    raise LoadError(f"the snapshot {snapshot.path} is not UTF-8 text") from None
                shas.append(sha)
                texts.append(_characters(text))
        sizes = pa.array([len(t) for t in texts], pa.int64())
        self._texts = (pa.array(shas, pa.string()),
                       pa.concat_arrays(texts) if texts else pa.array([], pa.large_string()),
                       pc.subtract(pc.cumulative_sum(sizes), sizes), sizes)

    def _quote_snapshots(self, c: dict[str, pa.Array]) -> None:
        """Replace, in place, each located quote and its prefix and suffix by the text of its
        snapshot: at ``[start, end)``, and the :data:`CONTEXT` characters before and after."""
        import pyarrow as pa
        import pyarrow.compute as pc

        shas, chars, bases, sizes = self._texts
        located = pc.and_(pc.and_(pc.is_valid(c["quote"]), pc.is_valid(c["source_sha256"])),
                          pc.and_(pc.is_valid(c["start"]), pc.is_valid(c["end"])))
        which = pc.index_in(c["source_sha256"], value_set=shas)
        rows = pc.fill_null(pc.and_(located, pc.is_valid(which)), False)
        found = pc.sum(rows).as_py() or 0
        self.snapshot_missing += (pc.sum(located).as_py() or 0) - found
        if not found:
            return
        which = pc.filter(which, rows)
        start = pc.cast(pc.filter(c["start"], rows), pa.int64())
        end = pc.cast(pc.filter(c["end"], rows), pa.int64())
        size = sizes.take(which)
        if pc.any(pc.or_(pc.or_(pc.less(start, 0), pc.greater(start, end)),
                         pc.greater(end, size))).as_py():
            raise LoadError("citations: a quote's offsets are outside the text of its snapshot")
        before = pc.max_element_wise(pc.subtract(start, CONTEXT), 0)
        after = pc.min_element_wise(pc.add(end, CONTEXT), size)
        base = bases.take(which)
        for name, (a, b) in (("quote", (start, end)), ("prefix", (before, start)),
                             ("suffix", (end, after))):
            text = _slices(chars, pc.add(base, a), pc.add(base, b))
            c[name] = pc.replace_with_mask(c[name], rows, _blank(text))
        self.from_snapshots += found

    # ---- the file

    def write(self, citations: pa.Table, out: Path) -> AnnotationsWritten:
        import pyarrow as pa
        import pyarrow.compute as pc

        collection, page = f"{self.base}#/annotations", f"{self.base}#/annotations/page/1"
        total = citations.num_rows
        head: dict[str, Any] = {"@context": ANNO_CONTEXT, "id": collection,
                                "type": "AnnotationCollection",
                                "label": _label(self.pkg.descriptor), "total": total}
        located = quote_only = 0
        if self.index is not None:
            self._read_snapshots(citations)
        with temporary_beside(out) as tmp:
            with tmp.open("wb") as f:
                text = json.dumps(head, ensure_ascii=False, indent=1)
                if total == 0:  # (an empty collection has no pages)
                    f.write(text.encode("utf-8") + b"\n")
                else:
                    first = json.dumps({"id": page, "type": "AnnotationPage",
                                        "partOf": collection, "startIndex": 0},
                                       ensure_ascii=False)
                    f.write((text[:-2] + ',\n "first": ' + first[:-1]
                             + ',\n  "items": [\n').encode("utf-8"))
                    sep = b""
                    for batch in citations.to_batches(max_chunksize=BATCH_ROWS):
                        if not batch.num_rows:
                            continue
                        items = self.annotations(batch)
                        if items.null_count:  # (a piece every annotation has was missing)
                            raise LoadError("citations: a row has no citation_id, record_id "
                                            "or source_id")
                        joined = pc.binary_join(pa.ListArray.from_arrays(
                            pa.array([0, len(items)], pa.int32()), items), ",\n")[0]
                        f.write(sep)
                        f.write(joined.as_buffer())
                        sep = b",\n"
                        c = _columns(batch)
                        has_quote = pc.is_valid(c["quote"])
                        placed = pc.and_(has_quote, pc.and_(pc.is_valid(c["start"]),
                                                            pc.is_valid(c["end"])))
                        located += pc.sum(placed).as_py() or 0
                        quote_only += (pc.sum(has_quote).as_py() or 0) \
                            - (pc.sum(placed).as_py() or 0)
                    f.write(('\n ]},\n "last": ' + json.dumps(page) + "\n}\n").encode())
            os.replace(tmp, out)
        return AnnotationsWritten(out, self.base, total, located, quote_only,
                                  total - located - quote_only, self.from_snapshots,
                                  self.snapshot_missing)


def _columns(batch: pa.RecordBatch) -> dict[str, pa.Array]:
    """The citation columns an annotation reads (empty text as null; a column the package
    does not have, such as ``part`` in the 1.0.0 layout, all null; ``start``/``end`` from
    ``quote_start``/``quote_end``, or the 1.0.0 names)."""
    import pyarrow as pa

    names = batch.schema.names

    def col(*candidates: str, type: pa.DataType | None = None) -> pa.Array:
        for name in candidates:
            if name in names:
                return _blank(batch.column(name))
        return pa.nulls(batch.num_rows, type or pa.string())

    c = {name: col(name) for name in ("citation_id", "record_id", "record_kind", "part",
                                      "field", "source_id", "quote", "prefix", "suffix",
                                      "source_sha256", "via_source_id", "note")}
    c["part_position"] = col("part_position", type=pa.int64())
    c["start"] = col("quote_start", "start", type=pa.int64())
    c["end"] = col("quote_end", "end", type=pa.int64())
    return c


def _characters(text: str) -> pa.Array:
    """``text`` as a string array of its characters (one code point each), built from its
    UTF-8 bytes and the width of each code point."""
    import pyarrow as pa
    import pyarrow.compute as pc

    points = pa.Array.from_buffers(pa.uint32(), len(text),
                                   [None, pa.py_buffer(text.encode("utf-32-le"))])

    def wider(limit: int) -> pa.Array:
        return pc.cast(pc.greater_equal(points, limit), pa.int64())

    width = pc.add(pc.add(wider(0x80), wider(0x800)), pc.add(wider(0x10000), 1))
    offsets = pa.concat_arrays([pa.array([0], pa.int64()), pc.cumulative_sum(width)])
    return pa.LargeStringArray.from_buffers(len(text), offsets.buffers()[1],
                                            pa.py_buffer(text.encode("utf-8")))


def _slices(chars: pa.Array, start: pa.Array, end: pa.Array) -> pa.Array:
    """``text[start:end]`` for each pair of offsets (in code points), the text given as
    :func:`_characters`: the characters of every slice taken at once, then joined."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lengths = pc.subtract(end, start)
    total = pc.sum(lengths).as_py() or 0
    if total >= 2**31 and len(start) > 1:  # (a list array's offsets are 32-bit)
        half = len(start) // 2
        return pa.concat_arrays([_slices(chars, start[:half], end[:half]),
                                 _slices(chars, start[half:], end[half:])])
    offsets = pc.cast(pa.concat_arrays([pa.array([0], pa.int64()),
                                        pc.cumulative_sum(lengths)]), pa.int32())
    ones = pa.array([1], pa.int64()).take(pa.nulls(total, pa.int64()).fill_null(0))
    parent = pc.list_parent_indices(pa.ListArray.from_arrays(offsets, ones))
    within = pc.subtract(pc.subtract(pc.cumulative_sum(ones), 1),
                         pc.cast(offsets, pa.int64()).take(parent))
    picked = pc.cast(chars.take(pc.add(pc.take(start, parent), within)), pa.string())
    return pc.binary_join(pa.ListArray.from_arrays(offsets, picked), "")


def _joined(columns: list[pa.Array]) -> list[Any]:
    pieces: list[Any] = []
    for i, column in enumerate(columns):
        pieces += ["\x1f", column] if i else [column]
    return pieces


def _is(column: pa.Array, value: str) -> pa.Array:
    """Where ``column`` equals ``value`` (false, not null, where it is null)."""
    import pyarrow.compute as pc

    return pc.fill_null(pc.equal(column, value), False)


def _take(found: tuple[pa.Array, pa.Array], keys: pa.Array) -> pa.Array:
    import pyarrow.compute as pc

    return found[1].take(pc.index_in(keys, value_set=found[0]))


def _label(descriptor: Mapping[str, Any]) -> str:
    title = descriptor.get("title") or descriptor.get("name") or "the package"
    version = descriptor.get("version")
    return f"Citations of {title}" + (f", version {version}" if version else "")
