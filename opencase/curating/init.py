"""``opencase init``: a ready dataset repository in one command.

:func:`init` writes, into a folder that does not hold them yet:

- ``records/example.yaml``, a commented, invented example (a source with a snapshot, and a
  case, an organisation and an event that cite it; one file, so that removing it and its
  snapshot removes the example) and ``snapshots/`` with the example's text, so that
  ``opencase validate records --snapshots snapshots --strict`` passes at once;
- ``package.yaml`` (name from the folder's name, title, version 0.1.0, the current case model,
  a licence), every key explained in a comment;
- ``README.md`` for curators: add a source, find a quote, cite, validate, coverage, publish,
  check;
- ``.gitignore``, ``.github/workflows/opencase.yml`` and ``.pre-commit-config.yaml``, both
  pinned to where opencase is installed from (:func:`install_source`).

It never overwrites: a file it would write that is already there, or a ``records/`` or
``snapshots/`` folder that already holds something, stops it before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import unicodedata
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

from opencase.curating.newfiles import write_new, yaml_scalar
from opencase.errors import UsageError
from opencase.language.models import MODEL_VERSION
from opencase.reading.files import display_path
from opencase.version import __version__

__all__ = ["Initialised", "InstallSource", "init", "install_source"]

EXAMPLE_SOURCE_ID = "example-notice"
EXAMPLE_SNAPSHOT = "snapshots/example-notice.txt"
_PIN_FILES = (".github/workflows/opencase.yml", ".pre-commit-config.yaml")


@dataclass(frozen=True, slots=True)
class InstallSource:
    """Where the generated workflow and pre-commit hook install opencase from: a git
    repository (``url``, a URL git and pip understand, ``file://`` for a local folder) at a
    commit or tag (``rev``); or, with ``url`` None, ``opencase==version`` from PyPI. ``how``
    says how it was found, for the output."""

    url: str | None
    rev: str | None
    version: str = __version__
    how: str = ""

    @property
    def requirement(self) -> str:
        """The pip requirement: ``opencase @ git+URL@REV`` or ``opencase==VERSION``."""
        if self.url is None:
            return f"opencase=={self.version}"
        url = self.url if self.url.startswith("git+") else f"git+{self.url}"
        return f"opencase @ {url}@{self.rev}"

    @property
    def repo(self) -> str | None:
        """The repository URL for pre-commit's ``repo:`` (without pip's ``git+``)."""
        return None if self.url is None else self.url.removeprefix("git+")

    @property
    def local(self) -> bool:
        return self.url is not None and self.url.startswith(("file:", "git+file:"))


@dataclass
class Initialised:
    """What :func:`init` wrote: the dataset folder, the files (relative to it, in the order
    written), the install source pinned in the workflow and the hook, and warnings."""

    path: Path
    files: list[str]
    source: InstallSource
    warnings: list[str] = field(default_factory=list)

    def message(self) -> str:
        shown = display_path(self.path)
        lines = [f"created a dataset repository in {shown}:"]
        lines += [f"  {f}" for f in self.files]
        lines.append(f"opencase for the workflow and the pre-commit hook: {self.source.requirement}"
                     f" ({self.source.how})")
        lines += [f"warning: {w}" for w in self.warnings]
        cd = "" if shown == "." else f"cd {shown} && "
        lines.append(f"next: {cd}opencase validate records --snapshots snapshots --strict; "
                     "then read README.md")
        return "\n".join(lines)


# ---- where opencase comes from

def _git_head(folder: Path) -> str | None:
    """The commit checked out in ``folder`` when it is the top of a git work tree, else None."""
    try:
        top = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel", "HEAD"],
                             capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    out = top.stdout.split()
    if top.returncode != 0 or len(out) != 2:
        return None
    if Path(out[0]).resolve() != folder.resolve():
        return None
    return out[1] if re.fullmatch(r"[0-9a-f]{40}([0-9a-f]{24})?", out[1]) else None


def _local_folder(url: str) -> Path | None:
    parsed = urlparse(url.removeprefix("git+"))
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


def _checkout_of(folder: Path, how: str) -> InstallSource | None:
    commit = _git_head(folder)
    if commit is None:
        return None
    return InstallSource(folder.resolve().as_uri(), commit, how=how)


def install_source(source: str | None = None, rev: str | None = None) -> InstallSource:
    """Where generated files install opencase from.

    ``source`` (a git URL, or the path of a local opencase checkout) and ``rev`` (a commit or
    tag) when given; a local checkout's ``rev`` defaults to its checked-out commit. Otherwise
    where the running opencase was installed from: PEP 610's ``direct_url.json`` (a VCS install
    gives its URL and commit; a local folder, editable or not, its ``file://`` URL and the
    folder's git commit, if it is a git checkout), or the git checkout that this module is
    imported from. When nothing is known, ``opencase==<version>`` (``url`` None). Raises
    :class:`UsageError` for a remote ``source`` without ``rev``, or ``rev`` with no source.
    """
    if source is not None:
        folder = Path(source)
        if "://" not in source and folder.is_dir():
            if rev is not None:
                return InstallSource(folder.resolve().as_uri(), rev, how="--opencase-source")
            found = _checkout_of(folder, "--opencase-source, at its checked-out commit")
            if found is None:
                raise UsageError(f"--opencase-source {source} is not the top folder of a git "
                                 "checkout; give --opencase-rev too")
            return found
        if "://" not in source and "@" not in source:
            raise UsageError(f"--opencase-source {source}: no such folder, and not a URL")
        if rev is None:
            raise UsageError(f"--opencase-source {source} needs --opencase-rev (a commit or tag "
                             "of that repository)")
        return InstallSource(source, rev, how="--opencase-source and --opencase-rev")
    found = _installed_source()
    if rev is not None:
        if found.url is None:
            raise UsageError("--opencase-rev needs --opencase-source: where this opencase was "
                             "installed from is not known")
        return InstallSource(found.url, rev, how=f"{found.how}, at --opencase-rev")
    return found


def _installed_source() -> InstallSource:
    try:
        text = metadata.distribution("opencase").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        text = None
    if text:
        try:
            info = json.loads(text)
        except ValueError:
            info = {}
        url = info.get("url") if isinstance(info, dict) else None
        vcs = info.get("vcs_info") if isinstance(info, dict) else None
        if isinstance(url, str) and isinstance(vcs, dict) and vcs.get("vcs") == "git":
            commit = vcs.get("commit_id") or vcs.get("requested_revision")
            if isinstance(commit, str) and commit:
                return InstallSource(url, commit, how="installed from that git repository")
        if isinstance(url, str) and "dir_info" in info:
            folder = _local_folder(url)
            found = folder and _checkout_of(folder, "installed from that checkout, at its "
                                            "checked-out commit")
            if found:
                return found
    # a development install without direct_url.json: the checkout this module is read from
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / ".pre-commit-hooks.yaml").is_file():
        found = _checkout_of(root, "imported from that checkout, at its checked-out commit")
        if found:
            return found
    return InstallSource(None, None, how="where this opencase was installed from is not known")


def _source_warnings(src: InstallSource) -> list[str]:
    files = " and ".join(_PIN_FILES)
    if src.url is None:
        return [f"{files} install `{src.requirement}` from PyPI, where opencase is not "
                "published: edit them to name a git repository of opencase and a commit or tag "
                "(or run `opencase init` again in an empty folder with --opencase-source URL "
                "--opencase-rev COMMIT)"]
    out = []
    if src.local:
        out.append(f"{files} install opencase from {src.repo}, a folder of this machine: "
                   "GitHub's runners and other machines cannot reach it; for them, edit both to "
                   "name a git URL of opencase (--opencase-source URL --opencase-rev COMMIT)")
        folder = _local_folder(src.url)
        if folder is not None and _dirty(folder):
            out.append(f"{folder} has uncommitted changes; the pinned commit {src.rev} does not "
                       "hold them")
    return out


def _dirty(folder: Path) -> bool:
    try:
        res = subprocess.run(["git", "-C", str(folder), "status", "--porcelain",
                              "--untracked-files=no"], capture_output=True, text=True,
                             timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return res.returncode == 0 and bool(res.stdout.strip())


# ---- the files

def package_name(folder: Path) -> str:
    """A package name (lowercase letters, digits, ``. _ -``) from a folder's name, its
    accented letters without their accents (``ünïcödé`` -> ``unicode``)."""
    plain = unicodedata.normalize("NFKD", folder.resolve().name)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    name = re.sub(r"[^a-z0-9._-]+", "-", plain.lower())
    name = re.sub(r"^[^a-z0-9]+", "", name).strip("-._")[:100]
    return name or "my-dataset"


EXAMPLE_TEXT = (
    "Ferry pier to close for repairs\n"
    "EXAMPLE: an invented notice, the starter text of an opencase dataset. Replace it with your "
    "own sources.\n"
    "The Harbour Council said on 3 May 2024 that the old ferry pier would close for repairs.\n"
)

EXAMPLE_YAML = """\
# An invented EXAMPLE, all in this one file with its snapshot snapshots/example-notice.txt,
# to show the layout. Start your own dataset by removing both:
#   rm records/example.yaml snapshots/example-notice.txt
# then add your sources with `opencase source add` (it writes records/sources.yaml).
#
# Records are YAML files under records/ (any names), each a mapping from a kind (cases,
# sources, people, organisations, groups, events, proceedings, findings, statements,
# relationships) to a list of records. Every record has an id and cites the exact words of
# the source it rests on: `opencase find "a phrase" --cite` prints a ready cite: entry.

