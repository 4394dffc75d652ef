"""critical_coverage on a real third-party suite (Jinja2's), against ``coverage run`` of it.

  python benchmarks/bench_coverage_thirdparty.py [--runs 15 | --quick] [--python PATH]

Downloads the Jinja2 sdist into benchmarks/.cache/ and unpacks it there; builds a venv for
the chosen interpreter (benchmarks/.cache/venv-..., reused by later runs) holding Jinja2
(editable, from the unpacked src/ tree), its pinned test requirements, coverage and this
repository (editable). The project's pyproject.toml is the sdist's, untouched except for
an appended [tool.g6gov.critical_coverage] table naming two heavily exercised modules.
The suite is the project's own testpaths (a standard run). Commands, round by round:
  plain:     python -m pytest -p no:g6gov
  baseline:  python -m coverage run --source=jinja2 -m pytest -p no:g6gov
  candidate: python -m pytest --g6-report=R     (the plugin measures the two modules)
  floor:     python -m coverage run --include=<no file> -m pytest -p no:g6gov
             (coverage's tracer on, recording nothing: the least any coverage.py-based
             measurement of this suite can cost on this interpreter; quoted only)
Target: candidate/baseline <= 0.9 on minimum CPU time (this workplace's rule for noisy
machines: at least 15 alternating rounds, compare minima), median wall quoted beside,
plain quoted too. On Python >= 3.12
baseline and candidate also run with COVERAGE_CORE=sysmon (quoted only), when coverage can
use that core with the project's configuration. Check: the plugin's percentages (from R)
equal ``coverage report``'s for the same files from the baseline's data. Exit 1 if either
the target or the check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import Comparison, Sample, run_once

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
NAME, VERSION, PKG = "jinja2", "3.1.6", "jinja2"
MODULES = ("src/jinja2/compiler.py", "src/jinja2/lexer.py")
TEST_REQUIREMENTS = "requirements/tests.txt"  # the project's pinned pytest + trio
COVERAGE = "coverage==7.17.5"
TARGET = 0.9
TABLE = (
    "\n[tool.g6gov.critical_coverage]\n"
    f"modules = [{', '.join(json.dumps(m) for m in MODULES)}]\n"
    "min_percent = 0\n"
)
Cmd = tuple[list[str], Mapping[str, str] | None]


def sh(cmd: Sequence[str], cwd: Path | None = None, env: Mapping[str, str] | None = None) -> str:
    proc = subprocess.run(
        list(cmd),
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return proc.stdout + proc.stderr


def project() -> tuple[Path, str]:
    """The unpacked sdist with the g6gov table appended; and its original pyproject.toml."""
    CACHE.mkdir(exist_ok=True)
    sdist = CACHE / f"{NAME}-{VERSION}.tar.gz"
    if not sdist.exists():
        print(f"downloading the {NAME}=={VERSION} sdist ...", flush=True)
        pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"]
        sh([*pip, f"{NAME}=={VERSION}", "-d", str(CACHE)])
    src = CACHE / f"{NAME}-{VERSION}"
    with tarfile.open(sdist) as tar:
        if not (src / "PKG-INFO").exists():
            tar.extractall(CACHE, filter="data")
        try:
            member = tar.extractfile(f"{NAME}-{VERSION}/pyproject.toml")
            original = member.read().decode() if member else ""
        except KeyError:  # no pyproject.toml in the sdist: create one
            original = ""
    (src / "pyproject.toml").write_text(original + TABLE)  # rewritten from the sdist: idempotent
    return src, original


def venv(python: str, src: Path) -> Path:
    """A venv for ``python`` with the project, its test requirements, coverage and this repo."""
    version = sh([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"]).strip()
    where = CACHE / f"venv-{NAME}-{VERSION}-py{version}"
    vpy = where / "bin" / "python"
    spec = ["-e", str(src), "-r", str(src / TEST_REQUIREMENTS), COVERAGE, "-e", str(ROOT)]
    marker = where / ".g6-installed"
    if marker.exists() and marker.read_text() == " ".join(spec):
        return vpy
    print(f"creating {where.relative_to(ROOT)} ...", flush=True)
    sh([python, "-m", "venv", "--clear", str(where)])
    sh([str(vpy), "-m", "pip", "install", "-q", *spec])
    marker.write_text(" ".join(spec))
    return vpy


def sysmon_unusable(vpy: Path, src: Path, tmp: Path) -> str | None:
    """Why coverage would not use sys.monitoring under COVERAGE_CORE=sysmon (None: it would),
    with the project's own coverage configuration (its ``branch`` setting decides it)."""
    cmd = [str(vpy), "-m", "coverage", "run", "--debug=core", f"--data-file={tmp / 'core'}"]
    out = sh([*cmd, "-m", "platform"], cwd=src, env={"COVERAGE_CORE": "sysmon"})
    if "Using core=sysmon" in out:
        return None
    found = re.search(r"sysmon not usable: (.*)", out)
    return found.group(1).strip() if found else "coverage did not select it"


def rounds(cmds: Mapping[str, Cmd], cwd: Path, runs: int) -> dict[str, list[Sample]]:
    """Every command once per round (the first round is a warm-up), as _timing.alternate
    does for two: the machine's drift then hits all of them alike."""
    samples: dict[str, list[Sample]] = {k: [] for k in cmds}
    for i in range(runs + 1):
        for key, (cmd, env) in cmds.items():
            sample = run_once(cmd, cwd, env)
            if i:
                samples[key].append(sample)
    return samples


