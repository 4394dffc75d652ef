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


@pytest.fixture(autouse=True)
def _not_inside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The inner pytest runs of the plugin tests must not print workflow commands or append
    to the real job summary when this suite itself runs in GitHub Actions; the tests of
    those features set the variables themselves."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
