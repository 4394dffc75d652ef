"""g6runtime: the G6 options-data runtime for Indian index options."""

__all__ = ["__version__"]

__version__ = "0.1.0"
