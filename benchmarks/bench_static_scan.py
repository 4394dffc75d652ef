"""Static checks (env_docs + deprecations) over a large tree, against grep over the same files.

  python benchmarks/bench_static_scan.py [--files 10000] [--dense 0.02] [--runs 15]
  python benchmarks/bench_static_scan.py --site-packages   # a copy of the installed packages

Baseline: ``grep -rwF -f <symbols> <tree>`` (every documented variable and every
removed item's word). Candidate: the two checks over the same tree, in process and
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


def make_tree(root: Path, files: int, dense: float, seed: int = 7) -> None:
    rng = random.Random(seed)
    names = [f"G6_VAR_{i:03d}" for i in range(N_VARS)]
    removed = [f"old_function_{i}" for i in range(N_REMOVED)]
    (root / "docs").mkdir(parents=True)
    doc = ["# Env\n"] + [f"- `{n}` – str – x – variable {n}\n" for n in names]
    (root / "docs" / "env_dict.md").write_text("".join(doc))
    rows = [
        "| Item | Type | Status | Deprecated Since | Planned Removal | Replacement | Notes |\n",
        "|---|---|---|---|---|---|---|\n",
    ] + [f"| `pkg.{r}` | function | Removed | 0.1.0 | 0.2.0 | - | - |\n" for r in removed]
    (root / "DEPRECATIONS.md").write_text("".join(rows))
    (root / "symbols.txt").write_text("\n".join(names + removed) + "\n")
    for f in range(files):
        folder = root / "src" / f"pkg{f % 100:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        lines = [_code_line(rng, i) for i in range(rng.randint(40, 120))]
        if rng.random() < dense:
            lines.insert(3, f'SETTING = os.environ.get("{rng.choice(names)}")\n')
            lines.insert(5, f"{rng.choice(removed)}()\n")
        (folder / f"mod{f:05d}.py").write_text("import os\n" + "".join(lines))


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
    make_tree(root / "_meta", 0, 0.0)
    for name in ("docs", "DEPRECATIONS.md", "symbols.txt"):
        shutil.move(str(root / "_meta" / name), root / name)
    shutil.rmtree(root / "_meta")
    return count


def in_process(root: Path, grep: list[str], runs: int, label: str, cache_dir: Path | None) -> None:
    """The checks as a pytest session runs them (interpreter already up) vs grep's wall time."""
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
        "  [target <= 2.0]"
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--dense", type=float, default=0.02, help="share of files using a symbol")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--site-packages", action="store_true")
    ap.add_argument("--only", choices=["cold", "warm"], help="one of the two scan-cache modes")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="g6-scan-") as tmp:
        root = Path(tmp)
        if args.site_packages:
            n = copy_site_packages(root)
            label = f"site-packages copy ({n} .py files)"
        else:
            make_tree(root, args.files, args.dense)
            label = f"generated tree ({args.files} files, {args.dense:.0%} using symbols)"
        (root / "src" / "__init__.py").touch()
        time.sleep(2.1)  # files younger than the scan cache's racy window are never stored
        grep = ["sh", "-c", "grep -rwF -f symbols.txt src > /dev/null; test $? -le 1"]
        script = str(Path(__file__).parent / "_run_static.py")
        modes = [(None, "cold (no scan cache)"), (root / ".cache", "warm (scan cache)")]
        modes = [m for m in modes if args.only in (None, "cold" if m[0] is None else "warm")]
        for cache_dir, how in modes:
            in_process(root, grep, args.runs, f"{label}, {how}", cache_dir)
        for cache_dir, how in modes:
            ours = [sys.executable, script, str(root), *([str(cache_dir)] if cache_dir else [])]
            title = f"whole process (interpreter start included): {label}, {how}"
            cmp = alternate(title, grep, ours, root, runs=args.runs)
            print("\n".join(cmp.lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
