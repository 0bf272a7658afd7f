"""Shared test helpers: fixture paths and the CLI run through its real entry point."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"
REPO = TESTS.parent
SHARED_SOURCES = REPO.parent / "shared" / "sources"
RELEASE_1_0_0 = REPO / "releases" / "stephen-port-case-1.0.0.zip"
"""The dataset's first release (case model 1), as published then."""


def opencase_command() -> list[str]:
    """The installed ``opencase`` console script (beside this Python), else ``-m opencase``."""
    script = Path(sys.executable).parent / "opencase"
    if script.exists():
        return [str(script)]
    found = shutil.which("opencase")
    return [found] if found else [sys.executable, "-m", "opencase"]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*opencase_command(), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def run_main(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI's :func:`opencase.cli.main` run in this process, its output captured: for
    tests of many inputs, where starting a process each time would cost seconds (the entry
    point itself is tested through :func:`run_cli`). Paths must be absolute."""
    import contextlib
    import io

    from opencase.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return subprocess.CompletedProcess(["opencase", *map(str, args)], code, out.getvalue(),
                                       err.getvalue())


@pytest.fixture
def harbour(tmp_path: Path) -> Path:
    """A writable copy of the small valid dataset (tests/fixtures/valid)."""
    dest = tmp_path / "records"
    shutil.copytree(FIXTURES / "valid", dest)
    return dest


@pytest.fixture
def snapshots() -> Path:
    return FIXTURES / "snapshots"


needs_shared = pytest.mark.skipif(
    not SHARED_SOURCES.is_dir(), reason="../shared/sources (the real snapshots) is absent"
)


@pytest.fixture(scope="session")
def published_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/fixtures/publish, its records published once into ``datapackage/`` (read-only
    use: tests that change a package copy it first)."""
    from opencase import publish

    project = tmp_path_factory.mktemp("published") / "project"
    shutil.copytree(FIXTURES / "publish", project)
    pub = publish(project / "records", project / "datapackage",
                  snapshots=project / "snapshots")
    assert pub.ok, pub.format("text")
    return project
