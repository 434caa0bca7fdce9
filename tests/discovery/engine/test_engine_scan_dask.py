"""Dask clusters that cannot do the work end the scan with one clear line and exit status 2, never a traceback
or a scan that waits forever: a scheduler or worker without Mamori (real processes started with Mamori hidden
from their imports), a worker that dies mid-scan, and --workers given with --dask."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mamori.discovery.cli import main
from mamori.discovery.engine import distributed as engine_dask
from mamori.discovery.engine.scan import ScanOptions

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow

# Started with `python -c`: the process can import everything but Mamori, as on a machine where it is not
# installed (the test machine has it in its virtual environment, so it is hidden from the import system).
HIDE_MAMORI = (
    "import sys\n"
    "class NoMamori:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'mamori' or name.startswith('mamori.'):\n"
    "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
    "sys.meta_path.insert(0, NoMamori())\n"
)
WORKER = "from distributed.cli.dask_worker import main; main()\n"
SCHEDULER = "from distributed.cli.dask_scheduler import main; main()\n"


def _start(code: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.kill()
    process.wait(timeout=10)


@pytest.fixture
def scheduler() -> Iterator[str]:
    """A scheduler (in this process, which has Mamori) with no workers yet."""
    with distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def _wait_for_workers(address: str, count: int) -> None:
    with distributed.Client(address, timeout="10s") as client:
        client.wait_for_workers(count, timeout=60)


def _tree(root: Path) -> Path:
    for i in range(5):
        (root / f"order_{i}.log").write_text(f"card_no=4111111111111111 order={i}\n", encoding="utf-8")
    return root


def test_a_worker_without_mamori_is_one_clear_error_before_any_work(scheduler, tmp_path, capsys):
    # given: a worker process that cannot import Mamori
    worker = _start(HIDE_MAMORI + WORKER, scheduler, "--no-nanny", "--nthreads", "1")
    try:
        _wait_for_workers(scheduler, 1)
        # when
        started = time.monotonic()
        code = main([str(_tree(tmp_path)), "--format", "jsonl", "--quiet", "--dask", scheduler])
    finally:
        _stop(worker)
    # then: exit 2 with one line naming the worker and what to install, no output, no traceback
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "Dask worker tcp://" in err and "cannot import Mamori" in err and "install Mamori" in err
    assert "Traceback" not in err
    assert time.monotonic() - started < 30


def test_a_scheduler_without_mamori_is_one_clear_error(tmp_path, capsys):
    # given: a scheduler process that cannot import Mamori (it unpickles every task, so it needs it too)
    port = _free_port()
    scheduler = _start(HIDE_MAMORI + SCHEDULER, "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
    try:
        _wait_for_scheduler(port)
        # when
        code = main([str(_tree(tmp_path)), "--format", "jsonl", "--quiet", "--dask", f"tcp://127.0.0.1:{port}"])
    finally:
        _stop(scheduler)
    # then
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "the Dask scheduler cannot import Mamori" in err
    assert "Traceback" not in err


def test_a_worker_killed_mid_scan_ends_the_scan_with_an_error_not_a_hang(scheduler, tmp_path, monkeypatch):
    # given: the only worker (no nanny to restart it) is busy on a file that blocks (a FIFO nobody writes)
    monkeypatch.setattr(engine_dask, "NO_WORKER_TIMEOUT_S", 3.0)
    fifo = tmp_path / "blocking.pipe"
    os.mkfifo(fifo)
    worker = _start(WORKER, scheduler, "--no-nanny", "--nthreads", "1")
    _wait_for_workers(scheduler, 1)
    killer = threading.Thread(target=_kill_when_busy, args=(scheduler, worker), daemon=True)
    killer.start()
    started = time.monotonic()
    # when
    with pytest.raises(engine_dask.ClusterError) as error:
        list(engine_dask.file_results([str(fifo)], ScanOptions(hash_key=b"k"), scheduler))
    # then: a clear error a few seconds after the worker died
    killer.join(timeout=10)
    assert worker.poll() is not None
    assert "no workers" in str(error.value) and "blocking.pipe" in str(error.value)
    assert time.monotonic() - started < 40


def test_workers_with_dask_is_refused(tmp_path, capsys):
    # when
    code = main([str(_tree(tmp_path)), "--workers", "2", "--dask", "tcp://127.0.0.1:1"])
    # then
    err = capsys.readouterr().err
    assert code == 2
    assert "--workers does not apply with --dask" in err


def _kill_when_busy(address: str, worker: subprocess.Popen[bytes]) -> None:
    with distributed.Client(address, timeout="10s") as client:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(client.processing().values()):
            time.sleep(0.1)
        time.sleep(0.5)  # the task is running (blocked opening the FIFO)
    _stop(worker)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_scheduler(port: int) -> None:
    import socket

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError("the scheduler did not start")
