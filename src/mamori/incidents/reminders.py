"""reminders (filled in by its part)."""
