"""Static checks (env_docs + deprecations) over a large tree, against grep over the same files.

  python benchmarks/bench_static_scan.py [--files 10000] [--dense 0.02] [--friends 0.2] [--runs 15]
  python benchmarks/bench_static_scan.py --site-packages   # a copy of the installed packages

The generated tree refers to the Removed items ``pkg.legacy.old_function_N`` as code
does (SPEC §1 "Deprecations"): ``from pkg.legacy import old_function_N``, ``import
pkg.legacy as L`` then ``L.old_function_N()``, ``import pkg.legacy`` then
``pkg.legacy.old_function_N()``, or the full dotted path in a comment (``--dense``: the
share of files with such references, each also reading a documented variable). Other
files (``--friends``) only share the last name, none of which is a reference: mostly
``json.old_function_N()`` (another module's function) or a method of that name; in
three friends out of ten, code that also spells ``pkg`` and ``legacy`` and so is parsed
as the references are: ``compat.old_function_N()`` after ``from pkg import compat``
beside a comment naming the legacy helper, ``legacy.old_function_N()`` after ``import
pkg.legacy_tools as legacy``, or the string ``"mypkg.legacy.old_function_N"``. Before
timing, the deprecations check must report exactly the DEP001 findings the generator
placed (file, line, item), cold and from the scan cache; otherwise the benchmark prints
what differs and exits 1. A site-packages copy must report none.

Baseline: ``grep -rwF -f <symbols> <tree>`` (every documented variable and every
removed item's last name). Candidate: the two checks over the same tree, in process and
as one Python process (interpreter start included), each cold (no scan cache: every
file read and searched) and warm (the scan cache of an earlier run, as every pytest
session after the first has it: unchanged files are not read). Target: wall-time
ratio <= 2.
"""

from __future__ import annotations

import argparse
import random
import shutil
import site
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import alternate

WORDS = ["value", "result", "config", "items", "index", "count", "data", "total", "name"]
N_VARS = 40
N_REMOVED = 10
REMOVED = [f"pkg.legacy.old_function_{i}" for i in range(N_REMOVED)]
STDLIB = ["json", "pickle", "shelve", "marshal"]
# How often each kind of false friend occurs (see _false_friend): mostly another module's
# function or a method of the same name; the three kinds that also spell ``pkg`` and
# ``legacy`` (and so are parsed) in three friends out of ten.
FRIEND_WEIGHTS = (5, 2, 1, 1, 1)
TARGET = 2.0  # wall-time ratio to grep

# A piece of a module: its text, and the removed item its first line refers to (if any).
Chunk = tuple[str, str | None]
# One DEP001 finding: (path, line, item).
Expected = tuple[str, int, str]


def _code_line(rng: random.Random, i: int) -> str:
    a, b = rng.choice(WORDS), rng.choice(WORDS)
    kind = i % 4
    if kind == 0:
        return f"def {a}_{i}({b}):\n    return {b} * {i}\n"
    if kind == 1:
        return f"{a}_{i} = [{b} for {b} in range({i})]\n"
    if kind == 2:
        return f"# {a} and {b} are combined here to compute the {a}\n"
    return f"class {a.title()}{i}:\n    {b}: int = {i}\n"


def _reference(rng: random.Random, item: str) -> tuple[list[Chunk], list[Chunk]]:
    """Imports for the module's head and chunks for its body that refer to ``item``."""
    name = item.rsplit(".", 1)[1]
    kind = rng.randrange(4)
    if kind == 0:
        return [(f"from pkg.legacy import {name}\n", item)], [(f"result = {name}(result)\n", item)]
    if kind == 1:
        return [("import pkg.legacy as L\n", None)], [(f"total = L.{name}(total)\n", item)]
    if kind == 2:
        return [("import pkg.legacy\n", None)], [(f"count = pkg.legacy.{name}(count)\n", item)]
    return [], [(f"# formerly {item}; see DEPRECATIONS.md\n", item)]


