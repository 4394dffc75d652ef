"""Unit tests of the env_docs check: the doc parser, the source scanner and ``run``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_g6gov.checks import CheckContext
from pytest_g6gov.checks.env_doc_parser import EnvDoc, name_regex, parse_env_doc
from pytest_g6gov.checks.env_docs import run
from pytest_g6gov.checks.env_sources import FileUses, SourceScanner
from pytest_g6gov.findings import Finding, InputError

DOC = "docs/env_dict.md"
EXPECTED_FORM = "`- G6_NAME – type – default – description`"


def parse(text: str, prefix: str = "G6_") -> EnvDoc:
    return parse_env_doc(text, DOC, prefix)


def check(
    root: Path,
    doc_text: str | bytes | None,
    files: Mapping[str, str | bytes],
    never_scan: frozenset[str] = frozenset(),
    **options: object,
) -> list[Finding]:
    """Write the doc and the files under ``root``, then run the check on them."""
    if doc_text is not None:
        path = root / DOC
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(doc_text, bytes):
            path.write_bytes(doc_text)
        else:
            path.write_text(doc_text, encoding="utf-8")
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    ctx = CheckContext(root, options, None, date(2026, 1, 1), never_scan)
    return run(ctx)


def codes(findings: list[Finding]) -> list[tuple[str, str | None, int | None]]:
    return [(f.code, f.path, f.line) for f in findings]


# --------------------------------------------------------------------------- parser


def test_entries_accept_both_separators_backticks_bullets_and_indentation() -> None:
    doc = parse(
        "# Environment\n"
        "- G6_A – str – none – the en dash form\n"
        "- `G6_B` - int - 5 - the hyphen form, backticked\n"
        "* G6_C – bool – false – star bullet\n"
        "    - G6_D - float – 0.5 – indented, mixed separators\n"
        "- G6_E – str – - – a description – with - more separators\n"
    )
    assert doc.findings == []
    assert [(e.name, e.line) for e in doc.entries] == [
        ("G6_A", 2),
        ("G6_B", 3),
        ("G6_C", 4),
        ("G6_D", 5),
        ("G6_E", 6),
    ]
    assert not any(e.is_family for e in doc.entries)


def test_names_in_prose_headings_tables_and_descriptions_are_cross_references() -> None:
    doc = parse(
        "## G6_HEADING\n"
        "G6_PROSE is mentioned in a paragraph.\n"
        "| G6_TABLE | str | x | y |\n"
        "- see G6_BULLET_PROSE for details\n"
        "- G6_A – str – x – replaces G6_OLD – and G6_OTHER – too\n"
        "> - G6_QUOTED – str – x – in a block quote\n"
    )
    assert [e.name for e in doc.entries] == ["G6_A"]
    assert doc.findings == []


def test_code_fences_are_skipped_until_a_matching_close() -> None:
    doc = parse(
        "```bash\n"
        "- G6_IN_FENCE – str – x – example\n"
        "- G6_bad\n"
        "```\n"
        "- G6_AFTER – str – x – real\n"
        "~~~~\n"
        "~~~\n"
        "- G6_STILL_IN – str – x – a shorter marker does not close\n"
        "~~~~\n"
        "- G6_LAST – str – x – real\n"
    )
    assert [(e.name, e.line) for e in doc.entries] == [("G6_AFTER", 5), ("G6_LAST", 10)]
    assert doc.findings == []


def test_a_family_matches_names_with_each_placeholder_filled() -> None:
    (entry,) = parse("- `G6_STRIKE_STEP_<INDEX>` – int – 50 – strike step per index\n").entries
    assert entry.is_family
    assert entry.head == "G6_STRIKE_STEP_"
    assert entry.pattern is not None
    for name in ("G6_STRIKE_STEP_NIFTY", "G6_STRIKE_STEP_BANK_NIFTY", "G6_STRIKE_STEP_1"):
        assert entry.pattern.fullmatch(name)
    for name in ("G6_STRIKE_STEP_", "G6_STRIKE_STEPX", "G6_STRIKE_STEP_nifty"):
        assert not entry.pattern.fullmatch(name)


def test_second_entry_for_a_name_is_env001_naming_the_first_line() -> None:
    doc = parse("- G6_A – str – x – one\n\n- `G6_A` - str - y - two\n")
    assert [(e.name, e.line) for e in doc.entries] == [("G6_A", 1)]
    assert codes(doc.findings) == [("ENV001", DOC, 3)]
    assert "line 1" in doc.findings[0].message


def test_same_family_with_other_placeholder_names_is_env001() -> None:
    doc = parse(
        "- G6_STEP_<INDEX> – int – 1 – a\n- G6_STEP_<I> – int – 1 – b\n- G6_STEP_X – int – 1 – c\n"
    )
    assert codes(doc.findings) == [("ENV001", DOC, 2)]
    assert "G6_STEP_<INDEX>" in doc.findings[0].message
    assert [e.name for e in doc.entries] == ["G6_STEP_<INDEX>", "G6_STEP_X"]


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("- G6_A – str – default", "missing description"),
        ("- G6_A", "missing type, default, description"),
        ("- G6_A is read by the collector", "1 of 4 parts"),
        ("- G6_A — str — x — em dashes are not separators", "1 of 4 parts"),
        ("- G6_lower – str – x – y", "not a valid name"),
        ("- G6_A-B – str – x – y", "not a valid name"),
        ("- `G6_A – str – x – y", "unbalanced backticks"),
        ("- G6_<> – str – x – y", "not a valid name"),
    ],
)
def test_malformed_entry_lines_are_env004_with_the_expected_form(line: str, hint: str) -> None:
    doc = parse(f"# Env\n{line}\n")
    assert codes(doc.findings) == [("ENV004", DOC, 2)]
    assert hint in doc.findings[0].message
    assert EXPECTED_FORM in doc.findings[0].message
    assert doc.entries == []


def test_the_prefix_decides_what_an_entry_is() -> None:
    doc = parse("- APP_X – str – x – y\n- G6_Y – str – x – prose here\n- APP_bad\n", prefix="APP_")
    assert [e.name for e in doc.entries] == ["APP_X"]
    assert codes(doc.findings) == [("ENV004", DOC, 3)]


def test_crlf_line_endings_keep_line_numbers() -> None:
    doc = parse("# Env\r\n\r\n- G6_A – str – x – y\r\n- G6_A – str – x – y\r\n")
    assert [(e.name, e.line) for e in doc.entries] == [("G6_A", 3)]
    assert codes(doc.findings) == [("ENV001", DOC, 4)]


_PIECES = st.sampled_from(
    [
        *("- ", "* ", "  - ", "`", "G6_", "G6_A", "g6_a", "<X>", "<", ">", " – ", " - ", "–", "-"),
        *(" ", "\t", "\r", "```", "~~~", "|", "#", "a", "Z", "_", "\\", "\u2028", "\x00"),
    ]
)
_SEP = st.sampled_from([" – ", " - ", "–", " — ", ""])
_PART = st.sampled_from(["str", "-", "`1`", "see G6_A", ""])
_ENTRY_LINES = st.tuples(
    st.sampled_from(["- ", "* ", "  - ", "-", "+ "]),
    st.sampled_from(["G6_A", "`G6_A`", "G6_B_<X>", "G6_B_<Y>", "G6_b", "`G6_C", "G6_", "x"]),
    *(_SEP, _PART, _SEP, _PART, _SEP, _PART),
).map("".join)
_LINES = st.one_of(_ENTRY_LINES, st.lists(_PIECES, max_size=12).map("".join))
_DOCS = st.lists(_LINES, max_size=25).map("\n".join)


def _assert_consistent(doc: EnvDoc, text: str, prefix: str) -> None:
    line_count = len(text.split("\n"))
    assert {f.code for f in doc.findings} <= {"ENV001", "ENV004"}
    assert all(
        f.path == DOC and f.line is not None and 1 <= f.line <= line_count for f in doc.findings
    )
    names = name_regex(prefix)
    assert all(names.fullmatch(e.name) and 1 <= e.line <= line_count for e in doc.entries)
    assert len({e.key for e in doc.entries}) == len(doc.entries)


@settings(deadline=None)
@given(text=st.text(), prefix=st.sampled_from(["G6_", "", "A.*(", "–"]))
def test_parser_never_raises_on_arbitrary_text(text: str, prefix: str) -> None:
    try:
        doc = parse(text, prefix)
    except InputError:
        return
    _assert_consistent(doc, text, prefix)


@settings(deadline=None, max_examples=300)
@given(text=_DOCS)
def test_parser_never_raises_on_bullet_like_text(text: str) -> None:
    try:
        doc = parse(text)
    except InputError:
        return
    _assert_consistent(doc, text, "G6_")


# --------------------------------------------------------------------------- scanner


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('x = "G6_A"', True),
        ("x = f'G6_STEP_{i}'", True),
        ('"""G6_A"""', True),
        ('x = "G6_" "A"', True),
        ("# os.environ['G6_A'] in a comment, no quote before G6_ in code\nG6_A = 1", True),
        ("# G6_A only in a comment\nG6_A = 1", False),
        ('x = "see G6_A"', False),
        ('x = "G6_A is set"', False),
        ("x = 1", False),
    ],
)
def test_prefilter_skips_only_files_without_a_quoted_prefixed_name(
    source: str, expected: bool
) -> None:
    assert SourceScanner("G6_").might_use(source.encode()) is expected


# --------------------------------------------------------------------------- run

GOOD_DOC = """\
# G6 environment

