"""Many small files: files/s of `mamori scan` with 1 and with 2 workers (and optionally on a Dask cluster).

Writes ``--files`` log-like files of about ``--kb`` KB (cached in ``bench/corpus/scan_many-<files>x<kb>kb/``;
one line in 40 carries a public test card number, an e-mail address or a phone number), then times the CLI
as a child process (start-up included) with ``--workers 1`` and ``--workers 2``, back to back, ``--repeat``
times each, and prints files/s, MB/s and the ratio two/one. Every run must give the same findings.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent / "corpus"
VALUES = ("card_no=4111111111111111", "mail=taro.yamada@example.co.jp", "tel=03-1234-5678", "card=5555555555554444")


def make_corpus(files: int, kb: int, seed: int) -> Path:
    root = CORPUS / f"scan_many-{files}x{kb}kb-seed{seed}"
    done = root / ".complete"
    if done.exists():
        return root
    rng = random.Random(seed)
    data = root / "data"
    for i in range(files):
        folder = data / f"d{i // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        lines, size = [], 0
        n = 0
        while size < kb * 1024:
            n += 1
            extra = f" {rng.choice(VALUES)}" if rng.random() < 1 / 40 else ""
            line = (
                f"2026-11-28T09:{n % 60:02d}:{rng.randrange(60):02d}+09:00 INFO order={i * 1000 + n} "
                f"session={rng.getrandbits(64):016x} status=200 path=/shop/cart/{rng.randrange(9999)}{extra}"
            )
            lines.append(line)
            size += len(line) + 1
        (folder / f"app-{i:05d}.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done.write_text("ok\n")
    return root


CPU: dict[str, list[float]] = {}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_cli(data: Path, extra: list[str], label: str = "") -> tuple[float, str]:
    command = [sys.executable, "-m", "mamori.discovery.cli", str(data), "--format", "jsonl", "--quiet", *extra]
    env = dict(os.environ, MAMORI_SCAN_HASH_KEY="bench-scan-many")
    cpu = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, env=env, check=False)
    seconds = time.perf_counter() - started
    CPU.setdefault(label, []).append(_children_cpu() - cpu)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"mamori scan failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return seconds, hashlib.sha256(proc.stdout).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/scan_many/run")
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--kb", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--repeat", type=int, default=2, help="runs per worker count, back to back (best kept)")
    parser.add_argument("--dask", action="store_true", help="also run on a local Dask cluster of 2 worker processes")
    args = parser.parse_args()
    root = make_corpus(args.files, args.kb, args.seed)
    data = root / "data"
    megabytes = sum(p.stat().st_size for p in data.rglob("*.log")) / 1e6
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f}; python {sys.version.split()[0]}")
    print(f"corpus: {args.files:,} files, {megabytes:.1f} MB ({data})\n")
    runs: dict[str, list[float]] = {"1 worker": [], "2 workers": []}
    digests: set[str] = set()
    for _ in range(args.repeat):  # interleaved, so both counts see the same load
        for label, workers in (("1 worker", "1"), ("2 workers", "2")):
            seconds, digest = run_cli(data, ["--workers", workers], label)
            runs[label].append(seconds)
            digests.add(digest)
    if args.dask:  # the scheduler runs in this process, as a small deployment would run it beside the command
        for _ in range(args.repeat):
            for workers in (1, 2):
                label = f"Dask, {workers} worker{'s' if workers > 1 else ''}"
                runs.setdefault(label, []).append(_dask_run(data, digests, workers, label))
    print(f"{'run':<18}{'best s':>9}{'all s':>24}{'files/s':>10}{'MB/s':>8}{'CPU s':>8}")
    for label, times in runs.items():
        best = min(times)
        spread = " ".join(f"{t:.2f}" for t in times)
        cpu = min(CPU.get(label, [0.0]))
        row = f"{label:<18}{best:>9.2f}{spread:>24}{args.files / best:>10,.0f}{megabytes / best:>8.1f}"
        print(f"{row}{cpu:>8.2f}")
    ratio = min(runs["1 worker"]) / min(runs["2 workers"])
    print(f"\nratio 2 workers / 1 worker (files/s): {ratio:.2f}  (target >= 1.7)")
    print(f"files/s per worker, 1 worker: {args.files / min(runs['1 worker']):,.0f}  (target >= 5,000)")
    cpu_one = min(CPU["1 worker"])
    print(
        f"CPU per file, 1 worker (all processes): {cpu_one / args.files * 1e6:,.0f} us "
        f"-> {args.files / cpu_one:,.0f} files/s per core if the core were free"
    )
    print(f"load average after: {os.getloadavg()[0]:.1f} (other processes on these cores slow every number above)")
    if args.dask:
        dask_ratio = min(runs["Dask, 1 worker"]) / min(runs["Dask, 2 workers"])
        print(f"ratio Dask 2 workers / Dask 1 worker (files/s): {dask_ratio:.2f}  (more workers never slower: >= 1)")
    print(f"identical findings in every run: {'yes' if len(digests) == 1 else 'NO'}")
    if len(digests) != 1:
        raise SystemExit(1)


def _dask_run(data: Path, digests: set[str], workers: int, label: str) -> float:
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        seconds, digest = run_cli(data, ["--dask", cluster.scheduler_address], label)
    digests.add(digest)
    return seconds


if __name__ == "__main__":
    main()
