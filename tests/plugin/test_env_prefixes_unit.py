"""env_docs with a list of prefixes: config, the doc parser and the source scanner each
behave as the union of the single prefixes; the scan cache is keyed by the list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_g6gov.checks.env_doc_parser import parse_env_doc
from pytest_g6gov.checks.env_docs import EnvDocsOptions
from pytest_g6gov.checks.env_sources import SourceScanner, scan_sources
from pytest_g6gov.config import load_config

DOC = "docs/env_dict.md"


def test_a_list_loads_and_a_string_stays_one_prefix(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    head = '[project]\nname = "demo"\nversion = "1.0.0"\n[tool.g6gov.env_docs]\nsources = ["app"]\n'
    (tmp_path / "pyproject.toml").write_text(head + 'prefix = ["G6_", "APPLICATION_"]\n')
    gov = load_config(tmp_path)
    assert gov is not None
    options = gov.checks["env_docs"].options
    assert options["prefix"] == ["G6_", "APPLICATION_"]
    # longest first: the longest prefix that matches is the one a message names
    assert EnvDocsOptions.from_mapping(options).prefixes == ("APPLICATION_", "G6_")
    assert EnvDocsOptions.from_mapping({"prefix": "APP_"}).prefixes == ("APP_",)
    assert EnvDocsOptions.from_mapping({}).prefixes == ("G6_",)


def test_the_malformed_entry_message_names_the_prefix_it_starts_with() -> None:
    text = "- `G6_A` – two parts\n- `APP_B` – two parts\n- `app_c` – str – x – lower case\n"
    doc = parse_env_doc(text, DOC, ["G6_", "APP_", "app_"])
    messages = [f.message for f in doc.findings]
    assert [f.code for f in doc.findings] == ["ENV004"] * 3
    assert "expected `- G6_NAME" in messages[0]
    assert "expected `- APP_NAME" in messages[1]
    assert "'app_c' is not a valid name: write app_ followed by" in messages[2]


def test_overlapping_prefixes_report_each_name_once(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text('A = "G6_X_ONE"\nB = f"G6_X_{n}"\nC = "G6_TWO"\n')
    uses = scan_sources(tmp_path, ["."], ["G6_", "G6_X_"])
    assert uses.names == {"G6_X_ONE": ("m.py", 1), "G6_TWO": ("m.py", 3)}
    assert uses.heads == {"G6_X_": ("m.py", 2)}
    doc = parse_env_doc(
        "- `G6_X_ONE` – str – x – d\n- `G6_X_ONE` – str – x – d\n", DOC, ["G6_", "G6_X_"]
    )
    assert [e.name for e in doc.entries] == ["G6_X_ONE"]
    assert [f.code for f in doc.findings] == ["ENV001"]


def test_a_file_with_only_the_second_prefix_is_parsed() -> None:
    data = b'import os\n\nMODE = os.environ["APP_MODE"]\n'
    assert not SourceScanner("G6_").might_use(data)
    assert SourceScanner(["G6_", "APP_"]).might_use(data)
    assert SourceScanner(["G6_", "APP_"]).scan(data, "m.py").names == [("APP_MODE", 3)]


# ------------------------------------------------------------------ the union, by hypothesis

PREFIXES = ("G6_", "APP_", "Q")
SUFFIX = st.text("ABZ09_", min_size=0, max_size=4)
LITERAL = st.one_of(
    st.builds(lambda p, s: repr(p + s), st.sampled_from((*PREFIXES, "OTHER_", "g6_")), SUFFIX),
    st.builds(lambda p, s: f'f"{p}{s}{{x}}"', st.sampled_from((*PREFIXES, "OTHER_")), SUFFIX),
    st.just("'# G6_COMMENTED'"),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(LITERAL, max_size=8), st.lists(st.sampled_from(PREFIXES), min_size=1, unique=True))
def test_scanning_with_a_list_is_the_union_of_each_prefix(
    literals: list[str], prefixes: list[str]
) -> None:
    data = "".join(f"v{i} = {lit}\n" for i, lit in enumerate(literals)).encode()
    both = SourceScanner(prefixes).scan(data, "m.py")
    singles = [SourceScanner(p).scan(data, "m.py") for p in prefixes]
    assert sorted(set(both.names)) == sorted({n for s in singles for n in s.names})
    assert sorted(set(both.heads)) == sorted({h for s in singles for h in s.heads})


ENTRY = st.builds(
    lambda p, s, ok: f"- `{p}{s}` – str – x – d" if ok else f"- {p}{s} – broken",
    st.sampled_from((*PREFIXES, "OTHER_")),
    st.text("ABZ09_", min_size=1, max_size=3),
    st.booleans(),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(ENTRY, max_size=8), st.lists(st.sampled_from(PREFIXES), min_size=1, unique=True))
def test_parsing_with_a_list_is_the_union_of_each_prefix(
    entries: list[str], prefixes: list[str]
) -> None:
    """The prefixes do not overlap, so a line is an entry of at most one of them."""
    text = "\n".join(entries) + "\n"
    both = parse_env_doc(text, DOC, prefixes)
    singles = [parse_env_doc(text, DOC, p) for p in prefixes]
    assert sorted((e.name, e.line) for e in both.entries) == sorted(
        (e.name, e.line) for s in singles for e in s.entries
    )
    assert sorted(both.findings) == sorted(f for s in singles for f in s.findings)


# ------------------------------------------------------------------ the scan cache's key


def stored_fingerprint(root: Path, cache: Path, prefix: str | list[str]) -> str:
    for stored in cache.glob("*.json"):
        stored.unlink()
    scan_sources(root, ["."], prefix, cache_dir=cache)
    data = json.loads((cache / "env_docs.json").read_text())
    fingerprint: str = data["fingerprint"]
    return fingerprint


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "root"
    root.mkdir()
    (root / "m.py").write_text('A = "G6_A"\n')
    return root, tmp_path / "cache"


def test_the_cache_key_follows_the_set_of_prefixes(tree: tuple[Path, Path]) -> None:
    root, cache = tree
    one = stored_fingerprint(root, cache, "G6_")
    assert stored_fingerprint(root, cache, ["G6_"]) == one  # the same setting, spelt as a list
    two = stored_fingerprint(root, cache, ["G6_", "APP_"])
    assert two != one
    assert stored_fingerprint(root, cache, ["APP_", "G6_"]) == two  # order changes no result
    assert stored_fingerprint(root, cache, ["G6_", "APP"]) not in (one, two)
    assert stored_fingerprint(root, cache, "APP_") not in (one, two)