# The sources that records cite. A source with a snapshot (a text file in snapshots/) gives
# the SHA-256 of the file's bytes; opencase finds the snapshot by that hash, whatever the file
# is called. `opencase source add FILE --id ID --kind KIND --title TITLE` copies a text into
# snapshots/, computes its hash and appends its record to records/sources.yaml.
sources:
  - id: example-notice                # a lowercase slug, unique across all records
    title: Ferry pier to close for repairs
    kind: press-release               # `opencase vocab sources.kind` lists the kinds
    language: en
    sha256: @SHA256@
    cite:                             # a source with a snapshot may cite itself for its fields
      - source: example-notice
        quote: Ferry pier to close for repairs
        supports: [title]
    uncited:                          # passages left uncited on purpose, with the reason
      - quote: "EXAMPLE: an invented notice, the starter text of an opencase dataset."
        reason: It marks the text as an example; it says nothing about the case.
      - quote: Replace it with your own sources.
        reason: It marks the text as an example; it says nothing about the case.
cases:                                # the case itself: every event names it
  - id: ferry-pier-closure
    name: The closure of the old ferry pier
    cite:
      - source: example-notice        # the id of a sources record
        quote: Ferry pier to close for repairs   # its exact words
organisations:
  - id: harbour-council
    name: Harbour Council
    type: government                  # `opencase vocab organisations.type` lists the types
    description: The council that announced the closure of the old ferry pier.
    cite:
      - source: example-notice
        quote: >-                     # line breaks in a quote count as one space
          The Harbour Council said on 3 May 2024 that the old ferry pier would close for
          repairs.
        supports: [name, type, description]   # the fields it backs (default: all of them)
