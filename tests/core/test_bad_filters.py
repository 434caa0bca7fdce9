"""List pages take any query string: ids beyond what a database holds, text with NUL characters, garbage.
The answer is an empty list or a clear message (200 or 400), never a 500 — on SQLite (OverflowError) and
PostgreSQL (bigint out of range, NUL refused) alike."""

from __future__ import annotations

import pytest

from mamori.ledger.models import LedgerEntry

HOSTILE = [str(2**63), str(10**30), "-" + str(10**30), "1e400", "abc", "\x00", "1\x00", "x" * 5000]

# list page → the query parameters it reads
LIST_FILTERS: dict[str, list[str]] = {
    "/ledger/": ["contractor", "category", "department", "q", "page"],
    "/ledger/export.csv": ["contractor", "category", "department", "q"],
    "/risk/": ["entry", "owner", "band", "stage", "basis"],
    "/risk/matrix/": ["entry", "owner"],
    "/risk/export.xlsx": ["entry", "owner"],
    "/audit/": ["who", "action", "object_type", "object_id", "date_from", "q", "page"],
    "/audit/export.csv": ["action", "object_type", "object_id"],
    "/jobs/": ["status"],
    "/discovery/evidence/": ["ref"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["manager", "alice_contractor"])
@pytest.mark.parametrize(("path", "param"), [(path, p) for path, params in LIST_FILTERS.items() for p in params])
def test_a_hostile_filter_value_is_an_empty_list_or_a_message_never_a_500(request, client_for, role, path, param):
    # given
    client = client_for(request.getfixturevalue(role))
    for value in HOSTILE:
        # when
        response = client.get(path, {param: value})
        # then: 403 where the role may not see the list at all, 404 for an evidence link to nothing
        assert response.status_code in {200, 400, 403, 404}, (path, param, value, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("value", [str(2**63), str(10**30), "-5", "0", "abc", "1\x00"])
def test_a_contractor_id_beyond_the_database_range_lists_no_entries(manager, client_for, server_co, value):
    # given: an entry handed to a contractor
    entry = LedgerEntry.objects.create(reference="PI-X1", name="通販会員情報", department="EC課")
    entry.contractors.add(server_co)
    # when
    response = client_for(manager).get("/ledger/", {"contractor": value})
    # then
    assert response.status_code == 200
    assert "通販会員情報" not in response.content.decode()


@pytest.mark.django_db
def test_the_largest_database_id_is_still_an_ordinary_filter(manager, client_for, server_co):
    entry = LedgerEntry.objects.create(reference="PI-X1", name="通販会員情報", department="EC課")
    entry.contractors.add(server_co)
    page = client_for(manager).get("/ledger/", {"contractor": str(2**63 - 1)}).content.decode()
    mine = client_for(manager).get("/ledger/", {"contractor": str(server_co.pk)}).content.decode()
    assert "通販会員情報" not in page and "通販会員情報" in mine
