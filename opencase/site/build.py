"""``opencase site``: a static website of a published package, written atomically.

:func:`build_site` opens the package (:func:`opencase.load`: folder, ``datapackage.json``,
zip or URL, hashes verified), reads what it shows (:mod:`opencase.site.model`), renders the
Jinja2 templates of ``opencase/site/templates`` (autoescaped: record text is untrusted) and
writes the pages into a temporary folder beside ``out``, then swaps it in. The pages load
nothing from the network, link relatively (they work from ``file://``), and the same package
(and snapshots) give the same bytes.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
import zipfile
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from opencase.datapackage.linked import schema_org_dataset
from opencase.errors import PublishError
from opencase.site.marks import Passage, render_marked
from opencase.site.model import CORRECTIONS, SiteData, read_site_data, safe_name
from opencase.site.timeline import timeline

__all__ = ["SiteResult", "build_site"]

MARKER = ".opencase-site"  # in every site folder: what `--out` may replace
STATIC = ("style.css", "filter.js")


@dataclass
class SiteResult:
    """What :func:`build_site` wrote."""

    out: Path
    pages: int
    records: int
    sources_with_text: list[str] = field(default_factory=list)
    sources_without_text: list[str] = field(default_factory=list)

    def summary(self) -> str:
        shown = len(self.sources_with_text)
        total = shown + len(self.sources_without_text)
        return (f"site: {self.pages} pages ({self.records} records; {shown} of {total} sources "
                f"with their text) in {self.out}")


# ---------------------------------------------------------------- helpers for templates


def _humanise(name: str) -> str:
    return name.replace("_", " ")


def _share(share: float) -> str:
    """A percentage, rounded down (never 100% unless it is), never 0% unless it is."""
    pct = math.floor(share * 1000) / 10  # as opencase coverage shows it: 99.87% is 99.8%
    if pct == 0 and share > 0:
        return "0.1%"
    return f"{pct:.1f}%"


def _paragraphs(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split("\n\n") if p.strip()]


def _json_ld(value: Any) -> str:
    """JSON for a ``<script>`` element: no ``<`` (so no ``</script>`` or ``<!--``), ``>`` or
    ``&`` in it, every one written as a JSON escape."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ---------------------------------------------------------------- the source texts


@dataclass
class SourceText:
    """A source's page: its text with the passages marked, or the quotes alone."""

    html: Any = None  # the marked text (Markup), None without a snapshot
    share: float | None = None
    share_shown: str | None = None
    passages: list[dict[str, Any]] = field(default_factory=list)  # cited spans, text order
    marked: list[dict[str, Any]] = field(default_factory=list)  # uncited: with their reason
    unplaced: list[dict[str, Any]] = field(default_factory=list)  # quotes not in the text
    uncovered: int = 0


def _page_source(c: dict[str, Any]) -> str:
    """The source whose text holds a citation's quote: ``via`` when given."""
    return str(c.get("via_source_id") or c["source_id"])


