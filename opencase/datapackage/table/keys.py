"""Keys for ``opencase check``, column-wise: one comparable column per key (composite keys
as length-tagged text, nested and extension values as their encoding), duplicates found with
one hash pass, and foreign-key values of different types matched as frictionless does."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from opencase.datapackage.table.arrow import STR, arange

__all__ = [
    "all_null", "canonical_key", "comparable", "foreign_pair", "key_set", "key_text",
    "later_duplicates", "strictly_increasing",
]


# ---------------------------------------------------------------- keys


def canonical_key(columns: list[Any]) -> Any:
    """One comparable column for a key: the value itself (see :func:`comparable`), or for
    several fields each part as text tagged with its kind and length
    (``<kind>:<length>:<text>``, ``-`` if missing) and joined, so that no two keys share a
    text whatever characters they hold, and values of different kinds (the text "1", the
    number 1) never match, as in frictionless."""
    if len(columns) == 1:
        return comparable(columns[0])
    try:
        parts = [_tagged_text(pc.cast(comparable(c), STR), _kind(c.type)) for c in columns]
        return pc.binary_join_element_wise(*parts, ",")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # bytes that are not UTF-8
        parts = [_tagged_text(_bytes(comparable(c)), _kind(c.type)) for c in columns]
        return pc.binary_join_element_wise(*parts, _lit(b","))


def _kind(t: pa.DataType) -> str:
    """What frictionless would compare: integers and numbers alike, text and bytes alike."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "n"
    if _text_like(t):
        return "s"
    return str(t).replace(":", ";")


def _text_like(t: pa.DataType) -> bool:
    return (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t)
            or pa.types.is_large_binary(t))


def _tagged_text(x: Any, kind: str) -> Any:
    binary = not (pa.types.is_string(x.type) or pa.types.is_large_string(x.type))
    sep = _lit(b":") if binary else ":"
    n = pc.cast(pc.binary_length(x), STR)
    head = _lit(kind.encode()) if binary else kind
    if binary:
        n = pc.cast(n, _BIN)
    out = pc.binary_join_element_wise(head, n, x, sep)
    return pc.fill_null(out, _lit(b"-") if binary else "-")


