"""The JIS Q 15001 requirements catalogue: shipped as data, loaded at install, updated from a file without losing
what the company recorded."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mamori.audit.models import AuditEntry
from mamori.pms import catalogue
from mamori.pms.models import Control, ControlStatus


def _shipped() -> dict:
    return json.loads(catalogue.SHIPPED.read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_every_requirement_of_the_catalogue_is_there_after_install() -> None:
    # given the shipped file
    keys = [entry["key"] for entry in _shipped()["controls"]]
    # then the install loaded each of them, in the file's order
    assert list(Control.objects.values_list("key", flat=True)) == keys
    # and every chapter J.1 … J.11 except the unused J.? numbers is reachable
    groups = set(Control.objects.values_list("group", flat=True))
    assert {"J.1", "J.2", "J.3", "J.4", "J.5", "J.6", "J.7", "J.8", "J.9", "J.10", "J.11"} <= groups


@pytest.mark.django_db
def test_numbers_are_unique_and_unconfirmed_ones_are_marked_as_such() -> None:
    codes = [c for c in Control.objects.values_list("code", flat=True) if c]
    assert len(codes) == len(set(codes))
    # a requirement whose guideline number the reference does not confirm has no number, and says so
    for control in Control.objects.filter(code=""):
        assert control.number_confirmed is False
    # the 2017 numbers the reference confirms are marked confirmed; the rest are not
    assert Control.objects.get(key="identification").a2017_mapping == "confirmed"
    assert Control.objects.get(key="internal-audit").a2017_mapping == "by_title"


@pytest.mark.django_db
def test_reloading_an_updated_file_keeps_owner_status_and_note(tmp_path: Path, manager) -> None:
    # given the company has recorded its side of a requirement
    Control.objects.filter(key="policy").update(owner=manager, status=ControlStatus.IMPLEMENTED, note="第2版を公表")
    # and a newer catalogue renumbers it and drops another requirement
    data = _shipped()
    data["controls"] = [e for e in data["controls"] if e["key"] != "pseudonymised"]
    for entry in data["controls"]:
        if entry["key"] == "policy":
            entry["title_ja"] = "個人情報保護方針(改訂)"
    path = tmp_path / "controls.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    # when the operator loads it
    call_command("pms", "load-controls", str(path), stdout=out)
    # then the text follows the file and the company's fields stay
    policy = Control.objects.get(key="policy")
    assert policy.title_ja == "個人情報保護方針(改訂)"
    assert (policy.owner, policy.status, policy.note) == (manager, ControlStatus.IMPLEMENTED, "第2版を公表")
    # and the dropped requirement is retired, not deleted
    assert Control.objects.get(key="pseudonymised").retired_at is not None
    assert "0 added, 1 updated, 1 retired" in out.getvalue()
    assert AuditEntry.objects.filter(action="pms_catalogue_loaded").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not a UTF-8 JSON file"),
        ('{"controls": []}', 'non-empty "controls" list'),
        ('{"controls": [{"key": "x", "group": "J.1", "title_ja": "a"}]}', 'entry 1 (x): "title_en" is required text'),
        (
            '{"controls": [{"key": "x", "group": "J.1", "title_ja": "a", "title_en": "a"},'
            ' {"key": "x", "group": "J.1", "title_ja": "b", "title_en": "b"}]}',
            'entry 2 (x): the key "x" appears twice',
        ),
        ('{"controls": [{"key": "x", "group": "J.12", "title_ja": "a", "title_en": "a"}]}', '"group" must be J.1'),
        (
            '{"controls": [{"key": "x", "group": "J.1", "title_ja": "a", "title_en": "a", "owner": 1}]}',
            "unknown field(s) owner",
        ),
        (
            '{"controls": [{"key": "x", "group": "J.1", "title_ja": "a", "title_en": "a", "evidence_sources": ["x"]}]}',
            '"evidence_sources" must be a list of',
        ),
    ],
)
def test_a_bad_catalogue_file_is_refused_with_where_and_what_and_nothing_changes(
    tmp_path: Path, content: str, message: str
) -> None:
    # given a broken file
    path = tmp_path / "controls.json"
    path.write_text(content, encoding="utf-8")
    before = list(Control.objects.values_list("key", "title_ja", "retired_at"))
    # when the operator loads it
    with pytest.raises(CommandError) as error:
        call_command("pms", "load-controls", str(path), stdout=StringIO())
    # then the message says what is wrong and where, and the catalogue is untouched
    assert message in str(error.value)
    assert list(Control.objects.values_list("key", "title_ja", "retired_at")) == before


@pytest.mark.django_db
def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("pms", "load-controls", str(tmp_path / "nope.json"), stdout=StringIO())
