"""Publishing under failure: a publish killed part-way (SIGKILL, no clean-up runs) or one whose
writes fail (a full disk, a read-only folder) leaves the previous package byte-for-byte as it
was, and the next publish leaves no temporary file or folder behind.

The kills are deterministic: a small wrapper runs the real CLI (``opencase.cli.main``) in a
subprocess with one publishing step replaced by "do the step, then SIGKILL yourself" (or "SIGKILL
yourself instead"), so each test kills the process at a known point of the write. One more test
kills the real ``opencase`` command from outside while its temporary folder exists.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from .conftest import FIXTURES, opencase_command

KILLER = r"""
import os, signal, sys, threading
from opencase.publishing import publish as publishing
from opencase.cli import main

module, name, when, nth = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if module == "os-no-exchange":  # the swap by two renames, as where folders cannot be exchanged
    publishing._exchange = lambda a, b: False
owner = os if module.startswith("os") else publishing
real = getattr(owner, name)
calls = [0]
lock = threading.Lock()  # files are written by several threads

def step(*args, **kw):
    with lock:
        calls[0] += 1
        mine = calls[0]
    if mine == nth and when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    result = real(*args, **kw)
    if mine == nth and when == "after":
        os.kill(os.getpid(), signal.SIGKILL)
    return result

