"""Retention of the CSV tree: scan and prune day-files past their age, with guards.

* :mod:`.layout` — the tree's shape and the "looks like a G6 CSV tree" rule;
* :mod:`.scan` — the scanner (``scan``), walking by descriptors, never following links;
* :mod:`.prune` — the pruner (``prune``): lock, re-checked guards, audit log, folders;
* :mod:`.lock`, :mod:`.audit` — ``flock`` on ``.g6_retention.lock`` and the JSON-lines log;
* :mod:`.report` — text, JSON and the terminal progress line;
* :mod:`.auto` — pruning inside ``g6 collect`` (the command is ``g6runtime.cli.retention``).

Nothing happens at import.
"""
