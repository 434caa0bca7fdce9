"""Card-fingerprint cost: rebuild one card number from its mask, match a list, against the old fast hash.

Run through ``bench/fingerprints/run``. Measures one fingerprint at the production cost (median of a few,
on one core) and derives:
- rebuild: an attacker who holds the database *and* the fingerprint key tries every Luhn-valid number that
  fits a stored mask — at least six hidden digits, so 100,000 candidates — one slow hash each;
- matching a card company's list of N numbers: the worst case hashes every number once (every mask
  matches a stored one); the usual case hashes only the numbers whose mask is stored (here 1%);
- the peer: the HMAC-SHA256 keyed from SECRET_KEY that findings stored until migration 0002, measured the
  same way. The ratio says how much more one rebuild costs now.
Without the fingerprint key no candidate can be tested at all; this measures the case where the key leaked.
"""

from __future__ import annotations

import argparse
import hmac
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "src"))

from mamori.discovery.engine.masking import CARD_HIDDEN_DIGITS, ScryptCost, pan_fingerprint

KEY = b"k" * 32
CARD = "4111111111111111"


def _median_seconds(fn, samples: int) -> float:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _human(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.3g} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log2-n", type=int, default=16, help="scrypt cost (default 16, the production default)")
    parser.add_argument("--list", type=int, default=10_000, help="numbers in the card company's list")
    parser.add_argument("--samples", type=int, default=5)
    args = parser.parse_args(argv)
    cost = ScryptCost(log2_n=args.log2_n)
    cores = os.cpu_count() or 1
    slow = _median_seconds(lambda: pan_fingerprint(KEY, CARD, cost), args.samples)
    loops = 20_000
    fast = _median_seconds(lambda: [hmac.digest(KEY, CARD.encode(), "sha256") for _ in range(loops)], 3) / loops
    candidates = 10**CARD_HIDDEN_DIGITS // 10
    listed = args.list
    rows = [
        ("one hash", _human(fast), _human(slow), f"{slow / fast:,.0f}x"),
        (
            f"rebuild one card ({candidates:,} candidates), 1 core",
            _human(candidates * fast),
            _human(candidates * slow),
            "",
        ),
        (f"rebuild one card, {cores} cores", _human(candidates * fast / cores), _human(candidates * slow / cores), ""),
        (f"match {listed:,} numbers, worst case, {cores} cores", "", _human(listed * slow / cores), ""),
        (f"match {listed:,} numbers, 1% masks stored, {cores} cores", "", _human(listed * slow / 100 / cores), ""),
    ]
    print(f"# card fingerprints — scrypt N=2^{cost.log2_n} r={cost.r} p={cost.p} vs HMAC-SHA256 (until 0002)")
    print(f"# {platform.processor() or platform.machine()}, {cores} cores, Python {platform.python_version()}")
    print(f"| {'what':<48} | {'old (HMAC)':>11} | {'now (scrypt)':>12} |    ratio |")
    print(f"|{'-' * 50}|{'-' * 13}|{'-' * 14}|----------|")
    for what, old, new, ratio in rows:
        print(f"| {what:<48} | {old:>11} | {new:>12} | {ratio:>8} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
