"""Every location of a file finding is kept (masked) and can be paged through on the scan page and in the API;
file rows show files and counts; low-confidence findings wait behind a count; reads are audited."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from mamori.discovery import services
from mamori.discovery.models import DataSource, FindingLocation, Scan, ScanFinding
from tests.discovery_app.conftest import scan_now
from tests.discovery_app.test_scans import every_text_value

CARD = "4111111111111111"  # a published test number (Visa), never a real card
OTHER_CARD = "5555555555554444"  # a published test number (Mastercard)
HX = {"HTTP_HX_REQUEST": "true"}


def contractor_share(tmp_path: Path, contractor: Any) -> DataSource:
    """A file share run by ``contractor``."""
    folder = tmp_path / "contractor-share"
    folder.mkdir()
    return services.create_source(
        SYSTEM, {"name": "Contractor share", "kind": "files", "location": str(folder), "contractor": contractor}
    )


@pytest.fixture
def shared_folder(tmp_path: Path, server_co) -> DataSource:
    """A file share run by alice's contractor."""
    return contractor_share(tmp_path, server_co)


def plant_cards(source: DataSource, lines: int, name: str = "orders.log") -> Path:
    """A log with a grouped card number and its security code on each of ``lines`` lines."""
    path = Path(source.location) / name
    path.write_text(
        "".join(
            f"2024-05-01 order {i}: card {CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:]} cvv 987\n"
            for i in range(lines)
        ),
        encoding="utf-8",
    )
    return path


def card_finding(scan: Scan) -> ScanFinding:
    return scan.findings.get(type="credit_card_number")


