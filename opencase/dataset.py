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
from typing import Any, cast

from opencase.datapackage.descriptor import DESCRIPTOR
from opencase.datapackage.load import MAX_BYTES, TIMEOUT, DataPackage
from opencase.datapackage.load import load as load_package
from opencase.errors import IntegrityError, LoadError

__all__ = ["IntegrityError", "LoadError", "Package", "bundled_descriptor", "load"]


class Package(DataPackage):
    """An opened case package: its tables, and its records as opencase's models."""

    _shown_class = "opencase.Package"

    @cached_property
    def _records(self) -> dict[str, list[Any]]:
        from opencase.publishing.layout import layout
        from opencase.publishing.tables import from_tables

        return from_tables(_LazyTables(self, list(layout())))

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

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)
