"""opencase: publish open, verifiable datasets about real cases.

Curators write YAML records that cite the exact passages of their sources; opencase validates
them and publishes a Frictionless Data Package (CSV and Parquet) with provenance from every row
to its source passage. The public API:

- :func:`validate` -> :class:`Report` (issues with codes, severities and locations);
- :func:`publish` writes the data package; :func:`check` verifies a published one;
- :func:`load` opens a package (folder, zip or URL) as Arrow, pandas or model objects;
- :func:`coverage` says which sentences of each source no record cites yet;
- :func:`schemas` writes the JSON Schema and Table Schemas generated from the models.

Names are imported lazily so that ``import opencase`` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "IntegrityError",
    "Issue",
    "LoadError",
    "Package",
    "Report",
    "Severity",
    "__version__",
    "check",
    "coverage",
    "load",
    "models",
    "publish",
    "schemas",
    "validate",
]

_LAZY = {
    "IntegrityError": ("opencase.loading", "IntegrityError"),
    "LoadError": ("opencase.loading", "LoadError"),
    "Package": ("opencase.loading", "Package"),
    "Issue": ("opencase.report", "Issue"),
    "Report": ("opencase.report", "Report"),
    "Severity": ("opencase.report", "Severity"),
    "validate": ("opencase.validation", "validate"),
    "publish": ("opencase.publishing", "publish"),
    "check": ("opencase.checking", "check"),
    "load": ("opencase.loading", "load"),
    "coverage": ("opencase.covering", "coverage"),
    "models": ("opencase.models", None),
    "schemas": ("opencase.schemagen", "schemas"),
}

if TYPE_CHECKING:  # pragma: no cover
    from . import models
    from .checking import check
    from .covering import coverage
    from .loading import IntegrityError, LoadError, Package, load
    from .publishing import publish
    from .report import Issue, Report, Severity
    from .schemagen import schemas
    from .validation import validate


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
