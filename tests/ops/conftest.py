"""Fixtures for backup, restore and check: a demo organisation with an uploaded file, and archive surgery."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from mamori.core import backup
from mamori.core.demo import load_demo

EVIDENCE = "evidence/2018/カード会社からの連絡.txt"
EVIDENCE_BYTES = "2018-11-06 カード会社より連絡あり\n".encode()

Member = tuple[tarfile.TarInfo, bytes]


@dataclass(frozen=True)
class State:
    """What a restore must bring back (or, after a refusal, leave as it was)."""

    counts: dict[str, int]
    files: dict[str, bytes]


def current_state() -> State:
    counts = {m._meta.label_lower: m._base_manager.count() for m in backup.backup_models()}
    root = Path(settings.MEDIA_ROOT)
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    return State(counts, files)


@pytest.fixture
def demo_site(transactional_db) -> State:
    load_demo()
    evidence = Path(settings.MEDIA_ROOT) / EVIDENCE
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(EVIDENCE_BYTES)
    return current_state()


@pytest.fixture
def backup_file(demo_site, tmp_path) -> Path:
    """An uncompressed backup of the demo site (easy to take apart in tests)."""
    return backup.create_backup(tmp_path / "backups-demo.tar").path


def read_members(path: Path) -> list[Member]:
    with tarfile.open(path) as tar:
        return [(m, tar.extractfile(m).read()) for m in tar]  # type: ignore[union-attr]


def write_members(path: Path, members: list[Member]) -> Path:
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def member(name: str, data: bytes) -> Member:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


@pytest.fixture
def rewrite(tmp_path) -> Callable[[Path, Callable[[list[Member]], list[Member]]], Path]:
    """Copy an archive through a function over its members (to damage or tamper with it)."""

    def make(source: Path, change: Callable[[list[Member]], list[Member]]) -> Path:
        return write_members(tmp_path / "changed.tar", change(read_members(source)))

    return make
