"""Panels: small JSON files operators and tools read every few seconds."""
