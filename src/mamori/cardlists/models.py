"""Models of the cardlists app."""
