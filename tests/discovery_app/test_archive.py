"""Nothing is destroyed in one click: a data source whose scans are evidence is archived with a reason on a
confirmation page, audited, refused while a case depends on it, and hidden from the list unless asked for;
only a source that was never scanned may be deleted (it holds no evidence), also after a confirmation page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from mamori.audit.models import AuditEntry
from mamori.discovery import services
from mamori.discovery.models import DataSource, Scan, ScanFinding
from mamori.evidence.holds import UnderHold
from mamori.incidents.models import CaseStatus, IncidentCase
from tests.discovery_app.conftest import scan_now

REASON = "The old shop database was shut down in March; its scans stay as evidence."


@pytest.fixture
def scanned(shop_source) -> DataSource:
    scan_now(shop_source)
    return shop_source


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_a_scanned_source_offers_archive_not_a_one_click_delete(scanned, manager, client_for):
    # given a source with a scan, and the manager
    client = client_for(manager)
    # when the source page is shown
    detail = page(client, f"/discovery/{scanned.pk}/")
    # then there is no delete form at all, only a link to a confirmation page that asks why
    assert f'action="/discovery/{scanned.pk}/delete/"' not in detail
    assert f'href="/discovery/{scanned.pk}/archive/"' in detail
    confirm = page(client, f"/discovery/{scanned.pk}/archive/")
    assert 'name="reason"' in confirm and "never deleted" in confirm
    # and opening the confirmation page changed nothing
    assert DataSource.objects.get(pk=scanned.pk).archived_at is None


def test_archiving_needs_a_reason(scanned, manager, client_for):
    # when the manager confirms without saying why
    response = client_for(manager).post(f"/discovery/{scanned.pk}/archive/", {"reason": "  "})
    # then the page says what is missing, and nothing changed
    assert response.status_code == 400
    assert "reason" in response.content.decode().lower()
    assert DataSource.objects.get(pk=scanned.pk).archived_at is None


def test_an_archived_source_keeps_its_scans_leaves_the_list_and_is_audited(scanned, manager, client_for):
    client = client_for(manager)
    scans_before = Scan.objects.filter(source=scanned).count()
    findings_before = ScanFinding.objects.filter(scan__source=scanned).count()
    # when the manager archives it with a reason
    response = client.post(f"/discovery/{scanned.pk}/archive/", {"reason": REASON})
    # then it is archived, by whom and why, and its scans and findings are all still there
    assert response.status_code == 302
    source = DataSource.objects.get(pk=scanned.pk)
    assert source.archived_at is not None and source.archive_reason == REASON and source.archived_by == manager
    assert Scan.objects.filter(source=scanned).count() == scans_before >= 1
    assert ScanFinding.objects.filter(scan__source=scanned).count() == findings_before > 0
    # and the audit trail has the archive with the reason
    entry = AuditEntry.objects.get(action="archive", object_id=str(scanned.pk))
    assert REASON in entry.message and entry.actor_username == "manager"
    # and the list leaves it out, unless archived sources are asked for
    assert f"/discovery/{scanned.pk}/" not in page(client, "/discovery/")
    assert f"/discovery/{scanned.pk}/" in page(client, "/discovery/?archived=1")
    # and its page and scans stay readable, marked archived, without scan or edit buttons
    detail = page(client, f"/discovery/{scanned.pk}/")
    assert 'id="archived-note"' in detail and REASON in detail
    assert f'action="/discovery/{scanned.pk}/scan/"' not in detail
    assert f'href="/discovery/{scanned.pk}/edit/"' not in detail
    scan = Scan.objects.filter(source=scanned).first()
    assert client.get(f"/discovery/scans/{scan.pk}/").status_code == 200


def test_an_archived_source_is_not_scanned_nor_reconciled(scanned, manager, client_for):
    services.archive_source(manager, scanned, REASON)
    # when a scan is asked for anyway
    response = client_for(manager).post(f"/discovery/{scanned.pk}/scan/", follow=True)
    # then none is queued, and the page says why
    assert Scan.objects.filter(source=scanned).count() == 1
    assert "archived" in response.content.decode()
    # and reconciliation of all sources leaves it out
    assert [g for g in services.reconcile() if g.source.pk == scanned.pk] == []


def test_an_open_case_that_depends_on_the_source_refuses_the_archive(scanned, internal_case, manager, client_for):
    # given an open case (no legal hold) that names the source
    IncidentCase.objects.filter(pk=internal_case.pk).update(legal_hold=False)
    internal_case.data_sources.add(scanned)
    # when the manager opens the confirmation page, then it names the case and offers no form
    confirm = page(client_for(manager), f"/discovery/{scanned.pk}/archive/")
    assert internal_case.title in confirm and 'name="reason"' not in confirm
    # when the archive is posted anyway, then it is refused with the case's name
    response = client_for(manager).post(f"/discovery/{scanned.pk}/archive/", {"reason": REASON})
    assert response.status_code == 400 and internal_case.title in response.content.decode()
    assert DataSource.objects.get(pk=scanned.pk).archived_at is None
    # when the case is closed, then the source can be archived
    IncidentCase.objects.filter(pk=internal_case.pk).update(status=CaseStatus.CLOSED)
    services.archive_source(manager, DataSource.objects.get(pk=scanned.pk), REASON)


def test_a_legal_hold_refuses_the_archive_with_403_naming_the_case(scanned, server_case, manager, client_for):
    server_case.data_sources.add(scanned)
    with pytest.raises(UnderHold):
        services.archive_source(manager, scanned, REASON)
    response = client_for(manager).post(f"/discovery/{scanned.pk}/archive/", {"reason": REASON})
    assert response.status_code == 403
    assert DataSource.objects.get(pk=scanned.pk).archived_at is None


def test_a_source_with_scans_is_never_deleted(scanned, manager, client_for):
    # when the delete is posted for a scanned source
    response = client_for(manager).post(f"/discovery/{scanned.pk}/delete/")
    # then it is refused and the manager is sent to the archive page; nothing is gone
    assert response.status_code == 302 and response["Location"] == f"/discovery/{scanned.pk}/archive/"
    assert DataSource.objects.filter(pk=scanned.pk).exists()
    with pytest.raises(ValidationError):
        services.delete_source(manager, scanned)
    # and not even the database lets a scan's source go
    with pytest.raises(ProtectedError):
        DataSource.objects.filter(pk=scanned.pk).delete()


def test_staff_may_not_archive_a_source(scanned, staff, client_for):
    assert client_for(staff).post(f"/discovery/{scanned.pk}/archive/", {"reason": REASON}).status_code == 403
    assert DataSource.objects.get(pk=scanned.pk).archived_at is None


def test_a_never_scanned_source_is_deleted_after_a_confirmation_page(internal_source, manager, client_for):
    client = client_for(manager)
    # given a source that was never scanned: its page links to a confirmation page, not a delete form
    detail = page(client, f"/discovery/{internal_source.pk}/")
    assert f'href="/discovery/{internal_source.pk}/delete/"' in detail
    assert f'action="/discovery/{internal_source.pk}/delete/"' not in detail
    # when the confirmation page is opened, then nothing is deleted yet
    confirm = page(client, f"/discovery/{internal_source.pk}/delete/")
    assert "never scanned" in confirm
    assert DataSource.objects.filter(pk=internal_source.pk).exists()
    # when the deletion is confirmed, then it is gone and the audit trail keeps what it was
    response = client.post(f"/discovery/{internal_source.pk}/delete/")
    assert response.status_code == 302
    assert not DataSource.objects.filter(pk=internal_source.pk).exists()
    assert AuditEntry.objects.filter(action="delete", object_id=str(internal_source.pk)).exists()


def test_the_console_refuses_to_scan_an_archived_source_with_a_message(scanned, manager):
    from django.core.management import CommandError, call_command

    services.archive_source(manager, scanned, REASON)
    with pytest.raises(CommandError, match="archived"):
        call_command("discovery", "scan", str(scanned.pk))
    assert Scan.objects.filter(source=scanned).count() == 1


def test_an_archived_source_is_not_edited(scanned, manager, client_for):
    services.archive_source(manager, scanned, REASON)
    response = client_for(manager).get(f"/discovery/{scanned.pk}/edit/")
    assert response.status_code == 302 and response["Location"] == f"/discovery/{scanned.pk}/"
    with pytest.raises(ValidationError):
        services.update_source(manager, DataSource.objects.get(pk=scanned.pk), {"name": "renamed"})
