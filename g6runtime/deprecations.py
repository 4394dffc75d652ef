"""One-time warnings for the deprecated names the runtime still accepts.

Every deprecated name the runtime keeps working (an old flag spelling, an environment
alias, a config-file key) calls :func:`warn_once` with its item exactly as
``DEPRECATIONS.md`` spells it (without backticks), where it is accepted.
``tests/runtime/test_deprecations.py`` ties the calls to the table both ways: each call
names an ``Active`` or ``Pending Removal`` row, and each such row of type ``cli``,
``env`` or ``config`` has a call.

The first call for an item in a process logs the message once as a WARNING on the
``g6runtime.deprecations`` logger (the line an operator sees on stderr) and emits it
once as a :class:`DeprecationWarning` (which Python shows only when warnings are
enabled, e.g. ``-W default`` or under pytest). Later calls for the same item are
silent. Thread-safe; nothing happens at import time.
"""

from __future__ import annotations

import logging
import threading
import warnings

__all__ = ["warn_once"]

log = logging.getLogger(__name__)

_lock = threading.Lock()
_warned: set[str] = set()


def warn_once(item: str, message: str, *, stacklevel: int = 2) -> bool:
    """Warn about the deprecated ``item`` with ``message``, the first time only.

    ``item`` is the Item of its ``DEPRECATIONS.md`` row (pass it as a string literal);
    ``stacklevel`` is as for :func:`warnings.warn` (2: the caller of ``warn_once``).
    Returns True when this call warned, False when the item had already been warned.
    """
    with _lock:
        if item in _warned:
            return False
        _warned.add(item)
    log.warning("%s", message)  # first: the operator's line even if warnings are errors
    warnings.warn(message, DeprecationWarning, stacklevel=stacklevel)
    return True
