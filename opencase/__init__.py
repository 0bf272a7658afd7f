"""opencase: publish open, verifiable datasets about real cases.

Curators write YAML records that cite the exact passages of their sources; opencase validates
them and publishes a Frictionless Data Package (CSV and Parquet) with provenance from every row
to its source passage. The public API:

- :func:`validate` -> :class:`Report` (issues with codes, severities and locations);
- :func:`publish` writes the data package; :func:`check` verifies a published one;
- :func:`load` opens a package (folder, zip or URL) as Arrow, pandas or model objects;
- :func:`coverage` measures the share of each source's letters cited or marked, and lists the
  passages no record cites or marks;
- :func:`schemas` writes the JSON Schema and Table Schemas generated from the models;
- :func:`migrate` upgrades a dataset's package.yaml to the current case model;
- :func:`init` starts a dataset repository; :func:`add_source` registers a source's text;
  :func:`find` locates a phrase in the snapshots, as quotes are matched, and how to cite it;
- :func:`build_site` writes a static website of a package, every value beside its passage;
- :func:`export_sqlite` writes a package as a Datasette-ready SQLite database;
- :func:`export_annotations` writes every citation of a package as a W3C Web Annotation.

Names are imported lazily so that ``import opencase`` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from opencase.version import __version__

__all__ = [
    "IntegrityError",
    "Issue",
    "LoadError",
    "OpencaseError",
    "Package",
    "Report",
    "Severity",
    "__version__",
    "add_source",
    "build_site",
    "check",
    "coverage",
    "export_annotations",
    "export_sqlite",
    "find",
    "init",
    "load",
    "migrate",
    "models",
    "publish",
    "schemas",
    "validate",
]

_LAZY = {
    "IntegrityError": ("opencase.errors", "IntegrityError"),
    "LoadError": ("opencase.errors", "LoadError"),
    "OpencaseError": ("opencase.errors", "OpencaseError"),
    "Package": ("opencase.dataset", "Package"),
    "Issue": ("opencase.report", "Issue"),
    "Report": ("opencase.report", "Report"),
    "Severity": ("opencase.report", "Severity"),
    "validate": ("opencase.validation.validate", "validate"),
    "publish": ("opencase.publishing.publish", "publish"),
    "check": ("opencase.datapackage.check", "check"),
    "load": ("opencase.dataset", "load"),
    "coverage": ("opencase.validation.coverage", "coverage"),
    "migrate": ("opencase.validation.migrate", "migrate"),
    "init": ("opencase.curating.init", "init"),
    "add_source": ("opencase.curating.sources", "add_source"),
    "find": ("opencase.curating.find", "find"),
    "build_site": ("opencase.site.build", "build_site"),
    "export_annotations": ("opencase.exporting.annotations", "export_annotations"),
    "export_sqlite": ("opencase.exporting.sqlite", "export_sqlite"),
    "models": ("opencase.models", None),
    "schemas": ("opencase.publishing.schemas", "schemas"),
}

if TYPE_CHECKING:  # pragma: no cover
    from opencase import models
    from opencase.curating.find import find
    from opencase.curating.init import init
    from opencase.curating.sources import add_source
    from opencase.datapackage.check import check
    from opencase.dataset import IntegrityError, LoadError, Package, load
    from opencase.errors import OpencaseError
    from opencase.exporting.annotations import export_annotations
    from opencase.exporting.sqlite import export_sqlite
    from opencase.publishing.publish import publish
    from opencase.publishing.schemas import schemas
    from opencase.report import Issue, Report, Severity
    from opencase.site.build import build_site
    from opencase.validation.coverage import coverage
    from opencase.validation.migrate import migrate
    from opencase.validation.validate import validate


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'opencase' has no attribute {name!r}") from None
    mod = import_module(module)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
