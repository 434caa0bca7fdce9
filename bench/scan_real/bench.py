"""Real-world benchmark: findings per 1,000 files on public source trees, recall on published test vectors.

Run through ``bench/scan_real/run`` after ``bench/scan_real/fetch`` (see bench/README.md). Nothing here comes
from ``mamori.discovery.corpus``: the trees are other projects' files (they hold no real people, so every
finding of a personal-data type is noise to be kept low) and the vectors are numbers and addresses other
projects publish in their test suites (each one should be found).

1. Trees (bench/corpus/real/trees/*): Mamori with the default table's view (confidence >= 0.5) and with
   every finding (`--all`, and what JSON Lines holds); per type, findings per 1,000 files, per tree and
   overall. Presidio (pattern recognizers: card, e-mail, phone JP) and PANhunt (cards) on the same files —
   Presidio on every ``--presidio-every``-th file only (it runs under 1 MB/s), Mamori's numbers on that
   same sample are printed beside it.
2. Vectors (bench/corpus/real/vectors/*.txt): each value written on its own line after a label a person
   would write (`電話番号: ...`, `E-mail: ...`, `個人番号: ...`, `カード番号: ...`); recall = lines where
   the tool reports the type / lines. E-mail recall is also given for the addresses in scope (ASCII local
   part without quotes, a domain on a real top-level domain): the test lists of e-mail validators use
   `.tld`, quoted and internationalised forms on purpose.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REAL = REPO / "bench" / "corpus" / "real"
PEERS = REPO / "bench" / ".venv-peers" / "bin"
PRESIDIO_SCAN = REPO / "bench" / "scan_files" / "presidio_scan.py"
TYPES = ("person_name", "phone_number", "credit_card_number", "email_address", "my_number", "address", "postal_code")
TARGETS = {"person_name": 20.0, "phone_number": 20.0, "credit_card_number": 1.0}
SHOWN = 0.5
LABELS = {
    "phone_number": "電話番号: {}",
    "email_address": "E-mail: {}",
    "my_number": "個人番号: {}",
    "credit_card_number": "カード番号: {}",
}


def mamori(paths: list[Path], workers: int) -> tuple[list[dict[str, object]], float]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "f.jsonl"
        argv = [sys.executable, "-m", "mamori.discovery.cli", *map(str, paths)]
        argv += ["--format", "jsonl", "--output", str(out), "--workers", str(workers), "--quiet"]
        started = time.perf_counter()
        subprocess.run(argv, check=False, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if "type" in r], seconds


def presidio(root: Path) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "p.jsonl"
        subprocess.run(
            [str(PEERS / "python"), str(PRESIDIO_SCAN), str(root), str(out)], check=True, capture_output=True
        )
        return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def panhunt(root: Path) -> dict[str, int]:
    """PANs per file (PANhunt reports masked PANs per file, no lines)."""
    with tempfile.TemporaryDirectory() as tmp:
        argv = [str(PEERS / "panhunt"), str(root), "-o", tmp, "-j", tmp, "-q", "-w", "1"]
        subprocess.run(argv, check=False, capture_output=True, cwd=tmp)
        reports = list(Path(tmp).glob("*.json"))
        results = json.loads(reports[0].read_text(encoding="utf-8"))["pans_found_results"] if reports else {}
    return {os.path.relpath(path, root): len(pans) for path, pans in results.items()}


def tree_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def sample(trees: Path, every: int, into: Path) -> int:
    """Hard-link every ``every``-th file of the trees (sorted paths) into ``into``; the number of files."""
    count = 0
    for index, path in enumerate(tree_files(trees)):
        if index % every:
            continue
        target = into / path.relative_to(trees)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)
        count += 1
    return count


def per_thousand(counts: Counter[str], files: int) -> dict[str, float]:
    return {kind: 1000.0 * counts.get(kind, 0) / max(files, 1) for kind in TYPES}


def tree_table(trees: Path, workers: int, presidio_every: int, tools: set[str]) -> list[str]:
    files = tree_files(trees)
    rows, seconds = mamori([trees], workers)
    lines = [f"## Findings per 1,000 files on real public source trees ({len(files):,} files)", ""]
    lines.append(f"Mamori: {seconds:.1f} s with {workers} workers.")
    lines.append("")
    lines.append("| tree | files | " + " | ".join(TYPES) + " |")
    lines.append("|---|---:|" + "---:|" * len(TYPES))
    per_tree: dict[str, Counter[str]] = {}
    per_tree_all: dict[str, Counter[str]] = {}
    for row in rows:
        tree = str(Path(str(row["path"])).relative_to(trees)).split("/", 1)[0]
        per_tree_all.setdefault(tree, Counter())[str(row["type"])] += 1
        if float(row["confidence"]) >= SHOWN:  # type: ignore[arg-type]
            per_tree.setdefault(tree, Counter())[str(row["type"])] += 1
    for tree in sorted(p.name for p in trees.iterdir()):
        n = len(tree_files(trees / tree))
        rate = per_thousand(per_tree.get(tree, Counter()), n)
        lines.append(f"| {tree} | {n:,} | " + " | ".join(f"{rate[k]:.1f}" for k in TYPES) + " |")
    shown = sum(per_tree.values(), Counter())
    everything = sum(per_tree_all.values(), Counter())
    for label, counts in (("**all trees, shown by default**", shown), ("all trees, with --all", everything)):
        rate = per_thousand(counts, len(files))
        lines.append(f"| {label} | {len(files):,} | " + " | ".join(f"{rate[k]:.1f}" for k in TYPES) + " |")
    lines.append("")
    rate = per_thousand(shown, len(files))
    for kind, target in TARGETS.items():
        verdict = "meets" if rate[kind] <= target else "MISSES"
        lines.append(
            f"- {kind}: {rate[kind]:.1f} per 1,000 files shown by default — {verdict} the target <= {target:g}"
        )
    lines.append("")
    lines += peers_on_trees(trees, workers, presidio_every, tools, len(files))
    return lines


def peers_on_trees(trees: Path, workers: int, every: int, tools: set[str], files: int) -> list[str]:
    lines = ["| tool | files | credit_card_number | email_address | phone_number |", "|---|---:|---:|---:|---:|"]
    if "panhunt" in tools:
        pans = panhunt(trees)
        lines.append(f"| PANhunt (all files) | {files:,} | {1000.0 * sum(pans.values()) / files:.1f} | – | – |")
    if "presidio" in tools:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "sample"
            n = sample(trees, every, root)
            found = Counter(str(r["type"]) for r in presidio(root))
            mine, _ = mamori([root], workers)
            ours = Counter(str(r["type"]) for r in mine if float(r["confidence"]) >= SHOWN)  # type: ignore[arg-type]
        for label, counts in ((f"Presidio (every {every}th file)", found), ("Mamori, same files, shown", ours)):
            rate = {k: 1000.0 * counts.get(k, 0) / max(n, 1) for k in TYPES}
            cells = " | ".join(f"{rate[k]:.1f}" for k in ("credit_card_number", "email_address", "phone_number"))
            lines.append(f"| {label} | {n:,} | {cells} |")
    return [*lines, ""]


def email_in_scope(address: str) -> bool:
    from mamori.discovery.engine import tld

    local, _, domain = address.rpartition("@")
    return bool(re.fullmatch(r"[A-Za-z0-9._%+\-]+", local)) and domain.isascii() and tld.is_tld(domain.rsplit(".")[-1])


def vector_table(workers: int, tools: set[str]) -> list[str]:
    lines = ["## Recall on published test vectors", "", "| type | vectors | Mamori (any) | Mamori (shown) |"]
    lines[-1] += " Presidio | PANhunt | source |"
    lines.append("|---|---:|---:|---:|---:|---:|---|")
    manifest = json.loads((REAL / "manifest.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "vectors"
        root.mkdir()
        values: dict[str, list[str]] = {}
        for kind, label in LABELS.items():
            source = REAL / "vectors" / f"{kind}.txt"
            values[kind] = [v for v in source.read_text(encoding="utf-8").splitlines() if v.strip()]
            (root / f"{kind}.txt").write_text("".join(label.format(v) + "\n" for v in values[kind]), encoding="utf-8")
        rows, _ = mamori([root], workers)
        found_any = {(Path(str(r["path"])).stem, r["line"], r["type"]) for r in rows}
        found_shown = {
            (Path(str(r["path"])).stem, r["line"], r["type"]) for r in rows if float(r["confidence"]) >= SHOWN
        }  # type: ignore[arg-type]
        peer = (
            {(Path(str(r["path"])).stem, r["line"], r["type"]) for r in presidio(root)}
            if "presidio" in tools
            else set()
        )
        pans = panhunt(root) if "panhunt" in tools else {}
        for kind, vals in values.items():
            n = len(vals)
            lines_of = range(1, n + 1)
            hit_any = sum((kind, i, kind) in found_any for i in lines_of)
            hit_shown = sum((kind, i, kind) in found_shown for i in lines_of)
            presidio_cell = (
                f"{sum((kind, i, kind) in peer for i in lines_of) / n:.3f}" if peer or "presidio" in tools else "–"
            )
            if kind not in ("credit_card_number", "email_address", "phone_number"):
                presidio_cell = "–"
            pan_cell = f"{min(pans.get(f'{kind}.txt', 0), n) / n:.3f}" if kind == "credit_card_number" and pans else "–"
            source = manifest["vectors"][kind]["source"]
            lines.append(
                f"| {kind} | {n} | {hit_any / n:.3f} | {hit_shown / n:.3f} | {presidio_cell} | {pan_cell} | {source} |"
            )
            if kind == "email_address":
                scope = [i for i, v in enumerate(vals, 1) if email_in_scope(v.split("<")[-1].rstrip(">"))]
                if scope:
                    got = sum((kind, i, kind) in found_any for i in scope)
                    lines.append(
                        f"| email_address (in scope) | {len(scope)} | {got / len(scope):.3f} | | | | ASCII, real TLD |"
                    )
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--presidio-every", type=int, default=20, help="Presidio scans every N-th file (default 20)")
    parser.add_argument("--tools", default="mamori,presidio,panhunt")
    args = parser.parse_args(argv)
    if not (REAL / "manifest.json").exists():
        print(
            "bench/corpus/real/ is missing: run bench/scan_real/fetch first (it needs the git mirrors of the "
            "repositories in bench/scan_real/corpus.py TREES — fetched with the `fetch` tool, or --clone with "
            "network access). CI and machines without them cannot run this benchmark.",
            file=sys.stderr,
        )
        return 2
    tools = set(args.tools.split(","))
    manifest = json.loads((REAL / "manifest.json").read_text(encoding="utf-8"))
    lines = ["# Mamori on real-world material", ""]
    lines += [f"- {t['repo']} @ {t['commit'][:12]}: {t['files']:,} files — {t['what']}" for t in manifest["trees"]]
    lines.append("")
    lines += tree_table(REAL / "trees", args.workers, args.presidio_every, tools)
    lines += vector_table(args.workers, tools)
    text = "\n".join(lines)
    print(text)
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "scan_real.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
