"""One table of two versions compared with Arrow: which rows were added, removed, and which
values of the rows in both changed.

Rows are matched on the table's primary key (on every column both versions share when it has
none, each distinct row once), with a hash join on the key columns; the other columns both
versions share are then compared column by column on the matched rows. No Python runs per
row: only the rows that differ are turned into Python values, for the output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Compared", "arange", "compare", "plain", "same_values"]

_OLD, _NEW = "__opencase_old", "__opencase_new"
_NULL_KEY = "\x00null"  # stands for a missing key value in the join (nulls never match)


@dataclass
class Compared:
    """Where two versions of a table differ: row positions in OLD (``removed``) and NEW
    (``added``), in table order, and for each column with a changed value the positions of
    its rows in OLD and in NEW."""

    key: list[str]
    added: pa.Array
    removed: pa.Array
    matched: int
    changed: dict[str, tuple[pa.Array, pa.Array]]


def compare(old: pa.Table, new: pa.Table, key: list[str]) -> Compared:
    """Compare ``old`` and ``new`` on ``key`` (columns both have); every other column both
    have is compared value by value (a column whose type changed, as text)."""
    common = [c for c in old.column_names if c in new.column_names]
    if not key:  # no primary key: a row is its values, each distinct row once
        key = common
        old = old.select(common).group_by(common, use_threads=False).aggregate([])
        new = new.select(common).group_by(common, use_threads=False).aggregate([])
    left, right = _join_keys(old, new, key)
    left = left.append_column(_OLD, arange(old.num_rows))
    right = right.append_column(_NEW, arange(new.num_rows))
    joined = left.join(right, keys=key, join_type="full outer", use_threads=False)
    o, n = joined.column(_OLD), joined.column(_NEW)
    added_rows = n.filter(pc.is_null(o))
    added = pc.take(added_rows, pc.sort_indices(added_rows)).combine_chunks()
    removed_rows = o.filter(pc.is_null(n))
    removed = pc.take(removed_rows, pc.sort_indices(removed_rows)).combine_chunks()
    both = pc.and_(pc.is_valid(o), pc.is_valid(n))
    pairs = pa.table({"o": o.filter(both), "n": n.filter(both)})
    pairs = pairs.take(pc.sort_indices(pairs.column("n")))
    oi, ni = pairs.column("o").combine_chunks(), pairs.column("n").combine_chunks()
    changed: dict[str, tuple[pa.Array, pa.Array]] = {}
    if pairs.num_rows:
        identical = old.num_rows == new.num_rows == pairs.num_rows and \
            pc.all(pc.equal(oi, ni)).as_py()
        for column in common:
            if column in key:
                continue
            a, b = old.column(column), new.column(column)
            if not identical:
                a, b = a.take(oi), b.take(ni)
            where = pc.indices_nonzero(differs(a, b))
            if len(where):
                changed[column] = (pc.take(oi, where), pc.take(ni, where))
    return Compared(key, added, removed, pairs.num_rows, changed)


def arange(n: int) -> pa.Array:
    """0, 1, ..., n - 1 as int64, made by Arrow (a million in milliseconds)."""
    ones = pc.fill_null(pa.nulls(n, pa.int64()), 1)
    return pc.subtract(pc.cumulative_sum(ones), 1)


def differs(a: Any, b: Any) -> Any:
    """True where ``a`` and ``b`` differ, a missing value differing from any present one (two
    missing values are the same); columns of different types are compared as text."""
    if a.type != b.type:
        a, b = _as_text(a), _as_text(b)
    try:
        ne = pc.not_equal(a, b)
    except pa.ArrowNotImplementedError:  # e.g. lists or structs: compared as text
        a, b = _as_text(a), _as_text(b)
        ne = pc.not_equal(a, b)
    return pc.fill_null(ne, pc.xor(pc.is_null(a), pc.is_null(b)))


def same_values(a: Any, b: Any) -> bool:
    """Whether two columns hold the same values in the same order."""
    return len(a) == len(b) and not pc.any(differs(a, b)).as_py()


def _as_text(v: Any) -> Any:
    try:
        return pc.cast(v, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.chunked_array([pa.array([str(x) for x in v.to_pylist()], pa.string())])


def _join_keys(old: pa.Table, new: pa.Table, key: list[str]) -> tuple[pa.Table, pa.Table]:
    """The key columns of each side, ready to join: of one type, and with missing values
    standing for themselves (a join never matches two nulls)."""
    left, right = {}, {}
    for k in key:
        a, b = old.column(k), new.column(k)
        if a.type != b.type or a.null_count or b.null_count or not _joinable(a.type):
            a = pc.fill_null(_as_text(a), _NULL_KEY)
            b = pc.fill_null(_as_text(b), _NULL_KEY)
        left[k], right[k] = a, b
    return pa.table(left), pa.table(right)


def _joinable(t: pa.DataType) -> bool:
    return (pa.types.is_integer(t) or pa.types.is_string(t) or pa.types.is_large_string(t)
            or pa.types.is_date(t) or pa.types.is_boolean(t) or pa.types.is_timestamp(t))


def plain(value: Any) -> Any:
    """A value as JSON can write it: dates and times in ISO 8601, decimals and other values
    as text."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)
