"""Who a record is: a person needs something that says who they are (a name, an office, a rank
or a description), and name variants must add names the record does not already have.

Names are compared as quotes are matched (:func:`opencase.validation.folding.fold`: typography,
white space and compatibility forms folded), and also regardless of case.
"""

from __future__ import annotations

from opencase.codes import Code
from opencase.language.models import NameVariant, Person, Record
from opencase.reading.files import RawRecord
from opencase.report import Report
from opencase.validation.folding import fold
from opencase.validation.locations import field_issue

__all__ = ["check_names", "check_person", "name_key"]

_OWN_NAMES = ("name", "short_name")


def name_key(name: str) -> str:
    """What two names are compared by: folded as quotes are, and case-folded."""
    return fold(name).strip().casefold()


def check_person(report: Report, raw: RawRecord, rec: Person) -> None:
    """``person-unidentified`` for a person with no name, office, rank or description."""
    if rec.name or rec.office or rec.rank or rec.description:
        return
    field_issue(report, raw, Code.PERSON_UNIDENTIFIED,
                f"person {rec.id!r} has no name, office, rank or description; give the name, "
                "or the office, rank or description by which the sources know them", ())


def check_names(report: Report, raw: RawRecord, rec: Record, names: list[NameVariant]) -> None:
    """A name variant that is the record's own name (or short name), or that an earlier
    variant already gives, is a warning."""
    own: dict[str, str] = {}
    fields = type(rec).model_fields
    for attr in _OWN_NAMES:
        value = getattr(rec, attr) if attr in fields else None
        if value:
            own.setdefault(name_key(value), attr)
    seen: dict[str, int] = {}
    for i, variant in enumerate(names):
        key = name_key(variant.name)
        path = ("names", i, "name")
        if key in own:
            attr = own[key]
            field_issue(report, raw, Code.NAME_VARIANT_SAME,
                        f"names[{i}].name: {variant.name!r} is the record's own `{attr}` "
                        f"({getattr(rec, attr)!r}); remove the variant and cite the passage "
                        f"on the record (`supports: [{attr}]`), or correct it", path)
        elif key in seen:
            j = seen[key]
            field_issue(report, raw, Code.NAME_VARIANT_DUPLICATE,
                        f"names[{i}].name: {variant.name!r} is already given at names[{j}] "
                        f"({names[j].name!r}); keep one variant with the citations of both",
                        path)
        else:
            seen[key] = i
