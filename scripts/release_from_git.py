"""Rebuild a past release's zip from the ``datapackage/`` folder of a git commit.

    python scripts/release_from_git.py ac89ba7 releases/stephen-port-case-1.0.0.zip

Every file under ``datapackage/`` at COMMIT, with ``datapackage.json`` at the zip's root, as
``opencase publish --zip`` lays a package out: entries sorted, deflated, stamped 1980-01-01
and mode 644, so the same commit gives the same bytes. Written to a temporary file beside OUT,
then moved into place.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

FOLDER = "datapackage/"
STAMP = (1980, 1, 1, 0, 0, 0)


def git(*args: str) -> bytes:
    return subprocess.run(["git", *args], check=True, capture_output=True).stdout


def build(commit: str, out: Path) -> int:
    names = sorted(n for n in git("ls-tree", "-r", "--name-only", commit, FOLDER)
                   .decode().splitlines() if n.startswith(FOLDER))
    if not any(n == FOLDER + "datapackage.json" for n in names):
        raise SystemExit(f"{commit} has no {FOLDER}datapackage.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            for name in names:
                info = zipfile.ZipInfo(name[len(FOLDER):], date_time=STAMP)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, git("show", f"{commit}:{name}"))
        os.replace(tmp, out)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return len(names)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    count = build(argv[0], Path(argv[1]))
    print(f"{argv[1]}: {count} files from {argv[0]}:{FOLDER}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
