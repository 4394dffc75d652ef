"""Where a Python source refers to a dotted path (SPEC §1 "Deprecations", DEP001).

A Python file refers to ``a.b.c`` where its code imports it or reaches it through an
imported module, or where the full dotted path appears in a string or a comment:

* ``import a.b.c`` (with or without ``as x``), ``from a.b import c`` (``as d``), and
  ``from a.b import *`` followed by a use of ``c``;
* an attribute chain whose root name an import bound: ``b.c`` after ``from a import
  b``, ``a.b.c`` after ``import a.b`` (or ``import a``), ``x.c`` after ``import a.b as
  x``; a chain that goes on (``b.c.cache_clear``) refers to ``a.b.c`` too;
* relative imports resolve from the file's folders (``from .b import c`` in
  ``src/a/x.py`` is ``…a.b.c``), whatever folder the import root is;
* ``"a.b.c"``, ``f"… a.b.c …"``, docstrings and ``# a.b.c`` comments, as a whole dotted
  word (not ``mypkg.a.b.c``, not ``a.b.cd``).

Bindings are taken for the whole file (an import inside a function counts for the
file), which errs towards reporting. A name that only shares the last component
(``json.load``, ``def load(``) is not a reference.

Speed: a file is parsed only when :class:`PythonGate` finds the words a reference
needs. The imports are found by walking statements only; expressions are walked only
in the statements whose lines hold a word that can complete a reference (a target's
last component, or a name an import bound to a target). A full path is in a string
or comment unless code spells it: an attribute chain spanning exactly that text.
"""

from __future__ import annotations

import ast
import bisect
import codecs
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .ast_spans import spans

PYTHON_SUFFIXES: tuple[str, ...] = (".py", ".pyi", ".pyw")
WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
# Every byte that cannot be part of a word becomes a space, so ``split()`` yields the words.
TO_WORDS = bytes(b if b in WORD_BYTES else 0x20 for b in range(256))
_RELATIVE_IMPORT = re.compile(rb"from\s*\.")
_WORD = b"A-Za-z0-9_"
_BEFORE = b"(?<![" + _WORD + b"])"
_AFTER = b"(?![" + _WORD + b"])"
_COMPOUND = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.If,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.Match,
    ast.excepthandler,
    ast.match_case,
    *((ast.TryStar,) if hasattr(ast, "TryStar") else ()),
)

Parts = tuple[str, ...]


@dataclass(frozen=True)
class Resolved:
    """A dotted name as the code spells it: ``anchor`` holds the file's folders a
    relative import starts from (empty for an absolute name), ``parts`` what follows."""

    anchor: Parts
    parts: Parts

    def extend(self, more: Parts) -> Resolved:
        return Resolved(self.anchor, self.parts + more)

    def covers(self, target: Parts) -> bool:
        """Whether this name is ``target`` or something inside it. For a relative name
        the import root is unknown, so ``target`` may start at any of the anchor's
        folders, but must reach into what the code wrote."""
        full = self.anchor + self.parts
        n = len(target)
        for k in range(len(self.anchor) + 1):
            if k + n > len(self.anchor) and full[k : k + n] == target:
                return True
        return False


def dotted_word(path: bytes) -> re.Pattern[bytes]:
    """``path`` as a whole dotted word: not inside a longer name or a longer dotted path
    on the left (``x.a.b``), nor followed by a name character (``a.bc``)."""
    return re.compile(_BEFORE + rb"(?<![" + _WORD + rb"]\.)" + re.escape(path) + _AFTER)


def _words(words: Sequence[str]) -> re.Pattern[bytes]:
    alternatives = b"|".join(re.escape(w.encode("utf-8", "surrogatepass")) for w in words)
    return re.compile(_BEFORE + b"(?:" + alternatives + b")" + _AFTER)


def _from_base(node: ast.ImportFrom, folders: Parts) -> Resolved | None:
    """What ``from <module> import`` starts from; None for a relative import that climbs
    above the rootdir."""
    module = tuple(node.module.split(".")) if node.module else ()
    if not node.level:
        return Resolved((), module)
    up = node.level - 1
    if up > len(folders):
        return None
    return Resolved(folders[: len(folders) - up], module)


class PythonGate:
    """Cheap questions about one Python file's bytes, asked before parsing it. The file
    is split into words at most once, and only when a substring test could not decide."""

    def __init__(self, data: bytes, rel: str) -> None:
        self.data = data
        self.folders = rel.split("/")[:-1]
        self._words: frozenset[bytes] | None = None
        self._relative: bool | None = None

    def has(self, word: str) -> bool:
        raw = word.encode("utf-8", "surrogatepass")
        if raw not in self.data:
            return False
        if not set(raw) <= WORD_BYTES:  # not one word to us: the substring must do
            return True
        if self._words is None:
            self._words = frozenset(self.data.translate(TO_WORDS).split())
        return raw in self._words

    def relative(self) -> bool:
        if self._relative is None:
            self._relative = _RELATIVE_IMPORT.search(self.data) is not None
        return self._relative

    def may_reach(self, parts: tuple[str, ...]) -> bool:
        """Whether the file can refer to ``parts`` at all. Every reference to ``a.b.c``
        spells ``c``; every absolute import, chain or full path spells ``a``; and each
        spells ``b`` unless a relative import starts in a folder ``b/``."""
        if not self.has(parts[-1]):
            return False
        if not (self.has(parts[0]) or self.relative()):
            return False
        return parts[-2] in self.folders or self.has(parts[-2])


