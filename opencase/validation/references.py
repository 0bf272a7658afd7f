"""Ids unique across all kinds and files, and references that name a record of the right kind."""

from __future__ import annotations

import re
from typing import Any

from opencase.codes import Code
from opencase.language.fields import ID_PATTERN
from opencase.language.models import Party, Proceeding, Record
from opencase.language.spec import fields_of
from opencase.reading.files import RawRecord
from opencase.report import Report
from opencase.suggest import closest
from opencase.validation.kinds import class_info
from opencase.validation.locations import field_issue, field_name
from opencase.validation.salvage import Partial

__all__ = ["check_ids", "check_proceeding", "check_ref", "check_refs"]

_VALID_ID = re.compile(ID_PATTERN)
_ACTORS = next(f.references for f in fields_of(Party) if f.name == "represents")


def check_ids(report: Report, records: list[RawRecord]) -> dict[str, RawRecord]:
    """Ids unique across all kinds (also counting records that failed their model); returns
    the first record of each id."""
    owner: dict[str, RawRecord] = {}
    for raw in records:
        rid = raw.id
        if rid is None:
            continue
        first = owner.get(rid)
        if first is not None:
            at, col = raw.locate(("id",))
            report.add(Code.DUPLICATE_ID,
                       f"id {rid!r} is already used by a {first.kind} record at "
                       f"{first.file.display}:{first.line}; ids must be unique across all kinds "
                       "and files", file=raw.file.display, line=at, column=col, record_id=rid,
                       field="id")
        else:
            owner[rid] = raw
    return owner


def check_refs(report: Report, raw: RawRecord, rec: Record | Partial, kind_of: dict[str, str],
               model: type[Record] | None = None) -> None:
    """Every reference of ``rec`` names a record (``kind_of``: the kind of each id) of a kind
    the field refers to. ``model``: the record's model, when ``rec`` is the salvaged part of
    a record that failed it."""
    for ref in class_info(model or type(rec)).refs:  # type: ignore[arg-type]
        value = getattr(rec, ref.field)
        if value is None:
            continue
        kinds = ref.kinds
        if not ref.many:
            if kind_of.get(value) not in kinds:  # (most references are fine: say so quickly)
                check_ref(report, raw, value, kinds, (ref.field,), kind_of)
            continue
        for i, item in enumerate(value):
            if item is None:  # (a salvaged list: this item has a problem of its own)
                continue
            if ref.sub is None:
                if kind_of.get(item) not in kinds:
                    check_ref(report, raw, item, kinds, (ref.field, i), kind_of)
            else:
                sub = getattr(item, ref.sub)
                if sub is not None and kind_of.get(sub) not in kinds:
                    check_ref(report, raw, sub, kinds, (ref.field, i, ref.sub), kind_of)


def check_ref(
    report: Report, raw: RawRecord, value: str, kinds: tuple[str, ...], path: tuple[Any, ...],
    kind_of: dict[str, str],
) -> None:
    """``unknown-reference`` or ``wrong-reference-kind`` at ``path`` unless ``value`` names a
    record of one of ``kinds``."""
    actual = kind_of.get(value)
    if actual in kinds:
        return
    if actual is None:
        # (only ids of the kinds this field refers to)
        close = closest(value, [k for k, kind in kind_of.items()
                                if kind in kinds and _VALID_ID.fullmatch(k)])
        hint = f"; did you mean {close!r}?" if close else ""
        field_issue(report, raw, Code.UNKNOWN_REFERENCE,
                    f"{field_name(path)}: no record has id {value!r}{hint}", path)
    elif actual not in kinds:
        field_issue(report, raw, Code.WRONG_REFERENCE_KIND,
                    f"{field_name(path)}: {value!r} is a record of {actual}; this field refers to "
                    f"{' or '.join(kinds)}", path)


def check_proceeding(
    report: Report, raw: RawRecord, rec: Proceeding, kind_of: dict[str, str]
) -> None:
    """A party ``represents`` another party of the same proceeding (a warning otherwise); a
    link does not point at the proceeding itself."""
    parties = rec.parties
    if parties:
        who = {p.who for p in parties}
        for i, party in enumerate(parties):
            acts_for = party.represents
            if acts_for is None or kind_of.get(acts_for) not in _ACTORS:
                continue  # (a dangling or wrongly typed id is reported as such)
            if acts_for == party.who:
                why = "a party cannot represent itself"
            elif acts_for not in who:
                why = (f"{acts_for!r} is not a party of this proceeding; add it to `parties` "
                       "with its role")
            else:
                continue
            field_issue(report, raw, Code.REPRESENTS_NOT_A_PARTY,
                        f"parties[{i}].represents: {why}", ("parties", i, "represents"))
    for i, link in enumerate(rec.links):
        if link.target == rec.id:
            field_issue(report, raw, Code.LINK_TO_SELF,
                        f"links[{i}].target: {rec.id!r} is this proceeding itself; link it to "
                        "the other record", ("links", i, "target"))
