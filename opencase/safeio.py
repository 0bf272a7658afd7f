"""Reading untrusted files safely: regular files only, never through a symlink, bounded size.

A record or snapshot folder may hold anything a pull request can add: symbolic links (to
files outside the repository), FIFOs (which block a plain ``open()`` for ever), sockets,
devices, or files too large to hold in memory. :func:`read_regular` opens a path without
following a symlink and without blocking, checks that what it opened is a regular file of
at most ``max_bytes``, and only then reads it. :func:`replace_file` replaces a file whole or
not at all, and :func:`temporary_beside` gives the temporary file that a longer write fills
before it is moved into place.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from opencase.errors import FileTooLarge, NotARegularFile

__all__ = ["FileTooLarge", "NotARegularFile", "read_regular", "replace_file", "temporary_beside"]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)




def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link (not followed)"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read_regular(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``.

    Raises :class:`NotARegularFile` for a symlink (even one to a regular file), FIFO, socket,
    device or folder, :class:`FileTooLarge` above ``max_bytes``, and :class:`OSError` when the
    file cannot be opened or read. Never blocks on a FIFO and never follows a symlink.
    """
    p = os.fspath(path)
    st = os.lstat(p)
    if not stat.S_ISREG(st.st_mode):
        raise NotARegularFile(p, _kind(st.st_mode))
    fd = os.open(p, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)  # what was opened, in case the path changed since lstat
        if not stat.S_ISREG(st.st_mode):
            raise NotARegularFile(p, _kind(st.st_mode))
        if st.st_size > max_bytes:
            raise FileTooLarge(p, st.st_size, max_bytes)
        chunks = []
        left = max_bytes + 1  # a file that grows while being read is still bounded
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:
            raise FileTooLarge(p, len(data), max_bytes)
        return data
    finally:
        os.close(fd)


def replace_file(path: Path, data: bytes) -> None:
    """Replace the file ``path`` with ``data`` atomically, keeping its permissions."""
    with temporary_beside(path) as tmp:
        tmp.write_bytes(data)
        os.replace(tmp, path)


@contextmanager
def temporary_beside(path: Path) -> Iterator[Path]:
    """A new, empty temporary file in the folder of ``path``, to fill and then move onto it
    (``os.replace``), so that ``path`` is replaced whole or not at all. It has the
    permissions of the file it will replace, else those a new file gets (not mkstemp's
    0600); it is removed unless it was moved away."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.is_file() else 0o666 & ~_umask())
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
