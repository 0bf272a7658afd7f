"""The evidence lint: a citation that backs a number, a date or a name states it.

A quote can occur in its source and still not say what the record takes from it: a count of 9
resting on "They will now be required to improve their performance". This lint looks, for
each record, at the values whose evidence can be checked by reading:

- numbers: every integer or number field (``count``, ``reported_age``, an extension's numbers);
- dates: every EDTF field (but a correction's ``date``, when the curator made it: a model's
  ``curated`` fields are not the sources');
- names: ``name``, ``short_name`` and ``office``, and each of the record's name variants
  (``names``).

The fields come from the models (:func:`opencase.language.spec.fields_of`), so a new field
or a dataset's extension field of those types is checked too. Which citations must state a
value:

- each citation whose ``supports`` lists the field (``evidence-value-not-in-quote`` or
  ``evidence-name-not-in-quote`` on that ``supports`` entry);
- a number or date that no citation lists in ``supports``: at least one of the citations
  that back the whole record (no ``supports``), when there are any (the issue is on the
  field). Names are not checked this way: a record's ``name`` is often a label the curator
  wrote ("The 17 officers investigated"), which a citation of the whole record need not hold;
- each citation of a name variant (``names[k].cite``) states that variant, and each citation
  of a reported value (``reported[k].cite``) states that value (for a number, date or name
  field; other reported values are not checked).

A value is stated when it appears in the quote or in the citation's ``note`` (where a curator
explains how the passage gives a value it does not spell out, e.g. a date from "last
Tuesday"), compared after the folding quotes get (:mod:`opencase.validation.folding`) and
case-insensitively:

- a number as digits (``1000``, ``1,000``, ``1 000``; a decimal as written, ``2.5``) or, from
  0 to 999, as English words (``nine``, ``twenty-three``, ``twenty three``, ``one hundred and
  five``, ``a hundred``); not inside a longer number (``17`` is not in ``117`` or ``1.17``);
- a date by its parts, anywhere in the text: the year (``0800`` as ``800``); for a month,
  its English name, its abbreviation (``Jul``, ``Sept``) or a numeric date with the year
  (``2019-07``, ``07/2019``, ``15/07/2019``, ``7/15/2019``); for a day, also the day's number
  (``15``, ``15th``). An interval states each of its known bounds (an open or unknown end is not
  looked for);
- a name (or variant) as a whole: ``Met`` is not in ``Metropolitan``. For ``name``,
  ``short_name`` and ``office``, any of the record's name variants will do; a surname alone
  does not (record it as a variant, with the passages that use it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from pydantic import BaseModel

from opencase.codes import Code
from opencase.language.edtf import EDTFError, parse_edtf
from opencase.language.models import Citation, Record
from opencase.language.spec import fields_of
from opencase.reading.files import RawRecord
from opencase.report import Report
from opencase.validation.folding import fold
from opencase.validation.locations import field_issue

__all__ = ["check_evidence", "date_stated", "name_stated", "number_stated", "number_words"]

NAME_FIELDS = ("name", "short_name", "office")
"""Text fields holding a name, checked as names wherever a kind has them."""

_NUMBER, _DATE, _NAME = "number", "date", "name"


Matcher = Callable[[str, Any, Sequence[str]], bool]
"""Whether a (lower-cased or folded) text states a value, or one of the name variants."""


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    what: str  # _NUMBER, _DATE or _NAME
    many: bool
    match: Matcher


@dataclass(frozen=True, slots=True)
class _Plan:
    fields: tuple[_Field, ...]
    by_name: dict[str, _Field]
    names: bool  # whether the kind has name variants (``names``)


@cache
def _plan(model: type[BaseModel]) -> _Plan:
    """The fields of ``model`` this lint checks, read from the model once."""
    out: list[_Field] = []
    names = False
    curated: frozenset[str] = getattr(model, "curated", frozenset())
    for f in fields_of(model):
        if f.name in curated:
            continue  # (said of the curation: e.g. when a correction was made)
        spec = f.item or f
        if f.name == "names" and f.many and spec.type == "object":
            names = any(sub.name == "name" for sub in spec.fields)
            continue
        if spec.categories or spec.references or spec.fields:
            continue
        if spec.type in ("integer", "number"):
            out.append(_Field(f.name, _NUMBER, f.many, _MATCHERS[_NUMBER]))
        elif spec.edtf:
            out.append(_Field(f.name, _DATE, f.many, _MATCHERS[_DATE]))
        elif spec.type == "string" and f.name in NAME_FIELDS and not f.many:
            out.append(_Field(f.name, _NAME, False, _MATCHERS[_NAME]))
    return _Plan(tuple(out), {f.name: f for f in out}, names)


_NONE: list[Any] = []  # (shared, never changed)


def check_evidence(report: Report, raw: RawRecord, rec: Record) -> None:
    """Warn where a citation of ``rec`` backs a number, date or name it does not state."""
    plan = _plan(type(rec))
    values = [(f, v) for f in plan.fields if (v := getattr(rec, f.name)) is not None and v != []]
    variants: list[Any] = rec.names if plan.names else _NONE  # type: ignore[attr-defined]
    if values:
        _check_fields(report, raw, rec, values, [v.name for v in variants] if variants else _NONE)
    for k, variant in enumerate(variants):
        for i, c in enumerate(variant.cite):
            if not _stated(_MATCHERS[_NAME], variant.name, c, ()):
                field_issue(report, raw, Code.EVIDENCE_NAME_NOT_IN_QUOTE,
                            f"names[{k}].cite[{i}]: the quote does not contain the name "
                            f"{variant.name!r}; {_FIX_VARIANT}", ("names", k, "cite", i))
    for k, rv in enumerate(rec.reported):
        f = plan.by_name.get(rv.field)
        if f is None:
            continue  # a field this lint does not check (or none: reported elsewhere)
        value = _parse(f.what, rv.value)
        if value is None:
            continue
        for i, c in enumerate(rv.cite):
            if not _stated(f.match, value, c, ()):
                code = Code.EVIDENCE_NAME_NOT_IN_QUOTE if f.what == _NAME else (
                    Code.EVIDENCE_VALUE_NOT_IN_QUOTE)
                field_issue(report, raw, code,
                            f"reported[{k}].cite[{i}]: the quote does not state the reported "
                            f"{rv.field} {rv.value!r} (looked for "
                            f"{_looked_for(f.what, [value]) if f.what != _NAME else 'the name'}"
                            f"); quote the passage that states it, or {_NOTE}",
                            ("reported", k, "cite", i))


def _check_fields(
    report: Report, raw: RawRecord, rec: Record, values: list[tuple[_Field, Any]],
    variants: Sequence[str],
) -> None:
    cites = rec.cite
    for f, value in values:
        name, what, match = f.name, f.what, f.match
        items = value if f.many else (value,)
        supported = False
        for i, c in enumerate(cites):
            if c.supports is None or name not in c.supports:
                continue
            supported = True
            if not _stated_any(match, items, c, variants):
                code = Code.EVIDENCE_NAME_NOT_IN_QUOTE if what == _NAME else (
                    Code.EVIDENCE_VALUE_NOT_IN_QUOTE)
                field_issue(report, raw, code,
                            f"cite[{i}] supports {name} ({_shown(items)}), but its quote does "
                            f"not state {_looked_for(what, items)}; {_fix(f)}",
                            ("cite", i, "supports", c.supports.index(name)))
        if supported or what == _NAME:
            continue
        whole = [i for i, c in enumerate(cites) if c.supports is None]
        if whole and not any(_stated_any(match, items, cites[i], variants) for i in whole):
            listed = ", ".join(f"cite[{i}]" for i in whole)
            shown = _shown(items)
            field_issue(report, raw, Code.EVIDENCE_VALUE_NOT_IN_QUOTE,
                        f"{f.name} ({shown}) is stated in none of the citations that back the "
                        f"whole record ({listed}): none states {_looked_for(f.what, items)}; "
                        f"cite the passage that states it with `supports: [{f.name}]`, or "
                        f"{_NOTE}", (f.name,))


_NOTE = ("say in the citation's `note` how it gives the value, writing the value itself out "
         "(\"four days after 14 February 2022: 10 February 2022\")")


def _shown(items: Sequence[Any]) -> str:
    return ", ".join(map(str, items))


_FIX_VARIANT = ("quote a passage that uses this name, or say in the citation's `note` how it "
                "gives it")


def _looked_for(what: str, items: Sequence[Any]) -> str:
    """What the message says was looked for."""
    if what == _NAME:
        return "the name or any of the record's name variants"
    if what == _NUMBER:
        return " or ".join(map(str, items)) + " (in digits or English words)"
    return " or ".join(_date_words(str(v)) for v in items)


def _date_words(edtf: str) -> str:
    """The parts of a date looked for: ``2019-07/2020`` -> ``July 2019 and 2020``."""
    parts = []
    for year, month, day in _bounds(edtf):
        month_name = _MONTHS[month - 1].capitalize() if month else ""
        parts.append(" ".join(str(x) for x in (day, month_name, year) if x))
    return " and ".join(parts) or edtf


def _fix(f: _Field) -> str:
    if f.what == _NAME:
        return (f"quote a passage that uses the name, record the form this passage uses as a "
                f"name variant (`names`), or remove {f.name!r} from `supports` (as for a label "
                "of your own)")
    return f"quote the passage that states it, {_NOTE}, or remove {f.name!r} from `supports`"


def _parse(what: str, text: str) -> Any:
    """A reported value (text) as the field would hold it, or ``None`` if it is not one."""
    if what == _NAME:
        return text
    if what == _DATE:
        try:  # (an impossible date, e.g. month 13, is reported-value-invalid, not looked for)
            parse_edtf(text)
        except EDTFError:
            return None
        return text if _bounds(text) else None
    if re.fullmatch(r"[0-9]{1,18}", text):
        return int(text)
    return float(text) if re.fullmatch(r"[0-9]{1,18}\.[0-9]{1,18}", text) else None


def _stated(match: Matcher, value: Any, c: Citation, variants: Sequence[str]) -> bool:
    """Whether the quote of ``c``, or its note, states ``value``: looked for first in the text
    as written, lower-cased (what is found there is there; most values are), then folded."""
    for text in (c.quote, c.note):
        if text is None:
            continue
        low = text.lower()
        if match(low, value, variants):
            return True
        folded = _folded(text)
        if folded != low and match(folded, value, variants):
            return True
    return False


def _stated_any(match: Matcher, items: Sequence[Any], c: Citation,
                variants: Sequence[str]) -> bool:
    """Whether ``c`` states one of ``items`` (the value of a field, or each item of a list)."""
    if len(items) == 1:
        return _stated(match, items[0], c, variants)
    return any(_stated(match, value, c, variants) for value in items)


def _name_matches(text: str, name: str, variants: Sequence[str]) -> bool:
    return name_stated(text, name) or any(name_stated(text, v) for v in variants)


@lru_cache(maxsize=1 << 14)
def _folded(text: str) -> str:
    """``text`` folded as quotes are, and case-folded (each quote once, however often cited)."""
    return fold(text).casefold()


# ---------------------------------------------------------------- finding words and numbers
# (str.find and a look at the characters around: no regular expression per value, as there
# are as many names and dates as records)


def _wordlike(c: str) -> bool:
    return c.isalnum() or c == "_" or unicodedata.combining(c) > 0


_DIGITS = frozenset("0123456789")


def _number_in(text: str, needle: str) -> bool:
    """Whether the digits ``needle`` occur in ``text`` as a whole number: no digit next to
    them, nor a decimal point or thousands separator followed by one (``17`` is not in
    ``117``, ``1.17`` or ``17,000``)."""
    size, end = len(needle), len(text)
    i = text.find(needle)
    while i != -1:
        j = i + size
        before = text[i - 1] if i else " "
        after = text[j] if j < end else " "
        if not (
            before in _DIGITS or after in _DIGITS
            or (before in ".," and i >= 2 and text[i - 2] in _DIGITS)
            or (after in ".," and j + 1 < end and text[j + 1] in _DIGITS)
        ):
            return True
        i = text.find(needle, i + 1)
    return False


def _word_in(text: str, needle: str, more: Callable[[str, int, int], bool] | None = None) -> bool:
    """Whether ``needle`` occurs in ``text`` not as part of a longer word (no word character
    joins it at an end that is a word's), and where ``more`` (if given) also accepts it."""
    size, end = len(needle), len(text)
    i = text.find(needle)
    while i != -1:
        j = i + size
        if not (i and _joined(text[i - 1], needle[0])) and not (
            j < end and _joined(needle[-1], text[j])
        ) and (more is None or more(text, i, j)):
            return True
        i = text.find(needle, i + 1)
    return False


_APART = frozenset(" ,.;:!?'\"()[]/-")  # (most characters next to a word: no more to look at)


def _joined(a: str, b: str) -> bool:
    """Whether two adjacent characters are of one word."""
    return a not in _APART and b not in _APART and _wordlike(a) and _wordlike(b)


# ---------------------------------------------------------------- numbers

_UNITS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_NUMBER_WORDS = frozenset(_UNITS[1:] + _TENS[2:])


def number_words(n: int) -> list[str]:
    """The usual ways to write ``n`` (0 to 999) in English words, lower case: ``23`` ->
    ``twenty-three``, ``twenty three``; ``105`` -> ``one hundred and five``, ``one hundred
    five``, ``a hundred and five``, ``a hundred five``."""
    if not 0 <= n <= 999:
        raise ValueError(f"{n} is outside 0..999")
    if n < 20:
        return [_UNITS[n]]
    if n < 100:
        tens, unit = divmod(n, 10)
        if not unit:
            return [_TENS[tens]]
        return [f"{_TENS[tens]}-{_UNITS[unit]}", f"{_TENS[tens]} {_UNITS[unit]}"]
    hundreds, rest = divmod(n, 100)
    heads = [f"{_UNITS[hundreds]} hundred"] + (["a hundred"] if hundreds == 1 else [])
    if not rest:
        return heads
    return [f"{head}{sep}{tail}" for head in heads for sep in (" and ", " ")
            for tail in number_words(rest)]


def _number_word_at(text: str, start: int, end: int) -> bool:
    """Whether the number words ``text[start:end]`` (a whole word or words) are a whole
    number of ``text``, not part of a larger one: not after ``-`` or ``hundred (and)``, not
    before a word that continues it (``twenty`` in ``twenty-one``, ``one hundred`` in ``one
    hundred and five``)."""
    if start and text[start - 1] == "-":
        return False
    if text.endswith(("hundred ", "hundred and "), 0, start):
        return False
    rest = text[end:end + 20]
    for joint in ("-", " and ", " "):
        if rest.startswith(joint):
            after = rest[len(joint):]
            word = after[:next((k for k, c in enumerate(after) if not c.isalpha()), len(after))]
            if word in _NUMBER_WORDS:
                return False
    return True


@lru_cache(maxsize=4096)
def _number_forms(value: int | float) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The digit forms and the word forms of a number."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, float):
        return (repr(value),), ()
    digits = [str(value)]
    if value >= 1000:
        grouped = f"{value:,}"
        digits += [grouped, grouped.replace(",", " ")]
    words = number_words(value) if 0 <= value <= 999 else []
    return tuple(digits), tuple(words)


def number_stated(folded: str, value: int | float, _: object = None) -> bool:
    """Whether the folded, case-folded text states the number ``value``."""
    digits, words = _number_forms(value)
    return any(_number_in(folded, d) for d in digits) or any(
        _word_in(folded, w, _number_word_at) for w in words)


# ---------------------------------------------------------------- dates

_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)
_MONTH_FORMS = tuple((m, m[:3], "sept") if m == "september" else (m, m[:3]) for m in _MONTHS)
_BOUND = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?[?~%]?$")
_NUMERIC_DATE = re.compile(r"\d+(?:[/.-]\d+)+")  # 2019-07, 15/07/2019, 7.15.2019, ...


