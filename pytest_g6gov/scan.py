"""Which files the static checks read: one walk shared by every check, one set of rules.

When the root is a git work tree the candidates are git's tracked and
untracked-but-not-ignored files (``git ls-files``); otherwise a directory walk. Either
way these are never scanned (SPEC §1 "Never scanned", for every check that uses this
index): changelogs (:func:`is_changelog`), hidden folders, virtual environments (a
folder holding ``pyvenv.cfg``), caches, the rootdir's own ``build/`` and ``dist/``,
symlinks, and the files the caller excludes (the report file, the deprecations
file, ...). Folders are skipped for what they are, never for a name a package could
have: a package ``src/build/`` or ``pkg/venv/`` is scanned.

Caches are ``__pycache__`` (a name Python reserves), hidden tool caches (``.tox``,
``.nox``, ``.mypy_cache``, ``.pytest_cache``, ...) and any folder that declares itself
a cache with a ``CACHEDIR.TAG`` (https://bford.info/cachedir/; pytest, mypy and ruff
write one). Outside a git tree a folder whose own ``.gitignore`` ignores everything in
it (coverage's ``htmlcov``) is one too; in a git tree git already leaves it out. Also
skipped by name, because these names cannot be a package of the project:
``node_modules`` (Node's module resolution reserves it for installed dependencies, the
npm counterpart of a virtual environment) and ``*.egg-info`` (setuptools metadata,
not an importable name; it holds a copy of the README).
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import subprocess
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path

from .findings import InputError
from .scan_cache import Identity, identity

CHANGELOG_WORDS: tuple[str, ...] = ("CHANGELOG", "CHANGES", "HISTORY", "NEWS")
# Other capitalisations (changelog.md, History.rst) count for a document, never for code.
_DOC_SUFFIXES = frozenset({"", ".md", ".rst", ".txt", ".markdown", ".adoc", ".asciidoc", ".org"})
RESERVED_DIR_NAMES = frozenset({"__pycache__", "node_modules"})
TOP_LEVEL_DIR_NAMES = frozenset({"build", "dist"})
VENV_MARKER = "pyvenv.cfg"
CACHEDIR_TAG = "CACHEDIR.TAG"
_CACHEDIR_SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"


def is_changelog(name: str) -> bool:
    """Whether a file called ``name`` is a changelog: ``CHANGELOG*``, ``CHANGES*``,
    ``HISTORY*``, ``NEWS*`` with any extension; in another capitalisation only the bare
    word as a document (``changelog.md``, ``History.rst``, ``News``), so that a module
    ``history.py`` is still scanned."""
    if name.startswith(CHANGELOG_WORDS):
        return True
    stem, dot, suffix = name.partition(".")
    return stem.upper() in CHANGELOG_WORDS and (dot + suffix).lower() in _DOC_SUFFIXES


def skip_dir_name(name: str, top_level: bool = False) -> bool:
    """A folder never scanned for its name alone; ``top_level``: directly in the rootdir."""
    return (
        name.startswith(".")
        or name in RESERVED_DIR_NAMES
        or name.endswith(".egg-info")
        or (top_level and name in TOP_LEVEL_DIR_NAMES)
    )


def _is_cachedir_tag(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(_CACHEDIR_SIGNATURE)) == _CACHEDIR_SIGNATURE
    except OSError:
        return False


def _ignores_everything(path: str) -> bool:
    """A ``.gitignore`` whose only pattern is ``*``: its folder is generated output."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(4096)
    except OSError:
        return False
    patterns = [p for p in (s.strip() for s in data.splitlines()) if p and not p.startswith(b"#")]
    return patterns == [b"*"]


