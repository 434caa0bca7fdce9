"""Nothing Mamori stores about a found card can rebuild it (issue 14, item 1; docs/security.md).

The attacker of these tests holds a copy of the database and the application's settings (SECRET_KEY, the
secrets key) but not the fingerprint key, which lives in its own file outside the database and backups.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import stat
import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from mamori.core import keys
from mamori.discovery import fingerprints
from mamori.discovery.engine.checks import luhn_ok
from mamori.discovery.engine.masking import ScryptCost, mask_card, pan_fingerprint
from mamori.discovery.models import ScanFinding
from mamori.discovery.shopdb import build_shop_db
from tests.discovery_app.conftest import scan_now

CARD = "4111111111111111"


def _old_layout_key(secret_key: str) -> bytes:
    """The fingerprint key of migration 0001's layout: derived from SECRET_KEY."""
    return hmac.new(secret_key.encode(), b"mamori.discovery.fingerprint", hashlib.sha256).digest()


def _candidates(masked: str) -> list[str]:
    """Every Luhn-valid number with this mask's visible digits."""
    head, tail = masked.split("*", 1)[0], masked.rsplit("*", 1)[-1]
    hidden = len(masked) - len(head) - len(tail)
    out = []
    for middle in range(10**hidden):
        number = f"{head}{middle:0{hidden}d}{tail}"
        if luhn_ok(number):
            out.append(number)
    return out


def test_the_old_layout_gave_the_card_number_away_in_seconds(settings):
    # given a finding as migration 0001 stored it: the mask next to an HMAC keyed from SECRET_KEY
    stored_mask = CARD[:6] + "******" + CARD[-4:]
    stored_hash = hmac.digest(_old_layout_key(settings.SECRET_KEY), CARD.encode(), "sha256").hex()
    # when an attacker with the settings tries every number that fits the mask
    started = time.perf_counter()
    key = _old_layout_key(settings.SECRET_KEY)
    rebuilt = [n for n in _candidates(stored_mask) if hmac.digest(key, n.encode(), "sha256").hex() == stored_hash]
    # then the card number is rebuilt, in seconds
    assert rebuilt == [CARD]
    assert time.perf_counter() - started < 30


def test_a_scan_stores_only_masks_and_slow_fingerprints_of_card_numbers(shop_db, shop_source):
    # given the demo shop with card numbers and security codes, scanned through the job
    truth = build_shop_db(f"sqlite:///{shop_db}", flavour="eccube2", customers=60, orders=120)
    scan = scan_now(shop_source)
    findings = list(ScanFinding.objects.filter(scan=scan))
    # then card numbers carry scrypt fingerprints, and nothing else carries any
    numbers = [f for f in findings if f.type == "credit_card_number"]
    assert numbers and all(fp.startswith("s1$") for f in numbers for fp in f.card_fingerprints)
    assert all(f.card_fingerprints == [] for f in findings if f.type != "credit_card_number")
    # and every stored mask hides at least six digits
    for finding in numbers:
        assert all(example.count("*") >= 6 for example in finding.examples)
    # and no finding holds a fast hash of anything (a security code's would fall to 1,000 guesses)
    stored = repr([(f.examples, f.card_fingerprints, f.evidence) for f in findings])
    assert not re.search(r"\b[0-9a-f]{64}\b", stored.replace("s1$", "").split("$")[0])
    assert all(not re.fullmatch(r"[0-9a-f]{64}", v) for f in findings for v in f.examples)
    assert truth.card_numbers and not any(n in stored for n in truth.card_numbers)


