"""A :class:`~opencase.releasing.diff.Diff` as JSON (every change), text (for a terminal) or
Markdown (release notes): the summary first, then the details. Text and Markdown list at most
``limit`` items of each list, then how many more there are; JSON lists them all.

The JSON keys are documented in docs/diff.md and kept stable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from opencase.releasing.diff import Diff, RecordChange, RecordRow, TableDiff, ValueChange
from opencase.releasing.semver import Level, VersionCheck, check_version

__all__ = ["FORMATS", "as_dict", "render"]

FORMATS = ("text", "json", "markdown")
LIMIT = 20


def render(d: Diff, fmt: str = "text", *, limit: int = LIMIT,
           check: VersionCheck | None = None) -> str:
    check = check or check_version(d.old.version, d.new.version, d.change_classes())
    if fmt == "json":
        return json.dumps(as_dict(d, check), indent=2, ensure_ascii=False)
    if fmt == "markdown":
        return "\n".join(_markdown(d, check, limit))
    if fmt == "text":
        return "\n".join(_text(d, check, limit))
    raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")


# ---------------------------------------------------------------- JSON


def _summary(d: Diff) -> dict[str, Any]:
    s = d.schema
    return {
        "schema": {k: len(v) for k, v in asdict(s).items()},
        "tables": {t.table: {"added": len(t.added), "removed": len(t.removed),
                             "changed": len(t.changed), "values_changed": t.values_changed}
                   for t in d.tables},
        "citations": {"added": len(d.citations.added), "removed": len(d.citations.removed),
                      "changed": len(d.citations.changed)},
        "corrections": len(d.corrections),
        "metadata": len(d.metadata),
    }


def as_dict(d: Diff, check: VersionCheck) -> dict[str, Any]:
    """The whole diff as plain data (what ``--format json`` prints)."""
    return {
        "old": asdict(d.old),
        "new": asdict(d.new),
        "summary": _summary(d),
        "version": {"old": check.old, "new": check.new, "required": str(check.required),
                    "bump": None if check.bump is None else str(check.bump),
                    "ok": check.ok, "reasons": check.reasons, "message": check.message},
        "schema": asdict(d.schema),
        "tables": [asdict(t) for t in d.tables],
        "citations": asdict(d.citations),
        "corrections": d.corrections,
        "metadata": d.metadata,
    }


# ---------------------------------------------------------------- shared wording


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _heading(d: Diff, arrow: str, titled: bool = False) -> str:
    """``name 1.0.0 -> 2.0.0`` (each side's name when they differ; with ``titled``, the
    title: ``Title: 1.0.0 -> 2.0.0``)."""
    old, new = d.old.version or "?", d.new.version or "?"
    if d.old.name != d.new.name:
        return f"{d.old.name or '?'} {old} {arrow} {d.new.name or '?'} {new}"
    if titled and d.new.title:
        return f"{d.new.title}: {old} {arrow} {new}"
    return f"{d.new.name or 'package'} {old} {arrow} {new}"


def _schema_lines(d: Diff) -> list[str]:
    s = d.schema
    out = [f"+ table {t['table']} ({_n(t['rows'], 'row')})" for t in s.tables_added]
    out += [f"- table {t['table']} ({_n(t['rows'], 'row')})" for t in s.tables_removed]
    out += [f"+ column {c['table']}.{c['column']} ({c['type']})" for c in s.columns_added]
    out += [f"- column {c['table']}.{c['column']} ({c['type']})" for c in s.columns_removed]
    out += [f"~ column {c['table']}.{c['column']}: {c['old_type']} -> {c['new_type']}"
            for c in s.columns_retyped]
    out += [f"~ primary key of {k['table']}: {', '.join(k['old']) or '(none)'} -> "
            f"{', '.join(k['new']) or '(none)'}" for k in s.keys_changed]
    out += [f"+ values of {c['table']}.{c['column']}: {', '.join(c['values'])}"
            for c in s.categories_added]
    out += [f"- values of {c['table']}.{c['column']}: {', '.join(c['values'])}"
            for c in s.categories_removed]
    return out


def _schema_summary(d: Diff) -> str:
    s = d.schema
    parts = [(len(s.tables_added), "table", "added"), (len(s.tables_removed), "table", "removed"),
             (len(s.columns_added), "column", "added"),
             (len(s.columns_removed), "column", "removed"),
             (len(s.columns_retyped), "column", "retyped"),
             (len(s.keys_changed), "primary key", "changed"),
             (sum(len(c["values"]) for c in s.categories_added), "vocabulary value", "added"),
             (sum(len(c["values"]) for c in s.categories_removed), "vocabulary value",
              "removed")]
    said = [f"{_n(n, w)} {how}" for n, w, how in parts if n]
    return ", ".join(said) if said else "no change"


def _table_summary(t: TableDiff) -> str:
    return (f"{_n(len(t.added), 'record')} added, {len(t.removed):,} removed, "
            f"{len(t.changed):,} changed ({_n(t.values_changed, 'value')})")


def _text_of(v: Any) -> str:
    """A value as one line: text as it is, numbers, lists and objects as JSON."""
    return " ".join((v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)).split())


def _show(v: Any, text: str, most: int = 160) -> str:
    """``text`` (the value ``v`` as one line, or part of it) cut to ``most`` characters, in
    quotes when ``v`` is text."""
    if v is None:
        return "(none)"
    text = text if len(text) <= most else text[: most - 3] + "..."
    return f'"{text}"' if isinstance(v, str) else text


def _value(v: Any) -> str:
    return _show(v, "" if v is None else _text_of(v))


def _pair(old: Any, new: Any, most: int = 160) -> tuple[str, str]:
    """Two values as shown side by side: long ones that begin alike from a little before
    where they differ (so that the change is in view)."""
    if old is not None and new is not None:
        a, b = _text_of(old), _text_of(new)
        same = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                    min(len(a), len(b)))
        if max(len(a), len(b)) > most and same > 40:
            cut = a.rfind(" ", 0, same - 20) + 1
            return _show(old, "..." + a[cut:]), _show(new, "..." + b[cut:])
    return _value(old), _value(new)


def _who(r: RecordRow | RecordChange) -> str:
    shown = r.record_id if r.record_id is not None and list(r.key.values()) == [r.record_id] \
        else ", ".join(f"{k}={v}" for k, v in r.key.items())
    return f"{shown} ({_quote(r.label)})" if r.label and r.label != r.record_id else shown


def _quote(text: str, most: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 3] + "..."


def _cite(c: dict[str, Any]) -> str:
    where = c.get("source_id") or "?"
    quote = c.get("quote")
    return f"[{where}] \"{_quote(quote, 120)}\"" if isinstance(quote, str) else f"[{where}]"


def _correction(c: dict[str, Any]) -> str:
    return f"correction {c.get('id')} ({c.get('version')}): {c.get('reason')}"


def _limited(items: list[Any], limit: int) -> Iterator[tuple[Any | None, int]]:
    """The first ``limit`` items (with 0), then, if more, (None, how many more)."""
    for item in items[:limit]:
        yield item, 0
    if len(items) > limit:
        yield None, len(items) - limit


# ---------------------------------------------------------------- text


def _text(d: Diff, check: VersionCheck, limit: int) -> Iterator[str]:
    yield _heading(d, "->")
    yield f"  old: {d.old.where}"
    yield f"  new: {d.new.where}"
    yield ""
    yield "summary"
    yield f"  schema: {_schema_summary(d)}"
    for t in d.tables:
        yield f"  {t.table}: {_table_summary(t)}"
    c = d.citations
    yield (f"  citations: {len(c.added):,} added, {len(c.removed):,} removed, "
           f"{len(c.changed):,} changed")
    yield f"  corrections: {len(d.corrections):,} new"
    if d.metadata:
        yield f"  metadata: {', '.join(m['property'] for m in d.metadata)} changed"
    yield f"  version: {'ok' if check.ok else 'FAILS'}: {check.message}"
    if d.metadata:
        yield ""
        yield "metadata"
        for m in d.metadata:
            was, now = _pair(m["old"], m["new"])
            yield f"  ~ {m['property']}: {was} -> {now}"
    lines = _schema_lines(d)
    if lines:
        yield ""
        yield "schema"
        for line, more in _limited(lines, limit):
            yield f"  {line}" if line is not None else f"  ... and {more:,} more"
    for t in d.tables:
        yield ""
        yield f"{t.table} (key: {', '.join(t.key)})"
        for sign, rows in (("+", t.added), ("-", t.removed)):
            for r, more in _limited(rows, limit):
                if r is None:
                    yield f"  {sign} ... and {more:,} more {'added' if sign == '+' else 'removed'}"
                    continue
                yield f"  {sign} {_who(r)}"
                for corr in r.corrections:
                    yield f"      {_correction(corr)}"
        for rc, more in _limited(t.changed, limit):
            if rc is None:
                yield f"  ~ ... and {more:,} more changed"
                continue
            yield f"  ~ {_who(rc)}"
            for v in rc.changes:
                yield from _text_value(v, limit)
    if c.added or c.removed or c.changed:
        yield ""
        yield "citations"
        for sign, cites in (("+", c.added), ("-", c.removed)):
            for cit, more in _limited(cites, limit):
                yield (f"  {sign} ... and {more:,} more" if cit is None else
                       f"  {sign} {cit.get('citation_id') or cit.get('record_id')}: {_cite(cit)}")
        for ch, more in _limited(c.changed, limit):
            yield (f"  ~ ... and {more:,} more" if ch is None else
                   f"  ~ {ch['citation_id']}: " + "; ".join(
                       f"{k}: {_value(v['old'])} -> {_value(v['new'])}"
                       for k, v in ch["changes"].items()))
    if d.corrections:
        yield ""
        yield "corrections"
        for corr, more in _limited(d.corrections, limit):
            yield (f"  ... and {more:,} more" if corr is None else
                   f"  {corr.get('record_id')}.{corr.get('field') or '*'}: {_correction(corr)}")


def _text_value(v: ValueChange, limit: int) -> Iterator[str]:
    was, now = _pair(v.old, v.new)
    yield f"      {v.field}: {was} -> {now}"
    for label, cites in (("was cited", v.old_citations), ("is cited", v.new_citations)):
        for cit, more in _limited(cites, 3):
            yield (f"        {label}: ... and {more:,} more" if cit is None
                   else f"        {label}: {_cite(cit)}")
    for corr in v.corrections:
        yield f"        {_correction(corr)}"


# ---------------------------------------------------------------- Markdown


def _md(text: str) -> str:
    """Text safe inside a Markdown paragraph or table cell."""
    out = " ".join(str(text).split())
    for ch in "\\`*_[]<>|#":
        out = out.replace(ch, "\\" + ch)
    return out


def _code(text: str) -> str:
    """Text as inline code (Markdown does not read inside it)."""
    return "`" + " ".join(str(text).split()).replace("`", "'").replace("|", "/") + "`"


def _markdown(d: Diff, check: VersionCheck, limit: int) -> Iterator[str]:
    yield f"# {_md(_heading(d, '→', titled=True))}"
    yield ""
    if not check.ok:
        yield f"**The version does not follow the versioning rule:** {_md(check.message)}."
    elif check.required is Level.NONE:
        yield "No change in the data."
    else:
        needs = "one" if check.bump == check.required else f"a {check.required} one"
        yield f"A **{check.bump}** release; the changes need {needs}:"
        yield ""
        yield from (f"- {_md(reason)}" for reason in check.reasons)
    yield ""
    yield "## Summary"
    yield ""
    yield f"- Schema: {_schema_summary(d)}."
    for t in d.tables:
        yield f"- {_code(t.table)}: {_table_summary(t)}."
    c = d.citations
    yield (f"- Citations: {len(c.added):,} added, {len(c.removed):,} removed, "
           f"{len(c.changed):,} changed.")
    if d.corrections:
        yield f"- Corrections: {len(d.corrections):,} new."
    if d.metadata:
        yield f"- Package metadata: {', '.join(_code(m['property']) for m in d.metadata)}."
    if d.metadata:
        yield ""
        yield "## Package metadata"
        yield ""
        for m in d.metadata:
            was, now = _pair(m["old"], m["new"])
            yield f"- {_code(m['property'])}: {_md(was)} → {_md(now)}"
    lines = _schema_lines(d)
    if lines:
        yield ""
        yield "## Schema changes"
        yield ""
        for line, more in _limited(lines, limit):
            if line is None:
                yield f"- … and {more:,} more"
                continue
            sign, rest = line.split(" ", 1)
            word = {"+": "Added", "-": "Removed", "~": "Changed"}[sign]
            yield f"- {word} {_md(rest)}"
    if d.corrections:
        yield ""
        yield "## Corrections"
        yield ""
        for corr, more in _limited(d.corrections, limit):
            if corr is None:
                yield f"- … and {more:,} more"
                continue
            where = _code(str(corr.get("record_id"))) + (
                f", {_code(str(corr['field']))}" if corr.get("field") else "")
            if not corr.get("field") and corr.get("new_value") is None and corr.get(
                    "old_value") is None:
                change = ": record removed"  # (the contract's removal: no field, no values)
            else:
                change = (f": {_md(_value(corr.get('old_value')))} → "
                          f"{_md(_value(corr.get('new_value')))}")
            yield f"- {where}{change}. {_md(corr.get('reason') or '')}"
    for t in d.tables:
        yield ""
        yield f"## {_code(t.table)}"
        for title, rows in (("Added", t.added), ("Removed", t.removed)):
            if not rows:
                continue
            yield ""
            yield f"{title} ({len(rows):,}):"
            yield ""
            for r, more in _limited(rows, limit):
                if r is None:
                    yield f"- … and {more:,} more"
                    continue
                why = "".join(f" Correction: {_md(corr.get('reason') or '')}"
                              for corr in r.corrections)
                yield f"- {_code(_who(r))}{why}"
        if t.changed:
            yield ""
            yield f"Changed ({len(t.changed):,}):"
            yield ""
            yield "| record | field | was | is now | evidence |"
            yield "|---|---|---|---|---|"
            shown = 0
            for rc in t.changed:
                for v in rc.changes:
                    if shown < limit:
                        was, now = _pair(v.old, v.new)
                        yield (f"| {_code(_who(rc))} | {_code(v.field)} | {_md(was)} "
                               f"| {_md(now)} | {_md_evidence(v)} |")
                    shown += 1
            if shown > limit:
                yield ""
                yield f"… and {shown - limit:,} more changed values."
    if c.added or c.removed or c.changed:
        yield ""
        yield "## Citations"
        yield ""
        for title, cites in (("Added", c.added), ("Removed", c.removed)):
            for cit, more in _limited(cites, limit):
                yield (f"- {title}: … and {more:,} more" if cit is None else
                       f"- {title}: {_code(str(cit.get('citation_id') or cit.get('record_id')))} "
                       f"{_md(_cite(cit))}")
        for ch, more in _limited(c.changed, limit):
            yield (f"- Changed: … and {more:,} more" if ch is None else
                   f"- Changed: {_code(ch['citation_id'])} " + "; ".join(
                       f"{_md(k)}: {_md(_value(v['old']))} → {_md(_value(v['new']))}"
                       for k, v in ch["changes"].items()))


def _md_evidence(v: ValueChange) -> str:
    parts = [f"correction: {_md(corr.get('reason') or '')}" for corr in v.corrections]
    parts += [f"now cited: {_md(_cite(c))}" for c in v.new_citations[:2]]
    if not v.new_citations:
        parts += [f"was cited: {_md(_cite(c))}" for c in v.old_citations[:2]]
    return "<br>".join(parts) if parts else "—"