def _false_friend(rng: random.Random, name: str) -> tuple[list[Chunk], list[Chunk]]:
    """Head and body chunks that use ``name`` without referring to any removed item."""
    kind = rng.choices(range(5), weights=FRIEND_WEIGHTS)[0]
    if kind == 0:
        mod = rng.choice(STDLIB)
        return [(f"import {mod}\n", None)], [(f"data = {mod}.{name}(data)\n", None)]
    if kind == 1:
        method = f"class Store:\n    def {name}(self):\n        return self.{name}\n"
        return [], [(method, None)]
    if kind == 2:
        comment = f"# the legacy {name} lives on in compat\n"
        return [("from pkg import compat\n", None)], [
            (comment, None),
            (f"value = compat.{name}(value)\n", None),
        ]
    if kind == 3:
        use = f"legacy.{name}(items)\n"
        return [("import pkg.legacy_tools as legacy\n", None)], [(use, None)]
    return [("import pkg\n", None)], [(f'LABEL = "mypkg.legacy.{name}"\n', None)]


def _assemble(chunks: list[Chunk], rel: str, expected: list[Expected]) -> str:
    """The module's text; each item's first referring line goes to ``expected``."""
    first: dict[str, int] = {}
    line = 1
    for text, item in chunks:
        if item is not None:
            first.setdefault(item, line)
        line += text.count("\n")
    expected.extend((rel, n, item) for item, n in first.items())
    return "".join(text for text, _ in chunks)


def make_tree(
    root: Path, files: int, dense: float, friends: float, seed: int = 7
) -> list[Expected]:
    """Write the tree; return the DEP001 findings the deprecations check must report."""
    rng = random.Random(seed)
    names = [f"G6_VAR_{i:03d}" for i in range(N_VARS)]
    (root / "docs").mkdir(parents=True)
    doc = ["# Env\n"] + [f"- `{n}` – str – x – variable {n}\n" for n in names]
    (root / "docs" / "env_dict.md").write_text("".join(doc))
    rows = [
        "| Item | Type | Status | Deprecated Since | Planned Removal | Replacement | Notes |\n",
        "|---|---|---|---|---|---|---|\n",
    ] + [f"| `{r}` | function | Removed | 0.1.0 | 0.2.0 | - | - |\n" for r in REMOVED]
    (root / "DEPRECATIONS.md").write_text("".join(rows))
    lasts = [r.rsplit(".", 1)[1] for r in REMOVED]
    (root / "symbols.txt").write_text("\n".join(names + lasts) + "\n")
    expected: list[Expected] = []
    for f in range(files):
        rel = f"src/pkg{f % 100:02d}/mod{f:05d}.py"
        head: list[Chunk] = [("import os\n", None)]
        body: list[Chunk] = [(_code_line(rng, i), None) for i in range(rng.randint(40, 120))]
        extras: list[tuple[list[Chunk], list[Chunk]]] = []
        if rng.random() < dense:
            body.insert(3, (f'SETTING = os.environ.get("{rng.choice(names)}")\n', None))
            for item in rng.sample(REMOVED, 2 if rng.random() < 0.2 else 1):
                extras.append(_reference(rng, item))
        if rng.random() < friends:
            extras.append(_false_friend(rng, rng.choice(lasts)))
        for more_head, more_body in extras:
            head.extend(chunk for chunk in more_head if chunk not in head)
            for chunk in more_body:
                body.insert(rng.randint(0, len(body)), chunk)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_assemble(head + body, rel, expected))
    return sorted(expected)


def copy_site_packages(root: Path) -> int:
    src = Path(site.getsitepackages()[0])
    count = 0
    for path in src.rglob("*.py"):
        if count >= 10000 or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(src)
        dest = root / "src" / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
        count += 1
    make_tree(root / "_meta", 0, 0.0, 0.0)
    for name in ("docs", "DEPRECATIONS.md", "symbols.txt"):
        shutil.move(str(root / "_meta" / name), root / name)
    shutil.rmtree(root / "_meta")
    return count


def dep001_findings(root: Path, cache_dir: Path | None) -> list[tuple[str, str, int, str]]:
    """Every finding of the deprecations check over ``root``: (code, path, line, item); a
    missing path or line is "" or 0."""
    from datetime import date

    from packaging.version import Version

    from pytest_g6gov.api import Context
    from pytest_g6gov.checks.builtin import Deprecations

    check = Deprecations()
    options = {k: v.default for k, v in check.keys.items()}
    ctx = Context(root, options, Version("1.0"), date(2026, 11, 26), cache_dir=cache_dir)
    found = check.run(ctx)
    return sorted((f.code, f.path or "", f.line or 0, f.message.split(" ")[0]) for f in found)


