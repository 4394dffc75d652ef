"""Plugin overhead on 2,000 trivial tests, against the same run without the plugin.

  python benchmarks/bench_plugin_overhead.py [--runs 15] [--tests 2000]

Variants (each alternated with its baseline, other plugins' autoload disabled):
  * no-config:  the plugin loaded in a project with no [tool.g6gov]   (target ≤ 2 %)
  * slow-tests: [tool.g6gov.slow_tests] on                             (target ≤ 3 %)
Judged on the ratio of minimum CPU times (medians quoted), or, with --instructions, on the
instruction counts (repeatable); exit 1 when a variant misses its target.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import alternate, instructions

PYPROJECTS = {
    "no-config": '[project]\nname = "demo"\nversion = "1.0"\n',
    "slow-tests": '[project]\nname = "demo"\nversion = "1.0"\n\n'
    "[tool.g6gov.slow_tests]\nthreshold_seconds = 2.0\n",
}
TARGETS = {"no-config": 1.02, "slow-tests": 1.03}


def make_project(root: Path, tests: int, pyproject: str) -> None:
    (root / "pyproject.toml").write_text(pyproject)
    per_file = 100
    for f in range(max(1, tests // per_file)):
        body = "\n".join(f"def test_{i}():\n    assert {i} == {i}\n" for i in range(per_file))
        (root / f"test_m{f:03d}.py").write_text(body)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--tests", type=int, default=2000)
    ap.add_argument("--variant", choices=sorted(PYPROJECTS), action="append")
    ap.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions with valgrind (slow, but repeatable)",
    )
    args = ap.parse_args()
    env = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    missed = []
    for variant in args.variant or sorted(PYPROJECTS):
        with tempfile.TemporaryDirectory(prefix="g6-overhead-") as tmp:
            root = Path(tmp)
            make_project(root, args.tests, PYPROJECTS[variant])
            cmp = alternate(
                f"{variant} ({args.tests} tests)",
                base,
                [*base, "-p", "g6gov"],
                root,
                runs=args.runs,
                env=env,
            )
            print("\n".join(cmp.lines()), flush=True)
            judged = cmp.ratio_min_cpu
            if args.instructions:
                b = instructions(base, root, env)
                c = instructions([*base, "-p", "g6gov"], root, env)
                print(
                    f"  instructions (callgrind): baseline {b:,} candidate {c:,} "
                    f"ratio {c / b:.4f} ({(c / b - 1) * 100:+.2f} %)",
                    flush=True,
                )
                judged = c / b
            ok = judged <= TARGETS[variant]
            print(f"  target <= {TARGETS[variant]}: {judged:.4f} {'met' if ok else 'MISSED'}")
            if not ok:
                missed.append(variant)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
