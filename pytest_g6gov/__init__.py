"""pytest_g6gov: repository contracts as pytest checks: warn first, fail one release later."""

__all__ = ["__version__"]

__version__ = "0.1.0"
