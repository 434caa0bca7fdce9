"""Models of the notices app."""