def test_without_the_fingerprint_key_even_the_right_guess_cannot_be_confirmed(settings, shop_source, tmp_path):
    # given a card found in a file share and stored
    share = tmp_path / "share"
    share.mkdir(exist_ok=True)
    (share / "orders.csv").write_text(f"name,card\n山田,{CARD}\n", encoding="utf-8")
    source = shop_source
    source.kind, source.location = "files", str(share)
    source.save()
    finding = ScanFinding.objects.get(scan=scan_now(source), type="credit_card_number")
    (stored,) = finding.card_fingerprints
    cost = ScryptCost(log2_n=int(stored.split("$")[1]))
    # when an attacker hashes the true number with every key they hold (SECRET_KEY, its old derivation,
    # the secrets key)
    held = [settings.SECRET_KEY.encode(), _old_layout_key(settings.SECRET_KEY), keys.load(keys.SECRETS).encode()]
    guesses = {pan_fingerprint(key, CARD, cost) for key in held}
    # then no guess matches: without the fingerprint key no candidate can be tested at all
    assert stored not in guesses
    # while with it the right number matches (so the fingerprint does its job)
    assert pan_fingerprint(keys.fingerprint_key(), CARD, cost) == stored


def test_rebuilding_one_card_number_from_its_mask_costs_hours_even_with_the_key():
    # given the production cost and the fewest hidden digits a mask leaves (six: 100,000 Luhn-valid numbers)
    cost = ScryptCost(log2_n=fingerprints.DEFAULT_LOG2_N)
    candidates = 10**6 // 10
    assert mask_card("378282246310005").count("*") >= 6
    # when one fingerprint is computed on this machine
    started = time.perf_counter()
    pan_fingerprint(b"k" * 32, CARD, cost)
    per_hash = time.perf_counter() - started
    # then trying every candidate on one core takes more than an hour (bench/fingerprints/run measures it)
    assert candidates * per_hash > 3600


def test_production_refuses_a_cheap_fingerprint_cost(settings, monkeypatch):
    # given a production server configured with a cost too low to protect card numbers
    settings.DEBUG = False
    del settings.MAMORI_PAN_FINGERPRINT_COST  # the test suite's own cheap cost
    monkeypatch.setenv("MAMORI_PAN_FINGERPRINT_COST", "10")
    # when the fingerprinter is made
    # then the server refuses, naming the variable
    with pytest.raises(ImproperlyConfigured, match="MAMORI_PAN_FINGERPRINT_COST"):
        fingerprints.fingerprinter()


def test_the_fingerprint_key_is_not_derived_from_secret_key_and_is_kept_private(settings):
    # given the key made at first use
    first = keys.fingerprint_key()
    # when SECRET_KEY changes
    settings.SECRET_KEY = "another-secret-key-that-is-long-enough-for-this"
    # then the fingerprint key is the same, read from its own owner-only file
    assert keys.fingerprint_key() == first
    path = keys.FINGERPRINT.path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_fingerprints_are_never_shown_in_the_api_or_the_page(shop_source, manager, client_for):
    # given a scan with card fingerprints stored
    scan = scan_now(shop_source)
    assert ScanFinding.objects.filter(scan=scan).exclude(card_fingerprints=[]).exists()
    client = client_for(manager)
    # when the manager reads the scan in the API and on its page
    api = client.get(f"/api/v1/scans/{scan.pk}/").content.decode()
    page = client.get(f"/discovery/scans/{scan.pk}/").content.decode()
    # then neither holds a fingerprint
    for body in (api, page):
        assert "s1$" not in body and "fingerprint" not in body
        assert not re.search(r"\b[0-9a-f]{64}\b", body)


def test_a_second_scan_in_the_same_worker_fingerprints_new_numbers_in_the_same_file(internal_source, tmp_path):
    # given a file scanned once with five card numbers, which spend the per-file budget of the first scan
    share = tmp_path / "share"
    first = ["4111111111111111", "5555555555554444", "4012888888881881", "378282246310005", "6011111111111117"]
    (share / "orders.csv").write_text("card\n" + "\n".join(first) + "\n", encoding="utf-8")
    scan_now(internal_source)
    # when the file holds another number and the source is scanned again in the same process
    (share / "orders.csv").write_text("card\n3530111333300000\n", encoding="utf-8")
    finding = ScanFinding.objects.get(scan=scan_now(internal_source), type="credit_card_number")
    # then the new number got its fingerprint: each scan has a budget of its own
    assert finding.card_fingerprints == [pan_fingerprint(keys.fingerprint_key(), "3530111333300000", ScryptCost(8))]