def verify(root: Path, expected: list[Expected], cache_dir: Path | None, how: str) -> bool:
    """Whether the deprecations check reports exactly ``expected``; print the figures."""
    want = sorted(("DEP001", path, line, item) for path, line, item in expected)
    got = dep001_findings(root, cache_dir)
    n_dep001 = sum(1 for f in got if f[0] == "DEP001")
    ok = got == want
    print(
        f"DEP001 findings, {how}: {n_dep001} (expected exactly {len(want)})"
        f"{'' if ok else f', {len(got)} findings in all: WRONG'}"
    )
    if not ok:
        for label, rows in (
            ("missing", set(want) - set(got)),
            ("unexpected", set(got) - set(want)),
        ):
            for row in sorted(rows, key=str)[:10]:
                print(f"  {label}: {row}")
    return ok


def in_process(root: Path, grep: list[str], runs: int, label: str, cache_dir: Path | None) -> float:
    """The checks as a pytest session runs them (interpreter already up) vs grep's wall time;
    the ratio of the median wall times."""
    import subprocess
    import time

    from _run_static import run_checks

    ours, theirs = [], []
    run_checks(root, cache_dir)  # warm-up: imports, page cache (and the scan cache, if any)
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(grep, cwd=root, check=True)
        theirs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        run_checks(root, cache_dir)
        ours.append(time.perf_counter() - t0)
    med = statistics.median
    print(f"in-process checks vs grep: {label}: {runs} alternating runs each")
    print(f"  grep   wall min {min(theirs):.3f}s median {med(theirs):.3f}s")
    print(f"  checks wall min {min(ours):.3f}s median {med(ours):.3f}s")
    print(
        f"  ratio: min {min(ours) / min(theirs):.2f}, median {med(ours) / med(theirs):.2f}"
        f"  [target <= {TARGET}]"
    )
    return med(ours) / med(theirs)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--dense", type=float, default=0.02, help="share of files using a symbol")
    ap.add_argument(
        "--friends",
        type=float,
        default=0.2,
        help="share of files using a removed item's last name on another module",
    )
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--site-packages", action="store_true")
    ap.add_argument("--only", choices=["cold", "warm"], help="one of the two scan-cache modes")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="g6-scan-") as tmp:
        root = Path(tmp)
        if args.site_packages:
            n = copy_site_packages(root)
            expected: list[Expected] = []
            label = f"site-packages copy ({n} .py files)"
        else:
            expected = make_tree(root, args.files, args.dense, args.friends)
            label = (
                f"generated tree ({args.files} files, {args.dense:.0%} using symbols, "
                f"{args.friends:.0%} false friends)"
            )
        (root / "src" / "__init__.py").touch()
        time.sleep(2.1)  # files younger than the scan cache's racy window are never stored
        grep = ["sh", "-c", "grep -rwF -f symbols.txt src > /dev/null; test $? -le 1"]
        script = str(Path(__file__).parent / "_run_static.py")
        modes = [(None, "cold (no scan cache)"), (root / ".cache", "warm (scan cache)")]
        modes = [m for m in modes if args.only in (None, "cold" if m[0] is None else "warm")]
        checked = [verify(root, expected, cache_dir, how) for cache_dir, how in modes]
        if modes[-1][0] is not None:  # the first warm run filled the scan cache: now read it
            checked.append(verify(root, expected, modes[-1][0], "warm, read from the scan cache"))
        if not all(checked):
            print("the deprecations check's findings differ from the generated references")
            return 1
        ratios: list[tuple[str, float]] = []
        for cache_dir, how in modes:
            ratio = in_process(root, grep, args.runs, f"{label}, {how}", cache_dir)
            ratios.append((f"in process, {how}", ratio))
        for cache_dir, how in modes:
            ours = [sys.executable, script, str(root), *([str(cache_dir)] if cache_dir else [])]
            title = f"whole process (interpreter start included): {label}, {how}"
            cmp = alternate(title, grep, ours, root, runs=args.runs)
            print("\n".join(cmp.lines()))
            ratios.append((f"whole process, {how}", cmp.ratio_median_wall))
        print(f"target: median wall ratio <= {TARGET}")
        for name, ratio in ratios:
            print(f"  {name}: {ratio:.2f} {'met' if ratio <= TARGET else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
