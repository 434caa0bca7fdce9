"""The evidence services: adding, the chain of custody, downloads with the hash re-checked, verification,
destruction after the hold, and who may see what."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mamori.accounts.policy import SYSTEM, NotVisible
from mamori.audit.models import AuditEntry
from mamori.evidence import holds, services, storage
from mamori.evidence.models import CustodyEvent, Evidence
from tests.evidence.conftest import add_copy, add_file, released

pytestmark = pytest.mark.django_db


def actions(evidence: Evidence) -> list[str]:
    return list(evidence.custody_events.order_by("at", "pk").values_list("action", flat=True))


def test_an_upload_is_hashed_stored_and_its_custody_begins(server_case, manager, settings):
    # given
    data = b"2026-12-01 10:00 GET /shop/cart\n" * 100
    # when
    evidence = services.add_upload(
        manager, server_case, io.BytesIO(data), "access.log", "web log", "from the contractor"
    )
    # then
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    assert evidence.size == len(data)
    assert evidence.encrypted  # uploads are encrypted at rest by default
    assert evidence.uploaded_by == manager
    assert evidence.media_type == "application/octet-stream"
    event = evidence.custody_events.get()
    assert (event.action, event.actor, event.reason, event.sha256) == (
        "uploaded",
        manager,
        "from the contractor",
        evidence.sha256,
    )
    entry = AuditEntry.objects.filter(action="evidence_uploaded").get()
    assert entry.object_id == str(evidence.pk)
    assert entry.actor_username == "manager"


def test_uploads_in_clear_when_encryption_is_turned_off(server_case, manager, settings):
    settings.MAMORI_EVIDENCE_ENCRYPT = False
    evidence = add_file(server_case, actor=manager)
    assert not evidence.encrypted
    assert storage.path_of(evidence.blob_name).read_bytes() == b"access.log line 1\n"


def test_a_file_over_the_maximum_is_refused_and_not_stored(server_case, manager, settings):
    settings.MAMORI_EVIDENCE_MAX_BYTES = 10
    with pytest.raises(ValidationError) as refused:
        add_file(server_case, b"x" * 11, actor=manager)
    assert "file" in refused.value.message_dict
    assert not Evidence.objects.exists()
    assert list(storage.all_blob_names()) == []


def test_a_path_in_the_name_keeps_only_the_file_name(server_case, manager):
    evidence = add_file(server_case, name="C:\\logs\\..\\access.log", actor=manager)
    assert evidence.name == "access.log"


def test_chain_of_custody_records_every_upload_view_and_download(server_case, manager, investigator, invited):
    # given
    evidence = add_file(server_case, actor=manager)
    # when
    services.record_view(investigator, evidence)
    data = b"".join(services.open_for_download(investigator, evidence, "timeline analysis"))
    # then
    assert data == b"access.log line 1\n"
    assert actions(evidence) == ["uploaded", "viewed", "downloaded"]
    download = evidence.custody_events.get(action="downloaded")
    assert (download.actor, download.reason, download.sha256) == (investigator, "timeline analysis", evidence.sha256)
    assert AuditEntry.objects.filter(object_id=str(evidence.pk), action__startswith="evidence_").count() == 3


def test_a_preserved_copy_needs_a_reason_and_the_right_to_open_it(server_case, manager, president, copy):
    # then: the reason is required
    with pytest.raises(ValidationError):
        services.open_for_download(manager, copy, "  ")
    # and top management may see it is there but not open it
    with pytest.raises(PermissionDenied):
        services.open_for_download(president, copy, "curious")
    # and the protection manager opens it with a reason
    assert b"".join(services.open_for_download(manager, copy, "answer the card company")) == b"dtb_order dump\n"
    assert actions(copy) == ["uploaded", "downloaded"]


def test_a_changed_file_is_not_given_out(server_case, manager, settings):
    # given
    settings.MAMORI_EVIDENCE_ENCRYPT = False
    evidence = add_file(server_case, actor=manager)
    storage.path_of(evidence.blob_name).write_bytes(b"access.log line 2\n")
    # when
    with pytest.raises(services.EvidenceUnavailable):
        services.open_for_download(manager, evidence, "")
    # then
    refused = evidence.custody_events.get(action="verified")
    assert refused.sha256 == hashlib.sha256(b"access.log line 2\n").hexdigest()
    assert "refused" in refused.reason
    assert not evidence.custody_events.filter(action="downloaded").exists()


def test_a_preservation_record_keeps_where_the_evidence_is_and_the_reported_hash(record):
    assert record.kind == "preservation_record"
    assert record.blob_name == ""
    assert record.sha256 == "a" * 64
    assert actions(record) == ["uploaded"]


def test_a_preservation_record_names_what_is_missing(server_case, manager):
    with pytest.raises(ValidationError) as refused:
        services.add_preservation_record(
            manager, server_case, name="image", location="", held_by="", sha256="xyz", description=""
        )
    assert set(refused.value.message_dict) == {"location", "held_by", "sha256"}


def test_verify_reports_changed_and_missing_files(server_case, manager, settings):
    # given
    settings.MAMORI_EVIDENCE_ENCRYPT = False
    intact = add_file(server_case, b"one", "one.txt", actor=manager)
    changed = add_file(server_case, b"two", "two.txt", actor=manager)
    gone = add_copy(server_case, b"three")
    path = storage.path_of(changed.blob_name)
    path.write_bytes(b"twO")
    storage.remove(gone.blob_name)
    # when
    report = services.verify_all()
    # then
    assert not report.ok
    assert report.intact == [intact]
    assert [(e, found) for e, found in report.mismatched] == [(changed, hashlib.sha256(b"twO").hexdigest())]
    assert report.missing == [gone]
    assert CustodyEvent.objects.filter(action="verified").count() == 3


def test_the_manifest_lists_every_piece_for_the_case_file(server_case, log_file, copy, record):
    items = services.manifest(server_case)
    assert [i["id"] for i in items] == [log_file.pk, copy.pk, record.pk]
    assert items[0]["uploaded_by"] == "manager"
    assert items[1] | {"created_at": ""} == {
        "id": copy.pk,
        "name": "shop-db.sql",
        "kind": "preserved_copy",
        "sha256": copy.sha256,
        "size": copy.size,
        "created_at": "",
        "uploaded_by": "system",
        "encrypted": True,
        "location": "",
        "destroyed": False,
    }
    assert items[2]["location"] == "the contractor's safe, Osaka office"


def test_a_preserved_copy_is_stored_encrypted_only(server_case):
    blob = storage.write_stream([b"x"], encrypt=False)
    with pytest.raises(ValueError):
        services.add_preserved_copy(SYSTEM, server_case, name="x", blob=blob, description="")


# ---------------------------------------------------------------------------------------------------
# Destruction and the hold


def test_under_hold_a_preserved_copy_cannot_be_destroyed(server_case, manager, copy):
    # when
    with pytest.raises(holds.UnderHold, match="カード情報漏えいの疑い"):
        services.destroy(manager, copy, "no longer needed")
    # then
    copy.refresh_from_db()
    assert not copy.is_destroyed
    assert storage.exists(copy.blob_name)


def test_after_release_the_copy_is_destroyed_and_its_record_kept(
    server_case, manager, copy, django_capture_on_commit_callbacks
):
    # given
    released(server_case)
    # when: the file goes once the destruction is committed
    with django_capture_on_commit_callbacks(execute=True):
        services.destroy(manager, copy, "retention period over")
    # then
    copy.refresh_from_db()
    assert copy.is_destroyed and copy.destroyed_by == manager and copy.destroy_reason == "retention period over"
    assert not storage.exists(copy.blob_name)
    assert actions(copy) == ["uploaded", "destroyed"]
    with pytest.raises(services.EvidenceUnavailable):
        services.open_for_download(manager, copy, "look")


def test_a_file_another_piece_still_uses_is_kept(
    server_case, internal_case, manager, django_capture_on_commit_callbacks
):
    # given: the same content preserved for two cases, one still under hold
    kept = add_copy(internal_case, b"shared dump")
    destroyed = add_copy(released(server_case), b"shared dump")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.destroy(manager, destroyed, "done")
    # then
    assert storage.exists(kept.blob_name)
    assert b"".join(services.open_for_download(manager, kept, "check")) == b"shared dump"


def test_uploads_and_records_are_never_destroyed(server_case, manager, log_file, record):
    released(server_case)
    for evidence in (log_file, record):
        with pytest.raises(ValidationError):
            services.destroy(manager, evidence, "tidy up")


def test_only_the_protection_manager_destroys(server_case, president, staff, copy):
    released(server_case)
    for user in (president, staff):
        with pytest.raises(PermissionDenied):
            services.destroy(user, copy, "tidy up")


def test_a_destruction_needs_a_reason(server_case, manager, copy):
    released(server_case)
    with pytest.raises(ValidationError):
        services.destroy(manager, copy, "")


# ---------------------------------------------------------------------------------------------------
# Who sees what


def test_contractor_users_see_their_contractors_case_only(
    server_case, internal_case, manager, alice_contractor, bob_logistics
):
    # given
    alices = add_file(server_case, b"alice's log", actor=alice_contractor)
    internal = add_file(internal_case, b"internal", actor=manager)
    # then
    assert list(services.visible(alice_contractor)) == [alices]
    assert list(services.visible(bob_logistics)) == []
    with pytest.raises(NotVisible):
        services.record_view(bob_logistics, alices)
    with pytest.raises(NotVisible):
        services.record_view(alice_contractor, internal)
    with pytest.raises(NotVisible):
        add_file(server_case, actor=bob_logistics)


def test_the_investigator_reads_her_invited_case_only(server_case, internal_case, manager, investigator, invited, copy):
    # given
    internal = add_file(internal_case, actor=manager)
    # then: reads and opens the preserved copy of her case, with a reason
    assert set(services.visible(investigator)) == {copy}
    assert b"".join(services.open_for_download(investigator, copy, "forensics")) == b"dtb_order dump\n"
    # and adds nothing, destroys nothing
    with pytest.raises(PermissionDenied):
        add_file(server_case, actor=investigator)
    with pytest.raises(NotVisible):
        services.record_view(investigator, internal)
