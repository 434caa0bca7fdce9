"""The legal hold: nothing of a held case can be deleted, destroyed or replaced — through the service, the page,
the API or the console — and releasing it takes two different protection managers and a written reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from mamori.audit.models import AuditEntry
from mamori.discovery import services as discovery
from mamori.discovery.models import DataSource, Scan
from mamori.evidence import holds, storage
from mamori.incidents import hold
from mamori.incidents.models import CaseStatus, HoldRelease, IncidentCase, TimelineEvent
from tests.evidence.conftest import released

pytestmark = pytest.mark.django_db
HELD = "カード情報漏えいの疑い"
HELD_JA = f"事案「{HELD}」が証拠保全中のため削除できません"


@pytest.fixture
def translated() -> None:
    """The Japanese message is in the catalogue (merged from the evidence part's entries)."""
    from django.utils import translation

    with translation.override("ja"):
        text = translation.gettext('The case "%(case)s" is under legal hold, so this cannot be deleted.')
    if "証拠保全中" not in text:
        pytest.skip("the Japanese catalogue does not hold the evidence part's messages yet")


# ---------------------------------------------------------------------------------------------------
# Releasing and placing the hold


def test_release_needs_a_second_different_manager_and_a_reason(server_case, manager, manager2, copy):
    # given: no reason, no request
    with pytest.raises(ValidationError):
        hold.request_release(manager, server_case, " ")
    release = hold.request_release(manager, server_case, "The card company closed the case; retention ends.")
    # when: the same manager tries to approve
    with pytest.raises(hold.NotTheSameManager):
        hold.approve_release(manager, release)
    server_case.refresh_from_db()
    assert server_case.legal_hold
    # when: a second manager approves
    hold.approve_release(manager2, release)
    # then
    server_case.refresh_from_db()
    release.refresh_from_db()
    assert not server_case.legal_hold and server_case.hold_released_at is not None
    assert (release.requested_by, release.approved_by) == (manager, manager2)
    assert list(copy.custody_events.values_list("action", "reason").order_by("pk"))[-1] == (
        "hold_released",
        "The card company closed the case; retention ends.",
    )
    assert AuditEntry.objects.filter(action="release_hold", object_id=str(server_case.pk)).exists()
    titles = list(TimelineEvent.objects.filter(case=server_case).values_list("title", flat=True))
    assert titles == ["Release of the legal hold requested", "Legal hold released"]


def test_only_protection_managers_take_part_in_a_release(server_case, manager, president, staff, investigator, invited):
    release = hold.request_release(manager, server_case, "done")
    for user in (president, staff, investigator):
        with pytest.raises(PermissionDenied):
            hold.request_release(user, server_case, "done")
        with pytest.raises(PermissionDenied):
            hold.approve_release(user, release)


def test_one_request_at_a_time_and_a_withdrawn_one_leaves_the_hold(server_case, manager, manager2):
    release = hold.request_release(manager, server_case, "done")
    with pytest.raises(ValidationError):
        hold.request_release(manager2, server_case, "again")
    hold.withdraw_release(manager2, release)
    with pytest.raises(ValidationError):
        hold.approve_release(manager2, release)
    server_case.refresh_from_db()
    assert server_case.legal_hold
    assert HoldRelease.objects.get().withdrawn_at is not None


def test_the_hold_is_placed_again_with_a_reason(server_case, manager, copy):
    released(server_case)
    hold.place_hold(manager, server_case, "A second card company warned us.")
    server_case.refresh_from_db()
    assert server_case.legal_hold and server_case.hold_placed_at is not None
    assert copy.custody_events.filter(action="hold_placed").exists()
    assert TimelineEvent.objects.filter(case=server_case, title="Legal hold placed").exists()


# ---------------------------------------------------------------------------------------------------
# Data sources, scans and findings of a held case


def test_the_service_refuses_to_delete_a_linked_data_source(linked_source, manager):
    with pytest.raises(holds.UnderHold, match=HELD):
        discovery.delete_source(manager, linked_source)
    assert DataSource.objects.filter(pk=linked_source.pk).exists()
    assert Scan.objects.filter(source=linked_source).count() == 1


def test_scans_and_findings_of_a_linked_source_are_held(linked_source):
    scan = Scan.objects.get(source=linked_source)
    with pytest.raises(holds.UnderHold):
        holds.refuse_if_held(scan)
    assert holds.holding_case(scan).title == HELD


def test_after_release_and_closure_the_scanned_source_is_archived_never_deleted(linked_source, server_case, manager):
    # given the hold released and the case closed
    released(server_case)
    IncidentCase.objects.filter(pk=server_case.pk).update(status=CaseStatus.CLOSED)
    # then the scanned source still cannot be deleted (its scans are evidence), but it can be archived
    with pytest.raises(ValidationError):
        discovery.delete_source(manager, linked_source)
    discovery.archive_source(manager, linked_source, "サーバ廃止")
    linked_source.refresh_from_db()
    assert linked_source.archived_at is not None


def test_the_source_of_a_preserved_copy_is_held_even_unlinked(server_case, server_co, manager):
    from tests.evidence.conftest import add_copy

    source = DataSource.objects.create(name="old share", kind="files", location="/srv/share", contractor=server_co)
    add_copy(server_case, b"files", source=source)
    with pytest.raises(holds.UnderHold):
        discovery.delete_source(manager, source)


def test_the_page_refuses_and_the_button_explains(linked_source, manager, english):
    client = english(manager)
    # when: the page
    page = client.get(f"/discovery/{linked_source.pk}/").content.decode()
    # then: no working delete button, and why
    assert f'action="/discovery/{linked_source.pk}/delete/"' not in page
    assert "is under legal hold, so this cannot be deleted." in page
    # when: the delete is posted anyway
    response = client.post(f"/discovery/{linked_source.pk}/delete/")
    # then
    assert response.status_code == 403
    assert DataSource.objects.filter(pk=linked_source.pk).exists()


def test_the_page_explains_in_japanese(linked_source, manager, japanese, translated):
    page = japanese(manager).get(f"/discovery/{linked_source.pk}/").content.decode()
    assert HELD_JA in page


def test_the_api_refuses_with_the_case_named(linked_source, manager, japanese, translated):
    response = japanese(manager).delete(f"/api/v1/data-sources/{linked_source.pk}/")
    assert response.status_code == 403
    assert HELD_JA in response.json()["error"]["message"]
    assert DataSource.objects.filter(pk=linked_source.pk).exists()


# ---------------------------------------------------------------------------------------------------
# Evidence of a held case through every interface


def test_page_refuses_to_destroy_under_hold(copy, manager, english):
    response = english(manager).post(f"/evidence/{copy.pk}/destroy/", {"reason": "tidy up"}, follow=True)
    assert "is under legal hold, so this cannot be deleted." in response.content.decode()
    copy.refresh_from_db()
    assert not copy.is_destroyed and storage.exists(copy.blob_name)


def test_api_refuses_to_destroy_under_hold_and_has_no_delete(copy, manager, english):
    client = english(manager)
    response = client.post(
        f"/api/v1/evidence/{copy.pk}/destroy/", {"reason": "tidy up"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert f'The case "{HELD}" is under legal hold' in response.json()["error"]["message"]
    assert client.delete(f"/api/v1/evidence/{copy.pk}/").status_code == 405
    copy.refresh_from_db()
    assert not copy.is_destroyed


def test_console_refuses_to_destroy_under_hold(copy):
    with pytest.raises(CommandError, match="legal hold"):
        call_command("evidence", "destroy", str(copy.pk), "--reason", "tidy up")
    copy.refresh_from_db()
    assert not copy.is_destroyed


def test_console_destroys_after_release(copy, server_case, django_capture_on_commit_callbacks, capsys):
    released(server_case)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("evidence", "destroy", str(copy.pk), "--reason", "retention over")
    copy.refresh_from_db()
    assert copy.is_destroyed and not storage.exists(copy.blob_name)
    assert IncidentCase.objects.get(pk=server_case.pk).evidence.count() == 1  # the row stays
