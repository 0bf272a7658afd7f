"""Every fenced block in README.md, CONTRIBUTING.md and docs/*.md is run or checked.

What each block's language means here (one test per distinct block, named by file and index):

- ``python``: executed, in a temporary copy of the repository's data (``records/``,
  ``datapackage/``, ...) as the working directory; a block that starts with ``>>>`` is a
  doctest, so the output it shows must be what the code prints.
- ``bash`` / ``sh``: run with ``bash -e -o pipefail``, the venv's ``bin`` first on ``PATH``,
  in a temporary copy with the source snapshots at ``../shared/sources``; it must exit 0.
- ``console``: a transcript. Each ``$ `` line (with ``> `` continuation lines) is a command;
  the lines after it are its output, compared with what it prints (stdout and stderr; a line
  ``...`` stands for any lines, and ``...`` inside a line for any text). A command must exit 0
  unless the next command is ``echo $?``, which then shows its exit code.
- ``sql``: run by DuckDB in the temporary copy.
- ``yaml`` / ``json`` with ``file=PATH`` in the info string: an excerpt of that file (every
  key, value and list item shown is in the file).
- ``mermaid`` and ``text``: not run (a ``text`` block says in the prose why).

Two kinds of block are proven another way: the README's set-up block (a fresh virtual
environment; see ``test_readme_set_up_*``), and ``sh ci`` blocks, commands that CI runs on the
repository itself, each of which must be a line of ``.ci/run``.
"""

from __future__ import annotations

import doctest
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from .conftest import REPO, SHARED_SOURCES

DOCS = [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted((REPO / "docs").glob("*.md"))]
# What a block's working copy holds (copied from the repository), beside ../shared/sources.
COPIED = ["records", "datapackage", "package.yaml", "schemas", "CITATION.cff", "examples",
          "releases"]
FENCE = re.compile(r"^```(\S*)[ \t]*(.*)$")
SKIPPED_LANGS = {"mermaid", "text"}
RUN_LANGS = {"python", "pycon", "bash", "sh", "console", "sql", "yaml", "json"}
TIMEOUT = 120


@dataclass(frozen=True)
class Block:
    doc: str  # path relative to the repository
    index: int  # the block's number in its file, from 0
    line: int  # the line of its opening fence
    lang: str
    info: str
    text: str

    @property
    def name(self) -> str:
        return f"{self.doc}#{self.index}"


def blocks_of(path: Path) -> list[Block]:
    doc = path.relative_to(REPO).as_posix()
    out: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, body = i, []
        i += 1
        while i < len(lines) and lines[i].rstrip() != "```":
            body.append(lines[i])
            i += 1
        assert i < len(lines), f"{doc}:{start + 1}: unclosed code block"
        out.append(Block(doc, len(out), start + 1, m.group(1), m.group(2).strip(),
                         "\n".join(body) + "\n"))
        i += 1
    return out


ALL_BLOCKS = [b for path in DOCS if path.is_file() for b in blocks_of(path)]


def is_set_up(block: Block) -> bool:
    return block.doc == "README.md" and "python3 -m venv" in block.text


def is_ci(block: Block) -> bool:
    """A block marked ``ci`` lists commands CI runs on the repository itself (the linters,
    the test suite): each of its lines must be a line of .ci/run."""
    return block.info == "ci"


def distinct_runnable() -> list[list[Block]]:
    """Blocks to run, the same block in several places once (its id names them all)."""
    groups: dict[tuple[str, str, str], list[Block]] = {}
    for b in ALL_BLOCKS:
        if b.lang in SKIPPED_LANGS or is_set_up(b) or is_ci(b):
            continue
        groups.setdefault((b.lang, b.info, b.text), []).append(b)
    return list(groups.values())


RUNNABLE = distinct_runnable()


# ---------------------------------------------------------------- the working copy


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A copy of the repository's data in ``tmp/main``, the snapshots in ``tmp/shared``."""
    main = tmp_path / "main"
    main.mkdir()
    for name in COPIED:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, main / name)
        elif src.is_file():
            shutil.copy2(src, main / name)
    if SHARED_SOURCES.is_dir():
        shutil.copytree(SHARED_SOURCES, tmp_path / "shared" / "sources")
    return main


