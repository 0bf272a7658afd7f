"""Findings as data: :class:`Issue` (a stable code, severity, message, location) and
:class:`Report`.

Every code opencase can emit is a member of :class:`opencase.codes.Code`, with its default
severity, what it means and how to fix it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from opencase.codes import CODES, Code, Severity

__all__ = ["CODES", "Code", "Issue", "Report", "Severity"]


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found, with where it is."""

    code: Code
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    record_id: str | None = None
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def where(self) -> str:
        """``file:line:col`` (as much of it as is known)."""
        parts = [self.file or "<records>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass
class Report:
    """Everything one run found. ``ok`` is true when there is no error."""

    issues: list[Issue] = field(default_factory=list)
    strict: bool = False
    stats: dict[str, int] = field(default_factory=dict)
    dataset: Any = None  # the validated dataset, for publishing (see opencase.validation.validate)

    def add(
        self,
        code: Code,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        record_id: str | None = None,
        field: str | None = None,
        severity: Severity | None = None,
    ) -> None:
        code = CODES[code]  # a str that is no code fails here, at once (KeyError)
        sev = severity or code.severity
        if self.strict and sev is Severity.WARNING:
            sev = Severity.ERROR
        self.issues.append(Issue(code, sev, message, file, line, column, record_id, field))

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def sorted(self) -> list[Issue]:
        return sorted(
            self.issues,
            key=lambda i: (i.file or "", i.line or 0, i.column or 0, i.code, i.message),
        )

    def summary(self) -> str:
        e, w = len(self.errors), len(self.warnings)
        counts = ", ".join(f"{v} {k[:-1] if v == 1 and k.endswith('s') else k}"
                           for k, v in self.stats.items())
        verdict = "valid" if self.ok else "invalid"
        tail = f" ({counts})" if counts else ""
        return f"{verdict}: {e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)}{tail}"

    # ---- output formats shared by every CLI verb

    def format_text(self) -> str:
        lines = [f"{i.where()}: {i.severity} {i.code} {i.message}" for i in self.sorted()]
        lines.append(self.summary())
        return "\n".join(lines)

    def format_json(self) -> str:
        return json.dumps(
            {
                "valid": self.ok,
                "errors": len(self.errors),
                "warnings": len(self.warnings),
                "stats": self.stats,
                "issues": [i.as_dict() for i in self.sorted()],
            },
            indent=2,
            ensure_ascii=False,
        )

    def format_github(self) -> str:
        out = [
            github_annotation("notice" if i.severity is Severity.INFO else i.severity.value,
                              i.code, i.message, file=i.file, line=i.line,
                              column=i.column)
            for i in self.sorted()
        ]
        out.append(self.summary())
        return "\n".join(out)

    def format(self, fmt: str) -> str:
        """The report as ``text``, ``json`` or ``github`` (workflow annotations)."""
        return getattr(self, f"format_{fmt}")()


def _github_escape(s: str, prop: bool = False) -> str:
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return s.replace(":", "%3A").replace(",", "%2C") if prop else s


def github_annotation(
    severity: str,
    title: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    column: int | None = None,
) -> str:
    """One GitHub workflow annotation (``::error file=...,line=...::message``), escaped."""
    props = [f"file={_github_escape(file, True)}"] if file else []
    if line is not None:
        props.append(f"line={line}")
        if column is not None:
            props.append(f"col={column}")
    props.append(f"title={_github_escape(title, True)}")
    return f"::{severity} {','.join(props)}::{_github_escape(message)}"
