"""Throughput check: ``python -m mamori.discovery.engine.throughput [MEGABYTES] [--file]``.

Builds log-like text with few hits (a card, a phone, an e-mail every few thousand lines), then
times the detectors on 4 MiB chunks on one core, for each prefilter back end. With ``--file`` it
also writes the text to a temporary file and times a one-worker ``scan_paths`` (readers included).
Prints MB/s (10**6 bytes per second) by wall clock and by CPU time (fairer on a busy machine);
``--no-re`` skips the slow pure-Python back end. Timing is not part of the test suite on purpose.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from mamori.discovery.engine.detectors import Detector
from mamori.discovery.engine.matcher import HyperscanMatcher, Matcher, ReMatcher, hyperscan_available
from mamori.discovery.engine.types import TextUnit

_CHUNK = 4 * 1024 * 1024
_PATHS = ("/api/v1/orders", "/api/v1/items", "/static/app.js", "/login", "/cart/add", "/healthz")
_AGENTS = ("Mozilla/5.0 (X11; Linux x86_64)", "curl/8.5.0", "Go-http-client/1.1", "python-requests/2.32")
_HITS = (
    "checkout card=4111111111111111 result=declined",
    "contact mail=taro.yamada@example.jp",
    "callback tel=090-1234-5678",
)


def log_text(megabytes: float, seed: int = 7) -> str:
    rng = random.Random(seed)
    lines: list[str] = []
    size = 0
    target = int(megabytes * 1_000_000)
    n = 0
    while size < target:
        n += 1
        if n % 5000 == 0:
            line = f"2026-11-28T03:{n % 60:02d}:{n % 59:02d}.{n % 1000:03d}Z WARN [pay] {_HITS[n % 3]}"
        else:
            line = (
                f"2026-11-28T03:{n % 60:02d}:{n % 59:02d}.{n % 1000:03d}Z INFO [worker-{rng.randint(1, 16)}] "
                f"{rng.choice(('GET', 'POST'))} {rng.choice(_PATHS)}/{rng.randint(1, 99999)}?page={rng.randint(1, 9)} "
                f"{rng.choice((200, 200, 200, 302, 404))} {rng.random():.3f}s "
                f"ip=10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)} "
                f'req={rng.getrandbits(64):016x} ua="{rng.choice(_AGENTS)}"'
            )
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines) + "\n"


def _units(text: str) -> list[TextUnit]:
    return [TextUnit(text=text[i : i + _CHUNK], path="bench.log", line=1) for i in range(0, len(text), _CHUNK)]


def time_detector(text: str, matcher: Matcher) -> tuple[float, float, int]:
    """(MB/s by wall clock, MB/s by this process's CPU time, findings)."""
    detector = Detector(b"bench", matcher=matcher)
    units = _units(text)
    started, cpu_started = time.perf_counter(), time.process_time()
    found = sum(1 for _ in detector.scan_units(units))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    size = len(text.encode("utf-8")) / 1e6
    return size / elapsed, size / cpu, found


def time_file(text: str) -> float:
    from mamori.discovery.engine.scan import ScanOptions, scan_paths

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.log"
        path.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        report = scan_paths([path], ScanOptions(workers=1, hash_key=b"bench"))
        elapsed = time.perf_counter() - started
    return report.bytes_scanned / elapsed / 1e6


def main(argv: list[str]) -> int:
    megabytes = float(next((a for a in argv if not a.startswith("-")), "64"))
    text = log_text(megabytes)
    matchers: list[Matcher] = [] if "--no-re" in argv else [ReMatcher()]
    if hyperscan_available():
        matchers.insert(0, HyperscanMatcher())
    for matcher in matchers:
        wall, cpu, found = time_detector(text, matcher)
        print(
            f"detectors, {matcher.name:9} prefilter: {wall:8.1f} MB/s wall, {cpu:8.1f} MB/s per CPU-second"
            f" ({found} findings)"
        )
    if "--file" in argv:
        print(f"scan_paths, one worker, readers included: {time_file(text):8.1f} MB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