def _source_texts(data: SiteData, snapshots: Any) -> dict[str, SourceText]:
    from opencase.validation.coverage import _source_coverage
    from opencase.validation.quotes import find_quote

    if "sources" not in data.records:
        return {}
    by_page: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in data.all_citations:
        by_page[_page_source(c)].append(c)
    out: dict[str, SourceText] = {}
    for src in data.records["sources"]:
        sid = src["id"]
        st = SourceText()
        out[sid] = st
        # (a citation without a quote is the source's own text: the page itself)
        cites = [c for c in by_page.get(sid, []) if c.get("quote")]
        sha = src.get("sha256")
        snap = snapshots.get(sha) if snapshots is not None and sha else None
        text: str | None = None
        if snap is not None:
            try:
                text = snap.text
            except (OSError, UnicodeDecodeError):
                text = None
        placed: list[dict[str, Any]] = []
        if text is not None:
            for c in cites:
                s, e = c.get("quote_start"), c.get("quote_end")
                if (s is not None and e is not None and c.get("source_sha256") == sha
                        and 0 <= s < e <= len(text)):
                    placed.append(c)
        placed_ids = {c["citation_id"] for c in placed}
        # the quotes not shown in the text: one item per record and quote, every citation's
        # id on a mark of its own around the words
        grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for c in cites:
            if c["citation_id"] not in placed_ids:
                grouped.setdefault((c["record_id"], str(c["quote"])), []).append(c)
        number = 0
        for (rid, quote), group in grouped.items():
            marks_here = []
            for c in group:
                marks_here.append(Passage(0, len(quote), number, "cite",
                                          data.anchors[c["citation_id"]]))
                number += 1
            fields = list(dict.fromkeys(str(c.get("field") or c.get("part")
                                            or "the whole record") for c in group))
            st.unplaced.append({
                "anchor": data.anchors[group[0]["citation_id"]], "quote": quote,
                "label": data.label.get(rid, rid),
                "page": data.page(rid) if rid in data.kind_of else None,
                "fields": fields, "html": render_marked(quote, marks_here)})
        if text is None or snap is None:
            continue
        marks: list[tuple[int, int, int]] = []
        for row in data.uncited.get(sid, []):
            found = find_quote(snap, row["quote"], row.get("prefix"), row.get("suffix"), limit=1)
            if found:
                marks.append((found[0].start, found[0].end, int(row.get("position") or 0)))
                st.marked.append({"anchor": f"u-{row.get('position') or 0}",
                                  "quote": text[found[0].start:found[0].end],
                                  "reason": row.get("reason")})
        cov = _source_coverage(sid, str(sha), text, "", [(c["quote_start"], c["quote_end"])
                                                   for c in placed], marks)
        st.share = cov.share
        st.share_shown = _share(cov.share)
        st.uncovered = len(cov.uncovered)
        passages: list[Passage] = []
        spans: dict[tuple[int, int], dict[str, Any]] = {}
        line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
        for c in sorted(placed, key=lambda c: (c["quote_start"], -c["quote_end"])):
            span = (c["quote_start"], c["quote_end"])
            anchor = data.anchors[c["citation_id"]]
            if span not in spans:
                spans[span] = {"anchor": anchor, "line": bisect_right(line_starts, span[0]),
                               "quote": text[span[0]:span[1]], "by": {}}
            by = spans[span]["by"]
            rid = c["record_id"]
            by.setdefault(rid, {"id": rid, "label": data.label.get(rid, rid),
                                "page": data.page(rid) if rid in data.kind_of else None,
                                "anchor": "r-" + anchor, "fields": []})
            by[rid]["fields"].append(c.get("field") or c.get("part") or "the whole record")
            passages.append(Passage(span[0], span[1], len(passages), "cite", anchor,
                                    "cited by " + data.label.get(rid, rid)))
        for (s, e, _), item in zip(marks, st.marked, strict=True):
            passages.append(Passage(s, e, len(passages), "uncited", item["anchor"],
                                    "not cited: " + str(item["reason"] or "")))
        for p in cov.uncovered:
            passages.append(Passage(p.start, p.end, len(passages), "uncovered", None,
                                    "not cited by any record", tag="span"))
        st.html = render_marked(text, passages)
        st.passages = [dict(v, by=list(v["by"].values())) for v in spans.values()]
    return out


# ---------------------------------------------------------------- the record pages


def _citation_view(data: SiteData, c: dict[str, Any]) -> dict[str, Any]:
    sid, via = c["source_id"], c.get("via_source_id")
    page_source = _page_source(c)
    has_page = data.kind_of.get(page_source) == "sources"
    return {
        "anchor": data.anchors[c["citation_id"]],
        "quote": c.get("quote"),
        "source": sid, "source_label": data.label.get(sid, sid),
        "source_page": data.page(sid) if sid in data.kind_of else None,
        "via": via, "via_label": data.label.get(via, via) if via else None,
        "via_page": data.page(via) if via and via in data.kind_of else None,
        "passage": (None if not has_page else
                    f"{data.page(page_source)}#{data.anchors[c['citation_id']]}"
                    if c.get("quote") else f"{data.page(page_source)}#h-text"),
        "located": c.get("quote_start") is not None,
        "note": c.get("note"),
    }


def _value_view(data: SiteData, col: Any, value: Any) -> dict[str, Any]:
    if value is None:
        return {"empty": True}
    if col.reference and isinstance(value, str) and value in data.kind_of:
        return {"ref": value, "label": data.label[value], "page": data.page(value)}
    if isinstance(value, bool):
        return {"text": "yes" if value else "no"}
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return {"text": text, "definition": col.categories.get(text)}


def _corrects(data: SiteData, row: dict[str, Any]) -> dict[str, Any]:
    """What a correction (a row of ``corrections``) corrects, for the list of corrections."""
    rid = str(row["record_id"])
    present = rid in data.kind_of
    return {"id": rid, "label": data.label.get(rid, rid) if present else rid,
            "page": data.page(rid) if present else None,
            "field": row.get("field"), "version": row.get("version")}


