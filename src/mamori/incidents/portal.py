"""portal (filled in by its part)."""
