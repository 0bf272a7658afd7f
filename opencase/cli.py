"""The ``opencase`` command: a thin layer over the library functions of the same names.

Exit codes, for every verb: 0 valid, 1 invalid (the report has errors), 2 usage or I/O error
(a missing folder, an unreadable package, a bad option). Heavy modules (pydantic, pyarrow)
are imported inside the verbs, never at start-up, so ``opencase --help`` is instant.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from opencase.codes import Code
from opencase.errors import UsageError

__all__ = ["main", "run"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


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
    from opencase.validation.validate import validate

    # only the issues are printed, so the validated dataset is not kept (dataset=False)
    report = validate(args.records, args.snapshots, strict=args.strict, dataset=False,
                      config=args.config)
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
    "opencase validate records --snapshots snapshots --strict",
)
def _validate_parser(p: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    p.add_argument("records", nargs="?", default="records",
                   help="folder (or file) of YAML records (default: records)")
    _add_snapshots(p)
    p.add_argument("--config", metavar="FILE",
                   help="package.yaml, whose `model` and `extensions` the records are checked "
                   "against (default: package.yaml beside the records folder, if any)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _add_common(p)
    return cmd_validate


def cmd_migrate(args: argparse.Namespace) -> int:
    from opencase.validation.migrate import migrate

    result = migrate(args.records, config=args.config, check=args.check)
    print(result.message())
    return EXIT_INVALID if args.check and result.needed else EXIT_OK


@command(
    "migrate",
    "upgrade a dataset to the current case model (package.yaml's `model:`), keeping comments",
    "opencase migrate records --check\n\n"
    "Records `model: 2` in package.yaml (after the `version:` line, else at the end, or in\n"
    "place of an older `model:`), editing it as text so that every comment and blank line\n"
    "is kept. Record files written for case model 1 need no change: model 2 only adds to\n"
    "it. Running it again changes nothing. --check writes nothing and exits 1 if a\n"
    "migration is needed. Exit 2 when there is no package.yaml or its `model:` is newer\n"
    "than this opencase supports.",
)
def _migrate_parser(p: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    p.add_argument("records", nargs="?", default="records",
                   help="folder of YAML records (default: records)")
    p.add_argument("--config", metavar="FILE",
                   help="package metadata (default: package.yaml beside the records folder)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if a migration is needed")
    return cmd_migrate


def cmd_coverage(args: argparse.Namespace) -> int:
    from opencase.validation.coverage import coverage

    if not args.snapshots:
        raise UsageError("coverage needs the snapshot folder: --snapshots DIR "
                         "(or $OPENCASE_SNAPSHOTS)")
    if not 0 <= args.min <= 100:
        raise UsageError(f"--min is a percentage from 0 to 100, not {args.min:g}")
    return _emit(coverage(args.records, args.snapshots, config=args.config, minimum=args.min),
                 args.format)


def _percentage(text: str) -> float:
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a percentage: {text!r}") from None
    if value != value:  # NaN
        raise argparse.ArgumentTypeError(f"not a percentage: {text!r}")
    return value


@command(
    "coverage",
    "measure the share of each source's letters that records cite or mark, and list the rest",
    "opencase coverage records --snapshots snapshots --min 80 --format json\n\n"
    "Counts letters and digits (not spaces or punctuation). A letter is covered when a\n"
    "validated citation quote spans it, or a passage its source lists under `uncited:` with a\n"
    "reason. Lists the uncovered passages (each at most a sentence) as snapshot:line:col.\n"
    "Exit 0 when the records are valid, every snapshot was found and every source reaches\n"
    "--min (default 100), 1 otherwise, 2 on a usage or I/O error.",
)
def _coverage_parser(p: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    p.add_argument("records", nargs="?", default="records",
                   help="folder (or file) of YAML records (default: records)")
    _add_snapshots(p)
    p.add_argument("--config", metavar="FILE",
                   help="package.yaml, whose `model` and `extensions` the records are checked "
                   "against (default: package.yaml beside the records folder, if any)")
    p.add_argument("--min", type=_percentage, default=100.0, metavar="PERCENT",
                   help="the least share of its letters every source must have covered, "
                   "0-100 (default: 100); exit 1 when a source is below it")
    _add_common(p)
    return cmd_coverage


def cmd_publish(args: argparse.Namespace) -> int:
    from opencase.publishing.publish import PublishError, publish

    try:
        pub = publish(args.records, args.out, snapshots=args.snapshots, config=args.config,
                      zip=args.zip, created=args.created, strict=args.strict)
    except PublishError as exc:
        raise UsageError(str(exc)) from None
    print(pub.format(args.format))
    if pub.ok and args.format == "text":
        extra = f" and {pub.zip_path}" if pub.zip_path else ""
        print(f"published {pub.path}{extra}")
    return EXIT_OK if pub.ok else EXIT_INVALID


@command(
    "publish",
    "validate the records, then publish them as a data package (CSV + Parquet)",
    "opencase publish records --snapshots snapshots --out datapackage\n\n"
    "Writes datapackage.json, csv/<table>.csv, parquet/<table>.parquet and README.md (the data\n"
    "dictionary) into a temporary folder beside --out, then swaps it in: a failure leaves the\n"
    "previous package as it was. Package metadata comes from package.yaml beside the records\n"
    "folder (--config). `created` is set only by --created or $SOURCE_DATE_EPOCH, so the same\n"
    "records give the same bytes. Invalid records: the validation report, nothing written,\n"
    "exit 1.",
)
def _publish_parser(p: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    p.add_argument("records", nargs="?", default="records",
                   help="folder (or file) of YAML records (default: records)")
    p.add_argument("--out", default="datapackage", metavar="DIR",
                   help="package folder to write or replace (default: datapackage)")
    _add_snapshots(p)
    p.add_argument("--config", metavar="FILE",
                   help="package metadata (default: package.yaml beside the records folder)")
    p.add_argument("--zip", action="store_true",
                   help="also write <name>-<version>.zip beside the package folder")
    p.add_argument("--created", metavar="TIME",
                   help="the package's `created` time, ISO 8601 (default: $SOURCE_DATE_EPOCH, "
                   "else none)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _add_common(p)
    return cmd_publish


def cmd_schemas(args: argparse.Namespace) -> int:
    import pathlib

    from opencase.language.casemodel import STANDARD
    from opencase.publishing.schemas import stale_files, write_schemas
    from opencase.report import Report
    from opencase.validation.declared import model_in

    model = STANDARD
    if args.config:  # a dataset's own schemas: its extensions included
        declared = Report()
        model = model_in(pathlib.Path(args.config), declared)
        if not declared.ok:
            return _emit(declared, args.format)
    if not args.check:
        for path in write_schemas(args.out, model):
            print(path)
        return EXIT_OK
    report = Report()
    again = f"opencase schemas --out {args.out}" + (f" --config {args.config}"
                                                    if args.config else "")
    for rel in stale_files(args.out, model):
        report.add(Code.SCHEMA_STALE, f"{rel} differs from what the models generate; run "
                   f"`{again}` and commit the result", file=os.path.join(args.out, rel))
    return _emit(report, args.format)


@command(
    "schemas",
    "write the JSON Schema for record files and the Table Schema of every published table",
    "opencase schemas --out schemas\n\n"
    "--check writes nothing and exits 1 if a file under --out differs from what the models\n"
    "generate. --config package.yaml writes those of a dataset's own case model: its added\n"
    "values and fields (`extensions:`) included.",
)
def _schemas_parser(p: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    p.add_argument("--out", default="schemas", metavar="DIR",
                   help="folder to write the schemas into (default: schemas)")
    p.add_argument("--check", action="store_true",
                   help="only compare the files under --out with the generated ones")
    p.add_argument("--config", metavar="FILE",
                   help="a dataset's package.yaml: the schemas of its case model, with its "
                   "extensions (default: the standard model)")
    _add_common(p)
    return cmd_schemas


def cmd_check(args: argparse.Namespace) -> int:
    from opencase.datapackage.check import check
    from opencase.datapackage.load import LoadError

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    try:
        report = check(args.package, limit=args.limit, strict=args.strict)
    except LoadError as exc:
        raise UsageError(str(exc)) from None
    return _emit(report, args.format)


@command(
    "check",
    "verify a published data package: descriptor, hashes, types, constraints, keys, CSV = Parquet",
    "opencase check datapackage --format github\n\n"
    "Works on any Data Package v2 whose tables are CSV or Parquet, without the records. Issues\n"
    "name the resource file, the row (numbered as frictionless does: the header is row 1) and\n"
    "the field. Each failing check lists its first --limit rows, then how many more fail.",
)
def _check_parser(p: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    p.add_argument("package", nargs="?", default="datapackage",
                   help="package folder, its datapackage.json, or a .zip of it "
                   "(default: datapackage)")
    p.add_argument("--limit", type=int, default=20, metavar="N",
                   help="rows listed per failing check before 'and K more' (default: 20)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _add_common(p)
    return cmd_check


def cmd_site(args: argparse.Namespace) -> int:
    import json

    from opencase.errors import LoadError, PublishError
    from opencase.site.build import build_site

    try:
        result = build_site(args.package, args.out, snapshots=args.snapshots)
    except (LoadError, PublishError) as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        print(json.dumps({"out": str(result.out), "pages": result.pages,
                          "records": result.records,
                          "sources_with_text": result.sources_with_text,
                          "sources_without_text": result.sources_without_text}, indent=2))
    else:
        print(result.summary())
    return EXIT_OK


@command(
    "site",
    "build a static website of a package: every value next to its highlighted source passage",
    "opencase site datapackage --snapshots snapshots --out site\n\n"
    "Writes an overview (metadata, how to cite, coverage, downloads, schema.org JSON-LD), a\n"
    "timeline, a list per kind, a page per record with every value's citations, and a page\n"
    "per source: with --snapshots, its whole text with every cited passage highlighted.\n"
    "Static files only: nothing is loaded from the network, links are relative (the site\n"
    "works from file://), record text is escaped and the same package gives the same bytes.\n"
    "--out is replaced only if it is empty or a site written before. Exit 2 when the\n"
    "package cannot be opened or --out cannot be written.",
)
def _site_parser(p: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    p.add_argument("package", nargs="?", default="datapackage",
                   help="package folder, its datapackage.json, a .zip of it, or an http(s) URL "
                   "(default: datapackage)")
    _add_snapshots(p)
    p.add_argument("--out", default="site", metavar="DIR",
                   help="folder to write the site into (default: site)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="output: text (one line) or json (default: text)")
    return cmd_site


def cmd_vocab(args: argparse.Namespace) -> int:
    from opencase.language.vocabularies import (
        suggestion,
        vocabularies,
        vocabularies_json,
        vocabularies_text,
    )
    from opencase.report import Report
    from opencase.validation.declared import declared_model

    # the dataset's case model (package.yaml beside the records, or --config): the standard
    # vocabularies and the values its extensions add
    report = Report()
    model = declared_model(args.records, args.config, report)
    if not report.ok:
        return _emit(report, args.format)
    fields = vocabularies(model.kinds)
    if args.field is not None:
        if args.field not in fields:
            raise UsageError(f"no vocabulary field {args.field!r}: "
                             f"{suggestion(args.field, fields)}")
        fields = {args.field: fields[args.field]}
    print(vocabularies_json(fields) if args.format == "json" else vocabularies_text(fields))
    return EXIT_OK


@command(
    "vocab",
    "list the values of every vocabulary field, each with what it means",
    "opencase vocab events.participants.role\n\n"
    "A field is named KIND.FIELD (events.type) or, inside the items of a list,\n"
    "KIND.LIST.FIELD (proceedings.parties.role); without one, every vocabulary field is\n"
    "listed, with the values a dataset adds in its package.yaml (`extensions:`; the file\n"
    "beside the records folder, or --config). --format json gives\n"
    "{field: [{value, definition}, ...]}. A mistake in package.yaml's `model` or\n"
    "`extensions`: the issues, exit 1.",
)
def _vocab_parser(p: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    p.add_argument("field", nargs="?", metavar="KIND.FIELD",
                   help="the vocabulary field to list, e.g. events.type (default: all)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="output: text (one value and its definition a line) or json. "
                   "Default: text.")
    p.add_argument("--records", default="records", metavar="DIR",
                   help="the records folder, beside which package.yaml declares the dataset's "
                   "extensions (default: records)")
    p.add_argument("--config", metavar="FILE",
                   help="the dataset's package.yaml (default: the one beside --records, if "
                   "any; else the standard vocabularies)")
    return cmd_vocab


def cmd_init(args: argparse.Namespace) -> int:
    from opencase.curating.init import init

    print(init(args.dir, opencase_source=args.opencase_source,
               opencase_rev=args.opencase_rev).message())
    return EXIT_OK


@command(
    "init",
    "start a dataset repository: example records and snapshot, package.yaml, README, CI "
    "workflow, pre-commit hook",
    "opencase init my-case\n\n"
    "Writes records/example.yaml (a commented example: a source, and a case, an organisation\n"
    "and an event citing it; remove it and snapshots/example-notice.txt to start your own),\n"
    "snapshots/ (the example's text), package.yaml, README.md (the curator's steps), .gitignore,\n"
    ".github/workflows/opencase.yml (validate, coverage, publish, check) and\n"
    ".pre-commit-config.yaml (the opencase-validate hook). `opencase validate records\n"
    "--snapshots snapshots --strict` passes at once. The workflow and the hook install opencase\n"
    "from a git repository at a commit or tag: by default where this opencase was installed\n"
    "from (a git checkout: its file:// URL and checked-out commit; a git install: its URL and\n"
    "commit), else --opencase-source and --opencase-rev. Never overwrites: exit 2, nothing\n"
    "written, when DIR holds a file it would write or a records/ or snapshots/ that is not\n"
    "empty.",
)
def _init_parser(p: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    p.add_argument("dir", nargs="?", default=".", metavar="DIR",
                   help="the dataset's folder, created if needed; its name is the package's "
                   "(default: .)")
    p.add_argument("--opencase-source", metavar="URL|PATH",
                   help="the git repository of opencase that the workflow and the pre-commit "
                   "hook install from: a URL, or the path of a local checkout (default: where "
                   "this opencase was installed from)")
    p.add_argument("--opencase-rev", metavar="REV",
                   help="the commit or tag of that repository (default: the checked-out commit "
                   "of a local checkout, or the commit this opencase was installed at)")
    return cmd_init


def cmd_source_add(args: argparse.Namespace) -> int:
    import json

    from opencase.curating.sources import add_source

    added = add_source(args.file, args.id, kind=args.kind, title=args.title,
                       publisher=args.publisher, author=args.author, url=args.url,
                       published=args.published, language=args.language,
                       records=args.records, snapshots=args.snapshots, config=args.config)
    if args.format == "json":
        print(json.dumps(added.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(added.message())
    return EXIT_OK if added.ok else EXIT_INVALID


@command(
    "source add",
    "register a source: copy its text into the snapshots and append its record",
    "opencase source add ~/article.txt --id council-notice --kind news-article \\\n"
    "      --title \"Pier closure announced\" --published 2024-05-03 --language en\n\n"
    "Checks the text (UTF-8, with a letter or digit) and the record as `validate\n"
    "--strict` would (the kind, an EDTF date, the id free, --publisher and --author ids of\n"
    "records, the text registered by no other source), then copies the text into the\n"
    "snapshots folder as ID.txt (unless the same bytes are there already) and appends the\n"
    "record, with the text's sha256, to RECORDS/sources.yaml (created if absent), as text:\n"
    "every comment and blank line of the file is kept. A problem: the issues, exit 1, nothing\n"
    "written. A missing file or folder: exit 2.",
)
def _source_add_parser(p: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    p.add_argument("file", metavar="FILE", help="the source's text, a UTF-8 plain-text file")
    p.add_argument("--id", required=True, help="the new source's id: a lowercase slug, unique "
                   "across the records")
    p.add_argument("--kind", required=True, help="what kind of document it is: news-article, "
                   "report, ... (`opencase vocab sources.kind` lists them)")
    p.add_argument("--title", help="its title or headline")
    p.add_argument("--publisher", metavar="ID", help="the id of the organisation that "
                   "published it")
    p.add_argument("--author", metavar="ID", help="the id of the person who wrote or said it")
    p.add_argument("--url", help="where it was published")
    p.add_argument("--published", metavar="DATE", help="when it was published, an EDTF date "
                   "(2024, 2024-05, 2024-05-03), no more precise than known")
    p.add_argument("--language", metavar="TAG", help="its language, a BCP 47 tag (en, fr, ...)")
    p.add_argument("--records", default="records", metavar="DIR",
                   help="the records folder (default: records)")
    p.add_argument("--snapshots", metavar="DIR",
                   default=os.environ.get("OPENCASE_SNAPSHOTS") or "snapshots",
                   help="the snapshots folder (default: $OPENCASE_SNAPSHOTS, else snapshots)")
    p.add_argument("--config", metavar="FILE",
                   help="package.yaml, whose extensions (e.g. added source kinds) apply "
                   "(default: package.yaml beside the records folder, if any)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="output: text, or json (what was added, and the issues). Default: text.")
    return cmd_source_add


def cmd_find(args: argparse.Namespace) -> int:
    from opencase.curating.find import find

    result = find(args.phrase, args.records, args.snapshots, source=args.source)
    if args.cite and args.format == "text" and any(o.citable for o in result.occurrences):
        print(result.cite_yaml())
    else:
        print(result.format(args.format))
    return EXIT_OK if result.ok else EXIT_INVALID


@command(
    "find",
    "find a phrase in the sources' snapshots, as quotes are matched, and print a `cite:` entry",
    "opencase find \"serial killer Stephen Port\" --source iopc-decision-article --cite\n\n"
    "Lists every occurrence (snapshot:line:col, the source, the text around it) by the rules\n"
    "validation matches quotes by (typography and white space may differ; whole words only).\n"
    "A phrase that occurs more than once in a source: each occurrence with the shortest\n"
    "prefix or suffix that makes it the only match. A phrase found nowhere: the nearest\n"
    "passages, marked [-phrase-]{+source+}. --cite prints, instead of the list, a `cite:`\n"
    "item (source, quote, prefix or suffix) for each occurrence, to paste under a record's\n"
    "`cite:`. Exit 0 when the phrase is found and every occurrence can be cited, 1 when it\n"
    "is not found or an occurrence cannot be told apart, 2 on a usage or I/O error.",
)
def _find_parser(p: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    p.add_argument("phrase", metavar="PHRASE", help="the words to look for")
    p.add_argument("--source", metavar="ID", help="look only in this source's snapshot "
                   "(default: every source with a snapshot)")
    p.add_argument("--records", default="records", metavar="DIR",
                   help="the records folder, whose sources name the snapshots (default: "
                   "records)")
    p.add_argument("--snapshots", metavar="DIR",
                   default=os.environ.get("OPENCASE_SNAPSHOTS") or "snapshots",
                   help="the snapshots folder (default: $OPENCASE_SNAPSHOTS, else snapshots)")
    p.add_argument("--cite", action="store_true",
                   help="print a `cite:` item for each occurrence that can be cited, instead "
                   "of the list (text format only)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="output: text, or json (occurrences with their `cite` entries, or the "
                   "nearest passages). Default: text.")
    return cmd_find


def cmd_export_sqlite(args: argparse.Namespace) -> int:
    import json

    from opencase.errors import LoadError
    from opencase.exporting.sqlite import export_sqlite

    metadata: str | bool = args.metadata if args.metadata else not args.no_metadata
    try:
        result = export_sqlite(args.package, args.out, metadata=metadata, force=args.force)
    except LoadError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        if not result.ok:
            print(result.report.format(args.format))
        for note in result.notes:
            print(f"note: {note}")
        print(result.summary())
    return EXIT_OK if result.ok else EXIT_INVALID


@command(
    "export sqlite",
    "write a package as a Datasette-ready SQLite database, with its Datasette metadata",
    "opencase export sqlite datapackage case.db && datasette case.db -m case.metadata.json\n\n"
    "One table per table (CSV and Parquet twins are one), typed from the Table Schemas, with\n"
    "their primary, unique and foreign keys (into `entities` too), NOT NULL and CHECK\n"
    "(enum, minimum, maximum) constraints; FTS5 full-text indexes on quotes, names and\n"
    "descriptions (Datasette shows a search box); the views evidence, record_values and\n"
    "value_evidence (each value with its quote and source); the package's datapackage.json\n"
    "in the _metadata table; and OUT's Datasette metadata (title, licence, sources, every\n"
    "table's and column's description) in OUT.metadata.json (x.db -> x.metadata.json).\n"
    "Written to temporary files, then moved into place. A package whose rows break its own\n"
    "keys or constraints (a reference to a row that is not there): the problems, nothing\n"
    "written, exit 1. OUT exists without --force, or the package cannot be opened: exit 2.",
)
def _export_sqlite_parser(p: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    p.add_argument("package", metavar="PACKAGE",
                   help="package folder, its datapackage.json, a .zip of it, or an http(s) URL")
    p.add_argument("out", metavar="OUT.db", help="the SQLite database to write")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--metadata", metavar="FILE",
                       help="where to write the Datasette metadata (default: "
                       "OUT.metadata.json, beside OUT)")
    where.add_argument("--no-metadata", action="store_true",
                       help="write no Datasette metadata file (the database keeps it in "
                       "_metadata)")
    p.add_argument("--force", action="store_true",
                   help="replace OUT (and the metadata file) if they exist")
    _add_common(p)
    return cmd_export_sqlite


def cmd_export_annotations(args: argparse.Namespace) -> int:
    import json

    from opencase.errors import LoadError
    from opencase.exporting.annotations import export_annotations

    try:
        written = export_annotations(args.package, args.out, base=args.base,
                                     snapshots=args.snapshots)
    except LoadError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        print(json.dumps(written.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(written.summary())
    return EXIT_OK


@command(
    "export annotations",
    "write every citation of a package as a W3C Web Annotation, in one AnnotationCollection "
    "(JSON-LD)",
    "opencase export annotations datapackage citations.jsonld --snapshots snapshots\n\n"
    "PACKAGE is a folder, its datapackage.json, a .zip or an http(s) URL. Each row of its\n"
    "`citations` table becomes an Annotation: the body is the record (or the field and its\n"
    "value) the passage supports, the target the passage, by a TextQuoteSelector and, when the\n"
    "quote was located in the source's snapshot, a TextPositionSelector (code points of the\n"
    "snapshot), in the text named by its SHA-256 (ni:///sha-256;...) and its URL when known.\n"
    "With --snapshots, each located quote's exact text, prefix and suffix are taken from its\n"
    "snapshot (32 characters either side), else they are the published quote, prefix, suffix.\n"
    "Ids are BASE#CITATION_ID, BASE the package's id (a urn:uuid:) unless --base is given.\n"
    "OUT is written beside itself and swapped in. Exit 0 written, 2 on a package that cannot\n"
    "be opened or has no citations table, or an OUT that cannot be written.",
)
def _export_annotations_parser(p: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    p.add_argument("package", metavar="PACKAGE",
                   help="the package: a folder, its datapackage.json, a .zip or a URL")
    p.add_argument("out", metavar="OUT.jsonld", help="the JSON-LD file to write")
    p.add_argument("--base", metavar="IRI",
                   help="the IRI the annotations' and records' ids are fragments of, e.g. "
                   "the URL OUT will be published at (default: the package's id)")
    _add_snapshots(p)
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="what is printed: text, or json (the file, the counts). Default: text.")
    return cmd_export_annotations


# verbs made of two words (`source add`) are grouped under the first, which has this help
GROUPS = {"source": "register sources: `source add` copies a text into the snapshots and "
          "appends its record",
          "export": "export a package for other tools: `export sqlite` writes a "
          "Datasette-ready SQLite database, `export annotations` its citations as W3C Web "
          "Annotations"}


def _add_verb(sub: Any, name: str, help_text: str, example: str) -> argparse.ArgumentParser:
    return sub.add_parser(
        name,
        help=help_text,
        description=help_text[0].upper() + help_text[1:] + ".",
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def build_parser() -> argparse.ArgumentParser:
    from opencase.version import __version__
    parser = argparse.ArgumentParser(
        prog="opencase",
        description="Validate hand-curated case records and publish them as an open, "
        "verifiable Frictionless data package.",
        epilog="Exit codes: 0 valid, 1 invalid, 2 usage or I/O error. "
        "Run 'opencase VERB --help' for a verb's options and an example.",
    )
    parser.add_argument("--version", action="version", version=f"opencase {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    groups: dict[str, Any] = {}
    for name, (configure, help_text, example) in COMMANDS.items():
        group, _, word = name.partition(" ")
        if not word:
            p = _add_verb(sub, name, help_text, example)
        else:
            if group not in groups:
                gp = sub.add_parser(group, help=GROUPS[group],
                                    description=GROUPS[group][0].upper() + GROUPS[group][1:]
                                    + ".")
                gp.set_defaults(group_parser=gp)
                groups[group] = gp.add_subparsers(dest="subverb", metavar="SUBVERB")
            p = _add_verb(groups[group], word, help_text, example)
        p.set_defaults(func=configure(p))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # The CLI needs no pydantic plugins, and looking for them reads the metadata of every
    # installed package at the first model (tens of ms). PYDANTIC_DISABLE_PLUGINS set to
    # anything (even "") is left alone.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "verb", None):
        parser.print_help()
        return EXIT_USAGE
    if getattr(args, "group_parser", None) is not None:  # a verb of two words
        if not args.subverb:
            args.group_parser.print_help()
            return EXIT_USAGE
        args.verb = f"{args.verb} {args.subverb}"
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("opencase: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`opencase ... | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush fails silently
        return EXIT_USAGE
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


def run() -> NoReturn:
    """The ``opencase`` command and ``python -m opencase``: :func:`main`, then exit.

    Everything still alive is frozen first (``gc.freeze``), so that the interpreter's last
    garbage collection at exit does not walk the tens of thousands of objects of a run (the
    modules, the validators, the records): a few tens of milliseconds of a short run. Exit
    handlers still run and every file is still closed as usual. (The tests run this through
    the installed ``opencase`` script.)"""
    code = main()
    gc.freeze()
    _exit(code)


def _exit(code: int) -> NoReturn:
    """Exit with ``code`` once the exit handlers have run and the output is flushed, without
    tearing the interpreter down: pyarrow's C++ thread pools can abort the process while they
    are destroyed at interpreter exit ("terminate called without an active exception", exit
    -6: measured at 4 in 500 runs of ``opencase check`` on a small package, 0 in 500 so)."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        # a reader that went away, or a closed stream
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