def _correction_view(data: SiteData, c: dict[str, Any]) -> dict[str, Any]:
    """A correction as the corrected record's page shows it: what was, what is, why, and the
    citations and note that justify it."""
    cid = str(c["id"])
    field = c.get("field")
    return {
        "id": cid, "anchor": "corr-" + safe_name(cid),
        "page": data.page(cid) if cid in data.kind_of else None,
        "field": field, "what": _humanise(field) if field else "the record as a whole",
        "old": c.get("old_value"), "new": c.get("new_value"), "reason": c.get("reason"),
        "version": c.get("version"), "date": c.get("date"), "note": c.get("note"),
        "citations": [_citation_view(data, x) for x in data.citations.get(cid, [])],
    }


def _record_view(data: SiteData, kind: str, row: dict[str, Any]) -> dict[str, Any]:
    rid = row["id"]
    corrections = [_correction_view(data, c) for c in data.corrections.get(rid, [])]
    corrected: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in corrections:
        if c["field"]:
            corrected[c["field"]].append(c)
    cites = data.citations.get(rid, [])
    groups: dict[tuple[Any, Any, str], list[dict[str, Any]]] = defaultdict(list)
    for c in cites:
        groups[(c.get("part"), c.get("part_position"), c.get("field") or "")].append(c)
    used: set[tuple[Any, Any, str]] = set()

    def take(part: Any, pos: Any, fld: str) -> list[dict[str, Any]]:
        key = (part, pos, fld)
        if key in used or key not in groups:
            return []
        used.add(key)
        return [_citation_view(data, c) for c in groups[key]]

    reported = data.reported.get(rid, [])
    fields = []
    for col in data.columns[kind]:
        if col.name == "id" or col.derived:
            continue
        names = [col.name] + ([col.name[:-3]] if col.name.endswith("_id") else [])
        value = row.get(col.name)
        status = next((data.statuses[(rid, n)] for n in names if (rid, n) in data.statuses),
                      None)
        fcites = [v for n in names for v in take(None, None, n)]
        variants = [
            {"value": r["value"], "preferred": bool(r.get("preferred")), "reason": r.get("reason"),
             "citations": take("reported", r["position"], "") + [
                 v for n in names for v in take("reported", r["position"], n)]}
            for r in reported if r["field"] in names
        ]
        if value is None and status is None and not fcites and not variants:
            continue
        view = _value_view(data, col, value)
        if col.date and value is not None:
            view["range"] = (row.get(f"{col.name}_start"), row.get(f"{col.name}_end"))
        fields.append({"name": col.name, "label": _humanise(names[-1]),
                       "description": col.description, "value": view, "status": status,
                       "citations": fcites, "variants": variants,
                       "corrected": [c for n in names for c in corrected.get(n, [])]})

    lists = []
    for lt in data.lists.get(kind, []):
        rows = lt.rows.get(rid, [])
        status = data.statuses.get((rid, lt.field))
        lcites = take(None, None, lt.field)
        if not rows and status is None and not lcites:
            continue
        lists.append({
            "field": lt.field, "label": _humanise(lt.field), "description": lt.description,
            "columns": [{"name": c.name, "label": _humanise(c.name)} for c in lt.columns],
            "rows": [[_value_view(data, c, r.get(c.name)) for c in lt.columns] for r in rows],
            "status": status, "citations": lcites, "corrected": corrected.get(lt.field, []),
        })

    variants = [{"name": n["name"], "type": n.get("type"),
              "citations": [v for (p, pos, f) in list(groups) if p == "names"
                            and pos == n["position"] for v in take(p, pos, f)]}
             for n in data.names.get(rid, [])]
    whole = take(None, None, "")
    other = [dict(v, field=f or p) for (p, pos, f) in list(groups) for v in take(p, pos, f)]
    backlinks = [{"id": b, "label": data.label.get(b, b), "kind": data.kind_of.get(b),
                  "page": data.page(b), "field": _humanise(f)}
                 for b, f in data.backlinks.get(rid, [])]
    speaker = row.get("speaker") if "text" in row else None
    return {
        "id": rid, "kind": kind, "label": data.label.get(rid, rid), "fields": fields,
        "lists": lists, "names": variants, "whole": whole, "other": other,
        "backlinks": backlinks, "corrections": corrections,
        "speaker": ({"id": speaker, "label": data.label.get(speaker, speaker),
                     "page": data.page(speaker) if speaker in data.kind_of else None}
                    if speaker else None),
        "words": row.get("text") if speaker else None,
    }


