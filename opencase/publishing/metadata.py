"""The package metadata file, ``package.yaml``: what the published ``datapackage.json`` says
about the dataset as a whole.

It sits beside the records folder (``records/`` -> ``package.yaml``; pass ``--config`` to use
another file), outside it, because every ``*.yaml`` under ``records/`` is a record file::

    name: my-case                # the package name: lowercase letters, digits, . _ -
    title: The My Case dataset
    version: 1.0.0               # semantic versioning (quote nothing: it stays text)
    description: >-              # optional, Markdown
      Who, what and when of My Case, every value cited to its source.
    id: https://doi.org/...      # optional: a globally unique id (default: a UUID from name)
    homepage: https://...        # optional
    keywords: [police, inquest]  # optional
    contributors:                # optional: title, roles, email, path, organization
      - title: Jane Curator
        roles: [creator]
    licenses:                    # optional: default CC-BY-4.0 for the data
      - name: CC-BY-4.0
    citation: >-                 # optional: how to cite the dataset (default: generated)
      Curator, J. (2025). The My Case dataset, version 1.0.0.

Unknown keys are errors, as in record files.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from opencase.codes import Code
from opencase.errors import InputNotFound
from opencase.reading.files import parse_yaml_text
from opencase.report import Report
from opencase.safeio import FileTooLarge, read_regular

__all__ = ["CONFIG_NAME", "PackageConfig", "default_config_path", "load_config"]

CONFIG_NAME = "package.yaml"
MAX_CONFIG_BYTES = 1024 * 1024
SEMVER = (r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
          r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$")
CC_BY_4 = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}

Line = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Contributor(_Strict):
    """A person or organisation who made the package (Data Package ``contributors``)."""

    title: Line
    givenName: Line | None = None  # the Data Package property names
    familyName: Line | None = None
    roles: list[Line] = Field(default_factory=list)
    email: Line | None = None
    path: Line | None = None
    organization: Line | None = None


class License(_Strict):
    """A licence of the data: an Open Definition / SPDX id (``name``) and/or a ``path``."""

    name: Line | None = None
    path: Line | None = None
    title: Line | None = None


class PackageConfig(_Strict):
    """The contents of ``package.yaml``."""

    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=100)]
    title: Line
    version: Annotated[str, StringConstraints(pattern=SEMVER)]
    description: str | None = None
    id: Line | None = None
    homepage: Line | None = None
    keywords: list[Line] = Field(default_factory=list)
    contributors: list[Contributor] = Field(default_factory=list)
    licenses: list[License] = Field(default_factory=lambda: [License(**CC_BY_4)], min_length=1)
    citation: str | None = None

    @property
    def package_id(self) -> str:
        """``id``, or a UUID derived from the name (stable across versions)."""
        return self.id or f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'opencase:' + self.name)}"

    def how_to_cite(self) -> str:
        """``citation``, or one made from contributors, title, version and id."""
        if self.citation:
            return self.citation.strip()
        who = ", ".join(c.title for c in self.contributors)
        lead = f"{who}. " if who else ""
        return f"{lead}{self.title}, version {self.version}. {self.homepage or self.package_id}"


def default_config_path(records: str | Path) -> Path:
    """``package.yaml`` beside the records folder (or beside the folder of a records file)."""
    p = Path(records)
    folder = p.parent if p.is_file() else p
    return folder.resolve().parent / CONFIG_NAME


def load_config(path: str | Path, report: Report) -> PackageConfig | None:
    """Read and check ``path``; its problems are added to ``report`` (code ``package-config``)
    and ``None`` returned. Raises :class:`FileNotFoundError` when there is no such file."""
    path = Path(path)
    if not path.is_file():
        raise InputNotFound(
            f"no package metadata file {path}: create it with at least `name`, `title` and "
            "`version` (see docs/publishing.md), or pass --config"
        )
    shown = str(path)
    try:
        text = read_regular(path, MAX_CONFIG_BYTES).decode("utf-8")
    except FileTooLarge:
        report.add(Code.PACKAGE_CONFIG, "the file is larger than 1 MiB", file=shown)
        return None
    except UnicodeDecodeError as exc:
        report.add(Code.PACKAGE_CONFIG, f"the file is not UTF-8 text ({exc.reason} at byte "
                   f"{exc.start})", file=shown)
        return None
    # read like record files: every value is text typed by the model, duplicate keys refused
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
    try:
        return PackageConfig.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc)
            msg = err["msg"].lower()
            if err["type"] == "extra_forbidden":
                msg = "unknown field"
            elif loc == ("version",):
                msg = (f"{err['input']!r} is not a semantic version (MAJOR.MINOR.PATCH); use "
                       "e.g. 1.0.0")
            line, column = located.locate(loc)
            report.add(Code.PACKAGE_CONFIG, f"{where}: {msg}", file=shown, line=line,
                       column=column, field=where)
        return None