Names in prose such as G6_PROSE_ONLY are cross-references.

- G6_ENV – str – none – read with os.environ, see also G6_DESC_ONLY
- `G6_GETENV` - int - 5 - read with os.getenv
- G6_DICT_KEY – bool – false – a dict key
- G6_DOCSTRING – str – none – a docstring that is just the name
- G6_CONCAT – str – none – implicitly concatenated literal
- G6_PLAIN_FSTRING – str – none – an f-string without placeholders
- G6_STRIKE_STEP_<INDEX> – int – 50 – built with an f-string
- G6_DEPTH_<INDEX> – int – 5 – used through an exact name
"""

GOOD_SOURCE = '''\
import os

CONFIG = {"G6_DICT_KEY": False}


def read() -> object:
    """G6_DOCSTRING"""
    a = os.environ["G6_ENV"]
    b = os.getenv('G6_GETENV')
    c = "G6_" "CONCAT"
    d = os.environ.get("G6_DEPTH_NIFTY")
    e = os.environ.get(f"G6_PLAIN_FSTRING")
    return [a, b, c, d, e, [os.getenv(f"G6_STRIKE_STEP_{i}") for i in ("NIFTY",)]]
'''


def test_a_consistent_project_has_no_findings(tmp_path: Path) -> None:
    assert check(tmp_path, GOOD_DOC, {"pkg/config.py": GOOD_SOURCE}) == []


def test_used_name_without_entry_is_env002_once_at_its_first_use(tmp_path: Path) -> None:
    files = {
        "b/late.py": 'X = "G6_NEW"\n',
        "a/early.py": '"""Module."""\n\nY = "G6_NEW"\nZ = ["G6_NEW"]\n',
    }
    findings = check(tmp_path, "- G6_KEPT – str – x – y\n", {**files, "a/k.py": 'K = "G6_KEPT"\n'})
    assert codes(findings) == [("ENV002", "a/early.py", 3)]
    assert "add an entry `- G6_NEW – type – default – description` to docs/env_dict.md" in (
        findings[0].message
    )


def test_fstring_matching_no_family_is_env002_with_its_head(tmp_path: Path) -> None:
    doc = "- G6_STRIKE_STEP_<INDEX> – int – 50 – step\n"
    source = 'import os\nA = os.getenv(f"G6_STRIKE_STEP_{1}")\nB = os.getenv(f"G6_DYN_{A}_X")\n'
    findings = check(tmp_path, doc, {"m.py": source})
    assert codes(findings) == [("ENV002", "m.py", 3)]
    assert "G6_DYN_{...}" in findings[0].message
    assert "G6_DYN_<NAME>" in findings[0].message


def test_only_literals_exactly_a_name_are_uses(tmp_path: Path) -> None:
    source = (
        "# G6_A in a comment\n"
        'a = "G6_A is set"\n'
        'b = "g6_a"\n'
        'c = "G6_a"\n'
        'd = b"G6_A"\n'
        'e = f"{x} G6_A"\n'
        'f = f"G6_A={x}"\n'
        "G6_A = 1\n"
    )
    findings = check(tmp_path, "# Env\n- G6_A – str – x – y\n", {"m.py": source})
    assert codes(findings) == [("ENV003", DOC, 2)]


def test_names_inside_fstring_expressions_are_uses(tmp_path: Path) -> None:
    source = "import os\nmsg = f\"value: {os.environ['G6_A']:>10}\"\n"
    assert check(tmp_path, "- G6_A – str – x – y\n", {"m.py": source}) == []


def test_entry_no_code_uses_is_env003_at_its_doc_line(tmp_path: Path) -> None:
    doc = (
        "# Env\n"
        "- G6_USED – str – x – y\n"
        "- G6_STALE – str – x – mentions G6_USED\n"
        "- G6_FAM_<I> – str – x – no code matches\n"
        "- G6_EXACT_ONLY – str – x – an f-string head does not cover an exact entry\n"
    )
    source = 'U = "G6_USED"\nF = f"G6_EXACT_{U}"\n'
    findings = check(tmp_path, doc, {"m.py": source})
    assert codes(findings) == [
        ("ENV003", DOC, 3),
        ("ENV003", DOC, 4),
        ("ENV003", DOC, 5),
        ("ENV002", "m.py", 2),
    ]
    assert "no name or f-string in code matches the family" in findings[1].message


def test_fstring_heads_match_families_they_can_build(tmp_path: Path) -> None:
    doc = "- G6_STRIKE_STEP_<INDEX> – int – 50 – a\n- G6_LOT_<INDEX> – int – 1 – b\n"
    source = 'A = f"G6_STRIKE_{kind}"\nB = f"G6_LOT_NIFTY_{n}"\n'
    assert check(tmp_path, doc, {"m.py": source}) == []


def test_allow_list_silences_env002_and_env003(tmp_path: Path) -> None:
    doc = "- G6_DOC_ONLY – str – x – y\n- G6_FAM_<I> – str – x – y\n"
    source = 'A = "G6_CODE_ONLY"\nB = f"G6_DYN_{A}"\n'
    files = {"m.py": source}
    assert len(check(tmp_path, doc, files)) == 4
    allow = ["G6_DOC_ONLY", "G6_CODE_ONLY", "G6_FAM_<X>", "G6_DYN_<X>"]
    assert check(tmp_path, doc, files, allow=allow) == []


def test_missing_doc_is_one_g6g000_and_nothing_else(tmp_path: Path) -> None:
    findings = check(tmp_path, None, {"m.py": 'A = "G6_UNDOCUMENTED"\n'})
    assert codes(findings) == [("G6G000", DOC, None)]
    assert "does not exist" in findings[0].message


def test_doc_that_is_not_utf8_is_one_g6g000_with_its_line(tmp_path: Path) -> None:
    doc = "# Env\n- G6_A – str – x – y\n".encode() + b"caf\xe9\n"
    findings = check(tmp_path, doc, {"m.py": 'A = "G6_A"\n'})
    assert codes(findings) == [("G6G000", DOC, 3)]
    assert "UTF-8" in findings[0].message


def test_doc_with_a_byte_order_mark_parses(tmp_path: Path) -> None:
    doc = "\ufeff- G6_A – str – x – y\n".encode()
    assert check(tmp_path, doc, {"m.py": 'A = "G6_A"\n'}) == []


def test_unparsable_sources_are_g6g000_and_the_scan_goes_on(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "a_syntax.py": 'A = "G6_A"\n\ndef broken(:\n    pass\n',
        "b_encoding.py": b'A = "G6_A"\nB = "caf\xe9"\n',
        "c_ok.py": 'C = "G6_NEW"\n',
    }
    findings = check(tmp_path, "- G6_A – str – x – y\n", files)
    assert codes(findings) == [
        ("G6G000", "a_syntax.py", 3),
        ("G6G000", "b_encoding.py", 2),
        ("ENV002", "c_ok.py", 1),
        ("ENV003", DOC, 1),
    ]
    assert findings[0].message.startswith("cannot parse a_syntax.py")


def test_only_python_files_under_sources_are_scanned(tmp_path: Path) -> None:
    files = {
        "src/m.py": 'A = "G6_A"\n',
        "src/notes.txt": '"G6_TXT"\n',
        "other/m.py": 'B = "G6_OUTSIDE"\n',
        "src/.hidden/m.py": 'C = "G6_HIDDEN"\n',
        "src/report_dir/m.py": 'D = "G6_NEVER_SCANNED"\n',
    }
    never = frozenset({"src/report_dir"})
    findings = check(tmp_path, "- G6_A – str – x – y\n", files, never, sources=["src"])
    assert findings == []


def test_missing_sources_folder_is_g6g000(tmp_path: Path) -> None:
    findings = check(
        tmp_path, "- G6_A – str – x – y\n", {"src/m.py": 'A = "G6_A"\n'}, sources=["src", "nope"]
    )
    assert codes(findings) == [("G6G000", None, None)]
    assert "'nope'" in findings[0].message


def test_custom_prefix_and_doc_path(tmp_path: Path) -> None:
    (tmp_path / "ENV.md").write_text("- APP_A – str – x – y\n", encoding="utf-8")
    (tmp_path / "m.py").write_text('A = "APP_A"\nB = "G6_IGNORED"\nC = "APP_B"\n', encoding="utf-8")
    findings = check(tmp_path, None, {}, doc="ENV.md", prefix="APP_")
    assert codes(findings) == [("ENV002", "m.py", 3)]
    assert "ENV.md" in findings[0].message


def test_findings_are_sorted_by_path_line_code_message(tmp_path: Path) -> None:
    doc = "- G6_Z – str – x – y\n- G6_Y – str – x – y\n- G6_Y – str – x – y\n- G6_bad\n"
    files = {"b.py": 'B = "G6_B"\n', "a.py": 'A = ("G6_A2", "G6_A1")\n'}
    findings = check(tmp_path, doc, files)
    assert codes(findings) == [
        ("ENV002", "a.py", 1),
        ("ENV002", "a.py", 1),
        ("ENV002", "b.py", 1),
        ("ENV003", DOC, 1),
        ("ENV003", DOC, 2),
        ("ENV001", DOC, 3),
        ("ENV004", DOC, 4),
    ]
    assert "G6_A1" in findings[0].message
    assert check(tmp_path, None, {}) == findings


# --------------------------------------------------------------------------- pruned walk

PRUNED_CASES = {
    "decorated function": '@mark(os.environ.get("G6_DECO"))\ndef f():\n    pass\n',
    "decorated class": 'import os\n\n\n@register(\n    "G6_CLS",\n)\nclass C:\n    x = 1\n',
    "deep in a method": 'class C:\n    def m(self):\n        if x:\n            return {"k": ["G6_DEEP"]}\n',
    "implicit concatenation": 'NAME = (\n    "G6_"\n    "JOINED"\n)\n',
    "docstring": '"""G6_DOC"""\n',
    "lambda default": 'f = lambda a="G6_LAMBDA": a\n',
    "fstring in a decorator": '@route(f"G6_HEAD_{n}")\ndef g():\n    pass\n',
    "name inside fstring braces": "x = f\"{env['G6_INNER']}\"\n",
}


@pytest.mark.parametrize("source", PRUNED_CASES.values(), ids=PRUNED_CASES.keys())
def test_the_pruned_walk_finds_what_the_full_walk_finds(source: str) -> None:
    import ast

    scanner = SourceScanner("G6_")
    data = ("import os\n" * 5 + "\n" + source + "\nZ = 1\n" * 3).encode()
    tree = ast.parse(data)
    full = FileUses()
    scanner._walk(tree, full, None)
    pruned = scanner.scan(data, "m.py")
    assert full.names or full.heads
    assert sorted(pruned.names) == sorted(full.names)
    assert sorted(pruned.heads) == sorted(full.heads)


@pytest.mark.slow  # parses a few hundred stdlib modules
def test_the_pruned_walk_agrees_with_the_full_walk_on_the_standard_library() -> None:
    """Differential: every stdlib module that passes the pre-test, for prefixes it uses."""
    import ast
    import sysconfig

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    scanners = [SourceScanner(p) for p in ("PY", "LC_", "SIG", "HTTP_", "O_", "TEST", "CO_")]
    compared = 0
    for path in sorted(p for p in stdlib.rglob("*.py") if "site-packages" not in p.parts):
        data = path.read_bytes()
        users = [s for s in scanners if s.might_use(data)]
        if not users:
            continue
        try:
            tree = ast.parse(data)
        except (SyntaxError, ValueError):
            continue
        for scanner in users:
            full, pruned = FileUses(), FileUses()
            scanner._walk(tree, full, None)
            scanner._walk(tree, pruned, scanner._candidate_lines(data))
            assert sorted(pruned.names) == sorted(full.names), (scanner.prefix, path)
            assert sorted(pruned.heads) == sorted(full.heads), (scanner.prefix, path)
            compared += 1
    assert compared > 100
