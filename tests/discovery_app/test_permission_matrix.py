"""Discovery's remaining pages and its API × every role: exactly what the policy grants.

The list, source and scan pages are in tests/discovery_app/test_pages.py; this module holds the scan
comparison, the evidence link, the actions (delete, scan, connection test, gap records) and the API.
``{shop}`` is alice's contractor's source, ``{internal}`` the company's own; anonymous visitors are
sent to sign in (pages) or get 401 (API).
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from mamori.discovery.models import DataSource, FindingLocation, Scan, ScanFinding, ScanStatus
from tests.matrix import OK, ROLES, matrix_tests

#                                                         president manager auditor staff alice bob  ivy
GET_MATRIX: dict[str, tuple[int, ...]] = {
    "/discovery/scans/{shop_scan_2}/diff/": (200, 200, 200, 200, 200, 404, 404),
    "/discovery/scans/{shop_scan_2}/diff/?base={shop_scan}": (200, 200, 200, 200, 200, 404, 404),
    # a base from another source is no scan to compare with, for anybody
    "/discovery/scans/{shop_scan_2}/diff/?base={internal_scan}": (404, 404, 404, 404, 404, 404, 404),
    "/discovery/scans/{shop_scan}/diff/?base=99999999999999999999999": (404, 404, 404, 404, 404, 404, 404),
    "/discovery/evidence/?ref=scan:{shop_scan}/finding:1": (302, 302, 302, 302, 302, 404, 404),
    "/discovery/evidence/?ref=scan:{internal_scan}/finding:1": (302, 302, 302, 302, 404, 404, 404),
    "/discovery/evidence/?ref=scan:99999999999999999999999": (404, 404, 404, 404, 404, 404, 404),
    "/discovery/evidence/": (404, 404, 404, 404, 404, 404, 404),
    "/discovery/{shop}/test/status/": (403, 200, 403, 403, 403, 404, 404),
    # the confirmation pages: archive for a scanned source, delete only for one never scanned
    "/discovery/{shop}/archive/": (403, 200, 403, 403, 403, 404, 404),
    "/discovery/{internal}/archive/": (403, 200, 403, 403, 404, 404, 404),
    "/discovery/{unscanned}/delete/": (403, 200, 403, 403, 404, 404, 404),
    "/discovery/{shop}/delete/": (403, 302, 403, 403, 403, 404, 404),
    "/discovery/?archived=1": (200, 200, 200, 200, 200, 200, 403),
    "/discovery/{internal}/test/status/": (403, 200, 403, 403, 404, 404, 404),
    "/api/v1/data-sources/": (200, 200, 200, 200, 200, 200, 403),
    "/api/v1/data-sources/{shop}/": (200, 200, 200, 200, 200, 404, 404),
    "/api/v1/data-sources/{internal}/": (200, 200, 200, 200, 404, 404, 404),
    "/api/v1/scans/": (200, 200, 200, 200, 200, 200, 403),
    "/api/v1/scans/{shop_scan}/": (200, 200, 200, 200, 200, 404, 404),
    "/api/v1/scans/{internal_scan}/": (200, 200, 200, 200, 404, 404, 404),
    # every location of a finding (tests/discovery_app/test_locations.py): as its scan, and only under its own scan
    "/discovery/scans/{shop_scan}/findings/{shop_finding}/locations/": (200, 200, 200, 200, 200, 404, 404),
    "/discovery/scans/{internal_scan}/findings/{internal_finding}/locations/": (200, 200, 200, 200, 404, 404, 404),
    "/discovery/scans/{shop_scan_2}/findings/{shop_finding}/locations/": (404, 404, 404, 404, 404, 404, 404),
    "/discovery/scans/{shop_scan}/findings/99999999999999999999999/locations/": (404, 404, 404, 404, 404, 404, 404),
    "/api/v1/scans/{shop_scan}/findings/{shop_finding}/locations/": (200, 200, 200, 200, 200, 404, 404),
    "/api/v1/scans/{internal_scan}/findings/{internal_finding}/locations/": (200, 200, 200, 200, 404, 404, 404),
    "/api/v1/scans/{shop_scan_2}/findings/{shop_finding}/locations/": (404, 404, 404, 404, 404, 404, 404),
}

POST_MATRIX: dict[str, tuple[int, ...]] = {
    # a source with scans is archived, never deleted: the delete refuses and sends the manager to the archive page
    "/discovery/{shop}/delete/": (403, 302, 403, 403, 403, 404, 404),
    "/discovery/{internal}/delete/": (403, 302, 403, 403, 404, 404, 404),
    "/discovery/{unscanned}/delete/": (403, 302, 403, 403, 404, 404, 404),
    # 400: the reason is missing (tests/discovery_app/test_archive.py archives with one)
    "/discovery/{shop}/archive/": (403, 400, 403, 403, 403, 404, 404),
    "/discovery/{internal}/archive/": (403, 400, 403, 403, 404, 404, 404),
    "/discovery/{shop}/scan/": (403, 302, 403, 403, 302, 404, 404),
    "/discovery/{internal}/scan/": (403, 302, 403, 403, 404, 404, 404),
    # a connection test is outbound work: the change permission (policy Action.TEST_CONNECTION)
    "/discovery/{shop}/test/": (403, OK, 403, 403, 403, 404, 404),
    "/discovery/{internal}/test/": (403, OK, 403, 403, 404, 404, 404),
    "/discovery/{shop}/gaps/": (403, 302, 403, 403, 403, 404, 404),  # 302: no gap chosen, back to the list
    "/api/v1/data-sources/{shop}/scan/": (403, 202, 403, 403, 202, 404, 404),
    "/api/v1/data-sources/{shop}/test/": (403, OK, 403, 403, 403, 404, 404),
    "/api/v1/data-sources/{internal}/test/": (403, OK, 403, 403, 404, 404, 404),
}


def finished_scan(source: DataSource) -> int:
    """A scan that has finished (without running the scanner: what is read here is who may see it)."""
    now = timezone.now()
    return Scan.objects.create(source=source, status=ScanStatus.SUCCEEDED, started_at=now, finished_at=now).pk


def file_finding(scan_id: int) -> int:
    """A stored file finding with one location, as a file scan leaves it."""
    finding = ScanFinding.objects.create(
        scan_id=scan_id, type="email_address", path="a.txt", severity="low", data_class="personal", rows_matched=1
    )
    FindingLocation.objects.create(finding=finding, line=1, masked="t***@example.jp")
    return finding.pk


@pytest.fixture
def world(request, shop_source, internal_source):
    users = {name: request.getfixturevalue(name) for name in ROLES}
    ids = {
        "shop": shop_source.pk,
        "internal": internal_source.pk,
        "shop_scan": finished_scan(shop_source),
        "shop_scan_2": finished_scan(shop_source),
        "internal_scan": finished_scan(internal_source),
    }
    ids["unscanned"] = DataSource.objects.create(name="typo", kind="files", location="/tmp/typo").pk
    ids["shop_finding"] = file_finding(ids["shop_scan"])
    ids["internal_finding"] = file_finding(ids["internal_scan"])
    return users, ids


test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in = matrix_tests(
    GET_MATRIX, POST_MATRIX, [*GET_MATRIX, *POST_MATRIX]
)
