"""``opencase check`` on reading inputs that once gave a false "valid" (issue 10, section 3,
after an independent review): a CSV byte for byte its Parquet twin but with text rules, a
line break inside a header label, a CSV without a schema, a resource split over several files,
``headerRows: []``, UTF-16 with a byte-order mark, comment rows.

Every run goes through the real command, and frictionless gives the same verdict.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from .test_check_inputs import agrees, checked, codes, package

# ---------------------------------------------------------------- twins with text rules

TEXT_RULES = [  # (column, field properties): the CSV pyarrow writes breaks the text rule
    (pa.array([True, False]), {"type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]}),
    (pa.array([1, None]), {"type": "integer", "missingValues": ["NA"]}),
    (pa.array([pa.scalar(0, pa.date32()).as_py()]), {"type": "date", "format": "%d/%m/%Y"}),
    (pa.array([5, 20]), {"type": "year"}),
]


@pytest.mark.parametrize(("column", "props"), TEXT_RULES,
                         ids=["trueValues", "missingValues", "format", "year"])
def test_a_twin_csv_is_checked_by_its_own_text_rules(tmp_path: Path, column: pa.Array,
                                                     props: dict[str, Any]) -> None:
    """The CSV is exactly what pyarrow writes from its Parquet twin; its text rules (true
    words, missing values, date format, 4-digit years) still apply to the CSV's text."""
    table = pa.table({"a": column})
    buf = io.BytesIO()
    pcsv.write_csv(table, buf, pcsv.WriteOptions(eol="\n"))
    pq.write_table(table, tmp_path / "t.parquet")
    schema = {"fields": [{"name": "a", **props}]}
    pkg = package(tmp_path, [{"name": "t", "path": "t.csv", "schema": schema},
                             {"name": "t-parquet", "path": "t.parquet", "schema": schema}],
                  {"t.csv": buf.getvalue()})
    report = checked(pkg)
    assert "cell-type" in codes(report), report.format_text()
    agrees(pkg, report)
