"""No import circles in ``pytest_g6gov`` either (same rules as the runtime's test: function-level
imports count, ``TYPE_CHECKING`` ones do not)."""

from __future__ import annotations

from pathlib import Path

import pytest_g6gov
from tests.runtime.test_import_graph import find_cycles, import_graph


def test_pytest_g6gov_has_no_import_cycle() -> None:
    graph = import_graph(Path(pytest_g6gov.__file__).parent, "pytest_g6gov")
    assert "pytest_g6gov.checks.builtin" in graph["pytest_g6gov.registry"]
    cycles = find_cycles(graph)
    assert not cycles, "import cycles in pytest_g6gov:\n" + "\n".join(
        "  " + " → ".join(cycle) for cycle in cycles
    )
