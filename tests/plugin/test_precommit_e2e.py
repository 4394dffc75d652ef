"""The ``g6gov`` hook of ``.pre-commit-hooks.yaml`` run by the real ``pre-commit`` tool.

``pre-commit try-repo`` and ``pre-commit run`` (with a ``.pre-commit-config.yaml`` naming
the hook repository by ``repo:``/``rev:``, as a user writes it) install the hook repository
into a fresh virtualenv (``pip install`` of this distribution, dependencies from the package
index) and run the hook in throwaway git repositories. The hook repository is a git copy of
this checkout's files as they are on disk (tracked and untracked-but-not-ignored), so
uncommitted work is what gets tested. Each environment build takes tens of seconds: one for
``try-repo`` (it always uses a new store), one shared by the ``pre-commit run`` calls.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import write

pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).resolve().parents[2]
GIT_ID = ["-c", "user.name=g6gov tests", "-c", "user.email=tests@example.invalid"]
GIT_ID += ["-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]
# Files needed to build the distribution when the checkout is not a git work tree.
BUILD_FILES = ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml")
BUILD_FOLDERS = ("pytest_g6gov", "g6runtime")

PRE_COMMIT = [sys.executable, "-m", "pre_commit"]  # the test extra installs it beside pytest
DOC = "# Environment\n\n- `APP_HOST` – str – localhost – where to bind\n"
APP = 'import os\n\nHOST = os.environ.get("APP_HOST")\nSECRET = os.environ["APP_SECRET"]\n'


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *GIT_ID, *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout


def checkout_files() -> list[str]:
    """This checkout's files as git sees them (ignored files left out)."""
    proc = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode == 0:
        return [rel for rel in proc.stdout.split("\0") if rel and (CHECKOUT / rel).is_file()]
    listed = [rel for rel in BUILD_FILES if (CHECKOUT / rel).is_file()]
    for folder in BUILD_FOLDERS:
        for path in sorted((CHECKOUT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                listed.append(path.relative_to(CHECKOUT).as_posix())
    return listed


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding a copy of this checkout, committed."""
    repo = tmp_path_factory.mktemp("hook-repo")
    files = checkout_files()
    assert ".pre-commit-hooks.yaml" in files and "pyproject.toml" in files
    for rel in files:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(CHECKOUT / rel, repo / rel)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hook repository under test")
    return repo


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's own cache, shared by this module's runs (the hook's virtualenv is built
    once) and never the user's."""
    return tmp_path_factory.mktemp("pre-commit-home")


def throwaway_repo(root: Path, tables: str, config: str = "") -> Path:
    write(root, "pyproject.toml", '[project]\nname = "demo"\nversion = "1.0.0"\n\n' + tables)
    if config:
        write(root, ".pre-commit-config.yaml", config)
    write(root, "docs/env_dict.md", DOC)
    write(root, "app/main.py", APP)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a project governed by g6gov")
    return root


def pre_commit(project: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PRE_COMMIT"))}
    env["PRE_COMMIT_HOME"] = str(home)
    env["PRE_COMMIT_COLOR"] = "never"
    proc = subprocess.run(
        [*PRE_COMMIT, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,  # the first run creates a virtualenv and installs the distribution
        check=False,
    )
    assert "An unexpected error has occurred" not in proc.stdout + proc.stderr, proc.stdout
    return proc


ENFORCED = '[tool.g6gov.env_docs]\nprefix = "APP_"\nsources = ["app"]\nmode = "enforce"\n'


def test_enforcing_finding_fails_the_hook(
    tmp_path: Path, hook_repo: Path, pre_commit_home: Path
) -> None:
    project = throwaway_repo(tmp_path, ENFORCED)
    proc = pre_commit(project, pre_commit_home, "try-repo", str(hook_repo), "g6gov", "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert "g6gov governance (static checks)" in out and "Failed" in out
    assert "- hook id: g6gov" in out and "- exit code: 1" in out
    assert "ENV002 ERROR app/main.py:4: APP_SECRET is used in code" in out
    assert "env_docs (enforce): 1 finding (fails the run)" in out


def test_from_a_config_warnings_pass_and_a_clean_project_passes(
    tmp_path: Path, hook_repo: Path, pre_commit_home: Path
) -> None:
    """The hook as a user adds it (``repo:``/``rev:`` in ``.pre-commit-config.yaml``);
    ``try-repo`` builds a new environment every time, ``pre-commit run`` builds it once in
    ``PRE_COMMIT_HOME``, and the second project reuses it."""
    rev = git(hook_repo, "rev-parse", "HEAD").strip()
    config = f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: g6gov\n"
    warned = throwaway_repo(tmp_path / "warned", ENFORCED.replace('"enforce"', '"warn"'), config)
    proc = pre_commit(warned, pre_commit_home, "run", "--all-files", "--verbose")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout
    assert "ENV002 warning app/main.py:4: APP_SECRET" in proc.stdout
    clean = throwaway_repo(tmp_path / "clean", ENFORCED, config)
    write(clean, "docs/env_dict.md", DOC + "- `APP_SECRET` – str – none – the secret\n")
    git(clean, "commit", "-q", "-am", "document APP_SECRET")
    proc = pre_commit(clean, pre_commit_home, "run", "--all-files", "--verbose")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout and "env_docs (enforce): ok" in proc.stdout
    write(clean, "app/main.py", APP + 'TOKEN = os.environ["APP_TOKEN"]\n')
    git(clean, "add", "app/main.py")
    proc = pre_commit(clean, pre_commit_home, "run")  # as the git hook runs: staged files
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "ENV002 ERROR app/main.py:5: APP_TOKEN is used in code" in proc.stdout
