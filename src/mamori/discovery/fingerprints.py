"""Slow fingerprints of card numbers found by scans (カード番号の照合用ハッシュ).

Only card numbers get one, computed while the scanner holds the number and stored in
``ScanFinding.card_fingerprints``; they let a card company's list be matched later without any card
number being kept. The key lives apart from SECRET_KEY and the database (``mamori.core.keys``) and the hash
is scrypt, sized so that rebuilding one number from its mask costs hours even with the key
(docs/security.md, ``bench/fingerprints/run``). Never shown in a page, the API or an export.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from mamori.core import keys
from mamori.discovery.engine.masking import PanFingerprinter, ScryptCost
from mamori.env import env_int

COST_ENV = "MAMORI_PAN_FINGERPRINT_COST"
DEFAULT_LOG2_N = 16
PRODUCTION_MIN_LOG2_N = 15  # below this one number's rebuild from its mask takes well under an hour per core
EXAMPLES_PER_LOCATION = 5  # as many as the masked examples a finding keeps


def cost() -> ScryptCost:
    """scrypt's cost (log2 of N) from MAMORI_PAN_FINGERPRINT_COST; lower values only for development.

    The test suite lowers it through the Django setting of the same name, which settings.py never sets."""
    test_cost = getattr(settings, COST_ENV, None)
    if test_cost is not None:
        return ScryptCost(log2_n=int(test_cost))
    log2_n = env_int(COST_ENV, DEFAULT_LOG2_N)
    floor = 8 if settings.DEBUG else PRODUCTION_MIN_LOG2_N
    if not floor <= log2_n <= 20:
        raise ImproperlyConfigured(f"{COST_ENV}={log2_n} is out of range ({floor} to 20; default {DEFAULT_LOG2_N})")
    return ScryptCost(log2_n=log2_n)


def fingerprinter() -> PanFingerprinter:
    return PanFingerprinter(keys.fingerprint_key(), cost(), per_location=EXAMPLES_PER_LOCATION)
