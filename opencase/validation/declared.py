"""The case model a dataset declares in its ``package.yaml``: ``model:`` (the case-model
version its records are written for) and ``extensions:`` (see
:mod:`opencase.language.extensions`).

``opencase validate`` and ``opencase publish`` find ``package.yaml`` beside the records folder
(``records/`` -> ``package.yaml``), or take the file given with ``--config``. Without one (and
without ``--config``), records are validated against the standard model. A mistake in
``model`` or ``extensions`` is an issue located in package.yaml (file, line, column and key
path); the rest of the file is checked when publishing
(:mod:`opencase.publishing.metadata`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from opencase.codes import Code
from opencase.errors import InputNotFound
from opencase.language.casemodel import STANDARD, CaseModel, case_model
from opencase.language.extensions import read_extensions
from opencase.language.models import MODEL_VERSION
from opencase.reading.files import RecordFile, display_path, parse_yaml_text
from opencase.report import Report
from opencase.safeio import FileTooLarge, read_regular
from opencase.version import __version__

__all__ = [
    "CONFIG_NAME",
    "MAX_CONFIG_BYTES",
    "config_path",
    "declared_model",
    "default_config_path",
    "model_in",
    "model_version",
    "read_config",
]

CONFIG_NAME = "package.yaml"
MAX_CONFIG_BYTES = 1024 * 1024


def default_config_path(records: str | os.PathLike[str]) -> Path:
    """``package.yaml`` beside the records folder (or beside the folder of a records file)."""
    p = Path(records)
    folder = p.parent if p.is_file() else p
    return folder.resolve().parent / CONFIG_NAME


def config_path(records: str | os.PathLike[str],
                config: str | os.PathLike[str] | None) -> Path | None:
    """The package.yaml to read: ``config`` (which must exist: else :class:`InputNotFound`),
    or the one beside ``records`` if there is one (else ``None``)."""
    if config is not None:
        path = Path(config)
        if not path.is_file():
            raise InputNotFound(f"no package metadata file {path}")
        return path
    path = default_config_path(records)
    return path if path.is_file() else None


def read_config(path: Path, report: Report) -> tuple[dict[str, Any], RecordFile] | None:
    """The mapping in ``path``, read as record files are (values are text), and where each of
    its values is; its problems go to ``report`` (``package-config``) and ``None`` is
    returned."""
    shown = display_path(path)
    try:
        text = read_regular(path, MAX_CONFIG_BYTES).decode("utf-8")
    except FileTooLarge:
        report.add(Code.PACKAGE_CONFIG, "the file is larger than 1 MiB", file=shown)
        return None
    except UnicodeDecodeError as exc:
        report.add(Code.PACKAGE_CONFIG, f"the file is not UTF-8 text ({exc.reason} at byte "
                   f"{exc.start})", file=shown)
        return None
    data, problems, located = parse_yaml_text(text.removeprefix("\ufeff"), shown)
    for p in problems:
        report.add(Code.PACKAGE_CONFIG, f"{p.code}: {p.message}", file=shown, line=p.line,
                   column=p.column)
    if problems:
        return None
    if not isinstance(data, dict):
        report.add(Code.PACKAGE_CONFIG, "the file must be a mapping of fields (name, title, "
                   "version, ...)", file=shown, line=1)
        return None
    return data, located


def model_version(value: Any) -> int | None:
    """The case-model version ``model:`` gives (``None``: not a whole number from 1)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 1 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and value[0] != "0":
        return int(value)
    return None


def declared_model(records: str | os.PathLike[str],
                   config: str | os.PathLike[str] | None, report: Report) -> CaseModel:
    """The case model of the dataset whose records are ``records`` (``config``: its
    package.yaml, default beside them): mistakes in ``model`` and ``extensions`` go to
    ``report``, as does a note when the records are written for an older model. The standard
    model when there is no package.yaml."""
    path = config_path(records, config)
    return STANDARD if path is None else model_in(path, report)


def model_in(path: Path, report: Report) -> CaseModel:
    """The case model the package.yaml ``path`` declares (mistakes go to ``report``)."""
    read = read_config(path, report)
    if read is None:
        return STANDARD
    data, located = read
    shown = display_path(path)
    _check_version(data, located, shown, report)
    if data.get("extensions") is None:
        return STANDARD
    extensions, problems = read_extensions(data["extensions"])
    for p in problems:
        key = ("extensions", *p.path)
        line, column = located.locate(key)
        report.add(p.code, p.message, file=shown, line=line, column=column,
                   field=".".join(str(k) for k in key))
    return case_model(extensions)


def _check_version(data: dict[str, Any], located: RecordFile, shown: str,
                   report: Report) -> None:
    if "model" not in data:
        report.add(Code.MODEL_OUTDATED, "package.yaml names no `model:`, so the records are "
                   f"written for case model 1; they validate unchanged under model "
                   f"{MODEL_VERSION}, which only adds to it: run `opencase migrate` to record "
                   f"`model: {MODEL_VERSION}`", file=shown, line=1, column=1, field="model")
        return
    line, column = located.locate(("model",))
    version = model_version(data["model"])
    if version is None:
        report.add(Code.MODEL_UNSUPPORTED, f"model: {data['model']!r} is not a case-model "
                   f"version; use a whole number, e.g. {MODEL_VERSION}", file=shown,
                   line=line, column=column, field="model")
    elif version > MODEL_VERSION:
        report.add(Code.MODEL_UNSUPPORTED, f"the records are written for case model {version}, "
                   f"newer than this opencase ({__version__}) supports (models 1 to "
                   f"{MODEL_VERSION}): upgrade to an opencase that supports case model "
                   f"{version}", file=shown, line=line, column=column, field="model")
    elif version < MODEL_VERSION:
        report.add(Code.MODEL_OUTDATED, f"the records are written for case model {version}; "
                   f"they validate unchanged under model {MODEL_VERSION}, which only adds to "
                   f"it: run `opencase migrate` to record `model: {MODEL_VERSION}`",
                   file=shown, line=line, column=column, field="model")
