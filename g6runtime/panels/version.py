"""The one panel schema version. Readers accept this version and the one before it."""

PANEL_SCHEMA_VERSION = 1
