"""The package's ``LICENSE`` and ``CITATION.cff``: the data's licence and how to cite the data.

A repository that holds a dataset often holds code too, and its ``LICENSE`` and
``CITATION.cff`` may be the code's. The package must carry the data's, so:

``LICENSE`` is, in this order:

1. the file ``license_file`` names in ``package.yaml`` (a relative path inside its folder),
   copied as it is;
2. the ``LICENSE`` (or ``LICENSE.md``, ``LICENSE.txt``) beside ``package.yaml``, copied, but
   only if it names one of the data's ``licenses`` (its id, such as ``CC-BY-4.0``, its title
   or its address): a ``LICENSE`` that names none of them is another licence (the code's,
   typically) and is never shipped as the data's;
3. otherwise a short ``LICENSE`` written from ``licenses``: the licence's title, id and
   address, where its full text is.

``CITATION.cff`` (the Citation File Format, which Zenodo and GitHub read) is, in this order:

1. the file ``citation_file`` names (likewise), copied: it must be a
   CITATION.cff of ``type: dataset`` whose ``version``, if it gives one, is the package's;
2. the ``CITATION.cff`` beside ``package.yaml`` when it describes a dataset (``type:
   dataset``), under the same checks; one that describes software (the default type) is the
   code's and is left out;
3. otherwise one written from ``package.yaml``: title, version, release date (``published``),
   abstract, authors (the contributors with the role ``creator`` or ``author``, else every
   contributor but the publisher and the contact), contact, keywords, licence, homepage and
   DOI (when ``id`` is one).

Each mistake is a ``package-config`` error located in the file that has it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from opencase.codes import Code
from opencase.errors import NotARegularFile
from opencase.publishing.metadata import Contributor, PackageConfig
from opencase.reading.files import display_path
from opencase.report import Report
from opencase.safeio import FileTooLarge, read_regular
from opencase.validation.declared import read_config

__all__ = ["CITATION_NAME", "LICENSE_NAME", "citation_cff", "license_text", "package_files"]

LICENSE_NAME = "LICENSE"
CITATION_NAME = "CITATION.cff"
MAX_FILE_BYTES = 1024 * 1024
_LICENSE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt")
_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_CREATOR_ROLES = {"creator", "author"}


def package_files(config: PackageConfig, config_path: Path, report: Report,
                  published: str | None = None) -> dict[str, bytes] | None:
    """``LICENSE`` and ``CITATION.cff`` for the package of ``config`` (read from
    ``config_path``), by name; ``published``: the release date when ``config`` gives none.
    Problems go to ``report`` and ``None`` is returned."""
    errors = len(report.errors)
    license_bytes = _license(config, config_path, report)
    citation = _citation(config, config_path, report, published)
    if len(report.errors) > errors or license_bytes is None or citation is None:
        return None
    return {LICENSE_NAME: license_bytes, CITATION_NAME: citation}


def _named(config_path: Path, key: str, value: str, report: Report) -> Path | None:
    """The file ``key`` of package.yaml names: a relative path inside the folder of
    package.yaml (so that a package.yaml cannot copy a file from elsewhere on the machine into
    a published package); ``None`` with a located problem otherwise."""
    folder = config_path.parent.resolve()
    path = config_path.parent / value
    if Path(value).is_absolute() or "\\" in value or not path.resolve().is_relative_to(folder):
        _at_key(report, config_path, key, f"{key}: {value!r} is not a relative path inside "
                "the folder of package.yaml")
        return None
    return path


def _read(path: Path, key: str | None, config_path: Path, report: Report) -> bytes | None:
    """The bytes of ``path`` (UTF-8 text), or ``None`` with a problem located at ``key`` of
    ``package.yaml`` (or at the file itself when it was not named there)."""
    problem = None
    try:
        data = read_regular(path, MAX_FILE_BYTES)
        data.decode("utf-8")
        return data
    except FileNotFoundError:
        problem = f"no such file {display_path(path)}"
    except NotARegularFile:
        problem = f"{display_path(path)} is not a regular file"
    except FileTooLarge:
        problem = f"{display_path(path)} is larger than 1 MiB"
    except UnicodeDecodeError:
        problem = f"{display_path(path)} is not UTF-8 text"
    except OSError as exc:
        problem = f"{display_path(path)} cannot be read ({exc.strerror or exc})"
    if key is None:
        report.add(Code.PACKAGE_CONFIG, problem, file=display_path(path))
    else:
        _at_key(report, config_path, key, f"{key}: {problem}")
    return None


def _at_key(report: Report, config_path: Path, key: str, message: str) -> None:
    read = read_config(config_path, Report())
    line, column = read[1].locate((key,)) if read else (None, None)
    report.add(Code.PACKAGE_CONFIG, message, file=display_path(config_path), line=line,
               column=column, field=key)


# ---------------------------------------------------------------- LICENSE


def _squeezed(text: str) -> str:
    return " ".join(text.lower().split())


def names_license(text: str, config: PackageConfig) -> bool:
    """Whether ``text`` names one of the data's licences (id, title or address)."""
    body = _squeezed(text)
    for lic in config.licenses:
        for value in (lic.name, lic.title, lic.path):
            if value and len(value.strip()) >= 4:
                needle = _squeezed(value).removeprefix("https://").removeprefix("http://")
                if needle.rstrip("/") in body:
                    return True
    return False


