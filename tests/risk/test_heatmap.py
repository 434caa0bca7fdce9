"""The heat map counts the listed risks per cell; the picture is valid SVG with a title, without style
attributes, and comes with the same counts as a table."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string

from mamori.risk import heatmap
from mamori.risk.models import Risk
from mamori.risk.views import heatmap_context

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def sheet(make_risk, applicants):
    """Five risks: two at residual 3×3, one 1×2, one assessed only as inherent 2×1, one not assessed."""
    make_risk(likelihood=3, impact=3)
    make_risk(likelihood=3, impact=3, stage="use")
    make_risk(likelihood=3, impact=3, residual_likelihood=1, residual_impact=2, stage="dispose")
    make_risk(likelihood=2, impact=1, ledger_entry=applicants)
    make_risk(threat="loss")


def test_counts_per_cell_match_the_rows(sheet, matrix):
    # when
    built = heatmap.build(Risk.objects.all(), matrix)
    # then
    assert dict(built.counts) == {(3, 3): 2, (1, 2): 1, (2, 1): 1}
    assert built.unassessed == 1
    assert built.total == Risk.objects.count()
    assert built.band_totals() == {"low": 2, "medium": 0, "high": 2}


def test_inherent_counts_ignore_residual_levels(sheet, matrix):
    built = heatmap.build(Risk.objects.all(), matrix, residual=False)
    assert dict(built.counts) == {(3, 3): 3, (2, 1): 1}


def test_the_svg_is_valid_xml_with_a_title_and_no_style_attributes(sheet, matrix):
    # when
    svg = heatmap.render_svg(heatmap.build(Risk.objects.all(), matrix))
    # then
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title") is not None and root.get("role") == "img"
    assert all("style" not in element.attrib for element in root.iter())
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("width") == str(heatmap.CELL)]
    assert len(rects) == 9
    counts = [t.text for g in root.iter(f"{SVG}g") for t in g.iter(f"{SVG}text")]
    assert sorted(c for c in counts if c != "·") == ["1", "1", "2"]


def test_the_risk_page_shows_the_heatmap_and_its_table_for_the_filtered_rows(sheet, client_for, staff, customers):
    # when
    response = client_for(staff).get("/risk/", {"entry": customers.pk})
    # then
    assert response.status_code == 200
    assert len(response.context["rows"]) == 4
    assert response.context["heatmap"].total == 4
    html = response.content.decode()
    assert "<svg" in html and 'id="heatmap-table"' in html
    assert "style=" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_the_band_filter_keeps_the_heatmap_and_rows_in_step(sheet, client_for, manager):
    response = client_for(manager).get("/risk/", {"band": "high"})
    assert len(response.context["rows"]) == 2
    assert dict(response.context["heatmap"].counts) == {(3, 3): 2}


def test_the_dashboard_card_renders_for_readers_and_not_for_contractors(sheet, manager, alice_contractor):
    # when
    card = render_to_string("risk/heatmap_card.html", heatmap_context(manager))
    hidden = render_to_string("risk/heatmap_card.html", heatmap_context(alice_contractor))
    # then
    assert "<svg" in card and "dashboard-heatmap-table" in card
    ET.fromstring(card[card.index("<svg") : card.index("</svg>") + 6])  # noqa: S314 - our own output
    assert hidden.strip() == ""
    assert heatmap_context(manager)["risk_card"]["needs_treatment"] == 2
