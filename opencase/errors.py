"""The errors :func:`opencase.load` raises (also importable from
:mod:`opencase.datapackage.load`)."""

from __future__ import annotations

__all__ = ["IntegrityError", "LoadError"]


class LoadError(Exception):
    """A package that cannot be opened: missing, malformed, unsafe, or too large."""


class IntegrityError(LoadError):
    """A file differs from the size or hash its descriptor gives (changed or corrupted)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


LoadError.__module__ = IntegrityError.__module__ = "opencase"
