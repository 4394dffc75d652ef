"""How ``g6 collect`` answers signals: the handlers note them, the loop acts on them.

* **SIGTERM and SIGINT** (``systemctl stop``, Ctrl-C) stop collecting: the cycle in
  progress finishes (its CSV rows, panels, metrics and Influx points are written), no
  new cycle starts, every output is flushed and closed (the Influx sender drains for up
  to ``storage.influx.timeout_seconds``; what it cannot send stays in the spool for the
  next run), then one line, ``g6: stopped by SIGTERM after N cycles; outputs flushed and
  closed``, and exit status 0 (2, as always, when a cycle's data could not be written).
  A signal while waiting for the next cycle or for the market to open ends the wait
  within :data:`POLL_SECONDS`. Another SIGTERM or SIGINT while stopping changes nothing
  (no traceback, no second line). SIGKILL abandons the cycle in progress: the next run on
  the same folders completes or rolls back its CSV rows and replays the spool.
* **SIGHUP does not reload**; the process keeps running with the configuration it
  started with. It re-reads the config file (``--config``, else ``G6_CONFIG_FILE``) with
  the same environment and flags, validates it, and logs one line: ``configuration
  checked (F): unchanged``; ``N keys changed (names, never values); they apply after a
  restart`` (WARNING); or, when the file is not valid, its first problem and that the
  running configuration stays (ERROR). A reload in place would restart the metrics
  counters, rebind the metrics port and reopen the Influx spool under a running
  process, for nothing a restart does not do as well: CSV cycles are committed, the
  spool survives, so ``systemctl restart`` applies a change safely.

The handlers only set attributes: nothing is logged or written from a handler (a signal
can land while the main thread is inside a write to the same stream). Python runs them
between bytecodes of the main thread, and interrupted system calls resume (PEP 475), so
a signal never cuts a cycle short.
"""

from __future__ import annotations

import argparse
import logging
import signal
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Effective

__all__ = ["POLL_SECONDS", "STOP_SIGNALS", "ConfigCheck", "Signals", "changed_keys"]

log = logging.getLogger("g6runtime.collect")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
POLL_SECONDS = 0.2  # how soon a wait notices a signal


class Signals:
    """What the operator asked by signal: :attr:`stop` (the first stop signal's name) and
    a pending SIGHUP; :meth:`install` replaces the default actions (SIGHUP terminates)."""

    def __init__(self) -> None:
        self.stop: str | None = None
        self._hangup = False

    def install(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_hangup)

    def _on_stop(self, signum: int, frame: FrameType | None) -> None:
        if self.stop is None:  # a second one while stopping changes nothing
            self.stop = signal.Signals(signum).name

    def _on_hangup(self, signum: int, frame: FrameType | None) -> None:
        self._hangup = True

    def take_hangup(self) -> bool:
        """True once per SIGHUP received since the last call (several arriving together
        are answered once, after the last of them)."""
        if not self._hangup:
            return False
        self._hangup = False
        return True

    def sleep_until(self, deadline: float, on_hangup: Callable[[], None]) -> None:
        """Wait until ``deadline`` (``time.monotonic``) or a stop signal; answer SIGHUP."""
        while self.stop is None:
            if self.take_hangup():
                on_hangup()
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, POLL_SECONDS))


def changed_keys(running: Effective, now: Effective) -> list[str]:
    """The dotted keys whose effective value differs, in schema order (names only)."""
    from ..configuration.schema import dotted, leaf_keys

    return [dotted(k) for k in leaf_keys() if running.values.get(k) != now.values.get(k)]


class ConfigCheck:
    """The SIGHUP answer: the configuration resolved again and compared with the running one
    (resolved when this is built, right after the command's own settings)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.running = self._resolve()

    def _resolve(self) -> Effective:
        from ..config import resolve
        from .common import config_flags

        return resolve(self.args.config, flags=config_flags(self.args))

    def __call__(self) -> None:
        now = self._resolve()
        if now.problems:
            more = len(now.problems) - 1
            extra = f" (and {more} more: g6 config check lists them)" if more else ""
            log.error(
                "SIGHUP: configuration not valid, the running one stays: %s%s",
                now.problems[0],
                extra,
            )
            return
        where = now.config_file or "no config file"
        changed = changed_keys(self.running, now)
        if changed:
            plural = "s" if len(changed) != 1 else ""
            what = f"{len(changed)} key{plural} changed ({', '.join(changed)})"
        elif now.result != self.running.result:  # same keys, a *_file secret's new content
            what = "a secret file's content changed"
        else:
            log.info("SIGHUP: configuration checked (%s): unchanged", where)
            return
        log.warning(
            "SIGHUP: configuration checked (%s): %s; not reloaded: a restart applies it",
            where,
            what,
        )