class _Finder:
    """First line, per target, of every import and attribute chain that reaches it."""

    def __init__(self, targets: Sequence[Parts]) -> None:
        self.targets = targets
        self.lasts = frozenset(t[-1] for t in targets)
        self.first: dict[int, int] = {}
        self.bindings: dict[str, list[Resolved]] = {}
        self.stars: list[Resolved] = []

    def hit(self, name: Resolved, line: int) -> None:
        for i, target in enumerate(self.targets):
            if name.covers(target) and line < self.first.get(i, line + 1):
                self.first[i] = line

    def bind(self, name: str, value: Resolved) -> None:
        self.bindings.setdefault(name, []).append(value)

    def imports(self, node: ast.Import | ast.ImportFrom, folders: Parts) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                full = Resolved((), tuple(alias.name.split(".")))
                self.hit(full, alias.lineno)
                if alias.asname:
                    self.bind(alias.asname, full)
                else:
                    self.bind(full.parts[0], Resolved((), full.parts[:1]))
            return
        base = _from_base(node, folders)
        if base is None:
            return
        for alias in node.names:
            if alias.name == "*":
                self.hit(base, alias.lineno)
                self.stars.append(base)
                continue
            full = base.extend((alias.name,))
            self.hit(full, alias.lineno)
            self.bind(alias.asname or alias.name, full)

    def words(self) -> list[str]:
        """Names whose lines may hold a reference: the targets' last components, and
        every name an import bound to a target or to something inside one."""
        bound = (
            name
            for name, values in self.bindings.items()
            if any(v.covers(t) for v in values for t in self.targets)
        )
        return sorted(self.lasts.union(bound))

    def roots(self, name: str) -> Iterator[Resolved]:
        """What a bare name may stand for: its imports, else a star import's member."""
        bound = self.bindings.get(name)
        if bound is not None:
            yield from bound
        else:
            for star in self.stars:
                yield star.extend((name,))

    def chain(self, node: ast.Attribute) -> None:
        attrs: list[str] = []
        base: ast.expr = node
        while isinstance(base, ast.Attribute):
            attrs.append(base.attr)
            base = base.value
        if not isinstance(base, ast.Name):
            return
        more = tuple(reversed(attrs))
        line = node.end_lineno or node.lineno
        for root in self.roots(base.id):
            self.hit(root.extend(more), line)

    def name(self, node: ast.Name) -> None:
        if node.id in self.bindings or (self.stars and node.id in self.lasts):
            for root in self.roots(node.id):
                self.hit(root, node.lineno)


def _statements_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, nested ones included, without walking any expression."""
    stack: list[ast.AST] = [tree]
    while stack:
        for child in ast.iter_child_nodes(stack.pop()):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child
            elif isinstance(child, _COMPOUND):
                stack.append(child)


def _walk_lines(tree: ast.Module, lines: list[int]) -> Iterator[ast.AST]:
    """The nodes of the statements and expressions that span one of ``lines``."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(c for c in ast.iter_child_nodes(node) if spans(c, lines))


class _Source:
    """The bytes of a file with a line index: position → (line, column in bytes)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.starts = [0] + [m.end() for m in re.finditer(b"\n", data)]
        self.bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0

    def where(self, pos: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, pos)
        column = pos - self.starts[line - 1] - (self.bom if line == 1 else 0)
        return line, column

    def lines(self, pattern: re.Pattern[bytes]) -> list[int]:
        return sorted({self.where(m.start())[0] for m in pattern.finditer(self.data)})


def python_references(
    data: bytes, rel: str, targets: Sequence[Parts], patterns: Sequence[re.Pattern[bytes]]
) -> dict[int, int] | None:
    """The first line of the Python file ``rel`` (its bytes ``data``) that refers to each
    dotted ``targets[i]`` (``patterns[i]``: its :func:`dotted_word`), by index; None
    when the file does not parse (the caller falls back to the text rule)."""
    try:
        tree = ast.parse(data, rel)
    except (SyntaxError, ValueError, RecursionError):  # ValueError: NUL bytes (3.11)
        return None
    finder = _Finder(targets)
    folders = tuple(rel.split("/")[:-1])
    for statement in _statements_imports(tree):
        finder.imports(statement, folders)
    source = _Source(data)
    code: set[tuple[int, int, int, int]] = set()
    for node in _walk_lines(tree, source.lines(_words(finder.words()))):
        if isinstance(node, ast.Attribute):
            if node.attr in finder.lasts:
                finder.chain(node)
                end = (node.end_lineno or node.lineno, node.end_col_offset or 0)
                code.add((node.lineno, node.col_offset, *end))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            finder.name(node)
    first = finder.first
    for i, pattern in enumerate(patterns):
        for match in pattern.finditer(data):
            line, column = source.where(match.start())
            if (line, column, *source.where(match.end())) in code:
                continue  # code spelling the path: judged by its imports above
            if line < first.get(i, line + 1):
                first[i] = line
            break
    return first