@lru_cache(maxsize=1 << 16)
def _bounds(edtf: str) -> tuple[tuple[int, int | None, int | None], ...]:
    """The known bounds of an EDTF value, each (year, month or None, day or None); empty
    for a value that is not one."""
    out = []
    for part in edtf.split("/"):
        if part in ("", ".."):
            continue
        m = _BOUND.match(part)
        if m is None:
            return ()
        year, month, day = m.groups()
        out.append((int(year), int(month) if month else None, int(day) if day else None))
    return tuple(out)


def _month_stated(folded: str, year: str, month: int) -> bool:
    for form in _MONTH_FORMS[month - 1]:
        if _word_in(folded, form):
            return True
    # a numeric date holding the year and the month: 2019-07, 07/2019, 15/7/2019, 7/15/2019
    for m in _NUMERIC_DATE.finditer(folded):
        parts = re.split(r"[/.-]", m.group())
        if year in parts and any(len(p) <= 2 and int(p) == month for p in parts):
            return True
    return False


@lru_cache(maxsize=1 << 16)
def _date_needles(edtf: str) -> tuple[tuple[str, int | None, tuple[str, ...]], ...]:
    """Per known bound: the year as text, the month (or ``None``) and the day's forms."""
    return tuple(
        (str(year), month, () if day is None else (str(day), f"0{day}")[:1 + (day < 10)])
        for year, month, day in _bounds(edtf)
    )


def date_stated(folded: str, edtf: str, _: object = None) -> bool:
    """Whether the folded, case-folded text states the EDTF date ``edtf``: each known bound's
    year, and its month and day where it gives them."""
    needles = _date_needles(edtf)
    for year, month, days in needles:
        if not _number_in(folded, year):
            return False
        if month is not None and not _month_stated(folded, year, month):
            return False
        if days and not any(_number_in(folded, d) for d in days):
            return False
    return bool(needles)


# ---------------------------------------------------------------- names


def name_stated(folded: str, name: str) -> bool:
    """Whether the folded, case-folded text holds ``name`` as a whole (not inside a word)."""
    needle = _folded(name).strip()
    return bool(needle) and _word_in(folded, needle)


_MATCHERS: dict[str, Matcher] = {
    _NUMBER: number_stated,
    _DATE: date_stated,
    _NAME: _name_matches,
}
