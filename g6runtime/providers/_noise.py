"""Stable, process-independent pseudo-randomness for the synthetic market.

Everything is a pure function of integers: a root derived once from the seed
and a label with BLAKE2b (never ``hash()``, which is salted per process), then
mixed with the SplitMix64 finaliser. No global random state, no wall clock.
"""

from __future__ import annotations

import hashlib
import math

_MASK = (1 << 64) - 1
_TWO_PI = 2.0 * math.pi
_INV_2_32 = 1.0 / 4294967296.0

BROWNIAN_LEVELS = 31
"""The Brownian path covers ±2**31 steps (seconds: about ±68 years around its origin)."""


def stable_root(seed: int, *labels: str) -> int:
    """A 64-bit root for ``(seed, labels)``, identical in every process and platform."""
    text = ":".join((str(seed), *labels)).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little")


def mix64(x: int) -> int:
    """The SplitMix64 finaliser: a bijective avalanche of 64-bit ``x``."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def mix(root: int, *parts: int) -> int:
    """A 64-bit hash of ``root`` followed by integer ``parts`` (negatives allowed)."""
    h = root
    for part in parts:
        h = mix64(h ^ (part & _MASK))
    return h


def unit(h: int) -> float:
    """A uniform number in (0, 1) from the top 53 bits of ``h``."""
    return ((h >> 11) + 0.5) * (1.0 / 9007199254740992.0)


def normal(h: int) -> float:
    """A standard normal number from 64-bit ``h`` (Box-Muller on its two halves)."""
    u1 = ((h >> 32) + 0.5) * _INV_2_32
    u2 = ((h & 0xFFFFFFFF) + 0.5) * _INV_2_32
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(_TWO_PI * u2)


def brownian(root: int, n: int) -> float:
    """A standard Brownian motion at integer step ``n`` with ``W(0) = 0``.

    Built top-down as a Brownian bridge over dyadic intervals, so any single
    value costs at most ``BROWNIAN_LEVELS`` normal draws and is a pure function
    of ``(root, n)``. Negative steps use an independent path going backwards.
    """
    span = 1 << BROWNIAN_LEVELS
    if not -span <= n <= span:
        raise ValueError(f"step {n} is outside the Brownian path's range ±{span}")
    if n < 0:
        root, n = mix(root, -1), -n
    lo, hi = 0, span
    w_lo, w_hi = 0.0, math.sqrt(span) * normal(mix(root, 0, span))
    while True:
        if n == lo:
            return w_lo
        if n == hi:
            return w_hi
        mid = (lo + hi) >> 1
        w_mid = 0.5 * (w_lo + w_hi) + 0.5 * math.sqrt(hi - lo) * normal(mix(root, lo, hi))
        if n < mid:
            hi, w_hi = mid, w_mid
        else:
            lo, w_lo = mid, w_mid
