"""The warn/enforce decision for one check (SPEC §1 precedence)."""

from __future__ import annotations

from packaging.version import Version

from .findings import Mode


def decide_mode(
    mode: Mode | None,
    introduced_in: Version | None,
    release: Version | None,
    enforce_all: bool,
) -> Mode:
    """``off`` wins; then ``--g6-enforce``/``enforce = true``; then ``mode``; then R+1 staging.

    R+1: a check introduced in version V warns while ``release <= V`` and
    enforces once ``release > V``.
    """
    if mode == "off":
        return "off"
    if enforce_all:
        return "enforce"
    if mode is not None:
        return mode
    if introduced_in is not None and release is not None and release > introduced_in:
        return "enforce"
    return "warn"
