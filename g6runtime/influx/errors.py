"""The InfluxDB errors: every one a :class:`~g6runtime.errors.G6Error`.

Client failures are :class:`~g6runtime.errors.StorageError` subclasses with a ``retryable``
attribute: the sink retries and spools what is retryable (the server is down, hung or
overloaded) and reports the rest (bad credentials, a rejected point, a missing database),
which a retry would only repeat. A point that line protocol cannot carry is a
:class:`LineProtocolError` (a :class:`~g6runtime.errors.DataError`), raised before anything
is sent. No message ever contains the password.
"""

from __future__ import annotations

from g6runtime.errors import DataError, StorageError


class InfluxError(StorageError):
    """Base of the client's errors; ``retryable`` says whether a later retry can succeed."""

    retryable = False


class InfluxUnavailable(InfluxError):
    """Connection refused or reset, a timeout, or a 5xx answer: retry later (or spool)."""

    retryable = True


class InfluxAuthError(InfluxError):
    """401/403: the credentials are missing or wrong (retrying cannot help)."""


class InfluxRejected(InfluxError):
    """400: the server refused (part of) the body, e.g. unparsable line or a field type
    conflict; the message carries the server's own error text."""


class InfluxDatabaseMissing(InfluxError):
    """404 "database not found": the configured database does not exist."""


class LineProtocolError(DataError):
    """A measurement, tag, field or timestamp that line protocol cannot carry exactly."""