# ---------------------------------------------------------------- the overview


def _overview(data: SiteData, texts: dict[str, SourceText], downloads: list[dict[str, Any]]
              ) -> dict[str, Any]:
    d = data.descriptor
    licenses = [lic for lic in d.get("licenses") or [] if isinstance(lic, dict)]
    # the same schema.org Dataset as the package's dataset.jsonld, with the site's downloads
    ld = schema_org_dataset(d, [x for x in downloads if x.get("mediatype")],
                            context="https://schema.org")
    cite = ld["citation"]
    sources = []
    for src in data.records.get("sources", []):
        st = texts.get(src["id"])
        sources.append({"id": src["id"], "label": data.label.get(src["id"], src["id"]),
                        "page": data.page(src["id"]), "kind": src.get("kind"),
                        "share": _share(st.share) if st and st.share is not None else None,
                        "uncovered": st.uncovered if st else 0})
    return {
        "title": d.get("title") or d.get("name"), "name": d.get("name"),
        "description": _paragraphs(d.get("description")), "version": d.get("version"),
        "licenses": licenses, "cite": cite, "keywords": d.get("keywords") or [],
        "counts": [{"kind": k, "label": _humanise(k), "count": len(data.records[k])}
                   for k in data.kinds],
        "sources": sources, "downloads": downloads, "json_ld": _json_ld(ld),
    }


# ---------------------------------------------------------------- downloads


