"""Writing the new files of the curator's verbs whole or not at all, never over a file that
is already there (a file replaced on purpose: :func:`opencase.safeio.replace_file`), and YAML
scalars for the text they append."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_new", "yaml_scalar"]


def write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to the new file ``path``: whole or not at all, never over a file that
    is there or appears meanwhile (a temporary file is hard-linked to the name, which fails
    with :class:`FileExistsError` when it is taken)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.link(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def yaml_scalar(value: str) -> str:
    """``value`` as one YAML scalar on one line, quoted by PyYAML's safe dumper where plain
    text would read as something else (``'yes'``, ``'2024-05-03'``, ``'a: b'``); a value with
    a line break or a character that has to be escaped is double-quoted."""
    import yaml

    out = yaml.safe_dump(value, allow_unicode=True, width=10**6)
    out = out.removesuffix("\n...\n").removesuffix("\n")
    if "\n" in out:
        out = yaml.safe_dump(value, allow_unicode=True, width=10**6, default_style='"')
        out = out.removesuffix("\n")
    return out
