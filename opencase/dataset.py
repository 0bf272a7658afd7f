"""``opencase.load``: open a published case package as Arrow tables, pandas, or model objects.

::

    import opencase
    pkg = opencase.load()                      # the dataset bundled with opencase
    pkg = opencase.load("datapackage/")        # a folder, its datapackage.json, or a .zip
    pkg = opencase.load("https://example.org/case/datapackage.json")   # or a .zip URL
    people = pkg.table("people")               # pyarrow.Table (from Parquet when published)
    df = pkg.to_pandas("events")               # needs pandas: pip install opencase[pandas]
    for person in pkg.records("people"): ...   # the pydantic models, as curated
    pkg.citations("stephen-port", "name")      # the passages behind a record or a value

Opening, verifying and reading the files is :mod:`opencase.datapackage.load`, which works for
any Data Package; this module adds the dataset bundled with opencase and the record models.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from opencase.datapackage.descriptor import DESCRIPTOR
from opencase.datapackage.load import MAX_BYTES, TIMEOUT, DataPackage
from opencase.datapackage.load import load as load_package
from opencase.errors import IntegrityError, LoadError

if TYPE_CHECKING:  # (the models are imported when records are asked for)
    from opencase.language.casemodel import CaseModel

__all__ = ["IntegrityError", "LoadError", "Package", "bundled_descriptor", "load"]


class Package(DataPackage):
    """An opened case package: its tables, and its records as opencase's models."""

    _shown_class = "opencase.Package"

    @cached_property
    def case_model(self) -> CaseModel:
        """The case model the package's tables are written with: the standard one with the
        extensions ``datapackage.json`` declares (``opencase:extensions``), so that
        :meth:`records` gives back the fields and values the dataset added. Raises
        :class:`LoadError` for a declaration opencase cannot read, or a model
        (``opencase:model``) newer than it supports."""
        from opencase.language.casemodel import EXTENSIONS_PROPERTY, MODEL_PROPERTY, case_model
        from opencase.language.extensions import read_extensions
        from opencase.language.models import MODEL_VERSION

        version = self.descriptor.get(MODEL_PROPERTY, 1)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise LoadError(f"{MODEL_PROPERTY} in datapackage.json is {version!r}, not a "
                            "case-model version")
        if version > MODEL_VERSION:
            raise LoadError(f"the package is written with case model {version}, newer than "
                            f"this opencase supports (1 to {MODEL_VERSION}): upgrade opencase")
        declared = self.descriptor.get(EXTENSIONS_PROPERTY)
        if declared is None:
            return case_model()
        extensions, problems = read_extensions(declared)
        if problems:
            said = "; ".join(f"{'.'.join(map(str, p.path)) or 'extensions'}: {p.message}"
                             for p in problems[:5])
            raise LoadError(f"{EXTENSIONS_PROPERTY} in datapackage.json cannot be read: {said}")
        return case_model(extensions)

    @cached_property
    def _records(self) -> dict[str, list[Any]]:
        from opencase.publishing.layout import layout
        from opencase.publishing.tables import from_tables

        model = self.case_model
        present = set(self.table_names)  # (a kind added since the package was published: none)
        return from_tables(_LazyTables(self, [t for t in layout(model) if t in present]), model)

    def records(self, kind: str) -> list[Any]:
        """The records of ``kind`` (``people``, ``events``, ...) as opencase's pydantic
        models, rebuilt from the tables: the same records that were published."""
        records = self._records
        if kind not in records:
            raise KeyError(f"no kind {kind!r}; the kinds are: {', '.join(records)}")
        return records[kind]


def load(path_or_url: str | os.PathLike[str] | None = None, *, timeout: float = TIMEOUT,
         max_bytes: int = MAX_BYTES) -> Package:
    """Open a published package: a folder, a ``datapackage.json``, a ``.zip``, or an http(s)
    URL to a ``datapackage.json``, a package folder, or a ``.zip``. With no argument, the
    dataset bundled with opencase.

    ``timeout``: seconds (above 0, at most a day) any wait for the network may last.
    ``max_bytes``: the most bytes a download, an unpacked zip or a decoded Parquet table may
    take (a whole number above 0).

    Raises :class:`LoadError` (:class:`IntegrityError` for a file that fails its hash), also
    for arguments it cannot use."""
    if path_or_url is None:
        path_or_url = bundled_descriptor()
    return cast(Package, load_package(path_or_url, timeout=timeout, max_bytes=max_bytes,
                                      package_class=Package))


def bundled_descriptor() -> Path:
    """The ``datapackage.json`` shipped inside the installed package (``opencase/data``), or,
    in a source checkout or editable install, the repository's ``datapackage/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "data" / DESCRIPTOR, here.parent / "datapackage" / DESCRIPTOR):
        if candidate.is_file():
            return candidate
    raise LoadError("this opencase installation has no bundled dataset (opencase/data is "
                    "missing); pass the path or URL of a package to opencase.load()")


class _LazyTables(Mapping[str, Any]):
    """The package's tables as a read-on-demand mapping (for ``tables.from_tables``)."""

    def __init__(self, pkg: DataPackage, names: list[str]) -> None:
        self.pkg, self.names = pkg, names

    def __getitem__(self, name: str) -> Any:
        return self.pkg.table(name)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)