events:
  - id: closure-announced
    case: ferry-pier-closure
    type: decision                    # `opencase vocab events.type` lists the types
    description: The Harbour Council announced that the old ferry pier would close for repairs.
    date: 2024-05-03                  # EDTF: 2024, 2024-05, 2024-05-03, 2024~, ../2024-05
    participants:
      - who: harbour-council
        role: decision-maker
    cite:
      - source: example-notice
        quote: >-
          The Harbour Council said on 3 May 2024 that the old ferry pier would close for
          repairs.
"""

PACKAGE_YAML = """\
# The dataset's metadata: `opencase publish` writes it into datapackage.json.
# name: the package's name, lowercase letters, digits and . _ - (used in file names).
name: @NAME@
# title: the dataset's title, for people.
title: @TITLE@
# version: semantic versioning (MAJOR.MINOR.PATCH); raise it for every release of the data.
version: 0.1.0
# model: the version of opencase's case model the records are written for
# (`opencase migrate` upgrades it when opencase's model changes).
model: @MODEL@
# description: what the dataset holds and where from (Markdown): say what your case is.
description: >-
  Records of a case, each value cited word for word from its source.
# keywords: words to find the dataset by.
keywords: []
# languages: the languages of the data, BCP 47 tags (en, en-GB, cy, ...).
# languages: [en]
# published: the date this version is released (YYYY-MM-DD); set it when you release.
# published: 2025-01-31
# contributors: who made the dataset (title, and optionally roles, email, path, organization;
# givenName and familyName for a person).
# contributors:
#   - title: Your Name
#     roles: [creator]
# publisher: who publishes the dataset; contact: whom to write to (an email and/or a url).
# publisher:
#   name: Your Organisation
#   url: https://example.org
# contact:
#   name: Your Name
#   email: you@example.org
# licenses: the licence of the data (a name from https://opendefinition.org/licenses/ or SPDX,
# a link and a title).
licenses:
  - name: CC-BY-4.0
    path: https://creativecommons.org/licenses/by/4.0/
    title: Creative Commons Attribution 4.0 International