def marked_dir(path: str, names: Collection[str], root: bool, walk: bool) -> bool:
    """Whether the folder at ``path`` holding ``names`` is a virtual environment or a
    cache. The rootdir is only ever a virtual environment; the ``.gitignore`` marker is
    for the ``walk`` (in a git tree git applies it)."""
    if VENV_MARKER in names:
        return True
    if root:
        return False
    if CACHEDIR_TAG in names and _is_cachedir_tag(os.path.join(path, CACHEDIR_TAG)):
        return True
    return walk and ".gitignore" in names and _ignores_everything(os.path.join(path, ".gitignore"))


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
    if marked_dir(base, {e.name for e in entries}, root=not rel, walk=True):
        return
    for entry in entries:
        child = f"{rel}/{entry.name}" if rel else entry.name
        if entry.is_dir(follow_symlinks=False):
            if not skip_dir_name(entry.name, top_level=not rel):
                yield from _walk(entry.path, child)
        elif entry.is_file(follow_symlinks=False):
            yield child


def _git_marks(root: str, files: Iterable[str]) -> frozenset[str]:
    """The folders (root-relative, ``""`` for the rootdir) that git's file list shows to be
    a virtual environment or a tagged cache."""
    marks = set()
    for rel in files:
        head, _, name = rel.rpartition("/")
        if name == VENV_MARKER or (
            name == CACHEDIR_TAG and head and _is_cachedir_tag(os.path.join(root, rel))
        ):
            marks.add(head)
    return frozenset(marks)


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
        self._marks: frozenset[str] = frozenset()
        self._git_checked = False
        self._walks: dict[str, list[str]] = {}
        self._dirs: dict[str, bool] = {}
        self._bytes: dict[str, bytes] = {}
        self._identities: dict[str, Identity | None] = {}
        self._room = cache_limit

    def _git(self) -> list[str] | None:
        if not self._git_checked:
            self._tracked = _git_files(self.root)
            if self._tracked is not None:
                self._marks = _git_marks(self._root_s, self._tracked)
            self._git_checked = True
        return self._tracked

    def _inside_marked(self, prefix: str) -> bool:
        """Whether a folder above ``prefix`` (the rootdir included) is marked (walk only:
        the walk from ``prefix`` does not see them)."""
        parts = prefix.split("/")[:-1] if prefix else []
        heads = [""] + ["/".join(parts[: i + 1]) for i in range(len(parts))]
        for head in heads:
            path = os.path.join(self._root_s, head) if head else self._root_s
            try:
                names = os.listdir(path)
            except OSError:
                continue
            if marked_dir(path, names, root=not head, walk=True):
                return True
        return False

    def _walked(self, prefix: str) -> list[str]:
        if prefix not in self._walks:
            base = os.path.join(self._root_s, prefix) if prefix else self._root_s
            if prefix and self._inside_marked(prefix):
                self._walks[prefix] = []
            elif os.path.isfile(base):
                self._walks[prefix] = [prefix]
            else:
                self._walks[prefix] = list(_walk(base, prefix))
        return self._walks[prefix]

    def _dir_skipped(self, head: str) -> bool:
        """Whether files in the root-relative folder ``head`` are never scanned."""
        verdict = self._dirs.get(head)
        if verdict is None:
            verdict = "" in self._marks
            prefix = ""
            for depth, part in enumerate(head.split("/") if head else ()):
                prefix = f"{prefix}/{part}" if prefix else part
                if skip_dir_name(part, top_level=depth == 0) or prefix in self._marks:
                    verdict = True
                    break
            self._dirs[head] = verdict
        return verdict

    def never_scanned(self, rel: str) -> bool:
        """Whether the SPEC's rules leave out the root-relative POSIX path ``rel``
        (changelogs, and files in hidden, virtual-environment, cache or top-level
        build/dist folders); the caller's excludes are not part of this."""
        head, _, name = rel.rpartition("/")
        return is_changelog(name) or self._dir_skipped(head)

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
        matcher = _exclusion(exclude)
        out = []
        for rel in candidates:
            if suffixes is not None and not rel.endswith(suffixes):
                continue
            if self.never_scanned(rel):
                continue
            if matcher is not None and matcher.fullmatch(rel) is not None:
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
