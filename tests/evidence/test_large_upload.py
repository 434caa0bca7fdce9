"""Several-gigabyte evidence streams through in bounded memory, with the right hash: 2 GiB generated on the fly,
through the service and through ``mamori evidence add … -``, each in a process of its own whose peak memory
(``getrusage``'s maximum resident size) is compared with the same process storing a few bytes."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.slow

MAMORI = [sys.executable, "-m", "mamori.cli"]
MIB = 1024 * 1024
TOTAL_MIB = 2048  # 2 GiB
MAX_GROWTH_MB = 200

# The same generator in the test and in the child: 1 MiB blocks, each with its number in front.
GENERATOR = """
import hashlib
BLOCK = hashlib.sha256(b"mamori evidence test").digest() * 32768
def blocks(count):
    for i in range(count):
        yield i.to_bytes(8, "big") + BLOCK[8:]
class GeneratedFile:
    '''A binary file whose bytes are made as they are read.'''
    def __init__(self, count):
        self.pieces = blocks(count)
        self.pending = b""
    def read(self, size=-1):
        while len(self.pending) < size:
            piece = next(self.pieces, None)
            if piece is None:
                break
            self.pending += piece
        out, self.pending = self.pending[:size], self.pending[size:]
        return out
"""
namespace: dict = {}
exec(GENERATOR, namespace)  # noqa: S102 - the test's own code, shared with the child process


def expected_sha256(count: int) -> str:
    digest = hashlib.sha256()
    for block in namespace["blocks"](count):
        digest.update(block)
    return digest.hexdigest()


@pytest.fixture
def env(tmp_path) -> Iterator[dict[str, str]]:
    values = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MAMORI_EVIDENCE_MAX_BYTES"}}
    values.update({"MAMORI_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "mamori.settings"})
    subprocess.run([*MAMORI, "migrate", "-v", "0"], env=values, check=True, timeout=300)
    shell(
        values,
        "from mamori.incidents.models import IncidentCase; from django.utils import timezone; "
        "IncidentCase.objects.create(title='big', discovered_at=timezone.now())",
    )
    yield values
    shutil.rmtree(tmp_path / "data", ignore_errors=True)  # 4 GiB of blobs: not left in pytest's temp folders


def shell(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [*MAMORI, "shell", "-v", "0", "-c", code], env=env, check=True, timeout=600, capture_output=True, text=True
    )
    return done.stdout.strip()


SERVICE = (
    GENERATOR
    + """
import json, resource
from mamori.accounts.policy import SYSTEM
from mamori.evidence import services
from mamori.incidents.models import IncidentCase
case = IncidentCase.objects.get()
services.add_upload(SYSTEM, case, GeneratedFile(1), "warm-up.bin")  # imports, key, folders
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
evidence = services.add_upload(SYSTEM, case, GeneratedFile(COUNT), "big.bin", reason="test")
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"sha256": evidence.sha256, "size": evidence.size, "before_kb": before, "after_kb": after}))
"""
)


def test_two_gib_through_the_service_in_bounded_memory(env):
    # when
    result = json.loads(shell(env, SERVICE.replace("COUNT", str(TOTAL_MIB))).splitlines()[-1])
    # then
    assert result["size"] == TOTAL_MIB * MIB
    assert result["sha256"] == expected_sha256(TOTAL_MIB)
    growth_mb = (result["after_kb"] - result["before_kb"]) / 1024
    assert growth_mb < MAX_GROWTH_MB, f"peak memory grew by {growth_mb:.0f} MB"


def _cli_add(env: dict[str, str], count: int) -> tuple[str, int]:
    """``mamori evidence add 1 - …`` fed ``count`` MiB on standard input; its output and peak memory (KB)."""
    process = subprocess.Popen(
        [*MAMORI, "evidence", "add", "1", "-", "--name", "big.bin", "--reason", "test"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    for block in namespace["blocks"](count):
        process.stdin.write(block)
    process.stdin.close()
    out = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, out
    return out, usage.ru_maxrss


def test_two_gib_through_the_console_in_bounded_memory(env):
    # given: the same command storing 1 MiB
    _, baseline_kb = _cli_add(env, 1)
    # when
    out, peak_kb = _cli_add(env, TOTAL_MIB)
    # then
    assert f"{TOTAL_MIB * MIB} bytes, sha256 {expected_sha256(TOTAL_MIB)}" in out
    growth_mb = (peak_kb - baseline_kb) / 1024
    assert growth_mb < MAX_GROWTH_MB, f"peak memory grew by {growth_mb:.0f} MB"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 0
