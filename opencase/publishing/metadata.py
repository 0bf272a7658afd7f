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
    published: 2025-01-31        # optional: the publish date (default: the date of `created`)
    keywords: [police, inquest]  # optional
    languages: [en]              # optional: the languages of the data, BCP 47 tags
    contributors:                # optional: title, roles, email, path, organization,
      - title: Jane Curator      #   givenName, familyName (a person; else an organisation)
        givenName: Jane
        familyName: Curator
        roles: [creator]         # e.g. creator, dataCurator, contributor
    publisher:                   # optional: who publishes the dataset
      name: The My Case Project
      url: https://...           # optional
    contact:                     # optional: whom to write to; email and/or url
      name: Jane Curator
      email: jane@example.org
    licenses:                    # optional: default CC-BY-4.0 for the data
      - name: CC-BY-4.0
    license_file: LICENSE-DATA   # optional: the data licence's text, copied as LICENSE
    citation_file: CITATION.cff  # optional: the dataset's CITATION.cff (default: beside this)
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

``published``, ``languages``, ``publisher`` and ``contact`` go into ``datapackage.json``
(``opencase:published``, ``opencase:languages``, and contributors with the roles
``publisher`` and ``contact``) and from there into the package's ``dataset.jsonld`` and
``croissant.json`` (:mod:`opencase.datapackage.linked`). ``published`` is a date written in
this file, never the clock, so that the same records give the same bytes. ``license_file``
and ``citation_file`` are paths relative to this file; what the package's ``LICENSE`` and
``CITATION.cff`` are is in :mod:`opencase.publishing.packagefiles`.

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
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from opencase.codes import Code
from opencase.errors import InputNotFound
from opencase.language.fields import SEMVER_PATTERN
from opencase.reading.files import display_path
from opencase.report import Report
from opencase.validation.declared import CONFIG_NAME, default_config_path, read_config

__all__ = ["CONFIG_NAME", "Contact", "PackageConfig", "Publisher", "default_config_path",
           "load_config"]

SEMVER = SEMVER_PATTERN
CC_BY_4 = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}

Line = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://[^\s/$.?#][^\s]*$", max_length=1000)]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=1000)]
# a BCP 47 language tag (RFC 5646, its syntax): en, en-GB, cy, zh-Hant-TW, ...
Language = Annotated[str, StringConstraints(
    pattern=r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(-[A-Za-z0-9]{5,8})*$",
    max_length=35)]
RelativePath = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


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


class Publisher(_Strict):
    """Who publishes the dataset: a name, and optionally the address of its web site."""

    name: Line
    url: Url | None = None


class Contact(_Strict):
    """Whom to write to about the dataset: a name and an email address and/or a web address."""

    name: Line
    email: Email | None = None
    url: Url | None = None

    @model_validator(mode="after")
    def _reachable(self) -> Contact:
        if self.email is None and self.url is None:
            raise ValueError("give an email or a url to reach the contact")
        return self


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
    published: date | None = None
    keywords: list[Line] = Field(default_factory=list)
    languages: list[Language] = Field(default_factory=list)
    contributors: list[Contributor] = Field(default_factory=list)
    publisher: Publisher | None = None
    contact: Contact | None = None
    licenses: list[License] = Field(default_factory=lambda: [License(**CC_BY_4)], min_length=1)
    license_file: RelativePath | None = None
    citation_file: RelativePath | None = None
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


_EXPECTED = {
    "url": "an http(s) address, e.g. https://example.org",
    "email": "an email address, e.g. name@example.org",
    "languages": "a BCP 47 language tag, e.g. en, en-GB or cy",
}


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
            elif err["type"] == "string_pattern_mismatch" and loc[-1] in _EXPECTED:
                msg = f"{err['input']!r} is not {_EXPECTED[loc[-1]]}"
            elif err["type"] == "string_pattern_mismatch" and loc[0] == "languages":
                msg = f"{err['input']!r} is not {_EXPECTED['languages']}"
            elif loc == ("published",) and err["type"].startswith("date"):
                msg = f"{err['input']!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-01-31"
            elif err["type"] == "value_error":
                msg = msg.removeprefix("value error, ")
            line, column = located.locate(loc)
            report.add(Code.PACKAGE_CONFIG, f"{where}: {msg}", file=shown, line=line,
                       column=column, field=where)
        return None
