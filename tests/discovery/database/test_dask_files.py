"""File scans on a Dask cluster (groups of files per task) give the same output as a local run."""

from __future__ import annotations

import pytest

from mamori.discovery.cli import main


@pytest.mark.slow
def test_file_scan_on_dask_matches_local(tmp_path, capsys, monkeypatch):
    # given
    distributed = pytest.importorskip("distributed")
    monkeypatch.setenv("MAMORI_SCAN_HASH_KEY", "same-key-for-both-runs")
    for i in range(40):
        (tmp_path / f"order_{i:02d}.log").write_text(
            f"order={i} card_no=4111111111111111 cvv=123 mail=user{i}@example.jp\n", encoding="utf-8"
        )
    (tmp_path / "clean.txt").write_text("nothing here\n", encoding="utf-8")
    assert main([str(tmp_path), "--format", "jsonl", "--quiet", "--workers", "1"]) == 1
    local = capsys.readouterr().out
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        # when
        code = main([str(tmp_path), "--format", "jsonl", "--quiet", "--dask", c.scheduler_address])
    # then
    assert code == 1
    assert capsys.readouterr().out == local
    assert "4111111111111111" not in local


def test_unreachable_scheduler_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("x\n")
    code = main([str(tmp_path), "--quiet", "--dask", "tcp://127.0.0.1:1"])
    assert code == 2
    assert "Dask scheduler" in capsys.readouterr().err
