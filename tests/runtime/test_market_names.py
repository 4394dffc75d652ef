"""``g6runtime/market/`` is the one definition of the index names and the expiry rules.

Everything else imports ``INDEX_NAMES`` / ``EXPIRY_RULES`` from ``g6runtime.market``.
A module outside ``market/`` may *use* one name (``expiries.get("this_week")``) but
not spell out the set again: no tuple, list, set or dict literal holding two or more
index names or expiry rules. The JSON Schemas must spell their enums; they are kept
equal to the market's tuples here. The synthetic market's per-index parameters
(``providers/_surface.PROFILES``) are keyed by name and are checked to cover exactly
the market's indices.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import g6runtime
from g6runtime import config
from g6runtime.market import EXPIRY_RULES, INDEX_NAMES
from g6runtime.providers import _surface
from g6runtime.storage.csv_format import OVERVIEW_HEADER

ROOT = Path(g6runtime.__file__).parent
KEYED_BY_INDEX = {
    ("providers/_surface.py", "PROFILES"),
    ("testing/kite_server/_market.py", "KITE_INDICES"),
}


def _strings(nodes: list[ast.expr | None]) -> set[str]:
    return {n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def redefinitions(root: Path) -> Iterator[str]:
    """``file:line`` of every literal outside market/ that lists ≥ 2 indices or rules."""
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("market/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.AnnAssign | ast.Assign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = {t.id for t in targets if isinstance(t, ast.Name)}
                if any((rel, name) in KEYED_BY_INDEX for name in names) and node.value:
                    allowed.add(id(node.value))
        for node in ast.walk(tree):
            if isinstance(node, ast.Tuple | ast.List | ast.Set):
                found = _strings(list(node.elts))
            elif isinstance(node, ast.Dict) and id(node) not in allowed:
                found = _strings(node.keys)
            else:
                continue
            for known, what in ((INDEX_NAMES, "index names"), (EXPIRY_RULES, "expiry rules")):
                if len(found & set(known)) >= 2:
                    yield f"{rel}:{node.lineno}: {what} {sorted(found & set(known))}"


def test_no_module_outside_market_lists_the_names_again() -> None:
    found = list(redefinitions(ROOT))
    assert not found, "import these from g6runtime.market instead:\n" + "\n".join(found)


def test_the_scan_finds_a_redefinition(tmp_path: Path) -> None:
    (tmp_path / "market").mkdir()
    (tmp_path / "market" / "indices.py").write_text("N = ('NIFTY', 'SENSEX')\n")
    (tmp_path / "other.py").write_text(
        "A = 'NIFTY'\nT = ['this_week', 'next_week']\nD = {'NIFTY': 1, 'BANKNIFTY': 2}\n"
    )
    assert list(redefinitions(tmp_path)) == [
        "other.py:2: expiry rules ['next_week', 'this_week']",
        "other.py:3: index names ['BANKNIFTY', 'NIFTY']",
    ]


def test_settings_defaults_are_the_market_tuples() -> None:
    settings = config.Settings()
    assert settings.indices is INDEX_NAMES
    assert settings.expiries is EXPIRY_RULES
    assert not hasattr(config, "INDEX_NAMES") or config.INDEX_NAMES is INDEX_NAMES


@pytest.mark.parametrize(
    ("schema", "path", "names"),
    [
        ("config.schema.json", ("properties", "indices", "items", "enum"), INDEX_NAMES),
        ("config.schema.json", ("properties", "expiries", "items", "enum"), EXPIRY_RULES),
        (
            "config.schema.json",
            ("properties", "strike_steps", "propertyNames", "enum"),
            INDEX_NAMES,
        ),
    ],
)
def test_schema_enums_equal_the_market(
    schema: str, path: tuple[str, ...], names: tuple[str, ...]
) -> None:
    node = json.loads((ROOT / "schemas" / schema).read_text(encoding="utf-8"))
    for key in path:
        node = node[key]
    assert tuple(node) == names


def test_panel_schema_tags_are_the_expiry_rules() -> None:
    text = (ROOT / "schemas" / "panel.schema.json").read_text(encoding="utf-8")
    enums = [e for e in _enums(json.loads(text)) if set(e) & set(EXPIRY_RULES)]
    assert enums and all(tuple(e) == EXPIRY_RULES for e in enums)


def _enums(node: object) -> Iterator[list[str]]:
    if isinstance(node, dict):
        if isinstance(node.get("enum"), list):
            yield node["enum"]
        for value in node.values():
            yield from _enums(value)
    elif isinstance(node, list):
        for value in node:
            yield from _enums(value)


def test_synthetic_profiles_cover_exactly_the_market_indices() -> None:
    assert tuple(_surface.PROFILES) == INDEX_NAMES


def test_the_kite_server_s_per_index_table_covers_exactly_the_market_s_indices() -> None:
    from g6runtime.testing.kite_server._market import KITE_INDICES

    assert tuple(KITE_INDICES) == INDEX_NAMES


def test_overview_pcr_columns_follow_the_expiry_rules() -> None:
    columns = [c for c in OVERVIEW_HEADER.split(",") if c.startswith("pcr_")]
    assert columns == [f"pcr_{rule}" for rule in EXPIRY_RULES]
