"""``g6gov: ignore[CODE,...]`` comments on a finding's line, and the per-check ``ignore`` key.

The comment counts only as a comment: after ``#`` in Python (a real comment token), YAML,
TOML and other ``#``-comment files, inside ``<!-- … -->`` in Markdown and HTML.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable
from pathlib import Path

from .findings import Finding

MARK = re.compile(r"g6gov:\s*ignore\[([A-Za-z0-9_,\s]*)\]")
_HTML_COMMENT = re.compile(r"<!--(.*?)-->")
_MARKUP = frozenset({".md", ".markdown", ".html", ".htm"})
_PYTHON = frozenset({".py", ".pyi"})


def _codes(text: str) -> set[str]:
    return {c.strip() for m in MARK.finditer(text) for c in m.group(1).split(",") if c.strip()}


def _python_comments(source: str) -> dict[int, str]:
    """Comment text by line number (a file that does not tokenize has none)."""
    out: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = tok.string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return {}
    return out


def line_codes(suffix: str, source: str, line: int) -> set[str]:
    """The codes a suppression comment names on ``line`` (1-based) of a file's text."""
    lines = source.splitlines()
    if not 1 <= line <= len(lines) or "g6gov:" not in lines[line - 1]:
        return set()
    text = lines[line - 1]
    if suffix in _PYTHON:
        return _codes(_python_comments(source).get(line, ""))
    if suffix in _MARKUP:
        return {c for m in _HTML_COMMENT.finditer(text) for c in _codes(m.group(1))}
    hash_at = text.find("#")
    return _codes(text[hash_at:]) if hash_at >= 0 else set()


class Suppressor:
    """Decides which findings are suppressed; reads each file once per session."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._texts: dict[str, str | None] = {}

    def _text(self, rel: str) -> str | None:
        if rel not in self._texts:
            try:
                data = (self.root / rel).read_bytes()
                self._texts[rel] = data.decode("utf-8") if b"g6gov:" in data else None
            except (OSError, UnicodeDecodeError):
                self._texts[rel] = None  # unreadable: nothing there suppresses anything
        return self._texts[rel]

    def suppressed(self, code: str, path: str | None, line: int | None) -> bool:
        if path is None or line is None or code == "G6G000":
            return False
        text = self._text(path)
        return text is not None and code in line_codes(Path(path).suffix.lower(), text, line)


def split(
    findings: Iterable[Finding], ignore: frozenset[str], suppressor: Suppressor
) -> tuple[list[Finding], int]:
    """The findings that stay, and how many were suppressed (by ``ignore`` or a comment)."""
    kept: list[Finding] = []
    dropped = 0
    for f in findings:
        if f.code in ignore or suppressor.suppressed(f.code, f.path, f.line):
            dropped += 1
        else:
            kept.append(f)
    return kept, dropped
