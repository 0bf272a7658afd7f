"""Unpacking a package zip safely, for :func:`opencase.load` and ``opencase check``.

The whole archive is refused, before anything is written, when an entry's name is unsafe (the
rules of :func:`opencase.datapackage.descriptor.unsafe_path_reason`: absolute, ``..``, white space
at either
end, control characters, a URL; a file named ``.`` or ``./.``, which names nothing), when an
entry is a link, FIFO, device or socket, or encrypted, when two entries have the same name once
case, Unicode form and slashes are normalised, when a name is both a file and a folder
(``t.csv`` and ``t.csv/x``), when it holds more than one ``datapackage.json`` or none at the
top or one folder down, when it has more than ``MAX_ZIP_ENTRIES`` entries, or when its entries
say they unpack to more than ``max_bytes``.
Unpacking stops at ``max_bytes`` whatever the entries claim.
"""

from __future__ import annotations

import lzma
import stat
import unicodedata
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from opencase.datapackage.descriptor import DESCRIPTOR, is_remote, unsafe_path_reason
from opencase.errors import LoadError

__all__ = ["MAX_ZIP_ENTRIES", "unzip"]

MAX_ZIP_ENTRIES = 100_000
_CHUNK = 1 << 20
_KINDS = {stat.S_IFLNK: "a symbolic link", stat.S_IFIFO: "a FIFO (named pipe)",
          stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}
_UNPACK_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError,
                  NotImplementedError, RuntimeError, ValueError, zlib.error, lzma.LZMAError)


def unzip(path: Path, dest: Path, max_bytes: int, shown: str) -> Path:
    """Unpack a package zip into ``dest``; returns the folder holding datapackage.json."""
    try:
        zf = zipfile.ZipFile(path)
    except _UNPACK_ERRORS as exc:
        raise LoadError(f"{shown}: not a readable zip file ({exc})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise LoadError(f"{shown}: {len(infos):,} entries, more than {MAX_ZIP_ENTRIES:,}")
        declared = sum(i.file_size for i in infos)
        if declared > max_bytes:
            raise LoadError(f"{shown}: would unpack to {declared:,} bytes, more than the "
                            f"limit of {max_bytes:,}")
        descriptor = _check_entries(infos, shown)
        written = 0
        for info in infos:
            target = dest / PurePosixPath(info.filename)
            try:
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "xb") as out:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        if written > max_bytes:
                            raise LoadError(f"{shown}: unpacks to more than the limit of "
                                            f"{max_bytes:,} bytes")
                        out.write(chunk)
            except _UNPACK_ERRORS as exc:
                raise LoadError(f"{shown}: entry {info.filename!r} cannot be read: "
                                f"{exc}") from None
    return dest.joinpath(*descriptor.parts[:-1])


def _check_entries(infos: list[zipfile.ZipInfo], shown: str) -> PurePosixPath:
    """Refuse the archive for an unsafe entry; the path of its one datapackage.json."""
    seen: dict[str, str] = {}
    files: dict[str, str] = {}
    folders: dict[str, str] = {}
    descriptors: list[PurePosixPath] = []
    for info in infos:
        name = info.filename
        bare = name.rstrip("/")
        reason = unsafe_path_reason(bare) if bare else "its name is empty"
        if reason or is_remote(name):
            raise LoadError(f"{shown}: entry {name!r} is refused: {reason or 'a URL'}")
        kind = _KINDS.get(stat.S_IFMT(info.external_attr >> 16))
        if kind and info.create_system == 3:  # Unix modes
            raise LoadError(f"{shown}: entry {name!r} is {kind}")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise LoadError(f"{shown}: entry {name!r} is a symbolic link")
        if info.flag_bits & 0x1:
            raise LoadError(f"{shown}: entry {name!r} is encrypted")
        parts = PurePosixPath(bare).parts
        if not parts:  # "." or "./.": names no file ("./", the top folder, is harmless)
            if info.is_dir():
                continue
            raise LoadError(f"{shown}: entry {name!r} is refused: its name is empty")
        key = unicodedata.normalize("NFC", "/".join(parts)).casefold()
        if key in seen:
            raise LoadError(f"{shown}: entries {seen[key]!r} and {name!r} have the same name "
                            "(once case, Unicode form and slashes are normalised)")
        seen[key] = name
        (folders if info.is_dir() else files)[key] = name
        for i in range(1, len(parts)):
            folder = unicodedata.normalize("NFC", "/".join(parts[:i])).casefold()
            folders.setdefault(folder, "/".join(parts[:i]) + "/")
        if not info.is_dir() and parts[-1] == DESCRIPTOR:
            descriptors.append(PurePosixPath(*parts))
    clash = next((k for k in files if k in folders), None)
    if clash is not None:
        raise LoadError(f"{shown}: entry {files[clash]!r} is both a file and a folder (another "
                        f"entry is inside {folders[clash]!r})")
    if len(descriptors) > 1:
        raise LoadError(f"{shown}: more than one {DESCRIPTOR} ("
                        f"{', '.join(map(str, descriptors[:3]))}): which is the package is "
                        "ambiguous")
    if not descriptors or len(descriptors[0].parts) > 2:
        raise LoadError(f"{shown}: no {DESCRIPTOR} at the top of the archive")
    return descriptors[0]
