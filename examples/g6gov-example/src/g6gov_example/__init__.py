"""Example third-party checks for pytest_g6gov (see ``plugin.py``)."""
