"""Which files the static checks read: one walk shared by every check.

When the root is a git work tree the candidates are git's tracked and
untracked-but-not-ignored files (``git ls-files``); otherwise a directory walk.
Either way hidden folders, virtual environments, caches and build output are
never scanned, nor files the caller excludes (the report file, the
deprecations file, ...).
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

SKIP_DIR_NAMES = frozenset(
    {
        "__pycache__",
        "node_modules",
        "site-packages",
        "build",
        "dist",
        "htmlcov",
        "venv",
    }
)


def _skip_dir(name: str, path: Path | None = None) -> bool:
    if name.startswith(".") or name in SKIP_DIR_NAMES or name.endswith(".egg-info"):
        return True
    return path is not None and (path / "pyvenv.cfg").is_file()


def _git_files(root: Path) -> list[str] | None:
    """Tracked plus untracked-not-ignored files, or None when root is not a git work tree."""
    if not (root / ".git").exists():
        return None
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    return sorted({n for n in names if n})


def _walk(base: Path, root: Path) -> Iterable[str]:
    if base.is_file():
        yield base.relative_to(root).as_posix()
        return
    for dirpath, dirnames, filenames in os.walk(base):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not _skip_dir(d, here / d))
        for name in sorted(filenames):
            yield (here / name).relative_to(root).as_posix()


def _venv_dirs(root: Path, rels: Iterable[str]) -> set[str]:
    """Folders (relative) that hold a pyvenv.cfg: virtual environments checked into git."""
    return {rel.rsplit("/", 1)[0] for rel in rels if rel.endswith("/pyvenv.cfg")}


def _excluded(rel: str, venvs: set[str], exclude: Sequence[str]) -> bool:
    parts = rel.split("/")
    if any(_skip_dir(p) for p in parts[:-1]):
        return True
    if any(rel == v or rel.startswith(v + "/") for v in venvs):
        return True
    for pattern in exclude:
        pat = pattern.rstrip("/")
        if fnmatch.fnmatch(rel, pat) or rel == pat or rel.startswith(pat + "/"):
            return True
    return False


def list_files(
    root: Path,
    paths: Sequence[str] = (".",),
    exclude: Sequence[str] = (),
    suffixes: tuple[str, ...] | None = None,
) -> list[str]:
    """Relative POSIX paths of the files to scan under ``paths`` (each relative to root)."""
    root = root.resolve()
    tracked = _git_files(root)
    prefixes: list[str] = []
    for p in paths:
        rel = Path(os.path.normpath(root / p)).relative_to(root).as_posix() if p else "."
        prefixes.append("" if rel == "." else rel)
    if tracked is None:
        found: set[str] = set()
        for prefix in prefixes:
            base = root / prefix if prefix else root
            if base.exists():
                found.update(_walk(base, root))
        candidates = sorted(found)
    else:
        candidates = [
            rel
            for rel in tracked
            if any(not pre or rel == pre or rel.startswith(pre + "/") for pre in prefixes)
        ]
    venvs = _venv_dirs(root, candidates)
    out = []
    for rel in candidates:
        if suffixes is not None and not rel.endswith(suffixes):
            continue
        if _excluded(rel, venvs, exclude):
            continue
        if (root / rel).is_file() and not (root / rel).is_symlink():
            out.append(rel)
    return out
