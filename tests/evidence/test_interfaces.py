"""The evidence pages, the API and the console as users meet them."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from mamori.evidence import storage
from mamori.evidence.models import Evidence
from mamori.incidents.models import HoldRelease
from tests.evidence.conftest import add_file

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------------
# Pages


def test_a_file_is_added_on_the_page_and_shown_with_its_hash(server_case, staff, english):
    # given
    client = english(staff)
    data = b"mail headers\n" * 50
    # when
    response = client.post(
        f"/evidence/cases/{server_case.pk}/upload/",
        {"file": SimpleUploadedFile("mail.eml", data), "reason": "the warning mail"},
        follow=True,
    )
    # then: the evidence page with its chain of custody
    page = response.content.decode()
    evidence = Evidence.objects.get()
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    assert evidence.sha256 in page
    assert "Chain of custody" in page and "the warning mail" in page
    panel = client.get(f"/evidence/cases/{server_case.pk}/").content.decode()
    assert "mail.eml" in panel and "Under legal hold" in panel


def test_a_page_upload_over_the_maximum_is_refused_with_the_reason(server_case, staff, english, settings):
    settings.MAMORI_EVIDENCE_MAX_BYTES = 100
    response = english(staff).post(
        f"/evidence/cases/{server_case.pk}/upload/", {"file": SimpleUploadedFile("big.bin", b"x" * 5000)}, follow=True
    )
    assert "larger than the maximum of 100 B" in response.content.decode()
    assert not Evidence.objects.exists()


def test_the_page_download_of_a_preserved_copy_asks_why(copy, manager, english):
    client = english(manager)
    form = client.get(f"/evidence/{copy.pk}/download/")
    assert "may hold card data" in form.content.decode()
    refused = client.post(f"/evidence/{copy.pk}/download/", {"reason": ""})
    assert refused.status_code == 200 and not copy.custody_events.filter(action="downloaded").exists()
    response = client.post(f"/evidence/{copy.pk}/download/", {"reason": "card company asked"})
    assert b"".join(response.streaming_content) == b"dtb_order dump\n"
    assert response["X-Content-SHA256"] == copy.sha256
    assert copy.custody_events.filter(action="downloaded", reason="card company asked").exists()


def test_each_look_at_the_detail_page_is_in_the_chain(log_file, auditor, english):
    english(auditor).get(f"/evidence/{log_file.pk}/")
    assert log_file.custody_events.filter(action="viewed", actor=auditor).count() == 1


def test_a_preservation_record_is_added_on_the_page(server_case, manager, english):
    english(manager).post(
        f"/evidence/cases/{server_case.pk}/records/",
        {"name": "disk image", "location": "contractor's safe", "held_by": "Sato", "sha256": "B" * 64},
    )
    record = Evidence.objects.get()
    assert (record.kind, record.sha256, record.held_by) == ("preservation_record", "b" * 64, "Sato")


def test_hold_release_on_the_page_takes_two_managers(server_case, manager, manager2, english):
    # given
    first, second = english(manager), english(manager2)
    first.post(f"/evidence/cases/{server_case.pk}/hold/release/", {"reason": "card company closed it"})
    release = HoldRelease.objects.get()
    # when: the requester's own approval
    page = first.post(f"/evidence/hold-releases/{release.pk}/approve/", follow=True).content.decode()
    # then
    assert "A second protection manager" in page
    server_case.refresh_from_db()
    assert server_case.legal_hold
    # when: the second manager
    second.post(f"/evidence/hold-releases/{release.pk}/approve/")
    # then
    server_case.refresh_from_db()
    assert not server_case.legal_hold
    assert "Legal hold released" in second.get(f"/evidence/cases/{server_case.pk}/").content.decode()


def test_the_panel_is_japanese_first(server_case, log_file, manager, japanese):
    page = japanese(manager).get(f"/evidence/cases/{server_case.pk}/").content.decode()
    assert "access.log" in page
    assert 'lang="ja"' in page


# ---------------------------------------------------------------------------------------------------
# API


def test_the_api_adds_lists_reads_and_downloads(server_case, staff, manager, english):
    client = english(staff)
    data = b"firewall log\n" * 10
    created = client.post(
        "/api/v1/evidence/", {"case": server_case.pk, "file": io.BytesIO(data), "reason": "fw export"}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest() and body["under_hold"] is True
    listed = client.get(f"/api/v1/evidence/?case={server_case.pk}").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    detail = client.get(f"/api/v1/evidence/{body['id']}/").json()
    assert [link["action"] for link in detail["custody"]] == ["uploaded", "viewed"]
    download = client.post(f"/api/v1/evidence/{body['id']}/download/", {"reason": "check"})
    assert b"".join(download.streaming_content) == data


def test_the_api_adds_a_preservation_record(server_case, manager, english):
    response = english(manager).post(
        "/api/v1/evidence/",
        {
            "case": server_case.pk,
            "kind": "preservation_record",
            "name": "disk image",
            "location": "safe",
            "held_by": "Sato",
            "sha256": "z",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "sha256" in response.json()["error"]["fields"]


def test_an_api_upload_over_the_maximum_is_413(server_case, staff, english, settings):
    settings.MAMORI_EVIDENCE_MAX_BYTES = 100
    response = english(staff).post("/api/v1/evidence/", {"case": server_case.pk, "file": io.BytesIO(b"x" * 5000)})
    assert response.status_code == 413
    assert not Evidence.objects.exists()


def test_the_api_destroys_after_release(copy, server_case, manager, english, django_capture_on_commit_callbacks):
    from tests.evidence.conftest import released

    released(server_case)
    client = english(manager)
    assert client.post(f"/api/v1/evidence/{copy.pk}/destroy/", {}).status_code == 400  # no reason
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/evidence/{copy.pk}/destroy/", {"reason": "retention over"})
    assert response.status_code == 200 and response.json()["destroyed_by"] == "manager"
    assert not storage.exists(copy.blob_name)


# ---------------------------------------------------------------------------------------------------
# Console


def test_console_adds_a_file(server_case, tmp_path, capsys):
    path = tmp_path / "dump.sql"
    path.write_bytes(b"insert into dtb_order ...\n")
    call_command("evidence", "add", str(server_case.pk), str(path), "--reason", "copied by the contractor")
    evidence = Evidence.objects.get()
    assert evidence.name == "dump.sql" and evidence.uploaded_by is None
    assert evidence.custody_events.get().reason == "copied by the contractor"
    assert evidence.sha256 in capsys.readouterr().out


def test_verify_names_a_changed_file_and_exits_1(server_case, manager, settings, capsys):
    # given: one byte of one stored file changed
    settings.MAMORI_EVIDENCE_ENCRYPT = False
    add_file(server_case, b"one", "one.txt", actor=manager)
    changed = add_file(server_case, b"two", "two.txt", actor=manager)
    path = storage.path_of(changed.blob_name)
    path.write_bytes(b"twp")
    # when
    with pytest.raises(CommandError) as failed:
        call_command("evidence", "verify")
    # then
    assert failed.value.returncode == 1
    out = capsys.readouterr().out
    assert f"CHANGED evidence {changed.pk}" in out
    assert "2 stored files checked: 1 intact, 1 changed, 0 missing" in str(failed.value)


def test_verify_names_an_encrypted_file_changed_or_deleted(server_case, manager, capsys):
    # given: one encrypted file with a changed byte, one deleted
    changed = add_file(server_case, b"one", "one.txt", actor=manager)
    gone = add_file(server_case, b"two", "two.txt", actor=manager)
    path = storage.path_of(changed.blob_name)
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))
    storage.remove(gone.blob_name)
    # when
    with pytest.raises(CommandError) as failed:
        call_command("evidence", "verify")
    # then
    out = capsys.readouterr().out
    assert failed.value.returncode == 1
    assert f"CHANGED evidence {changed.pk}" in out and f"MISSING evidence {gone.pk}" in out


def test_verify_of_an_intact_locker_exits_0(server_case, manager, capsys):
    add_file(server_case, actor=manager)
    call_command("evidence", "verify")
    assert "1 stored files checked: 1 intact" in capsys.readouterr().out
