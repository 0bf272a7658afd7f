"""A text with passages marked in it, as HTML: highlighted quotes that may overlap.

Every passage becomes an element around its text (``<mark>`` for cited and marked passages,
``<span>`` for uncovered ones). Passages that nest (one inside another, or the same span cited
several times) become nested elements; passages that cross (each holds the start or the end of
the other) cannot, so the later one is split at the boundary and continued in a new element.
Every element of a passage carries ``data-p`` (the passage's number on the page), so the pieces
of a split passage can be joined; only its first element carries its ``id``, so that a link to
``#<id>`` scrolls to the passage's start. Text is escaped; the output is deterministic.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["Passage", "render_marked"]


@dataclass(frozen=True)
class Passage:
    """``text[start:end]``, shown as ``<tag class=css id=anchor title=title>``."""

    start: int
    end: int
    number: int
    css: str
    anchor: str | None = None
    title: str | None = None
    tag: str = "mark"


def _open(p: Passage, first: bool) -> str:
    attrs = [f'class="{escape(p.css)}"', f'data-p="{p.number}"']
    if first and p.anchor:
        attrs.insert(0, f'id="{escape(p.anchor)}"')
    if p.title:
        attrs.append(f'title="{escape(p.title)}"')
    return f"<{p.tag} {' '.join(attrs)}>"


def render_marked(text: str, passages: list[Passage]) -> Markup:
    """``text`` as escaped HTML with every passage of ``passages`` (``start < end``, inside the
    text) wrapped in elements, in the order of the list where passages start together with
    the same end (the first outermost)."""
    starts: dict[int, list[Passage]] = defaultdict(list)
    bounds = {0, len(text)}
    for p in passages:
        if 0 <= p.start < p.end <= len(text):
            starts[p.start].append(p)
            bounds.update((p.start, p.end))
    out: list[str] = []
    stack: list[Passage] = []
    pos = 0
    for b in sorted(bounds):
        if b > pos:
            out.append(str(escape(text[pos:b])))
            pos = b
        if any(p.end == b for p in stack):
            reopen: list[Passage] = []
            while any(p.end == b for p in stack):
                p = stack.pop()
                out.append(f"</{p.tag}>")
                if p.end != b:
                    reopen.append(p)
            for p in reversed(reopen):  # crossing passages continue in a new element
                out.append(_open(p, first=False))
                stack.append(p)
        # longer passages outside, so that shorter ones nest in them
        for p in sorted(starts.get(b, ()), key=lambda p: -p.end):
            out.append(_open(p, first=True))
            stack.append(p)
    return Markup("".join(out))
