"""`mamori demo` loads the demo once and then leaves it alone; `--reset` starts over with a new database, moving
the old one (with its audit trail and files) aside, and only in a demo data folder (issue 13, item 8)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from mamori.accounts.models import User
from mamori.core import demo
from mamori.core.models import Organisation
from mamori.incidents.models import IncidentCase


def _demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_demo_is_loaded_once_and_then_left_as_the_user_left_it():
    # given the demo, loaded once; then the manager renames the case and removes a demo user
    first = _demo()
    case = IncidentCase.objects.get()
    case.title = "カード情報漏えい (2018年11月)"
    case.save()
    User.objects.filter(username="logistics").update(is_active=False, username="logistics-retired")
    # when the demo command runs again (as every ./scripts/start does)
    again = _demo()
    # then nothing is re-created: one case, with the user's title; the removed user stays removed
    assert "Demo organisation loaded" in first
    assert "already loaded" in again and "--reset" in again
    assert list(IncidentCase.objects.values_list("title", flat=True)) == ["カード情報漏えい (2018年11月)"]
    assert not User.objects.filter(username="logistics").exists()
    assert "logistics " not in again  # the logins listed are the users still there


@pytest.mark.django_db
def test_loading_writes_a_marker_in_the_data_folder():
    # when
    _demo()
    # then
    marker = json.loads((Path(settings.DATA_DIR) / demo.MARKER_NAME).read_text(encoding="utf-8"))
    assert marker["loaded_at"] and marker["database"]
    assert demo.demo_state() is demo.DemoState.LOADED


@pytest.mark.django_db
def test_a_database_with_real_users_never_gets_the_demo_logins(manager):
    # given a database in use (a user of its own, no demo organisation)
    # when / then
    with pytest.raises(CommandError, match="not the demo"):
        _demo()
    assert Organisation.current() is None
    assert not User.objects.filter(username="president").exists()


@pytest.mark.django_db
def test_reset_is_refused_outside_a_demo_data_folder():
    # given a data folder without the demo marker
    assert not (Path(settings.DATA_DIR) / demo.MARKER_NAME).exists()
    # when / then
    with pytest.raises(CommandError, match="not a demo data folder"):
        _demo("--reset")


@pytest.mark.django_db
def test_reset_is_refused_for_a_database_outside_the_data_folder():
    # given a demo data folder whose database is elsewhere (the test database here, as a PostgreSQL one would be)
    _demo()
    # when / then
    with pytest.raises(CommandError, match="own SQLite database"):
        _demo("--reset")
    assert IncidentCase.objects.count() == 1  # nothing was touched


def _mamori(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update({"MAMORI_DATA_DIR": str(data_dir), "DEBUG": "1"})
    return subprocess.run(
        [sys.executable, "-m", "mamori.cli", *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow
def test_reset_starts_over_and_keeps_the_old_demo_aside(tmp_path):
    # given a demo data folder whose case the user renamed
    data_dir = tmp_path / "data"
    assert _mamori(data_dir, "demo").returncode == 0
    rename = "from mamori.incidents.models import IncidentCase; IncidentCase.objects.update(title='改名した事案')"
    assert _mamori(data_dir, "shell", "-c", rename).returncode == 0
    # when the demo is reset
    result = _mamori(data_dir, "demo", "--reset")
    # then the demo is loaded afresh, and the previous database, files and audit trail sit in previous-demos/
    assert result.returncode == 0, result.stderr
    assert "moved to" in result.stdout and "Demo organisation loaded" in result.stdout
    [previous] = list((data_dir / demo.MOVED_ASIDE).iterdir())
    assert (previous / "mamori.sqlite3").is_file() and (previous / demo.MARKER_NAME).is_file()
    assert (data_dir / "keys").is_dir()  # the keys stay: the old demo's secrets remain readable
    title = "from mamori.incidents.models import IncidentCase; print(*IncidentCase.objects.values_list('title'))"
    now = _mamori(data_dir, "shell", "-c", title).stdout
    assert "改名した事案" not in now and demo.CASE["title"] in now
    verify = _mamori(data_dir, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
