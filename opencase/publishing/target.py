"""Where ``opencase publish`` may write, and what a publish killed part-way left there.

:func:`check_target` refuses an ``--out`` that the swap of the new package would break or
that would replace what is being published (``.``, ``..``, the current folder, the records);
:func:`lock` keeps two publishes from writing beside each other; :func:`clear_leftovers`
clears (or puts back) what a killed publish left.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from opencase.errors import PublishError

__all__ = ["Inputs", "PublishError", "check_target", "check_zip_target", "clear_leftovers",
           "lock"]


Inputs = Sequence[tuple[Path, str]]


def check_target(out: Path, inputs: Inputs = ()) -> None:
    """Refuse an ``out`` that publishing would break: a symlink, a file, a folder that is not a
    data package, ``.``, ``..``, the root, the current folder or one above it, or a folder that
    is or holds one of ``inputs`` (the records, snapshots, package metadata: path and what it
    is), which the swap would replace."""
    if out.name in ("", ".", ".."):
        raise PublishError(f"--out {str(out)!r} is not a folder of its own (it is '.', '..' or "
                           "the root): give the package its own folder, e.g. --out datapackage")
    real = out.resolve()
    for path, what in [(Path.cwd(), "the current folder"), *inputs]:
        inner = path.resolve()
        if inner == real or real in inner.parents:
            raise PublishError(f"--out {out} is or holds {what}, which publishing would "
                               "replace: give the package its own folder, e.g. --out "
                               "datapackage")
    if out.is_symlink():
        raise PublishError(f"{out} is a symbolic link; give the real folder")
    if out.exists():
        if not out.is_dir():
            raise PublishError(f"{out} exists and is not a folder")
        if any(out.iterdir()) and not (out / "datapackage.json").is_file():
            raise PublishError(f"{out} is a folder without a datapackage.json: opencase replaces "
                               "only a data package folder (or an empty one); choose --out")


def check_zip_target(zip_path: Path) -> None:
    if zip_path.is_symlink() or (zip_path.exists() and not zip_path.is_file()):
        raise PublishError(f"{zip_path} exists and is not a file; move it away to write the zip")


def lock(parent: Path) -> int | None:
    """Lock ``parent`` (``flock``) while publishing into it, so that two publishes never write
    beside each other and clearing what a killed one left never touches a live one's files.
    Returns the descriptor to close, or ``None`` where a folder cannot be locked."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return None
    try:
        fd = os.open(parent, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise PublishError(f"another opencase publish is writing in {parent}; run again when it "
                           "has finished") from None
    except OSError:
        os.close(fd)
        return None
    return fd


_ZIP_TMP = re.compile(r"\..+\.zip(\.sha256)?\.tmp-[0-9a-f]{8}")


def clear_leftovers(out: Path) -> None:
    """Clear what a publish killed part-way (SIGKILL, out of memory) left beside ``out``: its
    temporary folder, a half-written zip or checksum, and the previous package it was
    swapping out, which is put back at ``out`` if the kill came between the two renames of a
    swap. Call it only while holding :func:`lock`."""
    tmp_prefix, old_prefix = f".{out.name}.tmp-", f".{out.name}.old-"
    olds: list[Path] = []
    for p in sorted(out.parent.iterdir()):
        if p.is_symlink():
            continue
        if p.name.startswith(tmp_prefix) and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(old_prefix) and p.is_dir():
            olds.append(p)
        elif _ZIP_TMP.fullmatch(p.name) and p.is_file():
            p.unlink(missing_ok=True)
    if olds and not out.exists():
        olds.sort(key=lambda p: p.stat().st_mtime)
        os.rename(olds.pop(), out)  # the latest previous package
    for p in olds:
        shutil.rmtree(p, ignore_errors=True)
