"""Citations: each names a source, and its quote occurs exactly once in the source's snapshot.

Also the passages a source marks as deliberately uncited, sources that share a snapshot, and
sources whose snapshot is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opencase.codes import Code
from opencase.language.citeids import repeated_citations
from opencase.language.models import Citation, Record, Source, UncitedPassage
from opencase.reading.files import RawRecord
from opencase.report import Report
from opencase.suggest import closest
from opencase.validation.folding import fold
from opencase.validation.kinds import class_info
from opencase.validation.locations import field_issue, field_name
from opencase.validation.model_check import Valid
from opencase.validation.quotes import (
    Match,
    Snapshot,
    SnapshotIndex,
    count_quote,
    find_quote,
    quote_problem,
)
from opencase.validation.validated import CitationCheck, Dataset

__all__ = [
    "check_citations",
    "check_cite_list",
    "check_duplicate_citations",
    "check_shared_snapshots",
    "check_snapshots",
    "check_uncited",
]

_SHOWN = 5  # places of an ambiguous quote named in its message


def check_citations(
    report: Report,
    raw: RawRecord,
    rec: Record,
    kind_of: dict[str, str],
    sources: dict[str, str | None],
    index: SnapshotIndex | None,
    dataset: Dataset | None,
) -> None:
    """The citations of ``rec`` (its own, and those of its name variants and reported values):
    each names a source record (``kind_of``: the kind of each id), supports fields the record
    has, and quotes its source's snapshot (``sources``: the ``sha256`` of each source, by id).
    Where each quote is goes into ``dataset`` (if any)."""
    kind = class_info(type(rec))
    cites = rec.cite
    if cites:
        _check_list(report, raw, rec.id, kind.fields, cites, (), kind_of, sources, index,
                    dataset)
    else:
        is_source = isinstance(rec, Source)
        needs = kind.cite_required or (isinstance(rec, Source) and rec.sha256 is None)
        if needs:
            why = (" (a source without a snapshot of its own must cite the passage that "
                   "makes it known)" if is_source else "")
            field_issue(report, raw, Code.MISSING_CITATION,
                        f"{kind.singular} {rec.id!r} "
                        f"cites nothing; add `cite:` with a source and an exact quote{why}",
                        ("cite",) if "cite" in raw.data else ())
    for name in kind.nested_cites:  # (most records have none: an empty list each)
        for n, item in enumerate(getattr(rec, name)):
            _check_list(report, raw, rec.id, kind.fields, item.cite, (name, n), kind_of,
                        sources, index, dataset)
    check_duplicate_citations(report, raw, rec)


def check_cite_list(
    report: Report,
    raw: RawRecord,
    model: type[Record],
    cites: Sequence[Citation | None],
    kind_of: dict[str, str],
    sources: dict[str, str | None],
    index: SnapshotIndex | None,
    at: tuple[Any, ...] = (),
) -> None:
    """A ``cite`` list (at ``at``: ``()`` for the record's own) of a ``model`` record that
    failed its model (see :mod:`opencase.validation.salvage`): sources, ``supports`` and
    quotes, as for any record; ``None`` items are skipped."""
    _check_list(report, raw, raw.id or "", class_info(model).fields, cites, at, kind_of,
                sources, index, None)


def check_duplicate_citations(report: Report, raw: RawRecord, rec: Record) -> None:
    """``duplicate-citation`` for each citation (or supported field) of ``rec`` that repeats
    an earlier one: both would get the same content-derived citation id when published
    (:mod:`opencase.language.citeids`)."""
    for rep in repeated_citations(rec):
        at: tuple[Any, ...] = () if rep.part is None else (rep.part, rep.part_position)
        part, position, first = rep.first
        lead = field_name((*at, "cite", rep.cite_index))
        earlier = field_name((*(() if part is None else (part, position)), "cite", first))
        what = f" for {rep.field!r}" if rep.field else ""
        same = ("names that field twice in `supports`" if earlier == lead else
                f"repeats {earlier}: the same source, quote, prefix, suffix and via{what}")
        path = ((*at, "cite", rep.cite_index, "supports") if earlier == lead
                else (*at, "cite", rep.cite_index))
        field_issue(report, raw, Code.DUPLICATE_CITATION,
                    f"{lead} {same}, so both would be published with one citation id; "
                    "remove the repeat (a `note` can say more of the passage)", path)


def _check_list(
    report: Report,
    raw: RawRecord,
    rid: str,
    own_fields: frozenset[str],
    cites: Sequence[Citation | None],
    at: tuple[Any, ...],
    kind_of: dict[str, str],
    sources: dict[str, str | None],
    index: SnapshotIndex | None,
    dataset: Dataset | None,
) -> None:
    """One list of citations of ``raw``, at ``at`` (``()``: the record's own ``cite``;
    ``("names", 0)``: the ``cite`` of its first name variant)."""
    place = field_name(at) if at else ""
    lead = f"{place}.cite" if place else "cite"
    for i, c in enumerate(cites):
        if c is None:  # (a salvaged list: this citation has a problem of its own)
            continue
        source, via = c.source, c.via
        if kind_of.get(source) != "sources" or (via is not None and kind_of.get(via) != "sources"):
            for name, sid in (("source", source), ("via", via)):
                if sid is None or kind_of.get(sid) == "sources":
                    continue
                what = f"a {kind_of[sid]} record" if sid in kind_of else "not a record"
                close = closest(sid, [k for k, kind in kind_of.items() if kind == "sources"])
                hint = f"; did you mean {close!r}?" if close else ""
                field_issue(report, raw, Code.UNKNOWN_SOURCE,
                            f"{lead}[{i}].{name}: {sid!r} is {what}; cite a source record's "
                            f"id{hint}", (*at, "cite", i, name))
        if c.supports:
            for j, name in enumerate(c.supports):
                if name not in own_fields:
                    close = closest(name, sorted(own_fields))
                    hint = f"did you mean {close!r}? " if close else ""
                    field_issue(report, raw, Code.UNKNOWN_SUPPORTED_FIELD,
                                f"{lead}[{i}].supports: {raw.kind} have no field {name!r}; "
                                f"{hint}fields: {', '.join(sorted(own_fields))}",
                                (*at, "cite", i, "supports", j))
        text_id = via or source
        sha = sources.get(text_id)
        match: Match | None = None
        quote_at = (*at, "cite", i, "quote")
        if not _meaningful(report, raw, c.quote, quote_at):
            pass  # found nowhere: no match, nothing covered
        elif text_id in sources:
            if sha is None:  # a missing snapshot is reported once, on the source
                field_issue(report, raw, Code.QUOTE_UNVERIFIABLE,
                            f"{lead}[{i}]: source {text_id!r} has no snapshot (sha256) and the "
                            "citation gives no `via`, so the quote cannot be checked",
                            quote_at)
            elif index is not None and index.get(sha) is not None:
                match = _match_quote(report, raw, c, index, sha, text_id, quote_at,
                                     where=dataset is not None)
        if dataset is not None:
            if at:
                dataset.nested[(rid, place, i)] = CitationCheck(rid, i, text_id, sha, match,
                                                               place)
            else:
                dataset.citations[(rid, i)] = CitationCheck(rid, i, text_id, sha, match)


def check_uncited(
    report: Report, raw: RawRecord, src: Source, index: SnapshotIndex | None,
    dataset: Dataset | None,
) -> None:
    """Passages a source marks as deliberately uncited must be found in its own snapshot."""
    sid, sha = src.id, src.sha256
    if sha is None:
        field_issue(report, raw, Code.UNCITED_WITHOUT_SNAPSHOT,
                    f"source {sid!r} marks passages as uncited but has no snapshot (sha256) "
                    "of its own; only a source with a snapshot can mark its passages",
                    ("uncited",))
        return
    if index is None or index.get(sha) is None:
        return  # reported once, as snapshot-missing
    for i, passage in enumerate(src.uncited):
        if not _meaningful(report, raw, passage.quote, ("uncited", i, "quote")):
            if dataset is not None:
                dataset.uncited[(sid, i)] = CitationCheck(sid, i, sid, sha, None)
            continue
        match = _match_quote(report, raw, passage, index, sha, sid, ("uncited", i, "quote"),
                             where=dataset is not None)
        if dataset is not None:
            dataset.uncited[(sid, i)] = CitationCheck(sid, i, sid, sha, match)


def _meaningful(report: Report, raw: RawRecord, quote: str, path: tuple[Any, ...]) -> bool:
    """``quote-meaningless`` (and ``False``) for a quote that cannot stand as evidence."""
    why = quote_problem(quote)
    if why is not None:
        field_issue(report, raw, Code.QUOTE_MEANINGLESS,
                    f"{field_name(path)}: the quote {why}, so it proves nothing (it would occur "
                    "almost anywhere); quote the words the record rests on", path)
    return why is None


def _match_quote(
    report: Report, raw: RawRecord, c: Citation | UncitedPassage, index: SnapshotIndex,
    sha: str, text_id: str, path: tuple[Any, ...], *, where: bool = True,
) -> Match | None:
    """Check a quote; return where it is (``where=False``: only check, return ``None``)."""
    snap = index.get(sha)
    assert snap is not None
    quote, prefix, suffix = c.quote, c.prefix, c.suffix
    try:
        if not where and count_quote(snap, quote, prefix, suffix, limit=2) == 1:
            return None  # (working out offsets is most of the cost of a match)
        found = find_quote(snap, quote, prefix, suffix, limit=_SHOWN + 1)
    except (OSError, UnicodeDecodeError) as exc:
        field_issue(report, raw, Code.SNAPSHOT_UNREADABLE,
                    f"snapshot {snap.path} of {text_id!r} cannot be read as UTF-8 text ({exc})",
                    path)
        return None
    if len(found) == 1:
        return found[0]
    label = field_name(path[:-1])
    short = quote if len(quote) <= 60 else quote[:57] + "..."
    if not found:
        bare = find_quote(snap, quote, limit=1) if (prefix or suffix) else []
        if bare:
            field_issue(report, raw, Code.QUOTE_NOT_FOUND,
                        f"{label}: the quote occurs in {text_id!r} but not with this "
                        "prefix/suffix; copy them exactly from the text around the quote", path)
        elif (inside := _inside_a_token(snap, quote)) is not None:
            field_issue(report, raw, Code.QUOTE_NOT_FOUND,
                        f"{label}: {short!r} occurs in the snapshot of {text_id!r} only as part "
                        f"of a longer word or number ({inside}); quote whole words", path)
        else:
            from opencase.validation.nearest import nearest_passages  # (rapidfuzz: only here)

            near = nearest_passages(snap, quote, limit=1)
            hint = f"{near[0].hint()}; " if near else ""
            field_issue(report, raw, Code.QUOTE_NOT_FOUND,
                        f"{label}: {short!r} does not occur in the snapshot of {text_id!r}; "
                        f"{hint}copy the passage exactly", path)
        return None
    offsets = ", ".join(str(m.start) for m in found[:_SHOWN])
    times = f"{len(found)} times" if len(found) <= _SHOWN else f"more than {_SHOWN} times"
    field_issue(report, raw, Code.QUOTE_AMBIGUOUS,
                f"{label}: {short!r} occurs {times} in {text_id!r} (at characters "
                f"{offsets}{', ...' if len(found) > _SHOWN else ''}); add `prefix` or `suffix` "
                "to pick one", path)
    return None


def _inside_a_token(snap: Snapshot, quote: str) -> str | None:
    """Where the folded quote occurs in the folded snapshot although not as a whole passage
    (inside a word or number, or cutting a ligature), said as ``line L, column C: '...'``."""
    from opencase.validation.nearest import line_column

    norm, where = snap.matchable
    at = norm.find(fold(quote).strip())
    if at < 0:
        return None
    start = where(at)
    text = snap.text
    line, column = line_column(text, start)
    lo = max(text.rfind(" ", 0, max(start - 1, 0)) + 1, start - 30)
    hi = text.find(" ", start + len(quote))
    hi = min(hi if hi >= 0 else len(text), start + len(quote) + 30)
    return f"line {line}, column {column}: {text[lo:hi].strip()!r}"


def check_shared_snapshots(report: Report, valid: Valid) -> None:
    """``duplicate-snapshot`` for a source whose sha256 an earlier source (in file order)
    already names, unless, for every such earlier source, one of the two cites the other (it is
    known through it)."""
    earlier: dict[str, list[Source]] = {}
    seen: set[str] = set()
    for raw, rec in valid:
        if not isinstance(rec, Source) or rec.sha256 is None or rec.id in seen:
            continue
        sha = rec.sha256
        seen.add(rec.id)
        others = earlier.setdefault(sha, [])
        clash = next((o for o in others if not (_cites(rec, o.id) or _cites(o, rec.id))), None)
        others.append(rec)
        if clash is None:
            continue
        field_issue(report, raw, Code.DUPLICATE_SNAPSHOT,
                    f"source {rec.id!r} names the same snapshot (sha256 {sha[:12]}...) as "
                    f"source {clash.id!r}; one text cannot be two sources: fix the hash, or "
                    f"if {rec.id!r} is known only through {clash.id!r}, give it no "
                    "sha256 and cite it `via` that source", ("sha256",))


def _cites(rec: Record, sid: str) -> bool:
    return any(sid in (c.source, c.via) for c in rec.cite)


def check_snapshots(
    report: Report,
    sources: list[tuple[str, str | None]],
    owner: dict[str, RawRecord],
    index: SnapshotIndex | None,
) -> None:
    """For each source (id, sha256) whose snapshot is not in ``index``: ``snapshot-not-found``
    (an error) when a snapshot folder was given, naming the files there that no source names
    and the nearest hash among them (a mistyped hash); ``snapshot-missing`` (a warning)
    without a folder."""
    named = {sha for _, sha in sources if sha}
    spare = sorted((str(snap.path), sha) for sha, snap in (index.by_hash.items() if index
                                                           else ()) if sha not in named)
    for sid, sha in sources:
        if not sha or (index is not None and index.get(sha) is not None):
            continue
        raw = owner[sid]
        line, col = raw.locate(("sha256",))
        if index is None:
            report.add(Code.SNAPSHOT_MISSING, f"no snapshot of source {sid!r} (sha256 "
                       f"{sha[:12]}...) (no --snapshots folder given); its quotes are "
                       "unverified", file=raw.file.display, line=line, column=col,
                       record_id=sid, field="sha256")
            continue
        report.add(Code.SNAPSHOT_NOT_FOUND,
                   f"no file in {index.folder} has the sha256 of source {sid!r} "
                   f"({sha[:12]}...), so its quotes cannot be checked; {_spare(sha, spare)}",
                   file=raw.file.display, line=line, column=col, record_id=sid,
                   field="sha256")


_LISTED = 5  # files named in a snapshot-not-found message


def _spare(sha: str, spare: list[tuple[str, str]]) -> str:
    """What to say of the files no source names: which they are, and the nearest hash."""
    if not spare:
        return ("every file there belongs to another source: add the snapshot "
                "(`opencase source add`) or fix the hash")
    from rapidfuzz.distance import Hamming  # (only when a hash is wrong)

    names = ", ".join(name for name, _ in spare[:_LISTED])
    more = f" and {len(spare) - _LISTED} more" if len(spare) > _LISTED else ""
    text = f"files no source names: {names}{more}"
    dist, name, near = min((Hamming.distance(sha, h), name, h) for name, h in spare)
    if dist <= 8:  # (two random hashes differ in about 60 of their 64 digits)
        digits = "digit" if dist == 1 else "digits"
        text += (f"; {name} has sha256 {near}, {dist} {digits} away: a mistyped hash? "
                 f"Copy it from `sha256sum {name}`")
    return text
