"""Shared test configuration."""

from __future__ import annotations

import warnings

import pytest

pytest_plugins = ["pytester"]


def pytest_configure(config: pytest.Config) -> None:
    """Build hypothesis's Unicode tables before any test runs.

    The first ``st.text()`` draw in a fresh checkout builds (and caches on disk) a table
    of every code point: seconds, and several times that under coverage tracing. Done
    here, no test's duration carries it, so the slow_tests governance judges the tests.
    """
    from hypothesis import strategies as st
    from hypothesis.errors import NonInteractiveExampleWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        st.text().example()