setattr(owner, name, step)
sys.exit(main(sys.argv[5:]))
"""


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _strays(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


ARGS = ["publish", "records", "--snapshots", "snapshots", "--out", "datapackage", "--zip"]
ZIP = "millbrook-bridge-1.2.3.zip"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """The publish fixture with a published package (``datapackage/`` and its zip), its
    records then changed so that the next package would differ; and the files of that next
    package (published elsewhere)."""
    base = tmp_path_factory.mktemp("crash")
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    project, changed = base / "project", base / "changed"
    shutil.copytree(FIXTURES / "publish", project)
    assert _cli(project, env=env).returncode == 0
    shutil.copytree(FIXTURES / "publish", changed)
    for folder in (project, changed):
        actors = folder / "records" / "actors.yaml"
        text = actors.read_text(encoding="utf-8")
        assert "Engineer\n" in text
        actors.write_text(text.replace("Engineer\n", "An engineer\n"), encoding="utf-8")
    assert _cli(changed, env=env).returncode == 0
    return project, _files(changed / "datapackage")


@pytest.fixture
def project(template: tuple[Path, dict[str, bytes]], tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the template project, its package published, its records changed."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    dest = tmp_path / "project"
    shutil.copytree(template[0], dest)
    return dest


@pytest.fixture
def new(template: tuple[Path, dict[str, bytes]]) -> dict[str, bytes]:
    """The files of the package the changed records give."""
    return template[1]


def _cli(project: Path, *, env: dict[str, str] | None = None, prefix: list[str] | None = None,
         **kw: Any) -> subprocess.CompletedProcess[str]:
    """``opencase publish ... --zip`` in ``project`` (or ``prefix`` + its arguments)."""
    return subprocess.run([*(prefix or opencase_command()), *ARGS], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120, **kw)


# (module, function, kill before or after the nth call, n, what `datapackage/` then holds:
# the previous package, the new one, or nothing, the previous one being kept aside until the
# next publish puts it back)
KILL_POINTS = [
    ("publishing", "_write_parquet", "after", 2, "previous"),  # a few files written
    ("publishing", "_verify", "before", 1, "previous"),  # all written, datapackage.json too
    ("publishing", "_write_zip", "after", 1, "previous"),  # the zip written, not yet in place
    ("publishing", "_exchange", "after", 1, "new"),  # swapped in one step, old not yet removed
    ("os-no-exchange", "rename", "after", 1, "kept-aside"),  # between the 2 renames of a swap
    ("os", "replace", "before", 1, "new"),  # folder swapped, zip not yet in place
    ("os", "replace", "before", 3, "new"),  # the new checksum in place, the zip not yet
]


@pytest.mark.parametrize(("module", "name", "when", "nth", "expect"), KILL_POINTS,
                         ids=[f"{w}-{n}-{k}-{m}" for m, n, w, k, _ in KILL_POINTS])
def test_a_killed_publish_leaves_the_previous_package(
    project: Path, new: dict[str, bytes], module: str, name: str, when: str, nth: int,
    expect: str,
) -> None:
    out = project / "datapackage"
    zip_path = project / ZIP
    before, zip_before = _files(out), zip_path.read_bytes()
    assert new != before

    killed = _cli(project, prefix=[sys.executable, "-c", KILLER, module, name, when, str(nth)])
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert "Traceback" not in killed.stderr

    if expect == "kept-aside":
        assert not out.exists()
        (aside,) = project.glob(".datapackage.old-*")
        assert _files(aside) == before
    else:
        assert _files(out) == {"previous": before, "new": new}[expect]
    assert zip_path.read_bytes() == zip_before  # the zip is replaced last, in one rename

    # the next publish cleans up whatever the killed one left, and publishes
    again = _cli(project)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _files(out) == new
    assert _strays(project) == [], "temporary files left beside the package"
    sums = subprocess.run(["sha256sum", "-c", f"{ZIP}.sha256"], cwd=project, check=False,
                          capture_output=True, text=True)
    assert sums.returncode == 0, sums.stdout + sums.stderr


def test_killing_the_real_command_while_it_writes(project: Path, new: dict[str, bytes]
                                                  ) -> None:
    """SIGKILL from outside, as soon as the temporary package folder appears."""
    out = project / "datapackage"
    before = _files(out)
    proc = subprocess.Popen([*opencase_command(), *ARGS], cwd=project,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    seen = False
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if any(n.startswith(".datapackage.tmp-") for n in _strays(project)):
                proc.kill()
                seen = True
                break
            time.sleep(0.0005)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    if seen and _files(out) != before:
        # killed in the instant between the last write and the swap being complete
        assert _files(out) == new
    elif seen:
        assert _files(out) == before
    again = _cli(project)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _files(out) == new
    assert _strays(project) == []


# ---------------------------------------------------------------- write failures

FAILER = KILLER.replace(
    'if mine == nth and when == "before":\n        os.kill(os.getpid(), signal.SIGKILL)',
    'if mine == nth and when == "before":\n        raise OSError(28, "No space left on device '
    '(injected)")',
).replace(
    'if mine == nth and when == "after":\n        os.kill(os.getpid(), signal.SIGKILL)',
    'if mine == nth and when == "after":\n        raise OSError(28, "No space left on device '
    '(injected)")',
)
assert FAILER.count("injected") == 2

# (module, function, fail before or after the nth call, n): every point of a publish --zip
# where a write can fail, from the first table to the zip taking its place
FAIL_POINTS = [
    ("publishing", "_write_csv", "before", 1),
    ("publishing", "_write_parquet", "after", 3),
    ("publishing", "data_dictionary", "before", 1),
    ("publishing", "_verify", "after", 1),
    ("publishing", "_write_zip", "before", 1),
    ("publishing", "_write_zip", "after", 1),  # the zip written, not yet in place
    ("publishing", "_exchange", "before", 1),
    ("publishing", "_swap", "after", 1),  # the new package in place, the zip not yet
    ("os", "replace", "before", 1),  # the previous checksum cannot be moved aside
    ("os", "replace", "before", 2),  # the new checksum cannot take its place
    ("os", "replace", "before", 3),  # the zip cannot take its place
    ("os-no-exchange", "rename", "before", 1),  # the previous package cannot be moved aside
    ("os-no-exchange", "rename", "before", 2),  # the new one cannot take its place
    ("os-no-exchange", "replace", "before", 1),
]


@pytest.mark.parametrize(("module", "name", "when", "nth"), FAIL_POINTS,
                         ids=[f"{w}-{n}-{k}-{m}" for m, n, w, k in FAIL_POINTS])
def test_a_failed_publish_zip_leaves_the_previous_package_and_zip(
    project: Path, new: dict[str, bytes], module: str, name: str, when: str, nth: int,
) -> None:
    """A write that fails anywhere in ``publish --zip`` (the zip's last rename too): exit 2,
    the previous package and zip byte for byte, nothing left beside them."""
    out = project / "datapackage"
    zip_path = project / ZIP
    checksum = project / f"{ZIP}.sha256"
    before, zip_before = _files(out), zip_path.read_bytes()
    checksum_before = checksum.read_bytes()
    failed = _cli(project, prefix=[sys.executable, "-c", FAILER, module, name, when, str(nth)])
    both = failed.stdout + failed.stderr
    assert failed.returncode == 2, both
    assert "Traceback" not in both
    assert "No space left on device (injected)" in failed.stderr
    assert "published" not in failed.stdout
    assert _files(out) == before
    assert zip_path.read_bytes() == zip_before
    assert checksum.read_bytes() == checksum_before  # the previous zip keeps its checksum
    assert _strays(project) == []
    again = _cli(project)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _files(out) == new
    with zipfile.ZipFile(zip_path) as zf:
        assert {n: zf.read(n) for n in zf.namelist()} == new
    sums = subprocess.run(["sha256sum", "-c", checksum.name], cwd=project, check=False,
                          capture_output=True, text=True)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    assert _strays(project) == []


def _no_space() -> None:  # pragma: no cover - runs in the child
    # a file may grow to 4 KiB: larger writes fail with EFBIG, as on a full disk (the
    # signal a process gets for it by default is ignored, so write() reports the error)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_a_full_disk_leaves_the_previous_package(project: Path) -> None:
    out = project / "datapackage"
    before = _files(out)
    zip_before = (project / ZIP).read_bytes()
    result = _cli(project, preexec_fn=_no_space)
    both = result.stdout + result.stderr
    assert result.returncode == 2, both
    assert "Traceback" not in both
    assert "opencase publish:" in result.stderr and "File too large" in result.stderr
    assert _files(out) == before
    assert (project / ZIP).read_bytes() == zip_before
    assert _strays(project) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder anyway")
def test_a_read_only_folder_leaves_the_previous_package(project: Path) -> None:
    out = project / "datapackage"
    before = _files(out)
    project.chmod(0o555)
    try:
        result = _cli(project)
    finally:
        project.chmod(0o755)
    both = result.stdout + result.stderr
    assert result.returncode == 2, both
    assert "Traceback" not in both
    assert "Permission denied" in result.stderr
    assert _files(out) == before
    assert _strays(project) == []


def test_a_read_only_folder_is_simulated(project: Path, tmp_path: Path) -> None:
    """Where the tests run as root (which writes anywhere), the folder refuses the write the
    way a read-only file system does: creating the temporary folder fails with EROFS."""
    out = project / "datapackage"
    before = _files(out)
    wrapper = tmp_path / "readonly.py"
    wrapper.write_text(
        "import errno, os, sys, tempfile\n"
        "from opencase.cli import main\n"
        "def mkdtemp(*a, **k):\n"
        "    raise OSError(errno.EROFS, os.strerror(errno.EROFS), k.get('dir'))\n"
        "tempfile.mkdtemp = mkdtemp\n"
        "sys.exit(main(sys.argv[1:]))\n",
        encoding="utf-8",
    )
    result = _cli(project, prefix=[sys.executable, str(wrapper)])
    both = result.stdout + result.stderr
    assert result.returncode == 2, both
    assert "Traceback" not in both
    assert "Read-only file system" in result.stderr
    assert _files(out) == before
    assert _strays(project) == []


def test_a_publish_beside_a_running_one_is_refused(project: Path) -> None:
    """While one publish holds the folder, a second one stops with exit 2 and touches nothing
    (it would otherwise take the first one's temporary folder for a leftover)."""
    import fcntl

    out = project / "datapackage"
    before = _files(out)
    stray = project / ".datapackage.tmp-live"  # the running publish's folder
    stray.mkdir()
    fd = os.open(project, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        result = _cli(project)
    finally:
        os.close(fd)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "another opencase publish is writing" in result.stderr
    assert "Traceback" not in result.stderr
    assert stray.is_dir()
    assert _files(out) == before
