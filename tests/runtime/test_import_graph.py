"""No import circles in ``g6runtime``: the package's module graph, read with ``ast``, is acyclic.

What counts as an edge ``A → B`` (both modules of ``g6runtime``):

* every ``import`` / ``from … import`` statement in ``A`` that Python would execute:
  at module level, inside functions and methods, inside ``try`` and ordinary ``if``
  blocks. **Function-level imports count**: deferring an import into a function hides
  a circle from the interpreter at import time, not from the design, so it is not a way
  to remove one;
* ``from X import n``: an edge to ``X``, and to ``X.n`` when that is a module;
  relative imports (``from . import x``, ``from ..config import y``) are resolved
  against ``A``'s package;
* importing ``B`` also executes every package ``__init__`` above ``B``; those count,
  except ``A``'s own ancestors (a module cannot be imported before its parents, so
  ``pkg/sub.py`` importing ``pkg`` is no circle);
* ``importlib.import_module("g6runtime.x")`` with a literal name, and a string
  constant naming a module of the package (``"g6runtime.x"`` or
  ``"g6runtime.x:function"``, the form of a string-dispatch table): the code imports
  that module by name.

Not counted: imports under ``if TYPE_CHECKING:`` (never executed; annotations only)
and names computed at run time (an f-string passed to ``import_module``). So
``collectors/cycle.py`` naming ``ResilienceState`` in an annotation (under
``TYPE_CHECKING``) while ``resilience/state.py`` imports ``collectors.cycle`` is a
type-level dependency, not an import circle; it goes when ``CycleResult`` stops
carrying the resilience state (issue 12, item 1).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import g6runtime

PACKAGE = "g6runtime"
ROOT = Path(g6runtime.__file__).parent


def modules_of(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package under ``root``: dotted name → file."""
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join([package, *parts])] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _executed(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under ``node`` except the bodies of ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield other
                yield from _executed(other)
            continue
        yield child
        yield from _executed(child)


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    base = module.split(".")
    if level:
        base = base if is_package else base[:-1]
        base = base[: len(base) - (level - 1)]
        return ".".join([*base, name] if name else base)
    return name or ""


def _targets(module: str, path: Path, known: Mapping[str, Path], package: str) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    for node in _executed(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, is_package, node.level, node.module)
            yield source
            yield from (f"{source}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            name = node.value.partition(":")[0]
            if name.startswith(f"{package}.") and name in known:
                yield name


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module → the package's modules it imports (see the module docstring for the rules)."""
    known = modules_of(root, package)
    graph: dict[str, set[str]] = {name: set() for name in known}
    for module, path in known.items():
        own_ancestors = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
        for target in _targets(module, path, known, package):
            parts = target.split(".")
            for i in range(1, len(parts) + 1):
                name = ".".join(parts[:i])
                if name in known and name != module and name not in own_ancestors:
                    graph[module].add(name)
    return graph


def find_cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """One cycle (modules in import order, first repeated at the end) per strongly
    connected component that has one; deterministic (sorted traversal)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def strongconnect(node: str) -> None:  # Tarjan; the package is small enough to recurse
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                strongconnect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            strongconnect(node)
    return sorted((_one_cycle(graph, c) for c in components), key=lambda c: c[0])


def _one_cycle(graph: Mapping[str, set[str]], component: set[str]) -> list[str]:
    start = min(component)
    # breadth-first from start back to start, inside the component: a shortest cycle
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & component):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if nxt not in previous:
                    previous[nxt] = node
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover


def test_g6runtime_has_no_import_cycle() -> None:
    cycles = find_cycles(import_graph(ROOT, PACKAGE))
    assert not cycles, "import cycles in g6runtime:\n" + "\n".join(
        "  " + " → ".join(cycle) for cycle in cycles
    )


def test_the_walk_sees_the_whole_package() -> None:
    graph = import_graph(ROOT, PACKAGE)
    assert {"g6runtime", "g6runtime.config", "g6runtime.market.expiries"} <= set(graph)
    assert "g6runtime.errors" in graph["g6runtime.config"]


def _write(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_rules_on_a_small_package(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from . import b\n",
            "b.py": "def f():\n    from .sub.c import x\n",  # function level: counts
            "sub/__init__.py": "from .c import x\n",  # own child: an edge; c → sub is not
            "sub/c.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from ..a import y\n"  # not executed: no edge
                "else:\n    import pkg.d\n"
                "x = 1\n"
            ),
            "d.py": "H = 'pkg.e:main'\n",  # string dispatch: an edge
            "e.py": "",
        },
    )
    graph = import_graph(root, "pkg")
    assert graph == {
        "pkg": set(),
        "pkg.a": {"pkg.b"},
        "pkg.b": {"pkg.sub", "pkg.sub.c"},
        "pkg.sub": {"pkg.sub.c"},
        "pkg.sub.c": {"pkg.d"},
        "pkg.d": {"pkg.e"},
        "pkg.e": set(),
    }
    assert find_cycles(graph) == []


def test_a_cycle_is_named_in_order(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from .b import f\n",
            "b.py": "def f():\n    from .c import g\n",
            "c.py": "HANDLER = 'pkg.a:main'\n",
            "x.py": "from . import y\n",
            "y.py": "import pkg.x\n",
        },
    )
    cycles = find_cycles(import_graph(root, "pkg"))
    assert cycles == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"], ["pkg.x", "pkg.y", "pkg.x"]]
