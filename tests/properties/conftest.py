"""Hypothesis settings for the property tests: deterministic (the same examples every run, so CI failures
reproduce), no example database in the checkout, no deadline on a shared 2-core machine."""

from hypothesis import settings

settings.register_profile("mamori", derandomize=True, database=None, deadline=None, max_examples=120)
settings.load_profile("mamori")
