"""The risk heat map: counts per likelihood × impact cell, drawn as SVG on the server.

No script and no style attributes (the CSP allows only our stylesheet): colours are SVG presentation
attributes. The picture has a <title> and <desc>; pages also show the same counts as a table.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from mamori.risk.models import Band, Risk, RiskMatrix

BAND_FILL = {Band.LOW: "#cfe8d0", Band.MEDIUM: "#f6dc8c", Band.HIGH: "#e9a19a"}
BAND_STROKE = "#5b5b5b"
TEXT_FILL = "#1a1a1a"
CELL = 56
LEFT = 70
TOP = 16
BOTTOM = 56
LEGEND = 28


@dataclass(frozen=True)
class Cell:
    likelihood: int
    impact: int
    score: int
    band: str
    count: int

    @property
    def band_label(self) -> str:
        return str(Band(self.band).label)


@dataclass
class HeatMap:
    matrix: RiskMatrix
    residual: bool
    counts: Counter[tuple[int, int]] = field(default_factory=Counter)
    unassessed: int = 0

    @property
    def assessed(self) -> int:
        return sum(self.counts.values())

    @property
    def total(self) -> int:
        return self.assessed + self.unassessed

    def band_totals(self) -> dict[str, int]:
        totals = dict.fromkeys(Band.values, 0)
        for (likelihood, impact), count in self.counts.items():
            totals[self.matrix.band_of(likelihood * impact)] += count
        return totals

    def rows(self) -> list[list[Cell]]:
        """Rows from the highest likelihood down, as the picture shows them."""
        rows = []
        for likelihood in range(self.matrix.likelihood_levels, 0, -1):
            row = []
            for impact in range(1, self.matrix.impact_levels + 1):
                score = likelihood * impact
                count = self.counts.get((likelihood, impact), 0)
                row.append(Cell(likelihood, impact, score, self.matrix.band_of(score), count))
            rows.append(row)
        return rows


def build(risks: Iterable[Risk], matrix: RiskMatrix, residual: bool = True) -> HeatMap:
    """Count risks per cell: by residual score (falls back to inherent) or by inherent score."""
    heatmap = HeatMap(matrix=matrix, residual=residual)
    for risk in risks:
        score = risk.residual(matrix) if residual else risk.inherent(matrix)
        in_range = score and score.likelihood <= matrix.likelihood_levels and score.impact <= matrix.impact_levels
        if score and in_range:
            heatmap.counts[(score.likelihood, score.impact)] += 1
        else:
            heatmap.unassessed += 1
    return heatmap


def _text(parent: ET.Element, x: float, y: float, content: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, "text", {"x": f"{x:g}", "y": f"{y:g}", "fill": TEXT_FILL, **attrs})
    element.text = content
    return element


def render_svg(heatmap: HeatMap, id_prefix: str = "risk-heatmap") -> str:
    """The heat map as an SVG document fragment (valid XML; safe to place inline in HTML)."""
    matrix = heatmap.matrix
    columns, rows = matrix.impact_levels, matrix.likelihood_levels
    width = max(LEFT + columns * CELL + 8, 8 + len(Band) * 76)
    height = TOP + rows * CELL + BOTTOM + LEGEND
    basis = _("residual risk") if heatmap.residual else _("inherent risk")
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {width} {height}",
            "width": str(width),
            "height": str(height),
            "role": "img",
            "aria-labelledby": f"{title_id} {desc_id}",
            "font-family": "sans-serif",
            "font-size": "12",
        },
    )
    ET.SubElement(svg, "title", {"id": title_id}).text = _("Risk heat map (%(basis)s)") % {"basis": basis}
    ET.SubElement(svg, "desc", {"id": desc_id}).text = _(
        "%(assessed)d assessed risks by likelihood (rows, highest at the top) and impact (columns); "
        "%(unassessed)d not assessed yet."
    ) % {"assessed": heatmap.assessed, "unassessed": heatmap.unassessed}
    for row_index, row in enumerate(heatmap.rows()):
        y = TOP + row_index * CELL
        _text(svg, LEFT - 8, y + CELL / 2 + 4, str(row[0].likelihood), **{"text-anchor": "end"})
        for cell in row:
            x = LEFT + (cell.impact - 1) * CELL
            group = ET.SubElement(svg, "g")
            ET.SubElement(group, "title").text = _(
                "Likelihood %(l)d × impact %(i)d = %(score)d (%(band)s): %(count)d risks"
            ) % {
                "l": cell.likelihood,
                "i": cell.impact,
                "score": cell.score,
                "band": cell.band_label,
                "count": cell.count,
            }
            ET.SubElement(
                group,
                "rect",
                {
                    "x": str(x),
                    "y": str(y),
                    "width": str(CELL),
                    "height": str(CELL),
                    "fill": BAND_FILL[Band(cell.band)],
                    "stroke": BAND_STROKE,
                    "stroke-width": "1",
                },
            )
            weight = "bold" if cell.count else "normal"
            count_text = str(cell.count) if cell.count else "·"
            _text(
                group,
                x + CELL / 2,
                y + CELL / 2 + 6,
                count_text,
                **{"text-anchor": "middle", "font-size": "18", "font-weight": weight},
            )
    grid_bottom = TOP + rows * CELL
    for impact in range(1, columns + 1):
        _text(svg, LEFT + (impact - 0.5) * CELL, grid_bottom + 16, str(impact), **{"text-anchor": "middle"})
    _text(svg, LEFT + columns * CELL / 2, grid_bottom + 34, _("Impact →"), **{"text-anchor": "middle"})
    _text(
        svg,
        14,
        TOP + rows * CELL / 2,
        _("Likelihood →"),
        **{"text-anchor": "middle", "transform": f"rotate(-90 14 {TOP + rows * CELL / 2:g})"},
    )
    legend_y = grid_bottom + BOTTOM - 8
    for index, band in enumerate(Band):
        x = 8 + index * 76
        ET.SubElement(
            svg,
            "rect",
            {
                "x": str(x),
                "y": str(legend_y),
                "width": "14",
                "height": "14",
                "fill": BAND_FILL[band],
                "stroke": BAND_STROKE,
            },
        )
        _text(svg, x + 18, legend_y + 12, str(band.label))
    return ET.tostring(svg, encoding="unicode")
