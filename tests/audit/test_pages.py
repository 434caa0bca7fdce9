"""Audit-trail pages: who may open them, filters, per-record history, and the CSV export being audited."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from mamori.accounts.policy import SYSTEM
from mamori.audit import services
from mamori.audit.models import AuditEntry
from mamori.contractors.models import Contractor
from mamori.core import actions

ROLES = ["president", "manager", "auditor", "staff", "alice_contractor", "bob_logistics", "investigator"]
ALLOWED = {"president", "manager", "auditor"}


@pytest.fixture
def world(request, server_co, logistics_co, server_case, internal_case, invited, staff):
    return {name: request.getfixturevalue(name) for name in ROLES}


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "path",
    ["/audit/", "/audit/record/contractors.contractor/1/", "/audit/export.csv", "/audit/?action=login"],
)
def test_only_top_management_managers_and_audit_managers_reach_the_audit_trail(world, client_for, role, path):
    # when
    response = client_for(world[role]).get(path)
    # then
    assert response.status_code == (200 if role in ALLOWED else 403)


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_the_login_page(client):
    response = client.get("/audit/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_list_shows_newest_first_fifty_per_page(client_for, auditor):
    # given
    for number in range(1, 61):
        services.record(SYSTEM, "note", object_type="test.thing", object_id=str(number), message=f"note {number}")
    # when
    first = body(client_for(auditor).get("/audit/"))
    second = body(client_for(auditor).get("/audit/?page=2"))
    # then
    assert first.index("note 60<") < first.index("note 59<")
    assert "note 11<" in first and "note 10<" not in first
    assert "note 10<" in second and "note 1<" in second


@pytest.mark.django_db
def test_filters_narrow_the_list_by_who_action_record_and_text(client_for, manager, auditor):
    # given
    contractor = actions.create_record(manager, "contractor", Contractor, {"name": "大阪印刷"})
    actions.update_record(manager, "contractor", contractor, {"name": "大阪印刷株式会社"})
    services.record(SYSTEM, "note", message="nightly check")
    client = client_for(auditor)
    # when
    by_who = body(client.get("/audit/?who=manag"))
    by_action = body(client.get("/audit/?action=update"))
    by_record = body(client.get(f"/audit/?object_type=contractors.contractor&object_id={contractor.pk}"))
    by_text = body(client.get("/audit/?q=nightly"))
    # then
    assert "nightly check" not in by_who and "大阪印刷" in by_who
    assert "大阪印刷株式会社" in by_action and 'title="create"' not in by_action
    assert 'title="create"' in by_record and 'title="update"' in by_record and "nightly" not in by_record
    assert "nightly check" in by_text and "大阪印刷" not in by_text


@pytest.mark.django_db
def test_date_filters_use_local_dates_and_reject_an_inverted_range(client_for, auditor):
    services.record(SYSTEM, "note", message="today's note")
    client = client_for(auditor)
    assert "today&#x27;s note" not in body(client.get("/audit/?date_to=2000-01-01"))
    assert "today&#x27;s note" in body(client.get("/audit/?date_from=2000-01-01"))
    inverted = client.get("/audit/?date_from=2030-01-02&date_to=2030-01-01")
    assert inverted.status_code == 400 and 'class="errorlist' in body(inverted)


@pytest.mark.django_db
def test_a_records_page_shows_its_field_changes_before_and_after(client_for, manager, auditor):
    # given
    contractor = actions.create_record(manager, "contractor", Contractor, {"name": "大阪印刷"})
    actions.update_record(manager, "contractor", contractor, {"name": "大阪印刷株式会社"})
    # when
    page = body(client_for(auditor).get(f"/audit/record/contractors.contractor/{contractor.pk}/"))
    # then
    # (the field by its translated name, the action by its label, the stored codes in the title)
    assert re.search(r'<th scope="row" title="name">[^<]+</th><td>大阪印刷</td><td>大阪印刷株式会社</td>', page)
    assert page.index('>#2 <span title="update">') < page.index('>#1 <span title="create">')


@pytest.mark.django_db
def test_the_csv_export_holds_the_filtered_entries_and_is_itself_recorded(client_for, manager, president):
    # given
    actions.create_record(manager, "contractor", Contractor, {"name": '=HYPERLINK("x")'})
    services.record(SYSTEM, "note", message="not exported")
    # when
    response = client_for(president).get("/audit/export.csv?action=create")
    rows = list(csv.reader(io.StringIO(body(response))))
    # then the file holds the one matching entry, neutralised against spreadsheet formulas
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0][:3] == ["seq", "created_at", "actor_username"]
    assert len(rows) == 2 and rows[1][6] == "create"
    assert rows[1][9].startswith("'=HYPERLINK")
    # and the export is in the trail, naming who, what and how many
    export = AuditEntry.objects.get(action="export")
    assert export.actor_username == "president" and export.object_type == "audit_entry"
    assert "action=create" in export.message and "(1 records)" in export.message


@pytest.mark.django_db
def test_the_audit_trail_tag_shows_recent_changes_only_to_those_who_may_see_them(manager, staff):
    # given
    contractor = actions.create_record(manager, "contractor", Contractor, {"name": "大阪印刷"})
    tag = Template("{% load audit %}{% audit_trail_for obj %}|{{ obj|audit_record_url }}")

    def render(user) -> str:
        request = RequestFactory().get("/")
        request.user = user
        return tag.render(Context({"request": request, "obj": contractor}))

    # when
    with translation.override("en"):
        for_manager, for_staff = render(manager), render(staff)
    # then
    url = f"/audit/record/contractors.contractor/{contractor.pk}/"
    assert "History" in for_manager and f'href="{url}"' in for_manager
    assert '<td class="nowrap">Create</td>' in for_manager
    assert for_staff.strip() == f"|{url}"


@pytest.mark.django_db
def test_a_records_history_names_people_as_the_pages_do_and_lists_only_the_fields_a_new_record_was_given(manager):
    # given the manager has a display name and creates a contractor with one field filled in
    manager.display_name = "山田 花子"
    manager.save(update_fields=["display_name"])
    contractor = actions.create_record(manager, "contractor", Contractor, {"name": "大阪印刷"})
    request = RequestFactory().get("/")
    request.user = manager
    # when the record's page shows its history
    with translation.override("ja"):
        html = Template("{% load audit %}{% audit_trail_for obj %}").render(
            Context({"request": request, "obj": contractor})
        )
    # then the person is named by their display name (the login name kept as a tooltip) and the fields column
    # lists what was filled in, not the id or the fields left empty
    row = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    assert row is not None
    assert f'<span title="{manager.username}">山田 花子</span> (個人情報保護管理者)' in row.group(1)
    fields = re.findall(r"<td>([^<]*)</td>\s*</tr>", row.group(1))[0]
    assert "ID" not in fields and fields.strip() != ""
    assert len(fields.split(", ")) < len(services.snapshot(contractor))


@pytest.mark.django_db
def test_the_csv_export_adds_the_labels_in_the_readers_language_after_the_stored_codes(client_for, president):
    # given an export of the ledger in the trail
    services.record(president, "export", object_type="ledger_entry", message="ledger csv (10 entries)")
    # when the trail is exported in English
    client = client_for(president)
    client.cookies["django_language"] = "en"
    rows = list(csv.reader(io.StringIO(body(client.get("/audit/export.csv?action=export")))))
    # then the stored codes come first, unchanged, and their readable labels after them
    header, row = rows[0], rows[1]
    assert header[-5:] == ["action_label", "record_kind", "actor_role_label", "via_label", "message_text"]
    labelled = dict(zip(header, row, strict=True))
    assert labelled["action"] == "export" and labelled["action_label"] == "Export"
    assert labelled["actor_role"] == "top_management" and labelled["actor_role_label"] == "Top management"
    assert labelled["message"] == labelled["message_text"] == "ledger csv (10 entries)"


@pytest.mark.django_db
def test_the_list_shows_actions_record_kinds_roles_and_messages_in_the_readers_language(client_for, manager):
    # given an export of the ledger recorded with its codes (stored as they are, the chain covers them)
    services.record(manager, "export", object_type="ledger_entry", message="ledger csv (10 entries)")
    # when the trail is opened (Japanese, the default)
    page = body(client_for(manager).get("/audit/?action=export"))
    # then the reader sees labels, not codes: action, kind of record, role and message, in Japanese
    from mamori.audit import registry
    from tests.ui.untranslated import visible_text

    with translation.override("ja"):
        expected = [
            registry.action_label("export"),
            registry.record_kind("ledger_entry"),
            f"manager ({registry.role_label('protection_manager')})",
            registry.translate_message("ledger csv (10 entries)"),
        ]
    text = visible_text(page)
    assert all(label in text for label in expected), expected
    assert "protection_manager" not in text and "ledger_entry" not in text
    assert 'title="export"' in page  # the stored code stays at hand, for a tooltip


@pytest.mark.django_db
def test_a_display_name_that_already_says_the_role_does_not_read_it_twice(manager):
    # given a display name that carries the role, as the demo's people do
    manager.display_name = "天満 恵子 (個人情報保護管理者)"
    manager.save(update_fields=["display_name"])
    contractor = actions.create_record(manager, "contractor", Contractor, {"name": "大阪印刷"})
    request = RequestFactory().get("/")
    request.user = manager
    # when the record's page shows its history
    with translation.override("ja"):
        html = Template("{% load audit %}{% audit_trail_for obj %}").render(
            Context({"request": request, "obj": contractor})
        )
    # then the role is said once
    assert html.count("個人情報保護管理者") == 1
