"""Shared timing for the benchmarks: alternate two commands, compare minimum CPU times.

These machines are noisy (about ±3 % between identical runs), so an overhead ratio
is taken from at least 15 alternating runs of each command: the minimum CPU time
(user + system of the child) of each side, with medians quoted beside it.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    cpu: float
    wall: float


def run_once(cmd: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None) -> Sample:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        list(cmd),
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0,):
        raise SystemExit(
            f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n"
            f"{proc.stderr.decode(errors='replace')[-2000:]}"
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(cpu, wall)


@dataclass(frozen=True)
class Comparison:
    name: str
    base: list[Sample]
    cand: list[Sample]

    def stat(self, side: list[Sample], attr: str, fn: str) -> float:
        values = [getattr(s, attr) for s in side]
        return min(values) if fn == "min" else statistics.median(values)

    @property
    def ratio_min_cpu(self) -> float:
        return self.stat(self.cand, "cpu", "min") / self.stat(self.base, "cpu", "min")

    @property
    def ratio_median_wall(self) -> float:
        return self.stat(self.cand, "wall", "median") / self.stat(self.base, "wall", "median")

    def lines(self) -> list[str]:
        out = [f"{self.name}: {len(self.base)} alternating runs each"]
        for label, side in (("baseline ", self.base), ("candidate", self.cand)):
            out.append(
                f"  {label} cpu min {self.stat(side, 'cpu', 'min'):.3f}s "
                f"median {self.stat(side, 'cpu', 'median'):.3f}s | wall min "
                f"{self.stat(side, 'wall', 'min'):.3f}s median "
                f"{self.stat(side, 'wall', 'median'):.3f}s"
            )
        out.append(
            f"  ratio: min cpu {self.ratio_min_cpu:.4f} ({(self.ratio_min_cpu - 1) * 100:+.2f} %), "
            f"median wall {self.ratio_median_wall:.4f}"
        )
        return out


def alternate(
    name: str,
    base: Sequence[str],
    cand: Sequence[str],
    cwd: Path,
    runs: int = 15,
    env: Mapping[str, str] | None = None,
    warmup: int = 1,
) -> Comparison:
    for _ in range(warmup):
        run_once(base, cwd, env)
        run_once(cand, cwd, env)
    b: list[Sample] = []
    c: list[Sample] = []
    for _ in range(runs):
        b.append(run_once(base, cwd, env))
        c.append(run_once(cand, cwd, env))
    return Comparison(name, b, c)


def instructions(
    cmd: Sequence[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    children: bool = False,
    allow_failure: bool = False,
) -> int:
    """Instructions executed by ``cmd`` under valgrind's callgrind: repeatable where CPU
    time is not (these VMs vary by tens of percent between identical runs). With
    ``children``, every process it starts is counted too (xdist workers)."""
    import re

    trace = ["--trace-children=yes"] if children else []
    full = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *trace, *cmd]
    proc = subprocess.run(
        full,
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    counts = [int(n) for n in re.findall(r"Collected\s*:\s*(\d+)", proc.stderr)]
    if (proc.returncode != 0 and not allow_failure) or not counts:
        raise SystemExit(f"callgrind run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return sum(counts)
