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
    model: 2                     # the case-model version the records are written for
    extensions:                  # optional: what this dataset adds to the case model
      vocabularies:
        events.type:             # KIND.FIELD (or KIND.LIST.FIELD: events.participants.role)
          - value: stop-and-search               # a lowercase slug, not yet a value
            definition: A person stopped and searched by police.
      fields:
        people:                  # a kind
          - name: nationality    # lowercase snake_case, new to the kind, not an SQL word
            type: text           # text | integer | number | boolean | date | reference
            description: Nationality as the sources give it.
          - name: employer
            type: reference
            kinds: [organisations]               # reference only: the kinds it points to
            list: true           # optional (default false): a list of such values
            description: Organisations the person worked for.

Unknown keys are errors, as in record files.

``model`` is the version of the case model (:data:`opencase.language.models.MODEL_VERSION`)
the records are written for; without it, 1. Records written for model 1 validate unchanged
under model 2, which only adds to it (``opencase validate`` notes it, and ``opencase
migrate`` records ``model: 2``); a model newer than this opencase supports is an error.
``extensions`` adds vocabulary values (each with a definition) and optional fields (see
:mod:`opencase.language.extensions`); every record file may then use them, and they are
published like the standard ones (columns, child tables of lists, ``categories`` with the
definitions as labels), and recorded in ``datapackage.json`` (``opencase:model``,
``opencase:extensions``) so that ``opencase.load`` rebuilds the same model. ``model`` and
``extensions`` are checked by ``opencase validate`` (:mod:`opencase.validation.declared`),
each mistake located in this file; the other keys when publishing.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from opencase.codes import Code
from opencase.errors import InputNotFound
from opencase.language.fields import SEMVER_PATTERN
from opencase.reading.files import display_path
from opencase.report import Report
from opencase.validation.declared import CONFIG_NAME, default_config_path, read_config

__all__ = ["CONFIG_NAME", "PackageConfig", "default_config_path", "load_config"]

SEMVER = SEMVER_PATTERN
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
    model: Annotated[int, Field(ge=1)] | None = None  # None: 1 (checked by validation)
    extensions: dict[str, Any] | None = None  # (checked by validation, with locations)

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


def load_config(path: str | Path, report: Report) -> PackageConfig | None:
    """Read and check ``path``; its problems are added to ``report`` (code ``package-config``)
    and ``None`` returned. Raises :class:`FileNotFoundError` when there is no such file."""
    path = Path(path)
    if not path.is_file():
        raise InputNotFound(
            f"no package metadata file {path}: create it with at least `name`, `title` and "
            "`version` (see docs/publishing.md), or pass --config"
        )
    shown = display_path(path)
    read = read_config(path, report)
    if read is None:
        return None
    data, located = read
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