def coverage_report(vpy: Path, src: Path, data: Path) -> dict[str, str]:
    """``coverage report``'s Cover column for MODULES (the project's configuration applies)."""
    out = sh(
        [
            str(vpy),
            "-m",
            "coverage",
            "report",
            f"--data-file={data}",
            "--precision=1",
            "--no-skip-covered",
            f"--include={','.join(MODULES)}",
        ],
        cwd=src,
    )
    rows = {p[0]: p[-1].rstrip("%") for line in out.splitlines() if (p := line.split())}
    return {m: rows.get(m, "missing") for m in MODULES}


def check(label: str, vpy: Path, src: Path, data: Path, report: Path) -> bool:
    """Print the plugin's figures beside coverage report's; True when they are equal."""
    entry = json.loads(report.read_text())["checks"].get("critical_coverage", {})
    measured = entry.get("measured") or {}
    ours = {m: "missing" if measured.get(m) is None else f"{measured[m]:.1f}" for m in MODULES}
    theirs = coverage_report(vpy, src, data)
    print(f"correctness ({label}): plugin (--g6-report) vs coverage report (baseline data)")
    for m in MODULES:
        verdict = "equal" if ours[m] == theirs[m] else "DIFFERENT"
        print(f"  {m}: plugin {ours[m]} %, coverage report {theirs[m]} % -> {verdict}")
    if ours != theirs:
        print(f"  report's critical_coverage entry: {json.dumps(entry)}")
    return ours == theirs


def show(title: str, base: list[Sample], cand: list[Sample]) -> Comparison:
    cmp = Comparison(title, base, cand)
    print("\n".join(cmp.lines()))
    return cmp


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--quick", action="store_true", help="3 runs each")
    ap.add_argument("--python", default=sys.executable, help="interpreter for the venv")
    args = ap.parse_args()
    runs = 3 if args.quick else args.runs
    src, original = project()
    vpy = venv(args.python, src)
    info = sh(
        [
            str(vpy),
            "-c",
            "import sys, coverage, pytest; print(sys.version.split()[0], "
            "coverage.__version__, pytest.__version__)",
        ]
    ).split()
    print(f"{NAME} {VERSION} suite, Python {info[0]}, coverage {info[1]}, pytest {info[2]}")
    print(f"critical modules: {', '.join(MODULES)}")
    run_cfg = tomllib.loads(original).get("tool", {}).get("coverage", {}).get("run", {})
    for key in ("source", "source_pkgs"):
        if key in run_cfg:
            print(
                f"note: the project's [tool.coverage.run] sets {key} = {run_cfg[key]}: "
                "coverage ignores an include= beside it (include-ignored)"
            )
    with tempfile.TemporaryDirectory(prefix="g6-cov3p-") as tmp_name:
        tmp = Path(tmp_name)
        pytest = [str(vpy), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        cov_run = [str(vpy), "-m", "coverage", "run", f"--source={PKG}", "-m"]
        cmds: dict[str, Cmd] = {
            "plain": ([*pytest, "-p", "no:g6gov"], None),
            "base": ([*cov_run, *pytest[2:], "-p", "no:g6gov"], {"COVERAGE_FILE": f"{tmp}/b"}),
            "cand": ([*pytest, f"--g6-report={tmp}/r.json"], None),
            "floor": (
                [*cov_run[:4], f"--include={tmp}/none.py", "-m", *pytest[2:], "-p", "no:g6gov"],
                {"COVERAGE_FILE": f"{tmp}/f"},
            ),
        }
        unusable = "Python < 3.12" if int(info[0].split(".")[1]) < 12 else None
        unusable = unusable or sysmon_unusable(vpy, src, tmp)
        if unusable is None:
            sysmon = {"COVERAGE_CORE": "sysmon", "COVERAGE_FILE": f"{tmp}/bs"}
            cmds["base_sm"] = (cmds["base"][0], sysmon)
            cmds["cand_sm"] = ([*pytest, f"--g6-report={tmp}/rs.json"], sysmon)
        for key, (cmd, env) in cmds.items():
            extra = " ".join(f"{k}={v}" for k, v in (env or {}).items())
            print(f"  {key:8} {extra + ' ' if extra else ''}{' '.join(cmd)}")
        print(f"{runs} rounds (+1 warm-up) ...", flush=True)
        s = rounds(cmds, src, runs)
        main_cmp = show(
            "candidate (plugin, 2 modules) vs baseline (coverage run)", s["base"], s["cand"]
        )
        show("coverage run (candidate row) vs plain pytest (baseline row)", s["plain"], s["base"])
        show("plugin (candidate row) vs plain pytest (baseline row)", s["plain"], s["cand"])
        show(
            "floor (tracer on, no file recorded) vs baseline (coverage run)", s["base"], s["floor"]
        )
        ratio = main_cmp.ratio_min_cpu
        ok = ratio <= TARGET
        print(
            f"  target: min CPU ratio candidate/baseline <= {TARGET} -> {ratio:.3f} "
            f"(median wall {main_cmp.ratio_median_wall:.3f}) "
            f"{'met' if ok else 'MISSED'}"
        )
        if unusable is None:
            show("sysmon: candidate vs baseline (COVERAGE_CORE=sysmon)", s["base_sm"], s["cand_sm"])
            show("sysmon: coverage run (candidate row) vs plain pytest", s["plain"], s["base_sm"])
            show("sysmon: plugin (candidate row) vs plain pytest", s["plain"], s["cand_sm"])
        else:
            print(f"sysmon core: not available ({unusable}); no sysmon figures quoted")
        same = check("default core", vpy, src, tmp / "b", tmp / "r.json")
        if unusable is None:
            same = check("sysmon core", vpy, src, tmp / "bs", tmp / "rs.json") and same
    return 0 if ok and same else 1


if __name__ == "__main__":
    raise SystemExit(main())
