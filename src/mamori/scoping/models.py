"""Models of the scoping app."""
