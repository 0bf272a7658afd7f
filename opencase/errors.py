"""Every exception opencase raises on purpose, under one base, :class:`OpencaseError`.

Problems in the records or in a package's data are not exceptions: they are findings
(:class:`opencase.report.Issue`) gathered in a report. These exceptions are for what stops
the work itself, and the CLI turns each into a message and an exit code (2). Those about a
missing file or folder or a bad argument also derive from the built-in exception they were
before (``FileNotFoundError``, ``NotADirectoryError``, ``ValueError``, ``OSError``). Looking up
a table or kind that is not there raises ``KeyError``, as a mapping does.
"""

from __future__ import annotations

__all__ = [
    "EDTFError",
    "FileTooLarge",
    "InputNotFound",
    "IntegrityError",
    "InvalidArgument",
    "LoadError",
    "NotAFolder",
    "NotARegularFile",
    "OpencaseError",
    "PackageError",
    "PublishError",
    "UsageError",
]


class OpencaseError(Exception):
    """The base of every exception opencase raises on purpose."""


class UsageError(OpencaseError):
    """An input opencase cannot use (exit 2): a missing folder, an unreadable file."""


class InputNotFound(UsageError, FileNotFoundError):
    """A records folder or package metadata file that is not there."""


class NotAFolder(UsageError, NotADirectoryError):
    """A path that should be a folder (of snapshots) and is not one."""


class InvalidArgument(UsageError, ValueError):
    """A library call given an argument it cannot use."""


class PublishError(OpencaseError):
    """The package cannot be written where asked (exit 2 at the CLI)."""


class PackageError(OpencaseError):
    """A package that cannot be opened safely (unsafe path, unreadable descriptor, ...)."""


class LoadError(OpencaseError):
    """A package that cannot be opened: missing, malformed, unsafe, or too large."""


class IntegrityError(LoadError):
    """A file differs from the size or hash its descriptor gives (changed or corrupted)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


class EDTFError(OpencaseError, ValueError):
    """A string that is not an EDTF date opencase accepts."""


class NotARegularFile(OpencaseError, OSError):
    """The path is a symlink, FIFO, socket, device or folder, not a regular file."""

    def __init__(self, path: str, what: str) -> None:
        super().__init__(f"{path} is {what}")
        self.what = what


class FileTooLarge(OpencaseError, OSError):
    """The file is larger than the limit it is read under."""

    def __init__(self, path: str, size: int, limit: int) -> None:
        super().__init__(f"{path} is {size:,} bytes, over the limit of {limit:,}")
        self.size, self.limit = size, limit


for _cls in (OpencaseError, LoadError, IntegrityError):
    _cls.__module__ = "opencase"  # their public names: opencase.LoadError, ...