def shell_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SOURCE_DATE_EPOCH", "OPENCASE_SNAPSHOTS", "OPENCASE_DEBUG")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["COLUMNS"] = "80"  # the width the CLI reference (docs/cli.md) is generated at
    return env


def needs_sources(block: Block) -> None:
    if "shared/sources" in block.text and not SHARED_SOURCES.is_dir():
        pytest.skip("../shared/sources (the real snapshots) is absent")


# ---------------------------------------------------------------- console transcripts


@dataclass
class Command:
    text: str
    expected: list[str]


def parse_console(text: str) -> list[Command]:
    commands: list[Command] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            commands.append(Command(line[2:], []))
        elif line.startswith("> ") and commands and not commands[-1].expected:
            commands[-1].text += "\n" + line[2:]
        else:
            assert commands, f"output before any command: {line!r}"
            commands[-1].expected.append(line)
    return commands


def output_matches(expected: list[str], actual: str) -> bool:
    want = [line.rstrip() for line in expected]
    while want and not want[-1]:
        want.pop()
    parts = []
    for line in want:
        if line == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*".join(map(re.escape, line.split("..."))) + r"[ \t]*\n")
    got = "\n".join(line.rstrip() for line in actual.splitlines()).strip("\n")
    return re.fullmatch("".join(parts), got + "\n" if got else "", re.DOTALL) is not None


def run_console(block: Block, cwd: Path) -> None:
    commands = parse_console(block.text)
    token = "@@opencase-docs@@"
    script = ["__rc=0"]
    for i, cmd in enumerate(commands):
        script += [f"printf '\\n{token} start {i}\\n'", "(exit $__rc)", cmd.text, "__rc=$?",
                   f"printf '\\n{token} end {i} %d\\n' $__rc"]
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=cwd, env=shell_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=TIMEOUT)
    found = dict(re.findall(rf"\n{token} start (\d+)\n(.*?)\n{token} end \1 \d+\n",
                            done.stdout, re.DOTALL))
    codes = dict(re.findall(rf"\n{token} end (\d+) (\d+)\n", done.stdout))
    for i, cmd in enumerate(commands):
        assert str(i) in codes, f"{block.name}: `{cmd.text}` did not finish:\n{done.stdout}"
        output = found[str(i)]
        shown_code = i + 1 < len(commands) and commands[i + 1].text.strip() == "echo $?"
        if not shown_code:
            assert codes[str(i)] == "0", (
                f"{block.name}: `{cmd.text}` exited {codes[str(i)]}:\n{output}")
        assert output_matches(cmd.expected, output), (
            f"{block.name}: `{cmd.text}` printed\n{output}\nnot what the docs show:\n"
            + "\n".join(cmd.expected))


# ---------------------------------------------------------------- the other languages


def run_shell(block: Block, cwd: Path) -> None:
    done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block.text], cwd=cwd,
                          env=shell_env(), capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, (
        f"{block.name} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")


