"""Logging for the ``g6`` command: the TRACE level, the text and JSON formats, one stderr handler.

Every diagnostic of the runtime goes through :mod:`logging` to stderr; stdout carries
only a command's result. The level comes from ``G6_LOG_LEVEL`` (read by
:mod:`g6runtime.config`, the one reader of the environment), then ``-v``/``-q`` move
it one step each: ERROR ← WARNING ← INFO → DEBUG → TRACE. Feature packages only ever
call ``logging.getLogger(__name__)``; :func:`configure` is the CLI's job.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import TextIO

__all__ = ["LEVELS", "TRACE", "configure", "level_name", "stepped"]

TRACE = 5
# SPEC §2: the values of G6_LOG_LEVEL, quietest last.
LEVELS: dict[str, int] = {
    "TRACE": TRACE,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
}
_ORDER = sorted(LEVELS.values())
HANDLER_NAME = "g6-stderr"


def level_name(level: int) -> str:
    return next((name for name, value in LEVELS.items() if value == level), str(level))


def stepped(base: int, verbose: int, quiet: int) -> int:
    """``base`` moved ``verbose`` steps louder and ``quiet`` steps quieter, within the ladder."""
    position = _ORDER.index(base) if base in _ORDER else _ORDER.index(logging.INFO)
    position = max(0, min(len(_ORDER) - 1, position - verbose + quiet))
    return _ORDER[position]


class _Text(logging.Formatter):
    """``g6: message`` (the form every stderr line of the CLI has had); DEBUG/TRACE tagged."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno < logging.INFO:
            return f"g6: [{level_name(record.levelno).lower()}] {message}"
        return f"g6: {message}"


class _Json(logging.Formatter):
    """One JSON object per line: time (UTC, ms), level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return json.dumps(
            {
                "time": f"{stamp}.{int(record.msecs):03d}Z",
                "level": level_name(record.levelno),
                "logger": record.name,
                "message": record.getMessage(),
            },
            ensure_ascii=False,
        )


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (tests capture it); never raises."""

    def __init__(self) -> None:
        super().__init__()
        self.set_name(HANDLER_NAME)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:  # logging assigns it; the property wins
        pass


def configure(level: int, fmt: str = "text") -> None:
    """One handler on the ``g6runtime`` logger at ``level`` in ``fmt`` (``text`` or ``json``)."""
    logging.addLevelName(TRACE, "TRACE")
    logger = logging.getLogger("g6runtime")
    for handler in [h for h in logger.handlers if h.get_name() == HANDLER_NAME]:
        logger.removeHandler(handler)
    handler = _Stderr()
    handler.setFormatter(_Json() if fmt == "json" else _Text())
    logger.addHandler(handler)
    logger.setLevel(level)
    logging.raiseExceptions = False  # a closed stderr must not print logging's own traceback
