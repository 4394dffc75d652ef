"""The built-in checks: plain functions from inputs to findings, no pytest objects inside.

``builtin.py`` declares them as :class:`pytest_g6gov.api.Check` objects; each module is
imported only when its check is configured.
"""

from __future__ import annotations

from ..api import Context as CheckContext

__all__ = ["CheckContext"]