def foreign_pair(child: Any, values: Any) -> tuple[Any, Any]:
    """A foreign key's child column and the referenced values, comparable (their types
    differ): numbers with numbers, text with text; values of other kinds never match."""
    if _kind(child.type) == _kind(values.type) == "n":
        try:
            return child, pc.cast(values, child.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            f64 = pa.float64()
            return pc.cast(child, f64, safe=False), pc.cast(values, f64, safe=False)
    if _text_like(child.type) and _text_like(values.type):
        return pc.cast(child, _BIN), pc.cast(values, _BIN)
    return child, pa.array([], child.type)


def all_null(columns: list[Any]) -> Any:
    mask = pc.is_null(columns[0])
    for c in columns[1:]:
        mask = pc.and_(mask, pc.is_null(c))
    return mask


def strictly_increasing(columns: list[Any]) -> bool:
    """Whether the rows are in strictly increasing order of ``columns`` (no missing values):
    then no two rows share these values."""
    n = len(columns[0])
    if n < 2:
        return True
    if any(c.null_count for c in columns):
        return False
    try:
        lt = eq = None
        for c in columns:
            a, b = c.slice(0, n - 1), c.slice(1)
            less, same = pc.less(a, b), pc.equal(a, b)
            if lt is None:
                lt, eq = less, same
            else:
                lt = pc.or_(lt, pc.and_(eq, less))
                eq = pc.and_(eq, same)
            if not pc.all(pc.or_(lt, eq)).as_py():
                return False
        return bool(pc.all(lt).as_py())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return False


def later_duplicates(key: Any, keep: Any | None, sorted_by: list[Any] | None = None
                     ) -> tuple[pa.Array, pa.Array]:
    """Rows whose key equals an earlier row's (every occurrence after the first), sorted, and
    for each the index of the first occurrence. ``keep``: rows to consider (null keys never
    are)."""
    key = comparable(key)
    n = len(key)
    none = pa.array([], pa.int64()), pa.array([], pa.int64())
    if sorted_by is not None and strictly_increasing(sorted_by):
        return none  # sorted rows (as opencase publishes them): no hashing needed
    valid = pc.is_valid(key)
    if keep is not None:
        valid = pc.and_(valid, keep)
    present = pc.sum(valid).as_py() or 0
    if present < 2 or pc.count_distinct(pc.filter(key, valid) if keep is not None else key,
                                        mode="only_valid").as_py() == present:
        return none  # the common case: no duplicates, one hash pass
    t = pa.table({"k": key, "i": arange(n)}).filter(valid)
    if pa.types.is_floating(key.type) or pa.types.is_boolean(key.type):
        t = t.set_column(0, "k", pc.cast(t.column("k"), STR))
    groups = t.group_by("k").aggregate([("i", "min"), ("i", "count")])
    groups = groups.filter(pc.greater(groups.column("i_count"), 1))
    if groups.num_rows == 0:
        return none
    joined = t.join(groups.select(["k", "i_min"]), "k", join_type="inner")
    joined = joined.filter(pc.not_equal(joined.column("i"), joined.column("i_min")))
    joined = joined.sort_by("i")
    return (joined.column("i").combine_chunks(), joined.column("i_min").combine_chunks())


def key_set(columns: list[Any]) -> Any:
    """The values a foreign key may point to (rows whose key is all missing are left out, as
    frictionless does). Duplicates are harmless to ``is_in``, so none are removed."""
    if len(columns) == 1:
        return comparable(columns[0]).drop_null()
    return pc.filter(canonical_key(columns), pc.invert(all_null(columns)))


# ---------------------------------------------------------------- nested values as keys

_BIN = pa.large_binary()


def comparable(col: Any) -> Any:
    """``col`` itself, or for a column of lists, structs, maps or dictionary-encoded values
    (which hash kernels do not take) one text value per row that is equal exactly where the
    values are: each element tagged with its length, so that no two values share a text."""
    t = col.type
    if isinstance(t, pa.BaseExtensionType):  # e.g. uuid: compared as what it is stored as
        return comparable(col.storage if isinstance(col, pa.Array) else pa.chunked_array(
            [c.storage for c in col.chunks], t.storage_type))
    if pa.types.is_float16(t):  # hash kernels do not take half floats
        col, t = pc.cast(col, pa.float32()), pa.float32()
    if pa.types.is_floating(t):  # -0.0 + 0.0 is 0.0: both zeros hash alike, as they are equal
        return pc.add(col, pa.scalar(0.0, t))
    if not (pa.types.is_nested(t) or pa.types.is_dictionary(t)):
        return col
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    out = pa.chunked_array([_encode(c) for c in chunks], _BIN)
    try:
        return pc.cast(out, pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return out  # bytes that are not UTF-8 inside: compared as bytes


def _lit(b: bytes) -> pa.Scalar:
    return pa.scalar(b, _BIN)


def _bytes(a: Any) -> Any:
    t = a.type
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_string(t) \
            or pa.types.is_large_string(t) or pa.types.is_fixed_size_binary(t):
        return pc.cast(a, _BIN)
    return pc.cast(pc.cast(a, STR), _BIN)


def _encode(arr: pa.Array) -> pa.Array:
    """One chunk of a nested column as bytes: ``[e1,e2]`` for a list, ``{f1,f2}`` for a
    struct, each element spelt ``<length>:<bytes>`` (``n`` if null); null stays null."""
    t = arr.type
    if pa.types.is_dictionary(t):
        return _encode(arr.dictionary_decode())
    if pa.types.is_map(t):
        return _encode(pc.cast(arr, pa.large_list(pa.struct([t.key_field, t.item_field]))))
    if pa.types.is_struct(t):
        parts = [_tagged(_encode(pc.struct_field(arr, [i]))) for i in range(t.num_fields)]
        body = (pc.binary_join_element_wise(*parts, _lit(b",")) if parts
                else pa.array([b""] * len(arr), _BIN))
        out = pc.binary_join_element_wise(_lit(b"{"), body, _lit(b"}"), _lit(b""))
        return pc.if_else(pc.is_valid(arr), out, pa.scalar(None, _BIN))
    if pa.types.is_nested(t):  # lists of every kind
        if not pa.types.is_large_list(t):
            arr = pc.cast(arr, pa.large_list(t.value_type))
        inner = _tagged(_encode(pc.list_flatten(arr)))
        lengths = pc.fill_null(pc.cast(pc.list_value_length(arr), pa.int64()), 0)
        offsets = pa.concat_arrays([pa.array([0], pa.int64()), pc.cumulative_sum(lengths)])
        lists = pa.LargeListArray.from_arrays(offsets, inner, mask=pc.is_null(arr))
        body = pc.binary_join(lists, _lit(b","))
        return pc.binary_join_element_wise(_lit(b"["), body, _lit(b"]"), _lit(b""))
    return _bytes(arr)


def _tagged(x: pa.Array) -> pa.Array:
    n = pc.cast(pc.cast(pc.binary_length(x), STR), _BIN)
    return pc.fill_null(pc.binary_join_element_wise(n, x, _lit(b":")), _lit(b"n"))


def key_text(key: Any, columns: list[Any], i: int) -> str:
    """Row ``i`` of a key (its :func:`canonical_key` and its columns) as text, for messages."""
    if len(columns) == 1 and not (pa.types.is_nested(columns[0].type)
                                  or pa.types.is_dictionary(columns[0].type)):
        return str(key[i].as_py())
    return ", ".join("(empty)" if v is None else json.dumps(v, default=str)
                     if isinstance(v, (list, dict)) else str(v)
                     for v in (c[i].as_py() for c in columns))
