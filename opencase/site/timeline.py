"""The timeline: events, proceedings and findings on a time axis, an SVG drawn at build time.

Each dated record is a row: a bar from the earliest to the latest day its EDTF date can mean
(the ``<field>_start``/``<field>_end`` columns), so a year is drawn as the whole year and an
interval as its span. An open or unknown end (``../2019-07``, ``2019/..``, ``2019/``) is drawn
as a bar that fades out towards the edge of the axis, with an arrow. Rows are sorted by their
earliest day (then latest, then kind and recorded order); each is a link to the record's page,
with a ``<title>`` giving its label and date. Records without a date are listed apart, in
their recorded order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup, escape

from opencase.site.model import SiteData

__all__ = ["TIMELINE_KINDS", "timeline"]

TIMELINE_KINDS = ("events", "proceedings", "findings")
LABEL_W, CHART_W, ROW_H, AXIS_H, PAD = 330, 620, 24, 34, 14
MAX_LABEL = 46


@dataclass
class _Item:
    rid: str
    kind: str
    order: int
    label: str
    edtf: str
    start: date | None
    end: date | None


def _x(d: date, lo: date, hi: date) -> float:
    span = max((hi - lo).days, 1)
    return LABEL_W + PAD + (d - lo).days / span * CHART_W


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1].rstrip() + "…"


def _date_field(data: SiteData, kind: str) -> str | None:
    names = [c.name for c in data.columns.get(kind, []) if c.date]
    return "date" if "date" in names else (names[0] if names else None)


def timeline(data: SiteData) -> dict[str, Any]:
    """The timeline of ``data``: ``svg`` (Markup, links relative to the site's root),
    ``undated`` (by kind, in recorded order) and ``count``."""
    items: list[_Item] = []
    undated: list[dict[str, Any]] = []
    for kind in TIMELINE_KINDS:
        if kind not in data.records:
            continue
        fld = _date_field(data, kind)
        rows_undated = []
        for i, row in enumerate(data.records[kind]):
            rid = row["id"]
            start = row.get(f"{fld}_start") if fld else None
            end = row.get(f"{fld}_end") if fld else None
            if start is None and end is None:
                rows_undated.append({"id": rid, "label": data.label.get(rid, rid),
                                     "page": data.page(rid)})
                continue
            edtf = str(row.get(fld) or "") if fld else ""
            items.append(_Item(rid, kind, i, data.label.get(rid, rid), edtf, start, end))
        if rows_undated:
            undated.append({"kind": kind, "records": rows_undated})
    return {"svg": _svg(data, items) if items else None, "undated": undated,
            "count": len(items)}


def _svg(data: SiteData, items: list[_Item]) -> Markup:
    kinds = list(TIMELINE_KINDS)
    items.sort(key=lambda it: (it.start or it.end or date.min, it.end or date.max,
                               kinds.index(it.kind), it.order))
    days = [d for it in items for d in (it.start, it.end) if d is not None]
    lo = date(min(days).year, 1, 1)
    hi = date(max(days).year, 12, 31)
    width = LABEL_W + CHART_W + 2 * PAD
    height = AXIS_H + ROW_H * len(items) + PAD
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="group" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'aria-labelledby="tl-title tl-desc">',
        '<title id="tl-title">Timeline</title>',
        f'<desc id="tl-desc">{len(items)} dated records from {lo.year} to {hi.year}, each a '
        'bar from the earliest to the latest day its date can mean; a faded end is open or '
        'unknown. Each bar links to its record.</desc>',
        '<defs>'
        '<linearGradient id="fade-left" x1="0" x2="1"><stop offset="0" stop-opacity="0" '
        'stop-color="currentColor"/><stop offset="1" stop-color="currentColor"/>'
        '</linearGradient>'
        '<linearGradient id="fade-right" x1="0" x2="1"><stop offset="0" '
        'stop-color="currentColor"/><stop offset="1" stop-opacity="0" '
        'stop-color="currentColor"/></linearGradient></defs>',
    ]
    # the axis: a tick and label per year (every few years on long spans)
    years = hi.year - lo.year + 1
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 1000, 10000) if years / s <= 12)
    out.append('<g class="axis" aria-hidden="true">')
    for y in range(lo.year - lo.year % step, hi.year + 1, step):
        if y < lo.year:
            continue
        x = _x(date(y, 1, 1), lo, hi)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{AXIS_H - 8}" y2="{height - PAD}"/>'
                   f'<text x="{x + 3:.1f}" y="{AXIS_H - 14}">{y}</text>')
    out.append("</g>")
    for n, it in enumerate(items):
        y = AXIS_H + n * ROW_H
        x0 = _x(it.start, lo, hi) if it.start else LABEL_W + PAD
        x1 = _x(it.end, lo, hi) + CHART_W / max((hi - lo).days, 1) if it.end \
            else LABEL_W + PAD + CHART_W
        w = max(x1 - x0, 3.0)
        open_left, open_right = it.start is None, it.end is None
        fill = ' fill="url(#fade-left)"' if open_left else (
            ' fill="url(#fade-right)"' if open_right else "")
        when = it.edtf or "dated"
        if open_left:
            when += f" (at the latest {it.end.isoformat()})" if it.end else ""
        elif open_right:
            when += f" (from {it.start.isoformat()}, end open or unknown)" if it.start else ""
        elif it.start != it.end and it.start and it.end:
            when += f" ({it.start.isoformat()} to {it.end.isoformat()})"
        out.append(
            f'<a href="{escape(data.page(it.rid))}" class="{escape(it.kind)}">'
            f"<title>{escape(it.label)}: {escape(when)} ({escape(it.kind)})</title>"
            f'<text class="label" x="{LABEL_W}" y="{y + 16}" text-anchor="end">'
            f"{escape(_short(it.label))}</text>"
            f'<rect x="{x0:.1f}" y="{y + 5}" width="{w:.1f}" height="{ROW_H - 10}" rx="2"'
            f"{fill}/>"
        )
        if open_left:
            out.append(f'<path class="open" d="M{x0 + 8:.1f} {y + 5}l-8 7 8 7"/>')
        if open_right:
            out.append(f'<path class="open" d="M{x0 + w - 8:.1f} {y + 5}l8 7-8 7"/>')
        if x0 + w + 90 < width:  # the date beside the bar, where there is room
            out.append(f'<text class="when" x="{x0 + w + 4:.1f}" y="{y + 16}">'
                       f"{escape(it.edtf)}</text>")
        out.append("</a>")
    out.append("</svg>")
    return Markup("".join(out))
