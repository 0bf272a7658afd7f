"""The ``opencase`` command: a thin layer over the library functions of the same names.

Exit codes, for every verb: 0 valid, 1 invalid (the report has errors), 2 usage or I/O error
(a missing folder, an unreadable package, a bad option). Heavy modules (pydantic, pyarrow)
are imported inside the verbs, never at start-up, so ``opencase --help`` is instant.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["main"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """An input opencase cannot use (exit 2): a missing folder, an unreadable file."""


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="output: text (file:line:col: severity CODE message), json, or github "
        "(workflow annotations). Default: text.",
    )


def _add_snapshots(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--snapshots",
        metavar="DIR",
        default=os.environ.get("OPENCASE_SNAPSHOTS"),
        help="folder of source snapshots, found by SHA-256 (default: $OPENCASE_SNAPSHOTS)",
    )


def _emit(report: Any, fmt: str) -> int:
    print(report.format(fmt))
    return EXIT_OK if report.ok else EXIT_INVALID


def cmd_validate(args: argparse.Namespace) -> int:
    from .validation import validate

    report = validate(args.records, args.snapshots, strict=args.strict)
    return _emit(report, args.format)


Configure = Callable[[argparse.ArgumentParser], Callable[[argparse.Namespace], int]]
COMMANDS: dict[str, tuple[Configure, str, str]] = {}


def command(name: str, help: str, example: str) -> Callable[[Configure], Configure]:
    """Register a verb: ``help`` for the list, ``example`` shown in its ``--help``. The
    decorated function adds the verb's options and returns its handler."""

    def deco(configure: Configure) -> Configure:
        COMMANDS[name] = (configure, help, example)
        return configure

    return deco


@command(
    "validate",
    "check records: syntax, fields, ids, references, citations and quotes",
    "opencase validate records --snapshots ../shared/sources --strict",
)
def _validate_parser(p: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    p.add_argument("records", nargs="?", default="records",
                   help="folder (or file) of YAML records (default: records)")
    _add_snapshots(p)
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _add_common(p)
    return cmd_validate


def cmd_coverage(args: argparse.Namespace) -> int:
    from .coverage import coverage

    if not args.snapshots:
        raise UsageError("coverage needs the snapshot folder: --snapshots DIR "
                         "(or $OPENCASE_SNAPSHOTS)")
    return _emit(coverage(args.records, args.snapshots), args.format)


@command(
    "coverage",
    "list the sentences of each source no record cites yet, and the share covered",
    "opencase coverage records --snapshots ../shared/sources --format json\n\n"
    "A sentence counts as covered when a citation quote falls in it, or when its source lists\n"
    "it under `uncited:` with a reason. Exit 0 when every sentence of every source is covered\n"
    "(and the records are valid), 1 otherwise, 2 on a usage or I/O error.",
)
def _coverage_parser(p: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    p.add_argument("records", nargs="?", default="records",
                   help="folder (or file) of YAML records (default: records)")
    _add_snapshots(p)
    _add_common(p)
    return cmd_coverage


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="opencase",
        description="Validate hand-curated case records and publish them as an open, "
        "verifiable Frictionless data package.",
        epilog="Exit codes: 0 valid, 1 invalid, 2 usage or I/O error. "
        "Run 'opencase VERB --help' for a verb's options and an example.",
    )
    parser.add_argument("--version", action="version", version=f"opencase {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for name, (configure, help_text, example) in COMMANDS.items():
        p = sub.add_parser(
            name,
            help=help_text,
            description=help_text[0].upper() + help_text[1:] + ".",
            epilog=f"example:\n  {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=configure(p))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "verb", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("opencase: interrupted", file=sys.stderr)
        return 130
    except (UsageError, FileNotFoundError, NotADirectoryError, PermissionError) as exc:
        print(f"opencase {args.verb}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"opencase {args.verb}: I/O error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # never a traceback at the CLI edge
        if os.environ.get("OPENCASE_DEBUG"):
            raise
        print(
            f"opencase {args.verb}: internal error: {type(exc).__name__}: {exc} "
            "(set OPENCASE_DEBUG=1 for details, and please report it)",
            file=sys.stderr,
        )
        return EXIT_USAGE
