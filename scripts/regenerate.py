"""Rewrite everything opencase derives from its sources of truth, in one step.

    python scripts/regenerate.py [--snapshots ../shared/sources]

The record models (``opencase/language/models.py``) and the issue-code registry
(``opencase/codes.py``) are the only hand-written schemas. From them this rewrites:

1. ``schemas/``: the JSON Schema for record files and the Table Schema of every table;
2. the generated sections of the Markdown files (``docs/issue-codes.md``, the CLI reference
   ``docs/cli.md``, ...): every block between cogapp markers (``[[[cog`` ... ``[[[end]]]``);
3. ``CITATION.cff``: its title, license, dataset version and release date (``published``)
   from ``package.yaml``, and the opencase version it names from ``opencase/version.py``;
4. ``datapackage/``: the dataset published from ``records/`` against the snapshots.

CI runs it on a clean clone and fails when it changes the tree (``git diff --exit-code``), so
a change to the models that was not regenerated cannot land. Exits 1 when publishing finds
the records invalid, 2 on a usage or I/O problem.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def markdown_with_cog() -> list[Path]:
    """The Markdown files that hold generated sections."""
    files = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [f for f in files if f.is_file() and "[[[cog" in f.read_text(encoding="utf-8")]


def write_citation() -> None:
    """Bring CITATION.cff's title, license, versions and release date in line with their
    sources of truth."""
    import yaml

    from opencase.version import __version__

    meta = yaml.safe_load((ROOT / "package.yaml").read_text(encoding="utf-8"))
    path = ROOT / "CITATION.cff"
    text = path.read_text(encoding="utf-8")
    for key, value in (("title", meta["title"]), ("version", meta["version"]),
                       ("license", meta["licenses"][0]["name"])):
        text = re.sub(rf"(?m)^{key}: .*$", lambda _m, k=key, v=value: f"{k}: {v}", text, count=1)
    if meta.get("published"):  # the release date, after the version
        released = f'date-released: "{meta["published"]}"'
        if re.search(r"(?m)^date-released: .*$", text):
            text = re.sub(r"(?m)^date-released: .*$", lambda _m: released, text, count=1)
        else:
            text = re.sub(r"(?m)^(version: .*)$", lambda m: f"{m.group(1)}\n{released}", text,
                          count=1)
    software = text.index("    title: opencase\n")
    text = text[:software] + re.sub(r"(?m)^    version: .*$", f"    version: {__version__}",
                                    text[software:], count=1)
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshots", default=str(ROOT.parent / "shared" / "sources"),
                        help="folder of source snapshots to publish against "
                        "(default: ../shared/sources)")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    bin_dir = Path(sys.executable).parent

    from opencase.publishing.schemas import write_schemas

    written = write_schemas("schemas")
    print(f"schemas/: {len(written)} files")

    write_citation()
    print("CITATION.cff")

    cogged = markdown_with_cog()
    if cogged:
        subprocess.run([sys.executable, "-m", "cogapp", "-r", "--verbosity=0",
                        *map(str, cogged)], check=True)
        print(f"generated sections: {', '.join(str(f.relative_to(ROOT)) for f in cogged)}")

    if not Path(args.snapshots).is_dir():
        print(f"regenerate: no snapshots at {args.snapshots}; datapackage/ not republished "
              "(pass --snapshots)", file=sys.stderr)
        return 2
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    opencase = bin_dir / "opencase"
    cmd = [str(opencase)] if opencase.exists() else [sys.executable, "-m", "opencase"]
    done = subprocess.run([*cmd, "publish", "records", "--snapshots", args.snapshots,
                           "--out", "datapackage", "--strict"], env=env)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
