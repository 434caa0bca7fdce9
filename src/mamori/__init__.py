"""Mamori (守り): keep personal data safe, prove it, and handle a breach without losing the evidence."""

__version__ = "0.1.0"
