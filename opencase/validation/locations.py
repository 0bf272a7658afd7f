"""Issues about a field of a record, with the field's path, line and column."""

from __future__ import annotations

from typing import Any

from opencase.codes import Code
from opencase.reading.files import RawRecord
from opencase.report import Report

__all__ = ["field_issue", "field_name", "first_lower"]


def field_name(loc: tuple[Any, ...]) -> str:
    """A field path as messages show it: ``cite[0].quote``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def field_issue(report: Report, raw: RawRecord, code: Code, msg: str,
                path: tuple[Any, ...]) -> None:
    """Report ``code`` at the field ``path`` of ``raw`` (its record, for an empty path)."""
    line, col = raw.locate(path)
    report.add(code, msg, file=raw.file.display, line=line, column=col, record_id=raw.id,
               field=field_name(path) or None)


def first_lower(msg: str) -> str:
    """A pydantic message to follow a field's name: its first letter lower-cased, and nothing
    else (a pattern or a value it quotes stays as it is)."""
    return msg[:1].lower() + msg[1:]
