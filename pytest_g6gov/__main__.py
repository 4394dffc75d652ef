"""``python -m pytest_g6gov``: the ``g6gov`` command (see :mod:`pytest_g6gov.cli`)."""

from pytest_g6gov.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
