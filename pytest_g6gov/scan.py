"""Which files the static checks read: one walk shared by every check.

When the root is a git work tree the candidates are git's tracked and
untracked-but-not-ignored files (``git ls-files``); otherwise a directory walk.
Either way hidden folders, virtual environments (a folder holding ``pyvenv.cfg``),
caches and build output are never scanned, nor symlinks, nor files the caller
excludes (the report file, the deprecations file, ...).
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

from .findings import InputError
from .scan_cache import Identity, identity

SKIP_DIR_NAMES = frozenset(
    {"__pycache__", "node_modules", "site-packages", "build", "dist", "htmlcov", "venv"}
)


def skip_dir_name(name: str) -> bool:
    return name.startswith(".") or name in SKIP_DIR_NAMES or name.endswith(".egg-info")


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
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    return sorted({n for n in names if n})


def _walk(base: str, rel: str) -> Iterator[str]:
    """Regular files under ``base`` (``rel`` is its root-relative prefix), pruning as we go."""
    try:
        entries = sorted(os.scandir(base), key=lambda e: e.name)
    except OSError:
        return
    if any(e.name == "pyvenv.cfg" for e in entries):
        return
    for entry in entries:
        child = f"{rel}/{entry.name}" if rel else entry.name
        if entry.is_dir(follow_symlinks=False):
            if not skip_dir_name(entry.name):
                yield from _walk(entry.path, child)
        elif entry.is_file(follow_symlinks=False):
            yield child


def _exclusion(exclude: Sequence[str]) -> re.Pattern[str] | None:
    """One regex for the exclude globs; a glob also excludes everything under a folder it names."""
    if not exclude:
        return None
    parts = []
    for pattern in exclude:
        pat = pattern.rstrip("/")
        parts.append(fnmatch.translate(pat))
        parts.append(re.escape(pat) + "/.*")
    return re.compile("|".join(f"(?:{p})" for p in parts), re.DOTALL)


def _excluded(
    rel: str, venvs: Sequence[str], matcher: re.Pattern[str] | None, check_dirs: bool
) -> bool:
    head, _, _ = rel.rpartition("/")
    if check_dirs and head and any(skip_dir_name(p) for p in head.split("/")):
        return True
    if venvs and any(rel.startswith(v + "/") for v in venvs):
        return True
    return matcher is not None and matcher.fullmatch(rel) is not None


def _prefixes(root: Path, paths: Sequence[str]) -> list[str]:
    out = []
    for p in paths:
        rel = os.path.relpath(os.path.normpath(root / p), root).replace(os.sep, "/")
        out.append("" if rel == "." else rel)
    return out


def _regular(root: str, rel: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(os.path.join(root, rel)).st_mode)
    except OSError:
        return False


class FileIndex:
    """One session's view of the tree: the walk (or ``git ls-files``) is done once, and
    each file is read at most once while the cache stays under ``cache_limit`` bytes, so
    several static checks cost one pass over the tree."""

    def __init__(self, root: Path, cache_limit: int = 256 * 1024 * 1024) -> None:
        self.root = root.resolve()
        self._root_s = str(self.root)
        self._tracked: list[str] | None = None
        self._git_checked = False
        self._walks: dict[str, list[str]] = {}
        self._bytes: dict[str, bytes] = {}
        self._identities: dict[str, Identity | None] = {}
        self._room = cache_limit

    def _git(self) -> list[str] | None:
        if not self._git_checked:
            self._tracked = _git_files(self.root)
            self._git_checked = True
        return self._tracked

    def _walked(self, prefix: str) -> list[str]:
        if prefix not in self._walks:
            base = os.path.join(self._root_s, prefix) if prefix else self._root_s
            self._walks[prefix] = [prefix] if os.path.isfile(base) else list(_walk(base, prefix))
        return self._walks[prefix]

    def list(
        self,
        paths: Sequence[str] = (".",),
        exclude: Sequence[str] = (),
        suffixes: tuple[str, ...] | None = None,
    ) -> list[str]:
        """Relative POSIX paths of the regular files to scan under ``paths``."""
        prefixes = _prefixes(self.root, paths)
        for given, prefix in zip(paths, prefixes, strict=True):
            if not os.path.exists(os.path.join(self._root_s, prefix)):
                raise InputError(
                    None,
                    None,
                    f"configured path {given!r} does not exist under the "
                    "rootdir; fix the check's paths/sources setting",
                )
        tracked = self._git()
        if tracked is None:
            candidates = sorted({rel for pre in prefixes for rel in self._walked(pre)})
        else:
            candidates = [
                rel
                for rel in tracked
                if any(not pre or rel == pre or rel.startswith(pre + "/") for pre in prefixes)
            ]
        venvs = [rel[: -len("/pyvenv.cfg")] for rel in candidates if rel.endswith("/pyvenv.cfg")]
        matcher = _exclusion(exclude)
        out = []
        for rel in candidates:
            if suffixes is not None and not rel.endswith(suffixes):
                continue
            if _excluded(rel, venvs, matcher, tracked is not None):
                continue
            if tracked is not None and not _regular(self._root_s, rel):
                continue
            out.append(rel)
        return out

    def identity(self, rel: str) -> Identity | None:
        """The listed file's identity for the scan cache (None when it has gone); taken
        once per session, like the bytes, so every check judges the same version."""
        if rel not in self._identities:
            self._identities[rel] = identity(os.path.join(self._root_s, rel))
        return self._identities[rel]

    def read(self, rel: str) -> bytes:
        """The bytes of a listed file (OSError when it cannot be read)."""
        data = self._bytes.get(rel)
        if data is not None:
            return data
        with open(os.path.join(self._root_s, rel), "rb", buffering=0) as fh:
            data = fh.readall()
        if len(data) <= self._room:
            self._bytes[rel] = data
            self._room -= len(data)
        return data


def list_files(
    root: Path,
    paths: Sequence[str] = (".",),
    exclude: Sequence[str] = (),
    suffixes: tuple[str, ...] | None = None,
) -> list[str]:
    """Relative POSIX paths of the regular files to scan under ``paths`` (relative to root)."""
    return FileIndex(root).list(paths, exclude, suffixes)