def _license(config: PackageConfig, config_path: Path, report: Report) -> bytes | None:
    if config.license_file:
        named = _named(config_path, "license_file", config.license_file, report)
        return _read(named, "license_file", config_path, report) if named else None
    for name in _LICENSE_NAMES:
        beside = config_path.parent / name
        if beside.is_file() and not beside.is_symlink():
            data = _read(beside, None, config_path, report)
            if data is None:
                return None
            if names_license(data.decode("utf-8"), config):
                return data
            break  # another licence (the code's): not the data's
    return license_text(config).encode("utf-8")


def license_text(config: PackageConfig) -> str:
    """A ``LICENSE`` that names the data's licences and where their full texts are."""
    lines = [f"The data of {config.title} ({config.name}, version {config.version})",
             "are licensed under:", ""]
    for lic in config.licenses:
        named = lic.title or lic.name or lic.path or ""
        if lic.title and lic.name:
            named = f"{lic.title} ({lic.name})"
        lines.append(f"  {named}")
        if lic.path:
            lines.append(f"  {lic.path}")
        lines.append("")
    lines.append("The full text of the licence is at its address above.")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- CITATION.cff


def _citation(config: PackageConfig, config_path: Path, report: Report,
              published: str | None) -> bytes | None:
    if config.citation_file:
        path = _named(config_path, "citation_file", config.citation_file, report)
        if path is None:
            return None
        data = _read(path, "citation_file", config_path, report)
        if data is None:
            return None
        return data if _dataset_cff(path, config, report, required=True) else None
    beside = config_path.parent / CITATION_NAME
    if beside.is_file() and not beside.is_symlink():
        data = _read(beside, None, config_path, report)
        if data is None:
            return None
        errors = len(report.errors)
        if _dataset_cff(beside, config, report, required=False):
            return data
        if len(report.errors) > errors:
            return None
    return citation_cff(config, published).encode("utf-8")


def _dataset_cff(path: Path, config: PackageConfig, report: Report, *, required: bool) -> bool:
    """Whether ``path`` is a CITATION.cff of this dataset: ``type: dataset`` and the
    package's version (if it gives one). A CITATION.cff of another type is a problem only
    when it was named (``required``); a wrong version always is."""
    read = read_config(path, report)
    if read is None:
        return False
    data, located = read
    shown = display_path(path)

    def problem(key: str, message: str) -> None:
        line, column = located.locate((key,))
        report.add(Code.PACKAGE_CONFIG, message, file=shown, line=line, column=column,
                   field=key)

    if "cff-version" not in data:
        problem("cff-version", "not a CITATION.cff: it has no `cff-version`")
        return False
    kind = data.get("type", "software")
    if kind != "dataset":
        if required:
            problem("type", f"type: this CITATION.cff describes {kind}, not a dataset; the "
                    "package's must describe the data (`type: dataset`)")
        return False
    version = data.get("version")
    if version is not None and str(version) != config.version:
        problem("version", f"version: {version!r} is not the package's version "
                f"{config.version!r} (package.yaml); update CITATION.cff")
        return False
    return True


def _cff_person(c: Contributor) -> dict[str, Any]:
    """A contributor as a CFF person (given or family name) or entity (a name)."""
    if c.givenName or c.familyName:
        out: dict[str, Any] = {}
        if c.familyName:
            out["family-names"] = c.familyName
        if c.givenName:
            out["given-names"] = c.givenName
    else:
        out = {"name": c.title}
    if c.organization and "name" not in out:
        out["affiliation"] = c.organization
    if c.email:
        out["email"] = c.email
    if c.path and c.path.startswith(("http://", "https://")):
        out["website"] = c.path
    return out


def _authors(config: PackageConfig) -> list[dict[str, Any]]:
    people = [c for c in config.contributors if set(c.roles) & _CREATOR_ROLES]
    if not people:
        people = [c for c in config.contributors
                  if not c.roles or not set(c.roles) <= {"publisher", "contact"}]
    authors = [_cff_person(c) for c in people]
    if not authors and config.publisher:
        authors = [{"name": config.publisher.name}]
    return authors or [{"name": f"The curators of {config.title}"}]


def doi(identifier: str | None) -> str | None:
    """The DOI ``identifier`` is (``10.xxxx/...``, its ``https://doi.org/`` address or
    ``doi:`` form), else ``None``."""
    match = _DOI.match(identifier.strip()) if identifier else None
    return match.group(1) if match else None


def citation_cff(config: PackageConfig, published: str | None = None) -> str:
    """A CITATION.cff (CFF 1.2.0, ``type: dataset``) written from ``config``."""
    cff: dict[str, Any] = {
        "cff-version": "1.2.0",
        "message": "If you use this dataset, please cite it as below.",
        "type": "dataset",
        "title": config.title,
        "version": config.version,
    }
    released = config.published.isoformat() if config.published else published
    if released:
        cff["date-released"] = released
    if config.description:
        cff["abstract"] = " ".join(config.description.split())
    cff["authors"] = _authors(config)
    if config.contact:
        contact: Mapping[str, Any] = {"name": config.contact.name, "email": config.contact.email,
                                      "website": config.contact.url}
        cff["contact"] = [{k: v for k, v in contact.items() if v}]
    the_doi = doi(config.id)
    if the_doi:
        cff["doi"] = the_doi
    if config.keywords:
        cff["keywords"] = list(config.keywords)
    ids = [lic.name for lic in config.licenses if lic.name]
    if ids:
        cff["license"] = ids[0] if len(ids) == 1 else ids
    elif config.licenses[0].path:
        cff["license-url"] = config.licenses[0].path
    if config.homepage:
        cff["url"] = config.homepage
    return yaml.safe_dump(cff, sort_keys=False, allow_unicode=True, width=100)
