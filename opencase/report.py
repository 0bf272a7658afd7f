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

__all__ = ["CODES", "Code", "Issue", "Omission", "Report", "Severity"]


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


@dataclass(frozen=True, slots=True)
class Omission:
    """Issues found and counted but not listed one by one (see :meth:`Report.omit`): ``count``
    more of ``code``, said in ``message`` (e.g. "... and 121 more quotes ...")."""

    code: Code
    severity: Severity
    count: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    """Everything one run found. ``ok`` is true when there is no error.

    ``issues`` are the issues listed; ``omitted`` those only counted (a long run of one code
    abbreviated). The summary and the ``errors``/``warnings`` counts of every format count
    both: :attr:`error_count`, :attr:`warning_count`.
    """

    issues: list[Issue] = field(default_factory=list)
    strict: bool = False
    stats: dict[str, int] = field(default_factory=dict)
    dataset: Any = None  # the validated dataset, for publishing (see opencase.validation.validate)
    omitted: list[Omission] = field(default_factory=list)

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

    def omit(self, code: Code, count: int, message: str, *,
             severity: Severity | None = None) -> None:
        """Count ``count`` more issues of ``code`` without listing them; ``message`` says so
        and is printed after the listed issues of that code (before the summary)."""
        code = CODES[code]
        sev = severity or code.severity
        if self.strict and sev is Severity.WARNING:
            sev = Severity.ERROR
        if count > 0:
            self.omitted.append(Omission(code, sev, count, message))

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.WARNING]

    def _omitted(self, severity: Severity) -> int:
        return sum(o.count for o in self.omitted if o.severity is severity)

    @property
    def error_count(self) -> int:
        """Every error: those listed and those omitted."""
        return len(self.errors) + self._omitted(Severity.ERROR)

    @property
    def warning_count(self) -> int:
        """Every warning: those listed and those omitted."""
        return len(self.warnings) + self._omitted(Severity.WARNING)

    @property
    def ok(self) -> bool:
        return not self.errors and not self._omitted(Severity.ERROR)

    def sorted(self) -> list[Issue]:
        return sorted(
            self.issues,
            key=lambda i: (i.file or "", i.line or 0, i.column or 0, i.code, i.message),
        )

    def summary(self) -> str:
        """One line: the verdict and how many errors and warnings (every one, omitted ones
        too)."""
        e, w = self.error_count, self.warning_count
        counts = ", ".join(f"{v} {k[:-1] if v == 1 and k.endswith('s') else k}"
                           for k, v in self.stats.items())
        verdict = "valid" if self.ok else "invalid"
        tail = f" ({counts})" if counts else ""
        return f"{verdict}: {e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)}{tail}"

    # ---- output formats shared by every CLI verb

    def _in_order(self) -> list[Issue | Omission]:
        """The listed issues (sorted), each omission right after the last listed issue of its
        code and severity (or at the end, when none is listed)."""
        out: list[Issue | Omission] = list(self.sorted())
        for o in self.omitted:
            last = max((k for k, i in enumerate(out) if isinstance(i, Issue)
                        and i.code == o.code and i.severity is o.severity), default=None)
            out.insert(len(out) if last is None else last + 1, o)
        return out

    def format_text(self) -> str:
        """One line per issue (``file:line:col: severity CODE message``), each "... and N
        more" line after the issues it abbreviates, and the summary last."""
        lines = [f"{i.where() if isinstance(i, Issue) else '<records>'}: {i.severity} {i.code} "
                 f"{i.message}" for i in self._in_order()]
        lines.append(self.summary())
        return "\n".join(lines)

    def format_json(self) -> str:
        return json.dumps(
            {
                "valid": self.ok,
                "errors": self.error_count,
                "warnings": self.warning_count,
                "stats": self.stats,
                "issues": [i.as_dict() for i in self.sorted()],
                "omitted": [o.as_dict() for o in self.omitted],
            },
            indent=2,
            ensure_ascii=False,
        )

    def format_github(self) -> str:
        out = [
            github_annotation("notice" if i.severity is Severity.INFO else i.severity.value,
                              i.code, i.message, file=i.file, line=i.line,
                              column=i.column) if isinstance(i, Issue)
            else github_annotation("notice" if i.severity is Severity.INFO
                                   else i.severity.value, i.code, i.message)
            for i in self._in_order()
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
