"""Which files the static checks read (SPEC §1 "Never scanned"): one rule set in
``pytest_g6gov.scan``, the same for a plain directory walk and a git work tree, and the
same for ``deprecations`` and ``env_docs``."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_g6gov.checks.env_sources import scan_sources
from pytest_g6gov.scan import FileIndex

HAS_GIT = shutil.which("git") is not None
MODES = [
    pytest.param(False, id="walk"),
    pytest.param(True, id="git", marks=pytest.mark.skipif(not HAS_GIT, reason="no git")),
]

SCANNED = [
    "README.md",
    "pkg/mod.py",
    "src/build/mod.py",  # a package that happens to be named build: scanned below the top
    "src/dist/mod.py",
    "pkg/venv/mod.py",  # no pyvenv.cfg: not a virtual environment
    "venv/notes.md",
    "env/readme.txt",
    "pkg/history.py",  # a Python module, not a changelog
    "pkg/news_feed.py",
    "docs/guide.rst",
    ".env.example",  # a hidden file (not a folder) is scanned
    "pkg/htmlcov/mod.py",  # a package named htmlcov, not coverage's output (no marker)
]
NEVER = [
    "CHANGELOG.md",
    "CHANGELOG.rst",
    "CHANGELOG",
    "CHANGES.txt",
    "CHANGES",
    "HISTORY.md",
    "NEWS",
    "NEWS.rst",
    "docs/changelog.md",
    "docs/History.rst",
    "docs/Changes.txt",
    "pkg/CHANGELOG.py",
    "build/lib/pkg/mod.py",  # the rootdir's own build/ and dist/
    "dist/pkg-1.0.tar.txt",
    ".venv/lib/mod.py",
    "myenv/pyvenv.cfg",
    "myenv/lib/site.py",
    "tools/env2/pyvenv.cfg",
    "tools/env2/lib/x.py",
    ".git-like/config",
    ".github/workflows/ci.yml",
    "pkg/__pycache__/mod.py",
    ".tox/py311/log.txt",
    ".nox/tests/log.txt",
    ".mypy_cache/3.11/mod.json",
    "pkg/.pytest_cache/v/x",
    "htmlcov/.gitignore",
    "htmlcov/index.html",
    "tools/cache/CACHEDIR.TAG",
    "tools/cache/blob.txt",
    "node_modules/left-pad/index.js",
    "g6.egg-info/PKG-INFO",
]
COVERAGE_GITIGNORE = "# Created by coverage.py\n*\n"
CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# a cache\n"


def write(root: Path, rel: str, text: str = "x\n") -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def build(root: Path, rels: list[str], git: bool) -> None:
    for rel in rels:
        name = rel.rsplit("/", 1)[-1]
        if name == ".gitignore":
            write(root, rel, COVERAGE_GITIGNORE)
        elif name == "CACHEDIR.TAG":
            write(root, rel, CACHEDIR_TAG)
        elif name == "pyvenv.cfg":
            write(root, rel, "home = /usr/bin\n")
        else:
            write(root, rel)
    if git:
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)


@pytest.mark.parametrize("git", MODES)
def test_never_scanned_files_are_left_out_and_the_rest_is_listed(tmp_path: Path, git: bool) -> None:
    build(tmp_path, SCANNED + NEVER, git)
    listed = FileIndex(tmp_path).list()
    assert sorted(listed) == sorted(SCANNED)


@pytest.mark.parametrize("git", MODES)
def test_top_level_build_and_dist_are_relative_to_the_rootdir_not_the_paths(
    tmp_path: Path, git: bool
) -> None:
    build(tmp_path, ["build/x.py", "src/build/y.py", "src/dist/z.py", "dist/w.py"], git)
    index = FileIndex(tmp_path)
    assert index.list(["src"]) == ["src/build/y.py", "src/dist/z.py"]
    assert index.list(["build"]) == []


@pytest.mark.parametrize("git", MODES)
def test_a_file_git_would_ignore_is_skipped_only_in_a_git_tree(tmp_path: Path, git: bool) -> None:
    build(tmp_path, ["pkg/a.py", "generated/b.py"], git)
    write(tmp_path, ".gitignore", "generated/\n")
    assert FileIndex(tmp_path).list() == (
        [".gitignore", "pkg/a.py"] if git else [".gitignore", "generated/b.py", "pkg/a.py"]
    )


def test_a_cache_marker_must_be_the_real_one(tmp_path: Path) -> None:
    write(tmp_path, "notes/CACHEDIR.TAG", "just a file with that name\n")
    write(tmp_path, "notes/a.md")
    write(tmp_path, "partly/.gitignore", "*.log\n")
    write(tmp_path, "partly/b.md")
    assert FileIndex(tmp_path).list() == [
        "notes/CACHEDIR.TAG",
        "notes/a.md",
        "partly/.gitignore",
        "partly/b.md",
    ]


def test_env_docs_shares_the_rules(tmp_path: Path) -> None:
    where = {
        "pkg/build/cfg.py": "G6_A",
        "pkg/venv/cfg.py": "G6_B",
        "build/lib/cfg.py": "G6_C",
        "CHANGES.py": "G6_D",
        "env/lib/cfg.py": "G6_E",
    }
    for rel, name in where.items():
        write(tmp_path, rel, f'import os\nos.environ["{name}"]\n')
    write(tmp_path, "env/pyvenv.cfg", "home = /usr\n")
    uses = scan_sources(tmp_path, ["."], "G6_")
    assert uses.names == {"G6_A": ("pkg/build/cfg.py", 2), "G6_B": ("pkg/venv/cfg.py", 2)}


_SEGMENTS = ["pkg", "build", "dist", "venv", ".hidden", "__pycache__", "node_modules", "src"]
_FILES = ["a.py", "CHANGELOG.md", "NEWS", "notes.txt", "pyvenv.cfg", "history.py", "Changes.rst"]
_paths = st.lists(
    st.tuples(st.lists(st.sampled_from(_SEGMENTS), max_size=3), st.sampled_from(_FILES)).map(
        lambda t: "/".join([*t[0], t[1]])
    ),
    min_size=1,
    max_size=8,
    unique=True,
)


@pytest.mark.skipif(not HAS_GIT, reason="no git")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_paths)
def test_the_walk_and_git_agree_on_any_tree(rels: list[str]) -> None:
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        walk_root, git_root = Path(a), Path(b)
        build(walk_root, rels, git=False)
        build(git_root, rels, git=True)
        assert FileIndex(walk_root).list() == FileIndex(git_root).list()
