"""The README's copies of the example package's files are the files themselves."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"<!-- file: (?P<path>[^ ]+) -->\n```[a-z]*\n(?P<body>.*?)```\n", re.S)


def test_every_file_block_in_the_readme_equals_its_file() -> None:
    blocks = list(BLOCK.finditer((ROOT / "README.md").read_text("utf-8")))
    assert {m["path"] for m in blocks} >= {
        "examples/g6gov-example/pyproject.toml",
        "examples/g6gov-example/src/g6gov_example/plugin.py",
    }
    for m in blocks:
        assert m["body"] == (ROOT / m["path"]).read_text("utf-8"), f"README copy of {m['path']}"
