"""The case file (事案記録一式): one ZIP with the timeline, tasks, APPI assessments, report drafts, evidence manifest
(and files), the case's audit trail and a manifest of SHA-256 hashes whose own hash is in the audit trail;
a changed byte anywhere is found."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from mamori.audit.models import AuditEntry
from mamori.incidents import appi, export, portal
from mamori.incidents.models import CaseTask

pytestmark = pytest.mark.django_db
LOG = b"203.0.113.7 - - [03/Jun/2024] POST /checkout.php 200\n"


@pytest.fixture
def full_case(manager, alice_contractor, server_case):
    from mamori.evidence.services import add_upload

    CaseTask.objects.create(case=server_case, title="ログを保全する", owner=alice_contractor, created_by=manager)
    facts = {
        "aware_at": "2024-06-03T09:00:00+09:00",
        "persons": 1001,
        "special_care": False,
        "property_damage_risk": True,
        "improper_purpose": True,
        "high_level_encryption": False,
        "key_compromised": False,
        "role": "principal",
        "notified_principal": False,
    }
    appi.assess_case(manager, server_case, facts)
    portal.send_preservation_notice(manager, server_case)
    add_upload(manager, server_case, io.BytesIO(LOG), "access.log", reason="保全")
    return server_case


def archive_member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


def names(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist())


def test_the_case_file_holds_everything_and_its_manifest_verifies(full_case, manager):
    # when
    exported = export.export_case_file(manager, full_case, include_files=True)
    # then
    members = names(exported.path)
    for expected in (
        "manifest.json",
        "case.json",
        "timeline.csv",
        "timeline.json",
        "tasks.json",
        "appi_assessments.json",
        "evidence/manifest.json",
        "audit_trail.json",
    ):
        assert expected in members
    [stored] = [m for m in members if m.startswith("evidence/files/")]
    with zipfile.ZipFile(exported.path) as archive:
        assert archive.read(stored) == LOG
        manifest = json.loads(archive.read("manifest.json"))
        assert hashlib.sha256(archive.read("manifest.json")).hexdigest() == exported.manifest_sha256
        timeline = archive.read("timeline.csv").decode("utf-8-sig")
        trail = json.loads(archive.read("audit_trail.json"))
        evidence = json.loads(archive.read("evidence/manifest.json"))
    assert {m["name"] for m in manifest["members"]} == members - {"manifest.json"}
    assert "Preservation notice sent" in timeline
    assert {
        "incidents.appiassessment",
        "incidents.timelineevent",
        "incidents.preservationnotice",
        "evidence.evidence",
    } <= {e["object_type"] for e in trail}
    assert json.loads(archive_member(exported.path, "appi_assessments.json"))[0]["decision"]["categories"]
    assert evidence[0]["sha256"] == hashlib.sha256(LOG).hexdigest()
    result = export.verify_export(exported.path, exported.manifest_sha256)
    assert result.ok, result.problems
    assert result.checked == len(members) - 1


def test_the_export_is_in_the_audit_trail_with_its_manifest_hash(full_case, manager):
    exported = export.export_case_file(manager, full_case)
    entry = AuditEntry.objects.filter(action="export", object_id=str(full_case.pk)).get()
    assert entry.changes["manifest_sha256"] == exported.manifest_sha256
    assert export.verify_export(exported.path).recorded_seq == entry.seq


def test_a_changed_member_is_detected(full_case, manager, tmp_path):
    # given a case file whose timeline was rewritten, with the manifest left as it was
    exported = export.export_case_file(manager, full_case)
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(exported.path) as original, zipfile.ZipFile(forged, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "timeline.csv":
                data = data.replace(b"Preservation", b"Preservatiom")  # one byte changed
            copy.writestr(info, data)
    # when
    result = export.verify_export(forged, exported.manifest_sha256)
    # then
    assert not result.ok
    assert result.problems == ["timeline.csv: changed (SHA-256 differs from the manifest)"]
    assert export.describe(result)[0].startswith("TAMPERED")


def test_a_flipped_byte_in_the_file_is_detected(full_case, manager, tmp_path):
    # given one byte of a stored (uncompressed) member flipped in the ZIP itself
    exported = export.export_case_file(manager, full_case, include_files=True)
    raw = bytearray(exported.path.read_bytes())
    at = raw.index(LOG) + 5
    raw[at] ^= 0x01
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(raw))
    # when
    result = export.verify_export(damaged)
    # then
    assert not result.ok
    assert any(p.startswith("evidence/files/") for p in result.problems)


def test_a_rewritten_manifest_matches_no_recorded_export(full_case, manager, tmp_path):
    # given a forger who also rewrote the manifest to match the changed member
    exported = export.export_case_file(manager, full_case)
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(exported.path) as original, zipfile.ZipFile(forged, "w") as copy:
        manifest = json.loads(original.read("manifest.json"))
        for info in original.infolist():
            if info.filename == "manifest.json":
                continue
            data = original.read(info)
            if info.filename == "tasks.json":
                data = b"[]\n"
                entry = next(m for m in manifest["members"] if m["name"] == "tasks.json")
                entry.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
            copy.writestr(info, data)
        copy.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    # when
    result = export.verify_export(forged)
    # then
    assert not result.ok
    assert result.problems == ["no export with this manifest's SHA-256 is in the audit trail"]


def test_the_export_page_sends_the_zip_and_leaves_no_file_behind(full_case, manager, client_for, settings):
    # when
    response = client_for(manager).post(f"/incidents/{full_case.pk}/export/")
    body = b"".join(response.streaming_content)
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert export.verify_export(io.BytesIO(body), response["X-Mamori-Manifest-SHA256"]).ok
    assert list((Path(settings.DATA_DIR) / "exports").iterdir()) == []
    page = client_for(manager).get(f"/incidents/{full_case.pk}/").content.decode()
    assert response["X-Mamori-Manifest-SHA256"] in page


def test_preserved_copies_stay_out_of_the_case_file_of_roles_that_may_not_open_them(full_case, president):
    exported = export.export_case_file(president, full_case, include_files=True)
    assert export.verify_export(exported.path).ok
    assert "audit_trail.json" in names(exported.path)


def test_staff_and_outsiders_may_not_export(full_case, staff, alice_contractor, client_for):
    assert client_for(staff).post(f"/incidents/{full_case.pk}/export/").status_code == 403
    assert client_for(alice_contractor).post(f"/incidents/{full_case.pk}/export/").status_code == 403
