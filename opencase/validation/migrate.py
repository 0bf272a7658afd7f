"""``opencase migrate``: upgrade a dataset to the current case model, mechanically.

From model 1 to model 2 no record file changes (model 2 only adds fields, kinds of value and
widens references), so a migration only records the version in ``package.yaml``: it inserts
``model: 2`` after the ``version:`` line (at the end of a file without one), or replaces the
value of an older ``model:``. The
file is edited as text, so its comments, blank lines, quoting and order are kept byte for
byte; the edit is checked by reading the new text back (every other value the same, ``model``
the new one) before the file is replaced, atomically. Running it again changes nothing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from opencase.errors import InputNotFound, UsageError
from opencase.language.models import MODEL_VERSION
from opencase.reading.files import display_path, parse_yaml_text
from opencase.safeio import read_regular, replace_file
from opencase.validation.declared import MAX_CONFIG_BYTES, default_config_path, model_version

__all__ = ["Migration", "migrate"]

# a top-level `model:` line: the value (plain or quoted) and what follows it (a comment)
_MODEL_LINE = re.compile(r"^model[ \t]*:[ \t]*(?P<value>'[^'\n]*'|\"[^\"\n]*\"|[^#\r\n]*?)"
                         r"[ \t]*(?:#[^\r\n]*)?(?:\r?\n|$)", re.MULTILINE)
_VERSION_LINE = re.compile(r"^version[ \t]*:[^\r\n]*(?P<end>\r?\n|$)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Migration:
    """What :func:`migrate` found and did: the package.yaml (``path``), the case-model version
    the records were written for (``from_version``) and the one they now are
    (``to_version``); ``needed`` when they differ, ``written`` when the file was changed."""

    path: Path
    from_version: int
    to_version: int
    written: bool = False

    @property
    def needed(self) -> bool:
        return self.from_version != self.to_version

    def message(self) -> str:
        shown = display_path(self.path)
        if not self.needed:
            return f"{shown}: already written for case model {self.to_version}; nothing to do"
        done = "migrated" if self.written else "needs migrating"
        return (f"{shown}: {done} from case model {self.from_version} to "
                f"{self.to_version} (`model: {self.to_version}`); the record files need no "
                f"change from model {self.from_version} to {self.to_version}")


def migrate(
    records: str | os.PathLike[str] = "records",
    *,
    config: str | os.PathLike[str] | None = None,
    check: bool = False,
) -> Migration:
    """Upgrade the dataset whose records are ``records`` (its package.yaml: ``config``, by
    default the one beside them) to the current case model; ``check``: only say whether it
    is needed, writing nothing.

    Raises :class:`~opencase.errors.InputNotFound` for a missing records folder, and
    :class:`~opencase.errors.UsageError` when there is no package.yaml, its ``model`` is not
    a version or is newer than this opencase supports, or it cannot be edited safely."""
    if config is None and not Path(records).exists():
        raise InputNotFound(f"records folder not found: {records}")
    path = Path(config) if config is not None else default_config_path(records)
    if not path.is_file():
        raise UsageError(f"no package metadata file {path}: a dataset names its case-model "
                         "version there (pass --config FILE if it is elsewhere)")
    raw = read_regular(path, MAX_CONFIG_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text") from None
    before = _read(text, path)
    m = _MODEL_LINE.search(text)
    if "model" in before:
        current = model_version(before["model"])
        if current is None or current > MODEL_VERSION:
            raise UsageError(f"{path}: model: {before['model']!r} is not a case-model version "
                             f"this opencase supports (1 to {MODEL_VERSION})")
        if m is None:
            raise UsageError(f"{path}: `model:` is not on a line of its own; edit it by hand "
                             f"to `model: {MODEL_VERSION}`")
    else:
        current = 1
    result = Migration(path, current, MODEL_VERSION)
    if not result.needed or check:
        return result
    new_text = _edited(text, m, path)
    after = _read(new_text, path)
    expected = {**before, "model": str(MODEL_VERSION)}
    if after != expected:
        raise UsageError(f"{path}: could not add `model: {MODEL_VERSION}` safely; add it by "
                         "hand as a top-level line")
    replace_file(path, new_text.encode("utf-8"))
    return Migration(path, current, MODEL_VERSION, written=True)


def _read(text: str, path: Path) -> dict[str, object]:
    data, problems, _ = parse_yaml_text(text.removeprefix("\ufeff"), str(path))
    if problems or not isinstance(data, dict):
        why = problems[0].message if problems else "it is not a mapping of fields"
        raise UsageError(f"{path} cannot be read ({why}); fix it first (opencase validate "
                         "reports where)")
    return data


def _edited(text: str, m: re.Match[str] | None, path: Path) -> str:
    """``text`` with ``model:`` set to the current version: its value replaced, or a line
    added after ``version:`` (with the file's line ending), or at the end of a file without
    one."""
    if m is not None:
        return text[:m.start("value")] + str(MODEL_VERSION) + text[m.end("value"):]
    v = _VERSION_LINE.search(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    line = f"model: {MODEL_VERSION}"
    if v is None:  # (at the end, where a top-level key is a top-level key)
        sep = "" if not text or text.endswith(("\n", "\r")) else newline
        return text + sep + line + newline
    if not v.group("end"):  # `version:` is the last line, with no line end
        return text + newline + line
    return text[:v.end()] + line + v.group("end") + text[v.end():]