def rows_of(html: str) -> list[str]:
    """The rows of the locations table in a page or fragment."""
    body = html.split('<table class="locations">', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr><td><code>", body)


def test_every_location_of_a_finding_is_stored_and_paged_fifty_at_a_time(shared_folder, manager, client_for):
    # given a file with a card number on 120 lines
    plant_cards(shared_folder, 120)
    # when it is scanned
    scan = scan_now(shared_folder)
    # then there is one card finding with 120 locations, in the order of the lines
    finding = card_finding(scan)
    assert finding.rows_matched == 120
    assert [loc.line for loc in finding.locations.all()] == list(range(1, 121))
    assert {loc.masked for loc in finding.locations.all()} == {"411111******1111"}
    # and the locations fragment shows 50 rows on page 1 and 20 on page 3
    client = client_for(manager)
    url = f"/discovery/scans/{scan.pk}/findings/{finding.pk}/locations/"
    first = client.get(url, **HX).content.decode()
    third = client.get(url + "?page=3", **HX).content.decode()
    assert len(rows_of(first)) == 50 and len(rows_of(third)) == 20
    assert first.startswith(f'<tr id="locations-{finding.pk}"') and "<html" not in first
    assert "line 1<" in first and "line 101<" in third and "411111******1111" in third
    assert f'hx-get="{url}?page=2"' in first  # the next page replaces the fragment in place
    # and without JavaScript the link opens a page of its own with the same rows
    page = client.get(url + "?page=3").content.decode()
    assert "<html" in page and len(rows_of(page)) == 20


def test_the_api_pages_the_locations_of_a_finding(shared_folder, auditor, client_for):
    # given a scanned file with a card number on 120 lines
    plant_cards(shared_folder, 120)
    scan = scan_now(shared_folder)
    finding = card_finding(scan)
    # when the auditor reads its locations over the API
    url = f"/api/v1/scans/{scan.pk}/findings/{finding.pk}/locations/"
    page_1 = client_for(auditor).get(url).json()
    page_3 = client_for(auditor).get(url + "?page=3").json()
    # then 120 in all, 50 a page, each with its line and masked value only
    assert page_1["count"] == 120 and len(page_1["results"]) == 50 and len(page_3["results"]) == 20
    assert page_3["results"][-1] == {
        "id": page_3["results"][-1]["id"],
        "line": 120,
        "column": page_3["results"][-1]["column"],
        "sheet": "",
        "cell": "",
        "masked": "411111******1111",
    }
    # and a finding of another scan is not found under this one
    other = scan_now(shared_folder)
    assert client_for(auditor).get(f"/api/v1/scans/{other.pk}/findings/{finding.pk}/locations/").status_code == 404


def test_a_contractor_of_another_contractor_gets_404(shared_folder, alice_contractor, bob_logistics, client_for):
    # given a scanned share of alice's contractor
    plant_cards(shared_folder, 3)
    scan = scan_now(shared_folder)
    finding = card_finding(scan)
    page = f"/discovery/scans/{scan.pk}/findings/{finding.pk}/locations/"
    api = f"/api/v1/scans/{scan.pk}/findings/{finding.pk}/locations/"
    # when alice and bob (another contractor) ask for its locations
    # then alice sees them and bob is told nothing exists
    assert client_for(alice_contractor).get(page, **HX).status_code == 200
    assert client_for(alice_contractor).get(api).status_code == 200
    assert client_for(bob_logistics).get(page, **HX).status_code == 404
    assert client_for(bob_logistics).get(api).status_code == 404


def test_nothing_stored_holds_a_planted_full_number_or_a_security_codes_digits(shared_folder):
    # given card numbers and security codes planted on many lines of two files
    plant_cards(shared_folder, 40)
    (Path(shared_folder.location) / "memo.txt").write_text(
        "".join(f"カード番号 {OTHER_CARD} セキュリティコード 987\n" for _ in range(5)), encoding="utf-8"
    )
    # when the share is scanned
    scan = scan_now(shared_folder)
    assert FindingLocation.objects.filter(finding__scan=scan).count() >= 45
    # then no text value of any table holds a planted number, in any grouping
    stored = "\n".join(every_text_value())
    digits_only = re.sub(r"[ -]", "", stored)
    assert CARD not in digits_only and OTHER_CARD not in digits_only
    # and every stored location of a security code is masked without a digit
    codes = FindingLocation.objects.filter(finding__scan=scan, finding__type="card_security_code")
    assert codes.exists()
    assert all(not re.search(r"\d", loc.masked) for loc in codes)


def test_file_rows_show_files_and_counts_not_a_match_ratio_of_zero(shared_folder, manager, client_for):
    # given a scanned share with card numbers on 120 lines of one file
    plant_cards(shared_folder, 120)
    scan = scan_now(shared_folder)
    # when the manager opens the scan page
    page = client_for(manager).get(f"/discovery/scans/{scan.pk}/").content.decode()
    # then the summary counts files, not rows, and each file row links to its locations instead of 0.00
    assert "Files scanned" in page
    assert '<dt>Files with findings</dt><dd class="num">1</dd>' in page  # one file, two types found in it
    assert "Rows scanned" not in page and "Match ratio" not in page and "0.00" not in page
    finding = card_finding(scan)
    assert "120 locations</a>" in page
    assert f'hx-get="/discovery/scans/{scan.pk}/findings/{finding.pk}/locations/"' in page


def test_database_findings_keep_their_column_and_counts(shop_source, manager, client_for):
    # given a scanned database
    scan = scan_now(shop_source)
    # when the scan page is opened
    page = client_for(manager).get(f"/discovery/scans/{scan.pk}/").content.decode()
    # then each row names its column with matches of rows scanned and a match ratio, and no locations link
    assert "dtb_order.memo02" in page and "Match ratio" in page and "Rows scanned" in page
    assert "/locations/" not in page


def test_low_confidence_findings_wait_behind_a_count(shared_folder, manager, client_for):
    # given a file with a card number and, on its own, a bare phone-shaped number (low confidence)
    folder = Path(shared_folder.location)
    (folder / "a.txt").write_text(f"card {CARD}\n", encoding="utf-8")
    (folder / "b.txt").write_text("ref 03-1234-5678\n", encoding="utf-8")
    scan = scan_now(shared_folder)
    low = [f for f in scan.findings.all() if f.confidence < services.shown_confidence()]
    assert low, "the phone-shaped number should be a low-confidence finding"
    client = client_for(manager)
    # when the page is opened, then with "show all"
    default = client.get(f"/discovery/scans/{scan.pk}/").content.decode()
    everything = client.get(f"/discovery/scans/{scan.pk}/?all=1").content.decode()
    # then the low-confidence ones are counted, not listed, until asked for
    assert f"{len(low)} low-confidence finding" in default and 'href="?all=1' in default
    assert all(f'id="finding-{f.pk}"' not in default for f in low)
    assert all(f'id="finding-{f.pk}"' in everything for f in low)
    assert 'id="finding-' in default  # the card number is still shown


def test_reading_locations_is_audited_as_a_read_of_findings(shared_folder, manager, client_for):
    # given a scanned share
    plant_cards(shared_folder, 60)
    scan = scan_now(shared_folder)
    finding = card_finding(scan)
    # when the manager pages through the locations on the page and over the API
    client = client_for(manager)
    client.get(f"/discovery/scans/{scan.pk}/findings/{finding.pk}/locations/?page=2", **HX)
    client.get(f"/api/v1/scans/{scan.pk}/findings/{finding.pk}/locations/")
    # then each read wrote one entry naming the finding and the page
    entries = AuditEntry.objects.filter(action="view_findings", object_id=str(scan.pk)).order_by("seq")
    messages = [e.message for e in entries]
    assert [m.split(":")[0] for m in messages] == ["page, page 2", "api, page 1"]
    assert all(f"locations of finding {finding.pk}" in m for m in messages)


def test_locations_beyond_the_maximum_are_counted_not_stored(shared_folder, manager, client_for, monkeypatch):
    # given a maximum of 100 locations per finding (10,000 in production) and a file with 130 card lines
    monkeypatch.setattr(services, "MAX_LOCATIONS", 100)
    plant_cards(shared_folder, 130)
    # when it is scanned
    scan = scan_now(shared_folder)
    finding = card_finding(scan)
    # then the true count is kept, the first 100 locations are stored, and the page says so
    assert finding.rows_matched == 130 and finding.locations.count() == 100
    page = client_for(manager).get(f"/discovery/scans/{scan.pk}/findings/{finding.pk}/locations/", **HX)
    assert "The first 100 are listed" in page.content.decode()
