"""One collection cycle: resolve → fetch → validate → analytics → persist → publish."""
