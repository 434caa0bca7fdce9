"""Scan results read as a person reads them: severity, data class and finding type as translated labels, never
their codes; columns matched on their name only (EC-CUBE's tel01..03, zip02) are said to be so and folded apart;
each finding shows the risk or nonconformity recorded with it."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from mamori.discovery import services
from mamori.discovery.models import GapKind, ScanFinding
from tests.discovery_app.conftest import scan_now

CODES = ("critical", "prohibited", "personal", "credit_card_number", "card_security_code", "email_address")


def shown_as_code(html: str, code: str) -> bool:
    """Whether some element's whole text, or a title a pointer shows, is the bare code."""
    return bool(re.search(rf">\s*{code}\s*<", html) or re.search(rf'title="{code}"', html))


@pytest.fixture
def shop_scan(shop_source):
    return scan_now(shop_source)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_scan_page_shows_labels_never_codes(shop_scan, manager, client_for, language):
    # given the shop database's scan, with prohibited card data in it
    assert shop_scan.findings.filter(data_class="prohibited", severity="critical").exists()
    client = client_for(manager)
    client.cookies["django_language"] = language
    # when the scan page is read in the language
    with translation.override(language):
        html = client.get(f"/discovery/scans/{shop_scan.pk}/?all=1").content.decode()
    # then no code of a type, severity or class is shown as such
    for code in CODES:
        assert not shown_as_code(html, code), code


def test_labels_come_from_named_choices(db):
    finding = ScanFinding(type="credit_card_number", severity="critical", data_class="prohibited", evidence="name")
    with translation.override("en"):
        assert (finding.type_label, finding.severity_label, finding.data_class_label) == (
            "Credit card number",
            "Critical",
            "Must not be stored",
        )
        assert finding.evidence_label == "Column name only" and finding.name_only


def test_name_only_column_matches_are_folded_apart_and_said_to_be_so(shop_scan, manager, client_for):
    name_only = list(shop_scan.findings.filter(evidence="name"))
    if not name_only:
        pytest.skip("the demo shop has no column matched on its name only")
    page = client_for(manager).get(f"/discovery/scans/{shop_scan.pk}/?all=1").content.decode()
    # then they sit in their own folded section that explains them, not among the values found
    folded = page.split('id="name-only"', 1)
    assert len(folded) == 2
    main_table, section = folded
    for finding in name_only:
        assert f'id="finding-{finding.pk}"' in section and f'id="finding-{finding.pk}"' not in main_table
    assert "Column name only" in section


def test_a_finding_shows_what_was_recorded_with_it(shop_scan, shop_source, manager, client_for):
    gap = next(g for g in services.reconcile(shop_source) if g.kind == GapKind.PROHIBITED)
    item = services.gap_to_nonconformity(manager, gap).item
    page = client_for(manager).get(f"/discovery/scans/{shop_scan.pk}/").content.decode()
    row = page.split(f'id="finding-{gap.finding.pk}"', 1)[1].split("</tr>", 1)[0]
    assert f'href="/risk/nonconformities/{item.pk}/"' in row