def _copy_downloads(pkg: Any, dest: Path) -> list[dict[str, Any]]:
    """Copy the package's files under ``dest`` (``data/``), with a zip of them all; returns
    the download list: the descriptor, the data dictionary, each table's files, the zip."""
    files: list[tuple[str, Path]] = []
    root = getattr(pkg._source, "root", None)  # a local (or unpacked) package
    for r in pkg.resources:
        paths = r.get("path")
        paths = [paths] if isinstance(paths, str) else paths or []
        if not paths:
            continue
        local = pkg._source.files(r)  # verified against the descriptor's hash
        files.extend(zip(paths, local, strict=True))
    descriptor = json.dumps(pkg.descriptor, ensure_ascii=False, indent=2) + "\n"
    if root is not None and (Path(root) / "datapackage.json").is_file():
        descriptor = (Path(root) / "datapackage.json").read_text(encoding="utf-8")
    readme = Path(root) / "README.md" if root is not None else None
    out: list[dict[str, Any]] = []
    dest.mkdir(parents=True)
    (dest / "datapackage.json").write_text(descriptor, encoding="utf-8", newline="")
    out.append({"name": "datapackage.json", "path": "data/datapackage.json",
                "what": "the package's metadata and Table Schemas",
                "mediatype": "application/json"})
    members = [("datapackage.json", dest / "datapackage.json")]
    if readme is not None and readme.is_file():
        shutil.copyfile(readme, dest / "README.md")
        members.append(("README.md", dest / "README.md"))
        out.append({"name": "README.md", "path": "data/README.md",
                    "what": "the data dictionary", "mediatype": "text/markdown"})
    for rel, src in files:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        members.append((rel, target))
    for r in pkg.resources:
        p = r.get("path")
        if isinstance(p, str):
            out.append({"name": p, "path": f"data/{p}", "what": r.get("name"),
                        "mediatype": r.get("mediatype")})
    zname = f"{pkg.name or 'package'}-{pkg.version or '0'}.zip"
    with zipfile.ZipFile(dest / zname, "w", zipfile.ZIP_DEFLATED) as z:
        for rel, path in sorted(members):
            info = zipfile.ZipInfo(f"{pkg.name or 'package'}/{rel}", (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, path.read_bytes())
    out.append({"name": zname, "path": f"data/{zname}", "what": "all of the above, zipped",
                "mediatype": "application/zip"})
    return out


# ---------------------------------------------------------------- writing


def _check_out(out: Path) -> None:
    if out.name in ("", ".", ".."):
        raise PublishError(f"--out {str(out)!r} is not a folder of its own: give the site its "
                           "own folder, e.g. --out site")
    real = out.resolve()
    if real == Path.cwd().resolve() or real in Path.cwd().resolve().parents:
        raise PublishError(f"--out {out} is or holds the current folder: give the site its own "
                           "folder, e.g. --out site")
    if out.is_symlink():
        raise PublishError(f"{out} is a symbolic link; give the real folder")
    if out.exists():
        if not out.is_dir():
            raise PublishError(f"{out} exists and is not a folder")
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise PublishError(f"{out} is a folder that opencase site did not write: it "
                               "replaces only a site folder (or an empty one); choose --out")


def _swap(tmp: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, old / "site")
    try:
        os.replace(tmp, out)
    except OSError:
        if old is not None:
            os.replace(old / "site", out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build_site(package: str | os.PathLike[str] | None, out: str | os.PathLike[str], *,
               snapshots: str | os.PathLike[str] | None = None) -> SiteResult:
    """Write the static website of ``package`` (a folder, ``datapackage.json``, zip or http(s)
    URL; ``None``: the bundled dataset) into the folder ``out``, replacing it only if it is
    empty or a site written before. ``snapshots``: the snapshot folder, whose texts (found by
    SHA-256) the source pages show with every cited passage highlighted; without it, the
    source pages show the quotes alone.

    Raises :class:`opencase.LoadError` for a package that cannot be opened,
    :class:`opencase.errors.PublishError` for an ``out`` it may not replace and
    :class:`opencase.errors.UsageError` (``NotADirectoryError``) for a missing snapshot folder.
    """
    from jinja2 import Environment, PackageLoader, select_autoescape

    from opencase.dataset import load
    from opencase.validation.quotes import SnapshotIndex

    out = Path(out)
    _check_out(out)
    index = SnapshotIndex(Path(snapshots)) if snapshots is not None else None
    pkg = load(package)
    data = read_site_data(pkg)
    texts = _source_texts(data, index)

    env = Environment(loader=PackageLoader("opencase.site", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                      auto_reload=False)
    env.filters["humanise"] = _humanise
    site_title = str(data.descriptor.get("title") or data.descriptor.get("name") or "")
    nav = [{"kind": k, "label": _humanise(k)} for k in data.kinds]

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        pages = 0
        templates = {name: env.get_template(name)
                     for name in ("index.html", "timeline.html", "kind.html", "record.html")}
        folders: set[Path] = set()

        def write(rel: str, template: str, **ctx: Any) -> None:
            nonlocal pages
            root = "../" * rel.count("/")
            html = templates[template].render(root=root, site_title=site_title, nav=nav,
                                              here=rel, **ctx)
            path = tmp / rel
            if path.parent not in folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                folders.add(path.parent)
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(html)
            pages += 1

        downloads = _copy_downloads(pkg, tmp / "data")
        for name in STATIC:
            (tmp / name).write_bytes(resources.files("opencase.site").joinpath(
                "templates", name).read_bytes())
        (tmp / MARKER).write_text("written by opencase site; replaced by the next build\n",
                                  encoding="utf-8")
        write("index.html", "index.html", o=_overview(data, texts, downloads))
        write("timeline.html", "timeline.html", t=timeline(data))
        n_records = 0
        for kind in data.kinds:
            rows = []
            type_col = next((c for c in data.columns[kind] if c.name == "type"), None)
            for row in data.records[kind]:
                date = next((row.get(c.name) for c in data.columns[kind]
                             if c.date and row.get(c.name)), None)
                rows.append({"id": row["id"], "href": data.page(row["id"]).rsplit("/", 1)[1],
                             "label": data.label.get(row["id"], row["id"]),
                             "type": row.get("type") if type_col else None, "date": date,
                             "speaker": (data.label.get(row["speaker"], row["speaker"])
                                         if row.get("speaker") and "text" in row else None),
                             "corrects": (_corrects(data, row) if kind == CORRECTIONS
                                          and "record_id" in row else None)})
            types: dict[str, int] = {}
            for r in rows:
                if r["type"]:
                    types[r["type"]] = types.get(r["type"], 0) + 1
            write(f"{data.folder(kind)}/index.html", "kind.html", kind=kind,
                  label=_humanise(kind), description=data.kind_descriptions.get(kind, ""),
                  rows=rows, has_type=type_col is not None,
                  types=[(t, n, "type-" + safe_name(t)) for t, n in sorted(types.items())],
                  definitions=type_col.categories if type_col else {},
                  has_date=any(c.date for c in data.columns[kind]),
                  corrections=any(r["corrects"] for r in rows))
            for row in data.records[kind]:
                write(data.page(row["id"]), "record.html",
                      r=_record_view(data, kind, row), text=texts.get(row["id"])
                      if kind == "sources" else None)
                n_records += 1
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    with_text = sorted(s for s, t in texts.items() if t.html is not None)
    return SiteResult(out, pages, n_records, with_text,
                      sorted(s for s, t in texts.items() if t.html is None))

