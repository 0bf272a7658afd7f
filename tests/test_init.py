"""``opencase init``: a dataset repository that validates at once, whose GitHub workflow and
pre-commit hook work as written, pinned to a repository and commit of opencase that exist; and
that never overwrites anything."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import opencase
from opencase.curating.init import InstallSource, files_for, init, install_source

from .conftest import REPO, run_cli

FILES = [
    "records/example.yaml",
    "snapshots/example-notice.txt",
    "package.yaml",
    "README.md",
    ".gitignore",
    ".github/workflows/opencase.yml",
    ".pre-commit-config.yaml",
]
REMOTE = ["--opencase-source", "https://example.org/opencase.git", "--opencase-rev", "v9.9.9"]


def head() -> str:
    return subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()


needs_git_checkout = pytest.mark.skipif(
    shutil.which("git") is None or not (REPO / ".git").exists(),
    reason="needs git and this repository as a git checkout")


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_init_then_validate_strict_passes(tmp_path: Path) -> None:
    result = run_cli("init", "my-case", *REMOTE, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "created a dataset repository in my-case:",
        *(f"  {f}" for f in FILES),
        "opencase for the workflow and the pre-commit hook: "
        "opencase @ git+https://example.org/opencase.git@v9.9.9 "
        "(--opencase-source and --opencase-rev)",
        "next: cd my-case && opencase validate records --snapshots snapshots --strict; then "
        "read README.md",
    ]
    assert sorted(tree(tmp_path / "my-case")) == sorted(FILES)
    valid = run_cli("validate", "records", "--snapshots", "snapshots", "--strict",
                    cwd=tmp_path / "my-case")
    assert (valid.returncode, valid.stdout.strip()) == (
        0, "valid: 0 errors, 0 warnings (1 file, 4 records)")


def test_pinned_files_name_the_source_and_rev(tmp_path: Path) -> None:
    init(tmp_path, opencase_source="https://example.org/opencase.git", opencase_rev="v9.9.9")
    flow = yaml.safe_load((tmp_path / ".github/workflows/opencase.yml").read_text())
    install = next(s for s in flow["jobs"]["dataset"]["steps"]
                   if s.get("name") == "Install opencase")
    assert install["run"] == (
        'python -m pip install "opencase @ git+https://example.org/opencase.git@v9.9.9"')
    hooks = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())
    assert hooks == {"repos": [{
        "repo": "https://example.org/opencase.git",
        "rev": "v9.9.9",
        "hooks": [{"id": "opencase-validate",
                   "args": ["records", "--snapshots", "snapshots", "--strict"],
                   "files": r"^(records/|snapshots/|package\.yaml$)"}],
    }]}
    hook_ids = [h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())]
    assert "opencase-validate" in hook_ids
    readme = (tmp_path / "README.md").read_text()
    assert "- repository: `https://example.org/opencase.git`" in readme
    assert "- commit or tag: `v9.9.9`" in readme


@pytest.mark.parametrize(("name", "package"), [
    ("My Harbour Case", "my-harbour-case"),
    ("2024_Inquiry.v2", "2024_inquiry.v2"),
    ("---", "my-dataset"),
    ("Ünïcödé Café", "unicode-cafe"),  # accents dropped, not the letters
    ("日本語", "my-dataset"),
])
def test_package_name_from_the_folder(tmp_path: Path, name: str, package: str) -> None:
    init(tmp_path / name, opencase_source="https://example.org/o.git", opencase_rev="v1")
    meta = yaml.safe_load((tmp_path / name / "package.yaml").read_text())
    assert (meta["name"], meta["version"], meta["model"]) == (package, "0.1.0", 2)
    assert meta["licenses"][0]["name"] == "CC-BY-4.0"


@pytest.mark.parametrize(("present", "named"), [
    (["package.yaml"], "package.yaml"),
    (["README.md", ".gitignore"], ".gitignore, README.md"),
    (["records/people.yaml"], "records/ (not empty)"),
    (["snapshots/a.txt"], "snapshots/ (not empty)"),
    ([".github/workflows/opencase.yml"], ".github/workflows/opencase.yml"),
])
def test_refuses_to_overwrite(tmp_path: Path, present: list[str], named: str) -> None:
    for rel in present:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("mine\n")
    before = tree(tmp_path)
    result = run_cli("init", tmp_path, *REMOTE)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.strip() == (
        f"opencase init: error: {tmp_path} already holds {named}; opencase init writes only "
        "into a folder without them and never overwrites a file (choose another folder, or "
        "move them away)")
    assert tree(tmp_path) == before


def test_other_files_and_empty_folders_are_fine(tmp_path: Path) -> None:
    (tmp_path / "LICENSE").write_text("mine\n")
    (tmp_path / "records").mkdir()
    init(tmp_path, opencase_source="https://example.org/o.git", opencase_rev="v1")
    assert (tmp_path / "LICENSE").read_text() == "mine\n"
    assert (tmp_path / "records/example.yaml").is_file()


@pytest.mark.parametrize(("args", "message"), [
    (["--opencase-source", "https://example.org/o.git"],
     "--opencase-source https://example.org/o.git needs --opencase-rev (a commit or tag of "
     "that repository)"),
    (["--opencase-source", "no/such/folder"],
     "--opencase-source no/such/folder: no such folder, and not a URL"),
])
def test_source_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli("init", "x", *args, cwd=tmp_path)
    assert (result.returncode, result.stderr.strip()) == (2, f"opencase init: error: {message}")
    assert not (tmp_path / "x").exists()


@needs_git_checkout
def test_default_source_is_this_checkout_at_its_commit() -> None:
    src = install_source()
    assert (src.url, src.rev) == (REPO.resolve().as_uri(), head())
    assert src.requirement == f"opencase @ git+{REPO.resolve().as_uri()}@{head()}"
    assert install_source(str(REPO)).rev == head()


def test_unknown_source_pins_a_version_and_says_to_change_it(tmp_path: Path) -> None:
    src = InstallSource(None, None, version="0.1.0")
    files = files_for(tmp_path, src)
    assert 'run: python -m pip install "opencase==0.1.0"' in files[
        ".github/workflows/opencase.yml"]
    hooks = yaml.safe_load(files[".pre-commit-config.yaml"])
    (hook,) = hooks["repos"][0]["hooks"]
    assert hooks["repos"][0]["repo"] == "local"
    assert (hook["entry"], hook["additional_dependencies"]) == (
        "opencase validate", ["opencase==0.1.0"])
    assert "CHANGE THIS" in files[".pre-commit-config.yaml"]


def test_public_name() -> None:
    assert opencase.init is init and "init" in opencase.__all__


# ---- the generated workflow and hook, run as written


def shell_env(**more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENCASE_SNAPSHOTS", "SOURCE_DATE_EPOCH")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return {**env, **more}


@needs_git_checkout
def test_workflow_commands_run_as_written(tmp_path: Path) -> None:
    """Each `run:` of the workflow, in the generated repository; the install step (this
    checkout at its commit, with this venv's opencase already installed) is checked, not run."""
    repo = tmp_path / "case"
    init(repo, opencase_source=str(REPO), opencase_rev=head())
    flow = yaml.safe_load((repo / ".github/workflows/opencase.yml").read_text())
    assert flow[True] == {"push": None, "pull_request": None}  # `on:` (YAML 1.1 reads True)
    steps = flow["jobs"]["dataset"]["steps"]
    assert [s.get("uses") or s["name"] for s in steps] == [
        "actions/checkout@v4", "actions/setup-python@v5", "Install opencase", "Validate",
        "Coverage", "Publish", "Check", "actions/upload-artifact@v4"]
    assert steps[2]["run"] == (
        f'python -m pip install "opencase @ git+{REPO.resolve().as_uri()}@{head()}"')
    for step in steps[3:7]:
        done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env=shell_env(),
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{step['name']}: {done.stdout}{done.stderr}"
    assert (repo / steps[7]["with"]["path"] / "datapackage.json").is_file()


@needs_git_checkout
def test_pre_commit_hook_runs_as_written(tmp_path: Path) -> None:
    """pre-commit clones this repository at HEAD, installs opencase from it into an
    environment of its own (from the package registry: about 20 s), and runs the hook: it
    passes on the generated repository and fails on a broken record."""
    repo = tmp_path / "case"
    init(repo, opencase_source=str(REPO), opencase_rev=head())
    env = shell_env(PRE_COMMIT_HOME=str(tmp_path / "pre-commit"), GIT_AUTHOR_NAME="t",
                    GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
                    GIT_COMMITTER_EMAIL="t@example.org")
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "a"]):
        subprocess.run(cmd, cwd=repo, env=env, check=True, capture_output=True)
    pre_commit = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    done = subprocess.run(pre_commit, cwd=repo, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "opencase validate" in done.stdout and "Passed" in done.stdout
    people = repo / "records/example.yaml"
    people.write_text(people.read_text().replace("type: government", "type: council"))
    done = subprocess.run(pre_commit, cwd=repo, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 1
    assert "error not-in-vocabulary type: 'council' is not allowed" in done.stdout
