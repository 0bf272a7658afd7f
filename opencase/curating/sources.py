"""``opencase source add``: register a source's text as a snapshot, safely.

:func:`add_source` checks the text (UTF-8, not empty, not only white space), checks the new
source record as ``opencase validate --strict`` would (its fields against the dataset's case
model, its id not taken by any record, its publisher and author existing records of the right
kind, its text not already registered by another source), then copies the text into the
snapshots folder as ``<id>.txt`` and appends the record to ``<records>/sources.yaml``.

The record is appended as text, never by dumping the file again, so every comment, blank line
and quote of the file is kept byte for byte; each value is quoted by PyYAML's safe dumper, and
the new text is read back (the old records unchanged, the new one as intended) before the file
is replaced, atomically. Any problem is an issue of the returned report and nothing is
written.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opencase.codes import Code
from opencase.curating.newfiles import write_new, yaml_scalar
from opencase.errors import InputNotFound, NotAFolder, UsageError
from opencase.language.casemodel import CaseModel
from opencase.language.models import ID_PATTERN
from opencase.reading.files import (
    MAX_FILE_BYTES,
    RawRecord,
    display_path,
    parse_yaml_text,
    read_records,
)
from opencase.report import Report
from opencase.safeio import FileTooLarge, NotARegularFile, read_regular, replace_file
from opencase.validation.declared import declared_model
from opencase.validation.kinds import class_info
from opencase.validation.model_check import check_model
from opencase.validation.quotes import MAX_SNAPSHOT_BYTES, SnapshotIndex

__all__ = ["SOURCE_FIELDS", "SourceAdded", "add_source"]

SOURCE_FIELDS = ("id", "title", "kind", "publisher", "author", "url", "published", "language")
"""The fields ``add_source`` takes, in the order they are written (``sha256`` follows)."""

SOURCES_FILE = "sources.yaml"


@dataclass
class SourceAdded:
    """What :func:`add_source` found and did. ``report`` holds the problems (then nothing was
    written: ``ok`` is false); else ``snapshot`` is the text's file in the snapshots folder
    (``copied`` when it was copied there now), and the record was appended to
    ``sources_file`` (``created`` when the file is new) at ``line``."""

    report: Report
    id: str
    sha256: str | None = None
    snapshot: Path | None = None
    copied: bool = False
    sources_file: Path | None = None
    created: bool = False
    line: int | None = None
    record: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.report.ok

    def message(self) -> str:
        if not self.ok:
            return self.report.format_text().rsplit("\n", 1)[0] + (
                f"\nnot added: {len(self.report.errors)} problem"
                f"{'s' * (len(self.report.errors) != 1)}; nothing was written")
        assert self.snapshot is not None and self.sources_file is not None
        snap = display_path(self.snapshot)
        lines = [f"copied the text to {snap} (sha256 {self.sha256})" if self.copied
                 else f"the text is already in the snapshots folder: {snap} (sha256 "
                 f"{self.sha256})"]
        made = "created" if self.created else "appended to"
        lines.append(f"added source {self.id!r}: {made} {display_path(self.sources_file)}, "
                     f"line {self.line}")
        records = display_path(self.sources_file.parent)
        where = "" if records == "records" else f" --records {records}"
        where += f" --snapshots {display_path(self.snapshot.parent)}"
        lines.append(f"next: opencase find \"a phrase of the text\" --source {self.id}{where} "
                     "--cite, and paste the cite: entry into a record")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.ok,
            "id": self.id,
            "sha256": self.sha256 if self.ok else None,
            "snapshot": str(self.snapshot) if self.ok else None,
            "copied": self.copied,
            "sources_file": str(self.sources_file) if self.ok else None,
            "created": self.created,
            "line": self.line,
            "record": self.record if self.ok else None,
            "issues": [i.as_dict() for i in self.report.sorted()],
        }


def _line_col(data: bytes, index: int) -> tuple[int, int]:
    before = data[:index].decode("utf-8", "replace")
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def _read_text(path: Path, report: Report) -> tuple[bytes, str] | None:
    """The bytes of the text to register, and the text, or None (the problem reported)."""
    shown = display_path(path)
    if not os.path.lexists(path):
        raise InputNotFound(f"no such file: {path}")
    try:
        data = read_regular(path, MAX_SNAPSHOT_BYTES)
    except NotARegularFile as exc:
        raise UsageError(f"{path} is {exc.what}; give the text as a regular file") from None
    except FileTooLarge as exc:
        report.add(Code.FILE_TOO_LARGE, f"the text is {exc.size:,} bytes, over the limit of "
                   f"{exc.limit:,} for a snapshot", file=shown)
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start)
        report.add(Code.ENCODING, f"byte 0x{data[exc.start]:02x} at byte offset {exc.start} is "
                   "not UTF-8; save the text as UTF-8 and add it again", file=shown,
                   line=line, column=col)
        return None
    if not any(c.isalnum() for c in text):
        what = ("empty" if not data else "only white space" if not text.strip()
                else "without a letter or digit")
        report.add(Code.SNAPSHOT_EMPTY, f"the text is {what}: there is nothing to quote; give "
                   "the file that holds the source's text", file=shown)
        return None
    return data, text


def _item_lines(item: dict[str, str], indent: str) -> list[str]:
    keys = list(item)
    out = [f"{indent}- {keys[0]}: {yaml_scalar(item[keys[0]])}"]
    out += [f"{indent}  {k}: {yaml_scalar(item[k])}" for k in keys[1:]]
    return out


_SOURCES_KEY = re.compile(r"^sources[ \t]*:(?P<rest>[^\r\n]*)$", re.MULTILINE)
_TOP_LEVEL = re.compile(r"[^ \t\r\n#-]|-[^ \t\r\n]")  # a key at column 1 (an item is no key)
_ITEM = re.compile(r"^(?P<indent>[ ]*)- ")


def _appended(text: str, item: dict[str, str]) -> tuple[str, int] | str:
    """``text`` with ``item`` appended to its top-level ``sources:`` list (added at the end
    when there is none), and the line the item starts at; or why it cannot be done."""
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    starts = [i for i, ln in enumerate(lines) if _SOURCES_KEY.match(ln.rstrip("\r\n"))]
    if len(starts) > 1:
        return "it has two top-level `sources:` keys"
    if not starts:
        head = "".join(lines)
        if head and not head.endswith("\n"):
            head += nl
        body = [f"sources:{nl}", *(ln + nl for ln in _item_lines(item, "  "))]
        return head + "".join(body), len(head.splitlines()) + 2
    begin = starts[0]
    rest = _SOURCES_KEY.match(lines[begin].rstrip("\r\n"))
    assert rest is not None
    value = rest.group("rest").strip()
    if value and not value.startswith("#"):
        return f"its `sources:` is written on one line ({value!r}), not as a block list"
    end = next((i for i in range(begin + 1, len(lines)) if _TOP_LEVEL.match(lines[i])),
               len(lines))
    at = end
    while at > begin + 1 and (not lines[at - 1].strip()
                              or (end < len(lines) and lines[at - 1].startswith("#"))):
        at -= 1  # blank lines, and the comments of the next key, stay after the new item
    indent = next((m.group("indent") for ln in lines[begin + 1:end] if (m := _ITEM.match(ln))),
                  "  ")
    before = lines[:at]
    if before and not before[-1].endswith("\n"):
        before[-1] += nl
    new = [ln + nl for ln in _item_lines(item, indent)]
    return "".join([*before, *new, *lines[at:]]), at + 1


def _reads_back(old: str, new: str, shown: str, item: dict[str, str]) -> str | None:
    """Why ``new`` is not ``old`` with ``item`` appended to ``sources``, or None."""
    old_data, _, _ = parse_yaml_text(old, shown)
    new_data, issues, _ = parse_yaml_text(new, shown)
    if issues:
        return f"the appended text does not read as YAML ({issues[0].message})"
    if not isinstance(new_data, dict) or not isinstance(new_data.get("sources"), list):
        return "the appended text has no list of sources"
    expected = dict(old_data) if isinstance(old_data, dict) else {}
    old_sources = expected.get("sources") or []
    if not isinstance(old_sources, list):
        return "its `sources:` is not a list"
    expected["sources"] = [*old_sources, item]
    if new_data != expected:
        return "the appended text would read differently from the record given"
    return None


def _sources_path(records: Path) -> Path:
    for name in (SOURCES_FILE, "sources.yml"):
        if os.path.lexists(records / name):
            return records / name
    return records / SOURCES_FILE


def add_source(
    file: str | os.PathLike[str],
    id: str,
    *,
    kind: str,
    title: str | None = None,
    publisher: str | None = None,
    author: str | None = None,
    url: str | None = None,
    published: str | None = None,
    language: str | None = None,
    records: str | os.PathLike[str] = "records",
    snapshots: str | os.PathLike[str] = "snapshots",
    config: str | os.PathLike[str] | None = None,
) -> SourceAdded:
    """Register the text in ``file`` as the snapshot of a new source ``id``.

    Copies ``file`` into ``snapshots`` as ``<id>.txt`` (unless that folder already holds the
    same bytes, under any name) and appends the source record (the fields given, and the
    ``sha256`` of the text) to ``<records>/sources.yaml``, created if absent. Every problem
    is an issue of ``SourceAdded.report``, and then nothing is written: a text that is not
    UTF-8, empty or only white space; a field value the source model refuses (each located
    at its option, e.g. ``--kind``), with the dataset's own extensions (package.yaml beside
    ``records``, or ``config``); an id that a record already has; a publisher or author that
    is no organisation or person of the records; a text another source already registers.
    Raises :class:`FileNotFoundError` (an :class:`opencase.OpencaseError`) when ``file``,
    ``records`` or ``snapshots`` is not there.
    """
    records_path, snapshots_path = Path(records), Path(snapshots)
    if not records_path.is_dir():
        raise InputNotFound(f"records folder not found: {records} (run `opencase init` to "
                            "start a dataset)")
    if not snapshots_path.is_dir():
        raise NotAFolder(f"snapshot folder not found: {snapshots}")
    report = Report(strict=True)  # the new record must pass `validate --strict`
    result = SourceAdded(report, id)
    read = _read_text(Path(file), report)

    given = {"id": id, "title": title, "kind": kind, "publisher": publisher, "author": author,
             "url": url, "published": published, "language": language}
    item = {k: v for k, v in given.items() if v is not None}
    sha = hashlib.sha256(read[0]).hexdigest() if read else None
    model = declared_model(records_path, config, report)
    _check_fields(report, item, model)
    existing = read_records(records_path, kinds=list(model.kinds))
    by_id: dict[str, RawRecord] = {}
    for raw in existing.records:
        if raw.id is not None:
            by_id.setdefault(raw.id, raw)
    _check_ids(report, item, by_id, model.kinds)
    if sha is not None:
        _check_registered(report, sha, existing.records, Path(file))
        item["sha256"] = sha
    result.record = item

    sources_file = _sources_path(records_path)
    shown = display_path(sources_file)
    for issue in existing.issues:  # a sources file that cannot be read cannot be appended to
        if issue.file == shown and issue.severity == "error":
            report.extend([issue])
    old: str | None = ""
    if os.path.lexists(sources_file):
        try:
            old = read_regular(sources_file, MAX_FILE_BYTES).decode("utf-8")
        except (UnicodeDecodeError, OSError):
            old = None  # reported by read_records above
    snapshot, copy = (None, False)
    if read is not None and sha is not None:
        snapshot, copy = _snapshot_target(report, Path(file), id, sha, snapshots_path)
    if not report.ok or old is None or snapshot is None or read is None:
        return result
    bom = "\ufeff" if old.startswith("\ufeff") else ""  # kept, as every other byte
    appended = _appended(old.removeprefix(bom), item)
    why = appended if isinstance(appended, str) else _reads_back(old.removeprefix(bom),
                                                                   appended[0], shown, item)
    if why is not None:
        by_hand = "\n".join(_item_lines(item, "  "))
        report.add(Code.SOURCES_NOT_APPENDABLE, f"cannot append the record as text: {why}; "
                   f"add it under `sources:` by hand:\n{by_hand}", file=shown)
        return result
    assert not isinstance(appended, str)
    new_text, line = bom + appended[0], appended[1]
    if copy:
        write_new(snapshot, read[0])
    try:
        if old == "" and not os.path.lexists(sources_file):
            write_new(sources_file, new_text.encode("utf-8"))
            result.created = True
        else:
            replace_file(sources_file, new_text.encode("utf-8"))
    except BaseException:
        if copy:
            snapshot.unlink(missing_ok=True)
        raise
    result.sha256, result.snapshot, result.copied = sha, snapshot, copy
    result.sources_file, result.line = sources_file, line
    return result


def _option(name: str) -> str:
    return f"--{name}"


def _check_fields(report: Report, item: dict[str, str], model: CaseModel) -> None:
    """The given values against the dataset's source model, as ``validate --strict`` checks
    them, each issue located at its option."""
    text = "sources:\n" + "\n".join(_item_lines(item, "  ")) + "\n"
    data, issues, rf = parse_yaml_text(text, "<options>")
    if issues or not isinstance(data, dict):
        for issue in issues:
            report.add(issue.code, issue.message)
        return
    raw = RawRecord("sources", 0, data["sources"][0], rf, 2, 5)
    found = Report(strict=True)
    check_model(found, raw, model.kinds["sources"], salvaged=False)
    for issue in found.issues:
        name = (issue.field or "").split(".")[0].split("[")[0]
        where = _option(name) if name in item else None
        report.add(issue.code, issue.message, file=where, record_id=item.get("id"),
                   field=issue.field)


def _check_ids(report: Report, item: dict[str, str], by_id: dict[str, RawRecord],
               kinds: Any) -> None:
    taken = by_id.get(item["id"])
    if taken is not None:
        line, col = taken.locate()
        report.add(Code.DUPLICATE_ID, f"id {item['id']!r} is already the id of the "
                   f"{class_info(kinds[taken.kind]).singular} at {taken.file.display}:{line}:"
                   f"{col}; choose another id", file=_option("id"), record_id=item["id"],
                   field="id")
    for ref in class_info(kinds["sources"]).refs:
        value = item.get(ref.field)
        if value is None or ref.sub is not None:
            continue
        target = by_id.get(value)
        wanted = " or ".join(class_info(kinds[k]).singular for k in ref.kinds)
        if target is None:
            report.add(Code.UNKNOWN_REFERENCE, f"{ref.field}: no record has the id {value!r}; "
                       f"give the id of {_a('existing ' + wanted)}, or add that record first",
                       file=_option(ref.field), record_id=item["id"], field=ref.field)
        elif target.kind not in ref.kinds:
            line, col = target.locate()
            report.add(Code.WRONG_REFERENCE_KIND, f"{ref.field}: {value!r} is the id of the "
                       f"{class_info(kinds[target.kind]).singular} at {target.file.display}:"
                       f"{line}:{col}, not of {_a(wanted)}", file=_option(ref.field),
                       record_id=item["id"], field=ref.field)


def _check_registered(report: Report, sha: str, records: list[RawRecord], file: Path) -> None:
    for raw in records:
        if raw.kind == "sources" and raw.data.get("sha256") == sha:
            line, col = raw.locate(("sha256",))
            report.add(Code.DUPLICATE_SNAPSHOT, f"this text (sha256 {sha}) is already the "
                       f"snapshot of source {raw.id!r} at {raw.file.display}:{line}:{col}; cite "
                       "that source instead", file=display_path(file))
            return


def _snapshot_target(report: Report, file: Path, id: str, sha: str,
                     folder: Path) -> tuple[Path | None, bool]:
    """Where the text goes in the snapshots folder, and whether it must be copied there: not
    when the folder holds the same bytes already (under any name)."""
    same = SnapshotIndex(folder).get(sha)
    if same is not None:
        return same.path, False
    target = folder / f"{id}.txt"
    if not re.fullmatch(ID_PATTERN, id):
        return None, False  # an invalid id, reported at --id: no file name from it
    if os.path.lexists(target):
        report.add(Code.SNAPSHOT_NAME_TAKEN, f"{display_path(target)} is already there, with "
                   "other bytes; choose another --id, or move that file away",
                   file=display_path(target))
        return None, False
    return target, True


def _a(words: str) -> str:
    """``words`` after the right indefinite article (``an organisation``, ``a person``)."""
    return f"{'an' if words[:1].lower() in 'aeiou' else 'a'} {words}"
