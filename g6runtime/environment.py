"""The one reader of the process environment in g6runtime.

:func:`read_environment` returns the ``G6_`` variables; :mod:`g6runtime.config` turns
them into settings (validated by the one JSON Schema, listed in ``ENV_VARS`` and
documented in ``docs/env_dict.md``). :func:`log_level` reads ``G6_LOG_LEVEL``, which
applies before any config file is read. Deliberately small: the ``g6`` command reads
its log level here before it imports anything else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .errors import ConfigError

__all__ = ["CONFIG_FILE_VAR", "LOG_LEVEL_VAR", "PREFIX", "log_level", "read_environment"]

PREFIX = "G6_"
CONFIG_FILE_VAR = "G6_CONFIG_FILE"
LOG_LEVEL_VAR = "G6_LOG_LEVEL"  # not a config-file key: it applies before the file is read


def read_environment() -> dict[str, str]:
    """The ``G6_`` variables of this process: the one place the runtime reads the environment."""
    return {name: value for name, value in os.environ.items() if name.startswith(PREFIX)}


def log_level(environ: Mapping[str, str] | None = None) -> int:
    """The level ``G6_LOG_LEVEL`` asks for (default INFO; any case); ConfigError if bad."""
    from .logs import LEVELS

    env = read_environment() if environ is None else environ
    raw = env.get(LOG_LEVEL_VAR, "").strip()
    if not raw:
        return LEVELS["INFO"]
    level = LEVELS.get(raw.upper())
    if level is None:
        raise ConfigError(
            f"{LOG_LEVEL_VAR}={raw!r} is not a log level; use one of " + ", ".join(LEVELS)
        )
    return level
