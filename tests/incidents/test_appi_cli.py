"""``mamori appi assess FILE.json``: facts in, decision out, both JSON; bad input names the field, exit 2."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from typing import Any

import pytest
from django.core.management import call_command

CASE_2018 = {
    "aware_at": "2018-11-05T20:00:00-05:00",
    "persons": 2507,
    "special_care": False,
    "property_damage_risk": True,
    "improper_purpose": True,
    "high_level_encryption": False,
    "key_compromised": False,
    "role": "principal",
    "notified_principal": False,
}


def run(*args: str) -> tuple[int, Any, str]:
    """Call the command in-process: (exit status, decision, standard error)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("appi", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), None, err.getvalue()
    return 0, json.loads(out.getvalue()), err.getvalue()


def test_a_file_of_facts_gives_the_decision_as_json(tmp_path):
    # given
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(CASE_2018), encoding="utf-8")
    # when
    status, decision, _ = run("assess", str(path))
    # then
    assert status == 0
    assert decision["categories"] == [2, 3, 4]
    assert decision["preliminary_due"] == {"earliest": "2018-11-08", "latest": "2018-11-10"}
    assert decision["final_due"] == "2019-01-04"
    assert decision["report_required"] is True and decision["notify_individuals"] is True
    assert decision["day_counting"] and decision["basis"]["final_due"]


def test_a_dash_reads_standard_input(monkeypatch):
    # given
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(CASE_2018 | {"persons": 1000})))
    # when
    status, decision, _ = run("assess", "-")
    # then
    assert status == 0 and decision["categories"] == [2, 3]


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"special_care": "yes"}, "special_care: must be true or false"),
        ({"property_damage_risk": 1}, "property_damage_risk: must be true or false"),
        ({"persons": -5}, "persons: must be 0 or more"),
        ({"persons": "2507"}, "persons: must be a whole number"),
        ({"aware_at": "2018-11-06T10:00:00"}, "aware_at: needs a UTC offset"),
        ({"role": "client"}, 'role: must be "principal" or "contractor"'),
        ({"cards": 2507}, "cards: unknown field"),
    ],
)
def test_bad_facts_exit_2_naming_the_field(tmp_path, changes, named):
    # given
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(CASE_2018 | changes), encoding="utf-8")
    # when
    status, decision, err = run("assess", str(path))
    # then
    assert status == 2 and decision is None
    assert named in err
    assert "Traceback" not in err


def test_a_missing_field_is_named(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps({k: v for k, v in CASE_2018.items() if k != "persons"}), encoding="utf-8")
    status, _, err = run("assess", str(path))
    assert status == 2 and "persons: is required" in err


@pytest.mark.parametrize(("content", "message"), [("{not json", "not valid JSON"), (None, "cannot read")])
def test_unreadable_input_exits_2(tmp_path, content, message):
    path = tmp_path / "facts.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    status, _, err = run("assess", str(path))
    assert status == 2 and message in err


def test_the_console_command_reads_stdin_and_exits_2_on_bad_input(tmp_path):
    # given: the real `mamori` entry point, as a script would call it
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"MAMORI_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "mamori.cli", "appi", "assess", "-"]
    # when
    good = subprocess.run(command, input=json.dumps(CASE_2018), capture_output=True, text=True, env=env, timeout=60)
    bad = subprocess.run(
        command, input=json.dumps(CASE_2018 | {"special_care": 1}), capture_output=True, text=True, env=env, timeout=60
    )
    # then
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["final_due"] == "2019-01-04"
    assert bad.returncode == 2
    assert "special_care: must be true or false" in bad.stderr and "Traceback" not in bad.stderr