def run_python(block: Block, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(cwd)
    where = f"{block.doc}#{block.index} (line {block.line})"
    if block.lang == "pycon" or block.text.lstrip().startswith(">>>"):
        test = doctest.DocTestParser().get_doctest(block.text, {"__name__": "__docs__"},
                                                  block.name, block.doc, block.line)
        runner = doctest.DocTestRunner(
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        out: list[str] = []
        runner.run(test, out=out.append)
        assert not runner.failures, f"{where}:\n" + "".join(out)
    else:
        exec(compile(block.text, where, "exec"), {"__name__": "__docs__"})


def run_sql(block: Block, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    duckdb = pytest.importorskip("duckdb")
    monkeypatch.chdir(cwd)
    rows = duckdb.sql(block.text).fetchall()
    assert rows, f"{block.name}: the query returns no rows"


def is_excerpt(part: object, whole: object) -> bool:
    """Every key, value and list item of ``part`` is in ``whole``."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(
            k in whole and is_excerpt(v, whole[k]) for k, v in part.items())
    if isinstance(part, list):
        return isinstance(whole, list) and all(
            any(is_excerpt(item, w) for w in whole) for item in part)
    return part == whole


def check_excerpt(block: Block) -> None:
    m = re.fullmatch(r"file=(\S+)", block.info)
    assert m, f"{block.name}: a {block.lang} block names the file it is an excerpt of (file=...)"
    path = REPO / m.group(1)
    if block.lang == "json":
        part, whole = json.loads(block.text), json.loads(path.read_text(encoding="utf-8"))
    else:  # every scalar as text, as opencase reads record files
        part = yaml.load(block.text, Loader=yaml.BaseLoader)
        whole = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    assert is_excerpt(part, whole), f"{block.name} is not an excerpt of {m.group(1)}"


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("group", RUNNABLE, ids=["+".join(b.name for b in g) for g in RUNNABLE])
def test_block(group: list[Block], workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    block = group[0]
    assert block.lang in RUN_LANGS, (
        f"{block.name} (line {block.line}): code block language {block.lang!r} is neither run "
        f"nor skipped; use one of {sorted(RUN_LANGS | SKIPPED_LANGS)}")
    needs_sources(block)
    if block.lang == "console":
        run_console(block, workdir)
    elif block.lang in ("bash", "sh"):
        run_shell(block, workdir)
    elif block.lang in ("python", "pycon"):
        run_python(block, workdir, monkeypatch)
    elif block.lang == "sql":
        run_sql(block, workdir, monkeypatch)
    else:
        check_excerpt(block)


def set_up_commands() -> list[str]:
    (block,) = [b for b in ALL_BLOCKS if is_set_up(b)]
    return [line for line in block.text.splitlines() if line and not line.startswith("#")]


def ci_lines() -> list[str]:
    return [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]


def test_readme_set_up_is_what_ci_runs() -> None:
    """The README's two set-up commands: the install is what .ci/run runs (CI adds only
    ``--clear`` and ``--quiet``), and the test command is exactly CI's."""
    install, tests = set_up_commands()
    assert tests == ".venv/bin/python -m pytest -n 2"
    ci = ci_lines()
    assert tests in ci
    venv, pip, publish = install.split(" && ")
    normalised = [re.sub(r" --(clear|quiet)\b", "", line) for line in ci]
    assert venv in normalised and pip in normalised, (venv, pip)
    assert publish.startswith(".venv/bin/opencase publish "), publish


CI_BLOCKS = [b for b in ALL_BLOCKS if is_ci(b)]


@pytest.mark.parametrize("block", CI_BLOCKS, ids=[b.name for b in CI_BLOCKS])
def test_ci_block_is_what_ci_runs(block: Block) -> None:
    ci = ci_lines()
    for line in block.text.splitlines():
        if line.strip() and not line.startswith("#"):
            assert line.strip() in ci, f"{block.name}: `{line}` is not a line of .ci/run"


@pytest.mark.skipif(not SHARED_SOURCES.is_dir(), reason="../shared/sources is absent")
def test_readme_set_up_publishes_the_committed_dataset(workdir: Path) -> None:
    """The publish that ends the README's first command writes what datapackage/ holds."""
    publish = set_up_commands()[0].split(" && ")[2]
    shutil.rmtree(workdir / "datapackage")
    (workdir / ".venv" / "bin").mkdir(parents=True)
    (workdir / ".venv" / "bin" / "opencase").symlink_to(Path(sys.executable).parent / "opencase")
    done = subprocess.run(["bash", "-e", "-c", publish], cwd=workdir, env=shell_env(),
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    committed = sorted(p.relative_to(REPO / "datapackage")
                       for p in (REPO / "datapackage").rglob("*") if p.is_file())
    fresh = sorted(p.relative_to(workdir / "datapackage")
                   for p in (workdir / "datapackage").rglob("*") if p.is_file())
    assert fresh == committed
    for rel in committed:
        assert (workdir / "datapackage" / rel).read_bytes() == \
            (REPO / "datapackage" / rel).read_bytes(), f"datapackage/{rel} differs"


LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("path", [p for p in DOCS if p.is_file()],
                         ids=lambda p: p.relative_to(REPO).as_posix())
def test_relative_links_resolve(path: Path) -> None:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        assert (path.parent / target).exists(), f"{path.name}: broken link {target}"
