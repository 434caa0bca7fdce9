"""appi (filled in by its part)."""
