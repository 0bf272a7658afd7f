"""Issue codes come from one registry, so a mistyped code fails here, not in a user's run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from opencase.codes import CODES, Code, Severity
from opencase.report import Report

PACKAGE = Path(__file__).resolve().parent.parent / "opencase"
SOURCES = sorted(PACKAGE.rglob("*.py"))


def _code_members_named(tree: ast.AST) -> list[tuple[str, int]]:
    return [(node.attr, node.lineno) for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "Code" and node.attr.isupper()]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_code_a_module_names_is_in_the_registry(source: Path) -> None:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    unknown = [f"{source.name}:{line}: Code.{name}" for name, line in _code_members_named(tree)
               if name not in Code.__members__]
    assert not unknown


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_reports_a_code_as_a_bare_string(source: Path) -> None:
    """``report.add("quote-not-found", ...)`` would escape the check above: name the member.
    (Any call given a code's text as an argument; ``encoding``, a code that is also a word of
    the Data Package standard, aside.)"""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    bare = [f"{source.name}:{node.lineno}: {arg.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Call) for arg in node.args
            if isinstance(arg, ast.Constant) and arg.value in CODES and "-" in arg.value]
    assert not bare


def test_a_string_that_is_no_code_is_refused() -> None:
    with pytest.raises(KeyError, match="quote-not-fund"):
        Report().add("quote-not-fund", "a typo")  # type: ignore[arg-type]


def test_a_code_is_its_text() -> None:
    report = Report()
    report.add(Code.QUOTE_NOT_FOUND, "not in the snapshot")
    (issue,) = report.issues
    assert issue.code == "quote-not-found" and f"{issue.code}" == "quote-not-found"
    assert issue.severity is Severity.ERROR is Code.QUOTE_NOT_FOUND.severity
    assert '"code": "quote-not-found"' in report.format_json()


def test_the_ast_checks_catch_a_mistyped_member() -> None:
    tree = ast.parse("report.add(Code.QUOTE_NOT_FUND, 'x')\nreport.add('io-error', 'y')")
    assert [n for n, _ in _code_members_named(tree) if n not in Code.__members__] == [
        "QUOTE_NOT_FUND"]
