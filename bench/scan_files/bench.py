"""File-scanner benchmark: Mamori vs Presidio (pattern recognizers) vs PANhunt on the same labelled corpus.

Run through ``bench/scan_files/run`` (it prepares bench/.venv-peers first). Steps:
1. generate the labelled hobby-shop corpus once (cached in bench/corpus/, git-ignored);
2. full corpus: Mamori with 1 worker and with all cores, PANhunt with 1 worker;
3. a smaller corpus with the same mix (default 20 MB, same seed): Mamori 1 worker, Presidio, PANhunt —
   Presidio is too slow for the full corpus, so the ratio Mamori/Presidio comes from this line;
4. a labelled log-like corpus (default 200 MB: the corpus logs with 1 in 30 planted lines kept, repeated as
   rotated files): Mamori, PANhunt and Presidio all scan the same files — log-like text is what the
   throughput targets are about, and where the three tools can be compared on equal files;
5. Mamori's peak RSS and throughput on one 2 GB log file (generated, deleted afterwards).
Accuracy is location+type matching against labels.jsonl (see mamori.discovery.corpus.score). PANhunt reports
masked PANs per file without lines, so its card accuracy is matched per file by count (documented below).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from mamori.discovery.corpus import (
    CORPUS_VERSION,
    CorpusManifest,
    Key,
    Label,
    Score,
    finding_key,
    generate,
    load_labels,
    scale_for_size,
    score,
    score_table,
)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent.parent
PEERS = REPO / "bench" / ".venv-peers" / "bin"
CORPUS_DIR = REPO / "bench" / "corpus"
OUT_DIR = REPO / "bench" / "out"
MAIN_PY = Path(sys.executable)  # the interpreter bench/scan_files/run chose (bench/python.sh)
CARD = "credit_card_number"
PRESIDIO_TYPES = ("credit_card_number", "email_address", "phone_number")
TARGETS = {
    "credit_card_number": 0.995,
    "card_security_code": 0.95,
    "card_expiry": 0.95,
    "my_number": 0.98,
    "email_address": 0.98,
    "phone_number": 0.98,
}


@dataclass
class Run:
    tool: str
    corpus: str
    seconds: float
    megabytes: float
    scores: dict[str, Score] = field(default_factory=dict)
    max_rss_mb: float | None = None
    note: str = ""

    @property
    def mb_per_s(self) -> float:
        return self.megabytes / self.seconds if self.seconds else 0.0


def timed_child(argv: list[str], *, stdout: Path | None = None, cwd: Path | None = None) -> tuple[float, float, int]:
    """Run a child; return (wall seconds, peak RSS in MB, exit code).

    Peak RSS comes from GNU time when present: rusage of a child forked straight from this process would
    also count this process's own memory from before the exec.
    """
    rss_file = Path(tempfile.mkstemp(suffix=".rss")[1])
    wrapper = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file)] if Path("/usr/bin/time").exists() else []
    with stdout.open("wb") if stdout else open(os.devnull, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.run([*wrapper, *argv], stdout=out, stderr=subprocess.PIPE, cwd=cwd, check=False)
        seconds = time.perf_counter() - started
    rss_text = rss_file.read_text().strip().splitlines() if wrapper else []
    rss_file.unlink(missing_ok=True)
    rss = int(rss_text[-1]) / 1024 if rss_text and rss_text[-1].isdigit() else float("nan")
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr.decode("utf-8", "replace")[-3000:])
        raise SystemExit(f"{argv[0]} {argv[1:3]} failed with exit code {proc.returncode}")
    return seconds, rss, proc.returncode


def ensure_corpus(size_mb: float, seed: int) -> tuple[Path, list[Label], float]:
    target = CORPUS_DIR / f"scan_files-v{CORPUS_VERSION}-seed{seed}-{int(size_mb)}mb"
    cached = _cached(target)
    if cached:
        return cached
    print(f"generating a {size_mb:.0f} MB corpus in {target} ...", flush=True)
    started = time.perf_counter()
    manifest: CorpusManifest = generate(target, seed=seed, scale=scale_for_size(size_mb))
    (target / "complete.json").write_text(
        json.dumps({"bytes": manifest.total_bytes, "files": len(manifest.files), "seed": seed})
    )
    print(
        f"  {manifest.total_bytes / 1e6:.1f} MB, {len(manifest.files)} files in {time.perf_counter() - started:.1f} s"
    )
    return manifest.root, manifest.labels, manifest.total_bytes / 1e6


def thinned_logs(root: Path, labels: list[Label], keep_every: int) -> tuple[dict[str, bytes], list[Label]]:
    """The corpus's log files with only one in ``keep_every`` of their lines with planted values kept
    (every other line kept): log-like text with occasional card data. Returns (relative path -> bytes,
    labels renumbered to the kept lines)."""
    by_line: dict[tuple[str, int], list[Label]] = {}
    for label in labels:
        if label.line is not None:
            by_line.setdefault((label.path, label.line), []).append(label)
    files: dict[str, bytes] = {}
    out: list[Label] = []
    seen = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "/var/log/" in str(p)):
        rel = str(path.relative_to(root))
        kept: list[bytes] = []
        for number, line in enumerate(path.read_bytes().split(b"\n")[:-1], start=1):
            planted = by_line.get((rel, number))
            if planted:
                seen += 1
                if seen % keep_every:
                    continue
                out += [Label(rel, len(kept) + 1, None, None, lb.type) for lb in planted]
            kept.append(line + b"\n")
        files[rel] = b"".join(kept)
    return files, out


def _cached(target: Path) -> tuple[Path, list[Label], float] | None:
    """A corpus written completely by an earlier run; a half-written one is removed."""
    marker = target / "complete.json"
    if marker.exists():
        info = json.loads(marker.read_text())
        return target / "data", load_labels(target / "labels.jsonl"), info["bytes"] / 1e6
    if target.exists():
        shutil.rmtree(target)
    return None


def ensure_log_corpus(
    source: Path, labels: list[Label], size_mb: float, keep_every: int
) -> tuple[Path, list[Label], float]:
    """A labelled log-like corpus of about ``size_mb``: the thinned logs of the corpus at ``source``,
    repeated as rotated files (`access_log.1`, ...) until the size is reached. Cached like the corpus."""
    target = source.parent.with_name(f"{source.parent.name}-logs{keep_every}-{int(size_mb)}mb")
    cached = _cached(target)
    if cached:
        return cached
    files, thinned = thinned_logs(source, labels, keep_every)
    print(f"writing a {size_mb:.0f} MB log-like corpus in {target} ...", flush=True)
    written, copy, out_labels = 0, 0, []
    while written < size_mb * 1e6:
        for rel, data in files.items():
            name = rel if copy == 0 else f"{rel}.{copy}"
            path = target / "data" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written += len(data)
            out_labels += [Label(name, lb.line, None, None, lb.type) for lb in thinned if lb.path == rel]
            if written >= size_mb * 1e6:
                break
        copy += 1
    (target / "labels.jsonl").write_text(
        "".join(json.dumps(lb.as_dict()) + "\n" for lb in out_labels), encoding="utf-8"
    )
    (target / "complete.json").write_text(json.dumps({"bytes": written, "keep_every": keep_every}))
    return target / "data", out_labels, written / 1e6


def run_mamori(root: Path, labels: list[Label], workers: int, mb: float, corpus: str) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "findings.jsonl"
        argv = [str(MAIN_PY), "-m", "mamori.discovery.cli", str(root), "--format", "jsonl"]
        argv += ["--workers", str(workers), "--quiet"]
        seconds, rss, _rc = timed_child(argv, stdout=out)
        found: list[Key] = []
        for raw in out.read_text(encoding="utf-8").splitlines():
            if raw.strip():
                item = json.loads(raw)
                if "type" in item and "path" in item:
                    found.append(
                        finding_key(
                            item["path"], item.get("line"), item.get("sheet"), item.get("cell"), item["type"], root
                        )
                    )
    tool = f"Mamori ({workers} worker{'s' if workers > 1 else ''})"
    return Run(tool, corpus, seconds, mb, score(labels, found, sorted({lb.type for lb in labels})), rss)


def run_presidio(root: Path, labels: list[Label], mb: float, corpus: str) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "presidio.jsonl"
        proc = subprocess.run(
            [str(PEERS / "python"), str(BENCH / "presidio_scan.py"), str(root), str(out)],
            capture_output=True,
            text=True,
            check=True,
        )
        info = json.loads(proc.stdout.strip().splitlines()[-1])
        found = [
            (item["path"], f"L{item['line']}", item["type"])
            for item in map(json.loads, out.read_text(encoding="utf-8").splitlines())
        ]
    text_labels = [lb for lb in labels if lb.line is not None]
    scores = score(text_labels, found, PRESIDIO_TYPES)
    note = "pattern recognizers only (no NLP), XLSX skipped; time excludes engine setup"
    return Run("Presidio", corpus, info["seconds"], info["bytes"] / 1e6, scores, None, note)


def run_panhunt(root: Path, labels: list[Label], mb: float, corpus: str, workers: int = 1) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        argv = [str(PEERS / "panhunt"), str(root), "-o", tmp, "-j", tmp, "-q", "-w", str(workers)]
        seconds, rss, _rc = timed_child(argv, cwd=Path(tmp))
        reports = list(Path(tmp).glob("*.json"))
        results = json.loads(reports[0].read_text(encoding="utf-8"))["pans_found_results"] if reports else {}
    found_per_file: dict[str, int] = {}
    files = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    for path, pans in results.items():
        rel = os.path.relpath(path, root)
        while rel not in files and "/" in rel:  # archive members: file.xlsx/xl/worksheets/sheet2.xml
            rel = rel.rsplit("/", 1)[0]
        found_per_file[rel] = found_per_file.get(rel, 0) + len(pans)
    expected: dict[str, int] = {}
    for label in labels:
        if label.type == CARD:
            expected[label.path] = expected.get(label.path, 0) + 1
    tp = sum(min(n, expected.get(path, 0)) for path, n in found_per_file.items())
    fp = sum(found_per_file.values()) - tp
    fn = sum(expected.values()) - tp
    note = "card accuracy matched per file by count (PANhunt reports no line numbers)"
    return Run(f"PANhunt ({workers} worker)", corpus, seconds, mb, {CARD: Score(CARD, tp, fp, fn)}, rss, note)


def big_log_rss(root: Path, labels: list[Label], size_gb: float, keep_every: int) -> Run:
    """Mamori on one generated log-like file of ``size_gb`` (the corpus logs repeated), deleted afterwards.

    Of the lines holding planted values only one in ``keep_every`` is kept, so the file is log-like text
    with occasional card data rather than the dense corpus; ``keep_every=1`` keeps them all.
    """
    files, _labels = thinned_logs(root, labels, keep_every)
    block = b"".join(files.values())
    target_bytes = int(size_gb * 1e9)
    big = CORPUS_DIR / "big-single.log"
    try:
        with big.open("wb") as out:
            written = 0
            while written < target_bytes:
                piece = block[: target_bytes - written]
                out.write(piece)
                written += len(piece)
        argv = [str(MAIN_PY), "-m", "mamori.discovery.cli", str(big), "--format", "jsonl"]
        argv += ["--workers", "1", "--quiet"]
        seconds, rss, _rc = timed_child(argv, stdout=Path(os.devnull))
    finally:
        big.unlink(missing_ok=True)
    density = "all planted lines" if keep_every == 1 else f"1 in {keep_every} planted lines kept"
    return Run("Mamori (1 worker)", f"one {written / 1e9:.1f} GB log file", seconds, written / 1e6, {}, rss, density)


def machine() -> dict[str, str]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        mem = f"{mem_kb / 1024**2:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        mem = "?"
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "ram": mem, "python": platform.python_version()}


def fmt(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def table(runs: list[Run]) -> str:
    head = "| tool | corpus | MB | seconds | MB/s | card P | card R | peak RSS MB | note |"
    rows = [head, "|" + "---|" * 9]
    for r in runs:
        card = r.scores.get(CARD)
        rows.append(
            f"| {r.tool} | {r.corpus} | {r.megabytes:.1f} | {r.seconds:.2f} | {r.mb_per_s:.2f} | "
            f"{fmt(card.precision if card else None)} | {fmt(card.recall if card else None)} | "
            f"{fmt(r.max_rss_mb, 0)} | {r.note} |"
        )
    return "\n".join(rows)


def per_type_table(runs: list[Run]) -> str:
    kinds = sorted({k for r in runs for k in r.scores})
    head = "| type | target | " + " | ".join(f"{r.tool}, {r.corpus}: P / R" for r in runs) + " |"
    rows = [head, "|" + "---|" * (len(runs) + 2)]
    for kind in kinds:
        cells = []
        for r in runs:
            s = r.scores.get(kind)
            cells.append(f"{s.precision:.4f} / {s.recall:.4f}" if s else "—")
        rows.append(f"| {kind} | {TARGETS.get(kind, '—')} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=200, help="full corpus size (default 200)")
    parser.add_argument("--subset-mb", type=float, default=20, help="subset for Presidio (default 20)")
    parser.add_argument("--big-gb", type=float, default=2.0, help="single-file RSS test size, 0 to skip")
    parser.add_argument(
        "--big-keep-every", type=int, default=30, help="keep 1 in N planted lines in the big log (1: all)"
    )
    parser.add_argument(
        "--logs-mb", type=float, default=200, help="log-like corpus every tool scans whole (default 200, 0 skips)"
    )
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="'all cores' worker count")
    parser.add_argument("--skip-panhunt-full", action="store_true")
    parser.add_argument("--tools", default="mamori,presidio,panhunt", help="comma-separated subset of tools")
    args = parser.parse_args()

    info = machine()
    print(f"machine: {info}", flush=True)
    root, labels, full_mb = ensure_corpus(args.size_mb, args.seed)
    # Presidio is too slow for the full corpus: every tool also scans a smaller corpus with the same mix.
    subset, subset_labels, subset_mb = ensure_corpus(args.subset_mb, args.seed)
    full = f"full ({full_mb:.0f} MB)"
    sub = f"subset ({subset_mb:.0f} MB)"
    logs_root, logs_labels, logs_mb = (
        ensure_log_corpus(root, labels, args.logs_mb, args.big_keep_every) if args.logs_mb > 0 else (root, [], 0.0)
    )
    logs = f"log-like ({logs_mb:.0f} MB)"

    runs: list[Run] = []
    for label, action in (
        ("Mamori 1 worker, full", lambda: run_mamori(root, labels, 1, full_mb, full)),
        (f"Mamori {args.workers} workers, full", lambda: run_mamori(root, labels, args.workers, full_mb, full)),
        ("PANhunt, full", lambda: run_panhunt(root, labels, full_mb, full)),
        ("Mamori 1 worker, subset", lambda: run_mamori(subset, subset_labels, 1, subset_mb, sub)),
        ("Presidio, subset", lambda: run_presidio(subset, subset_labels, subset_mb, sub)),
        ("PANhunt, subset", lambda: run_panhunt(subset, subset_labels, subset_mb, sub)),
        ("Mamori 1 worker, logs", lambda: run_mamori(logs_root, logs_labels, 1, logs_mb, logs)),
        ("PANhunt, logs", lambda: run_panhunt(logs_root, logs_labels, logs_mb, logs)),
        ("Presidio, logs", lambda: run_presidio(logs_root, logs_labels, logs_mb, logs)),
    ):
        if args.skip_panhunt_full and label == "PANhunt, full":
            continue
        if label.endswith(", logs") and args.logs_mb <= 0:
            continue
        if label.split(" ", 1)[0].strip(",").lower() not in args.tools.lower().split(","):
            continue
        print(f"running {label} ...", flush=True)
        run = action()
        print(f"  {run.seconds:.2f} s, {run.mb_per_s:.2f} MB/s", flush=True)
        runs.append(run)
    print("\n" + table(runs) + "\n", flush=True)  # shown now in case the long single-file run is stopped
    if args.big_gb > 0 and "mamori" in args.tools.lower():
        print(f"running Mamori on one {args.big_gb} GB log file ...", flush=True)
        runs.append(big_log_rss(root, labels, args.big_gb, args.big_keep_every))

    report = render(runs, info, args)
    print("\n" + report)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (OUT_DIR / f"scan_files-{stamp}.md").write_text(report + "\n", encoding="utf-8")
    mamori_full = next((r for r in runs if r.tool.startswith("Mamori (1") and r.corpus == full), None)
    if mamori_full:
        print("\n" + score_table(mamori_full.scores, "Mamori (1 worker) per type, full corpus"))
    return 0


def ratio(a: Run | None, b: Run | None) -> str:
    if not a or not b or not b.mb_per_s:
        return "—"
    return f"{a.mb_per_s / b.mb_per_s:.1f}x"


def render(runs: list[Run], info: dict[str, str], args: argparse.Namespace) -> str:
    def find(tool: str, corpus_prefix: str) -> Run | None:
        return next((r for r in runs if r.tool.startswith(tool) and r.corpus.startswith(corpus_prefix)), None)

    m1_sub, presidio, ph_sub = find("Mamori (1", "subset"), find("Presidio", "subset"), find("PANhunt", "subset")
    m1_full, ph_full = find("Mamori (1", "full"), find("PANhunt", "full")
    m1_logs, ph_logs, pr_logs = find("Mamori (1", "log-like"), find("PANhunt", "log-like"), find("Presidio", "log-like")
    big = find("Mamori (1", "one ")
    lines = [
        f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM, Python {info['python']}",
        f"command: bench/scan_files/run --size-mb {args.size_mb:g} --subset-mb {args.subset_mb:g} "
        f"--logs-mb {args.logs_mb:g} --big-gb {args.big_gb:g} --seed {args.seed}",
        "",
        table(runs),
        "",
        f"Mamori/Presidio throughput (1 core each, same subset): {ratio(m1_sub, presidio)} (target >= 100x)",
        f"Mamori/PANhunt throughput (1 worker each, full corpus): {ratio(m1_full, ph_full)} (target >= 10x)",
        f"Mamori/PANhunt throughput (1 worker each, same subset): {ratio(m1_sub, ph_sub)}",
        f"Mamori/Presidio throughput (1 core each, same log-like files): {ratio(m1_logs, pr_logs)} (target >= 100x)",
        f"Mamori/PANhunt throughput (1 worker each, same log-like files): {ratio(m1_logs, ph_logs)} (target >= 10x)",
    ]
    if big:
        lines.append(
            f"Mamori on one log file: {big.mb_per_s:.1f} MB/s per core (target >= 300), "
            f"peak RSS {fmt(big.max_rss_mb, 0)} MB (target < 300)"
        )
    compare = [r for r in (m1_full, m1_sub, presidio, m1_logs, pr_logs) if r]
    lines += ["", "Per-type precision / recall:", "", per_type_table(compare)]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
