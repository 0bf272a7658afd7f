"""EDTF dates: parse the subset opencase accepts and derive the days a value can mean.

Accepted (ISO 8601-2 / EDTF levels 0 and 1, the parts a curator needs):

- ``2016``, ``2019-07``, ``2020-03-15`` (year, year-month, day; four-digit years);
- a ``?`` (uncertain), ``~`` (approximate) or ``%`` (both) at the end of a date;
- intervals ``A/B`` where either side is a date as above, ``..`` (open: no bound) or empty
  (unknown bound), e.g. ``2014/2015``, ``../2016``, ``2019-07/..``.

Every value has an earliest and a latest day it can mean (``2016`` -> 2016-01-01 and
2016-12-31). Qualifiers do not widen the range: ``2016~`` still spans 2016. Open or unknown
interval ends have no bound (``None``). Impossible dates (``2021-02-30``) and intervals that
end before they start are rejected with a :class:`EDTFError` saying why.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from opencase.errors import EDTFError

__all__ = ["EDTF", "EDTFError", "parse_edtf"]

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([?~%])?$")


@dataclass(frozen=True, slots=True)
class EDTF:
    """A parsed EDTF value: the text as written and the earliest/latest day it can mean."""

    text: str
    start: date | None
    end: date | None
    is_interval: bool = False
    uncertain: bool = False
    approximate: bool = False


def _single(text: str, whole: str) -> tuple[date, date, bool, bool]:
    m = _DATE.match(text)
    if not m:
        raise EDTFError(
            f"{whole!r} is not an EDTF date: use YYYY, YYYY-MM or YYYY-MM-DD, optionally "
            "followed by ? (uncertain) or ~ (approximate), or an interval A/B"
        )
    year, month, day, qual = m.groups()
    y = int(year)
    if y == 0:
        raise EDTFError(f"{whole!r}: year 0000 is not a date opencase accepts")
    uncertain = qual in ("?", "%")
    approximate = qual in ("~", "%")
    if month is None:
        return date(y, 1, 1), date(y, 12, 31), uncertain, approximate
    mo = int(month)
    if not 1 <= mo <= 12:
        raise EDTFError(f"{whole!r}: month {month} does not exist (01 to 12)")
    last = calendar.monthrange(y, mo)[1]
    if day is None:
        return date(y, mo, 1), date(y, mo, last), uncertain, approximate
    d = int(day)
    if not 1 <= d <= last:
        raise EDTFError(f"{whole!r}: {year}-{month} has no day {day} (it has {last} days)")
    return date(y, mo, d), date(y, mo, d), uncertain, approximate


def parse_edtf(text: str) -> EDTF:
    """Parse ``text`` or raise :class:`EDTFError` with a message a curator can act on."""
    if not isinstance(text, str):
        raise EDTFError(f"an EDTF date must be a string, not {type(text).__name__}")
    if text != text.strip() or not text:
        raise EDTFError(f"{text!r} is not an EDTF date: it is empty or has surrounding spaces")
    if "/" not in text:
        first, last, unc, approx = _single(text, text)
        return EDTF(text, first, last, False, unc, approx)
    parts = text.split("/")
    if len(parts) != 2:
        raise EDTFError(f"{text!r}: an interval has exactly one '/'")
    left, right = parts
    if left in ("", "..") and right in ("", ".."):
        raise EDTFError(f"{text!r}: an interval needs at least one known end")
    start: date | None = None
    end: date | None = None
    unc = approx = False
    if left not in ("", ".."):
        start, _, u1, a1 = _single(left, text)
        unc, approx = unc or u1, approx or a1
    if right not in ("", ".."):
        _, end, u2, a2 = _single(right, text)
        unc, approx = unc or u2, approx or a2
    if start is not None and end is not None and end < start:
        raise EDTFError(f"{text!r}: the interval ends ({right}) before it starts ({left})")
    return EDTF(text, start, end, True, unc, approx)