"""

GITIGNORE = """\
# The published package: built by `opencase publish` (and by the workflow, which keeps it as an
# artifact). Delete this line to commit it with the records.
/datapackage/
/*.zip
/*.zip.sha256
.venv/
__pycache__/
"""

WORKFLOW_YAML = """\
# Checks the dataset on every push and pull request: validates the records (each problem shown
# on its line of the pull request), reports coverage, publishes the data package, checks it and
# keeps it as an artifact. opencase is installed from a pinned commit or tag (see README.md,
# "Where opencase comes from").
name: opencase
on:
  push:
  pull_request:
jobs:
  dataset:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install opencase
        run: python -m pip install "@REQUIREMENT@"
      - name: Validate
        run: opencase validate records --snapshots snapshots --strict --format github
      # every source wholly cited or marked uncited; while sources are being curated, add
      # `--min PERCENT`, the least share of each source's letters to cover
      - name: Coverage
        run: opencase coverage records --snapshots snapshots
      - name: Publish
        run: opencase publish records --snapshots snapshots --out datapackage --strict
      - name: Check
        run: opencase check datapackage --format github
      - uses: actions/upload-artifact@v4
        with:
          name: datapackage
          path: datapackage
"""

PRECOMMIT_REPO_YAML = """\
# Validates the records before each commit: run `pre-commit install` once in this repository.
# The hook installs opencase from the repository and commit (or tag) below: see README.md,
# "Where opencase comes from".
repos:
  - repo: @REPO@
    rev: @REV@
    hooks:
      - id: opencase-validate
        args: [records, --snapshots, snapshots, --strict]
        files: ^(records/|snapshots/|package\\.yaml$)
"""

PRECOMMIT_PYPI_YAML = """\
# Validates the records before each commit: run `pre-commit install` once in this repository.
# CHANGE THIS: opencase is not published on PyPI. Replace `repo: local` and the three lines
# after it with the repository of opencase and a commit or tag of it, and the hook's lines with
# `- id: opencase-validate` and its `args` and `files` (see README.md,
# "Where opencase comes from").
repos:
  - repo: local
    hooks:
      - id: opencase-validate
        name: opencase validate
        entry: opencase validate
        language: python
        additional_dependencies: ["@REQUIREMENT@"]
        pass_filenames: false
        args: [records, --snapshots, snapshots, --strict]
        files: ^(records/|snapshots/|package\\.yaml$)
"""

README_MD = """\
# @TITLE@

An open dataset curated with opencase: YAML records under `records/` cite the exact
words of the source texts under `snapshots/`, and opencase publishes them as a Frictionless
Data Package (CSV and Parquet) in which every value can be traced to its passage.

The records start with an invented example (a notice about a ferry pier, marked EXAMPLE) that
shows the layout, all in `records/example.yaml` with its text `snapshots/example-notice.txt`.
Remove both to start your own:

```sh
rm records/example.yaml snapshots/example-notice.txt
```

## Set up

With Python 3.11 or newer, install the same opencase that the workflow and the pre-commit
hook use:

```sh
python3 -m venv .venv
.venv/bin/python -m pip install "@REQUIREMENT@"
source .venv/bin/activate
opencase validate records --snapshots snapshots --strict
```

Every command has `--help` with an example.

## Add a source

Save the text of the source (an article, a report, a transcript) as a UTF-8 text file, then:

```sh
opencase source add ~/article.txt --id council-notice --kind news-article \\
    --title "Pier closure announced" --published 2024-05-03 --language en
```

It copies the text into `snapshots/` (as `council-notice.txt`), computes its SHA-256 and
appends the source record to `records/sources.yaml`, keeping that file's comments. It refuses
an id that is taken and a text that another source already registers.
`opencase vocab sources.kind` lists the kinds of source.

## Find a quote and cite it

```sh
opencase find "the old ferry pier" --cite
```

prints where the words occur in the snapshots and a `cite:` entry to paste into a record:
every record cites the exact words of its source (`source`, `quote`, and `supports`: the
fields the passage backs). Records are YAML files under `records/`: each maps a kind
(`people`, `organisations`, `events`, `proceedings`, `findings`, `statements`, ...) to a list
of records; `opencase vocab` lists the values of every vocabulary field with their
definitions.

## Validate

```sh
opencase validate records --snapshots snapshots --strict
```

checks every record and every quote, and lists every problem with its file, line and column
and what to do. Exit 0 when valid.

## Coverage

```sh
opencase coverage records --snapshots snapshots
```

gives the share of each source's letters that records cite (or mark as left out on purpose)
and lists the passages no record cites yet: cite each from the record it supports, or, if it
is left out on purpose, list it under its source's `uncited:` with the reason. It exits 1 when
a source is below `--min PERCENT` (100 unless given): while sources are being curated, give a
lower minimum, as the workflow's comment says.

## Publish and check

```sh
opencase publish records --snapshots snapshots --out datapackage
opencase check datapackage
```

writes the data package into `datapackage/` (the metadata comes from `package.yaml`) and
verifies it.

## Checks on every change

- `.github/workflows/opencase.yml` runs validate, coverage, publish and check on every push
  and pull request, with each problem shown on its line of the pull request, and keeps the
  package as an artifact.
- `.pre-commit-config.yaml`: run `pre-commit install` once, and the records are validated
  before each commit.

## Where opencase comes from

opencase is not published on PyPI. The workflow, the pre-commit hook and the set-up above
install it from a git repository at a pinned commit or tag:

- repository: `@REPO_SHOWN@`
- commit or tag: `@REV_SHOWN@`

`opencase init` pinned where the opencase that ran it was installed from. To use another
repository or a newer commit, change it in `.github/workflows/opencase.yml` (the `pip install`
line), in `.pre-commit-config.yaml` (`repo:` and `rev:`) and above. A `file://` repository
exists only on the machine that ran `opencase init`: GitHub's runners need a URL they can
reach.
"""

def _fill(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        template = template.replace(f"@{key}@", value)
    return template


def files_for(folder: Path, src: InstallSource) -> dict[str, str]:
    """The files :func:`init` writes into ``folder``, by path relative to it."""
    name = package_name(folder)
    title = name.replace("-", " ").replace("_", " ").strip().capitalize() or name
    sha = hashlib.sha256(EXAMPLE_TEXT.encode("utf-8")).hexdigest()
    values = {
        "NAME": name,
        "TITLE": title,
        "MODEL": str(MODEL_VERSION),
        "SHA256": sha,
        "REQUIREMENT": src.requirement,
        "REPO": src.repo or "",
        "REV": src.rev or "",
        "REPO_SHOWN": src.repo or "not known: change it (see below)",
        "REV_SHOWN": src.rev or "not known: change it (see below)",
    }
    package = _fill(PACKAGE_YAML, {**values, "TITLE": yaml_scalar(title),
                                   "NAME": yaml_scalar(name)})
    precommit = PRECOMMIT_PYPI_YAML if src.url is None else PRECOMMIT_REPO_YAML
    return {
        "records/example.yaml": _fill(EXAMPLE_YAML, values),
        EXAMPLE_SNAPSHOT: EXAMPLE_TEXT,
        "package.yaml": package,
        "README.md": _fill(README_MD, values),
        ".gitignore": GITIGNORE,
        ".github/workflows/opencase.yml": _fill(WORKFLOW_YAML, values),
        ".pre-commit-config.yaml": _fill(precommit, {
            **values, "REPO": yaml_scalar(src.repo or ""), "REV": yaml_scalar(src.rev or ""),
            "REQUIREMENT": src.requirement}),
    }


def _taken(folder: Path, names: list[str]) -> list[str]:
    taken = [n for n in names if os.path.lexists(folder / n)]
    for sub in ("records", "snapshots"):
        d = folder / sub
        if d.is_dir() and not d.is_symlink() and any(d.iterdir()):
            taken.append(f"{sub}/ (not empty)")
        elif os.path.lexists(d) and not d.is_dir():
            taken.append(sub)
    return sorted(set(taken))


def init(
    path: str | os.PathLike[str] = ".",
    *,
    opencase_source: str | None = None,
    opencase_rev: str | None = None,
) -> Initialised:
    """Create a dataset repository in the folder ``path`` (created if needed).

    ``opencase_source`` and ``opencase_rev``: the git repository and commit or tag that the
    workflow and the pre-commit hook install opencase from (default: where the running
    opencase was installed from; see :func:`install_source`). Raises :class:`UsageError` when
    ``path`` already holds a file that would be written, or a ``records/`` or ``snapshots/``
    folder that is not empty; nothing is written then.
    """
    folder = Path(path)
    if os.path.lexists(folder) and not folder.is_dir():
        raise UsageError(f"{path} is not a folder")
    src = install_source(opencase_source, opencase_rev)
    files = files_for(folder, src)
    taken = _taken(folder, list(files))
    if taken:
        raise UsageError(f"{path} already holds {', '.join(taken)}; opencase init writes only "
                         "into a folder without them and never overwrites a file (choose another "
                         "folder, or move them away)")
    written: list[Path] = []
    made: list[Path] = []
    if not folder.is_dir():
        folder.mkdir(parents=True)
        made.append(folder)
    try:
        for rel, text in files.items():
            target = folder / rel
            for parent in reversed(target.relative_to(folder).parents[:-1]):
                d = folder / parent
                if not d.is_dir():
                    d.mkdir()
                    made.append(d)
            write_new(target, text.encode("utf-8"))
            written.append(target)
    except BaseException:  # nothing half-done: what was written goes again
        for p in reversed(written):
            p.unlink(missing_ok=True)
        for d in reversed(made):
            if d.is_dir() and not any(d.iterdir()):
                d.rmdir()
        raise
    return Initialised(folder, list(files), src, _source_warnings(src))
