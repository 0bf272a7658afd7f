"""EDTF dates: what opencase accepts, what it refuses, and the days each value can mean."""

from __future__ import annotations

from datetime import date

import pytest

from opencase.language.edtf import EDTFError, parse_edtf

D = date


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2016", D(2016, 1, 1), D(2016, 12, 31)),
        ("2019-07", D(2019, 7, 1), D(2019, 7, 31)),
        ("2020-02", D(2020, 2, 1), D(2020, 2, 29)),  # leap year
        ("2021-02", D(2021, 2, 1), D(2021, 2, 28)),
        ("2020-03-15", D(2020, 3, 15), D(2020, 3, 15)),
        ("2016?", D(2016, 1, 1), D(2016, 12, 31)),  # qualifiers do not widen the range
        ("2016~", D(2016, 1, 1), D(2016, 12, 31)),
        ("2016-05%", D(2016, 5, 1), D(2016, 5, 31)),
        ("2014/2015", D(2014, 1, 1), D(2015, 12, 31)),
        ("2014-06/2015-02-03", D(2014, 6, 1), D(2015, 2, 3)),
        ("../2016", None, D(2016, 12, 31)),
        ("2019-07/..", D(2019, 7, 1), None),
        ("/2016", None, D(2016, 12, 31)),  # unknown start
        ("2016/", D(2016, 1, 1), None),  # unknown end
        ("2016/2016", D(2016, 1, 1), D(2016, 12, 31)),
    ],
)
def test_range_of_days(text: str, start: date | None, end: date | None) -> None:
    value = parse_edtf(text)
    assert (value.text, value.start, value.end) == (text, start, end)


def test_qualifiers_are_kept() -> None:
    assert (parse_edtf("2016?").uncertain, parse_edtf("2016?").approximate) == (True, False)
    assert (parse_edtf("2016~").uncertain, parse_edtf("2016~").approximate) == (False, True)
    assert (parse_edtf("2016%").uncertain, parse_edtf("2016%").approximate) == (True, True)
    assert parse_edtf("2014/2015").is_interval


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2021-02-30", "has no day 30"),
        ("2021-02-29", "has no day 29"),
        ("2019-13", "month 13 does not exist"),
        ("2019-00", "month 00 does not exist"),
        ("2019-04-31", "has no day 31"),
        ("0000", "year 0000"),
        ("2015/2014", "ends (2014) before it starts (2015)"),
        ("2015-03-02/2015-03-01", "before it starts"),
        ("16", "is not an EDTF date"),
        ("2016-1-5", "is not an EDTF date"),
        ("March 2016", "is not an EDTF date"),
        ("2016-03-15T10:00", "is not an EDTF date"),
        ("", "empty"),
        (" 2016", "surrounding spaces"),
        ("../..", "at least one known end"),
        ("2014/2015/2016", "exactly one '/'"),
        ("2016??", "is not an EDTF date"),
    ],
)
def test_refused(text: str, says: str) -> None:
    with pytest.raises(EDTFError, match=None) as info:
        parse_edtf(text)
    assert says in str(info.value)


def test_non_string_is_refused() -> None:
    with pytest.raises(EDTFError, match="must be a string"):
        parse_edtf(2016)  # type: ignore[arg-type]
