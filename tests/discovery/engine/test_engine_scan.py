"""The scan loop: files in, ordered findings out, the same with one worker or several."""

from __future__ import annotations

from pathlib import Path

from mamori.discovery.engine import scan as scan_module
from mamori.discovery.engine.scan import (
    ScanOptions,
    ScanReport,
    batches,
    iter_file_results,
    iter_scan,
    scan_paths,
)
from mamori.discovery.engine.types import FileProblem, Finding, ReadLimits

KEY = b"fixed-test-key"


def make_tree(root: Path) -> Path:
    (root / "logs").mkdir(parents=True)
    for i in range(6):
        lines = [f"line {n} nothing here" for n in range(50)]
        lines[10 + i] = f"paid 4111111111111111 tel 090-1234-567{i}"
        (root / "logs" / f"app-{i}.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "orders.csv").write_text("name,card_no,cvv\nTARO YAMADA,5555555555554444,123\n", encoding="utf-8")
    (root / "empty.txt").write_text("", encoding="utf-8")
    return root


def test_several_workers_give_exactly_what_one_worker_gives(tmp_path: Path) -> None:
    # given a tree of files with findings
    root = make_tree(tmp_path)
    # when scanned by one process and by two
    one = list(iter_scan([root], ScanOptions(workers=1, hash_key=KEY)))
    two = list(iter_scan([root], ScanOptions(workers=2, hash_key=KEY)))
    # then the output is identical, including its order
    assert one == two
    paths = [f.path for f in one if isinstance(f, Finding)]
    assert paths == sorted(paths)


def test_report_counts_files_bytes_and_findings_per_file_and_type(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    report = scan_paths([root], ScanOptions(workers=1, hash_key=KEY))
    assert report.files_scanned == 8
    assert report.bytes_scanned == sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert report.per_type["credit_card_number"] == 7
    assert report.per_type["phone_number"] == 6
    assert report.per_file[str(root / "orders.csv")]["card_security_code"] == 1
    assert report.problems == []


def test_a_report_that_does_not_keep_findings_still_counts_them(tmp_path: Path) -> None:
    # given a report whose findings are written elsewhere as they come (mamori scan --format jsonl)
    root = make_tree(tmp_path)
    kept = scan_paths([root], ScanOptions(workers=1, hash_key=KEY))
    streamed = ScanReport(keep_findings=False)
    # when
    for result in iter_file_results([root], ScanOptions(workers=1, hash_key=KEY)):
        streamed.add(result)
    # then the counts and the worst severity are the same, and no finding is held
    assert streamed.findings == []
    assert streamed.finding_count == len(kept.findings) == kept.finding_count
    assert streamed.per_type == kept.per_type and streamed.per_file == kept.per_file
    assert streamed.max_severity == max(f.severity for f in kept.findings)


def test_types_and_min_confidence_filter_findings(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    only_cards = scan_paths([root], ScanOptions(workers=1, hash_key=KEY, types=frozenset({"credit_card_number"})))
    assert set(only_cards.per_type) == {"credit_card_number"}
    confident = scan_paths([root], ScanOptions(workers=1, hash_key=KEY, min_confidence=0.99))
    assert all(f.confidence >= 0.99 for f in confident.findings)


def test_a_value_in_the_overlap_of_two_chunks_is_reported_once_with_its_true_column(tmp_path: Path) -> None:
    # given a file read in small chunks that overlap, with one card on a long line
    path = tmp_path / "long.log"
    path.write_text(("a" * 900) + " 4111111111111111 " + ("b" * 900) + "\n", encoding="utf-8")
    limits = ReadLimits(chunk_size=600, chunk_overlap=200)
    # when scanned
    found = [
        f for f in iter_scan([path], ScanOptions(workers=1, hash_key=KEY, limits=limits)) if isinstance(f, Finding)
    ]
    # then the card is reported once, at line 1 column 902
    assert [(f.type, f.line, f.column) for f in found] == [("credit_card_number", 1, "902")]


def test_missing_and_unreadable_inputs_become_problems_not_errors(tmp_path: Path) -> None:
    # given a path that does not exist next to a readable file
    good = tmp_path / "a.txt"
    good.write_text("mail taro@example.jp\n", encoding="utf-8")
    # when both are scanned
    items = list(iter_scan([tmp_path / "missing.txt", good], ScanOptions(workers=1, hash_key=KEY)))
    # then the missing one is a problem and the scan carried on
    assert any(isinstance(i, FileProblem) and i.path.endswith("missing.txt") for i in items)
    assert any(isinstance(i, Finding) and i.type == "email_address" for i in items)


def test_fingerprints_are_keyed_and_stable(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    first = scan_paths([root / "orders.csv"], ScanOptions(workers=1, hash_key=KEY)).findings
    again = scan_paths([root / "orders.csv"], ScanOptions(workers=1, hash_key=KEY)).findings
    other = scan_paths([root / "orders.csv"], ScanOptions(workers=1, hash_key=b"another")).findings
    assert [f.fingerprint for f in first] == [f.fingerprint for f in again]
    hashed = {f.fingerprint for f in first} - {""}  # card data carries none
    assert hashed and hashed.isdisjoint({f.fingerprint for f in other})


def test_batches_keep_file_order_and_close_at_the_byte_or_file_limit() -> None:
    # given ten files of 100 bytes and one of 5,000
    files = [f"f{i:02d}" for i in range(11)]
    sizes = [100] * 5 + [5000] + [100] * 5
    # when cut with a 300-byte, 2-file limit for one worker
    groups = batches(files, sizes, workers=1, max_bytes=300, max_files=2)
    # then the batches concatenate to the files in order; none passes a limit unless one file does alone
    assert [p for g in groups for p in g.paths] == files
    assert all(len(g.paths) <= 2 for g in groups)
    assert all(g.size <= 300 or len(g.paths) == 1 for g in groups)
    assert [g.size for g in groups] == [200, 200, 100, 5000, 200, 200, 100]


def test_small_scans_get_enough_batches_for_every_worker() -> None:
    # given 64 files of 1 KB and 4 workers
    files = [f"f{i:02d}" for i in range(64)]
    # when
    groups = batches(files, [1024] * 64, workers=4)
    # then at least 8 batches per worker, so no worker waits while another has a long queue
    assert len(groups) >= 4 * 8


def test_batching_by_bytes_gives_the_same_findings_in_the_same_order_as_one_by_one(tmp_path: Path, monkeypatch) -> None:
    # given a tree and batches of at most 2 files or 300 bytes
    root = make_tree(tmp_path)
    for i in range(30):
        (root / f"more-{i:02d}.txt").write_text(f"mail user{i}@example.jp card 4111111111111111\n", encoding="utf-8")
    monkeypatch.setattr(scan_module, "BATCH_FILES", 2)
    monkeypatch.setattr(scan_module, "BATCH_BYTES", 300)
    # when scanned one file at a time in this process and in batches by two worker processes
    one = list(iter_file_results([root], ScanOptions(workers=1, hash_key=KEY)))
    two = list(iter_file_results([root], ScanOptions(workers=2, hash_key=KEY)))
    # then every file's result is identical and in the same (path) order
    assert [r.path for r in two] == [r.path for r in one] == sorted(r.path for r in one)
    assert [(r.findings, r.problems, r.size) for r in two] == [(r.findings, r.problems, r.size) for r in one]
