"""One error taxonomy. Every error the runtime raises on purpose is a :class:`G6Error`.

The CLI turns one into a single line on stderr and exit status 2; ``category`` is
the label of ``g6_errors_total{component,category}``.
"""

from __future__ import annotations


class G6Error(Exception):
    """Base of every deliberate runtime error; its message is one clear line."""

    category = "internal"


class ConfigError(G6Error):
    """A setting, config file or environment variable is invalid."""

    category = "config"


class DataError(G6Error):
    """Market data that cannot be used (bad quotes, impossible values)."""

    category = "data"


class ProviderError(G6Error):
    """A market-data source failed to answer (optionally naming the index).

    The one provider error: ``g6runtime.providers`` re-exports it.
    """

    category = "provider"

    def __init__(self, message: str, *, index: str | None = None) -> None:
        super().__init__(message)
        self.index = index


class ProviderTimeout(ProviderError):
    """A market-data source did not answer in time."""


class StorageError(G6Error):
    """A sink could not write, or found files it must not touch."""

    category = "storage"


class IntegrityError(G6Error):
    """Panels or manifests that fail verification."""

    category = "integrity"


class UsageError(G6Error):
    """A bad command line: one line on stderr (argparse's message), exit 2."""

    category = "usage"
