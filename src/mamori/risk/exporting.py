"""The risk sheet as XLSX, in the layout Privacy Mark reviewers expect (リスク分析表).

Labels are written in Japanese whatever the user's language, because the sheet is the standard record.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from mamori.risk.models import Risk, RiskMatrix, Score, Treatment

HEADERS = (
    "No.",
    "個人情報の名称",
    "ライフサイクル",
    "想定されるリスク",
    "発生可能性",
    "影響度",
    "リスク値",
    "対策・関連規程",
    "残存リスク",
    "対応方針",
    "担当者",
    "期限",
    "受容",
)
WIDTHS = (6, 28, 16, 22, 10, 10, 10, 48, 16, 32, 14, 12, 24)
BAND_JA = {"low": "低", "medium": "中", "high": "高"}
BAND_FILL = {"low": "CFE8D0", "medium": "F6DC8C", "high": "E9A19A"}
TREATMENT_JA = {Treatment.REDUCE: "低減", Treatment.AVOID: "回避", Treatment.TRANSFER: "移転", Treatment.ACCEPT: "受容"}
SHEET_TITLE = "リスク分析表"


def _safe(value: object) -> object:
    """Text that starts like a formula stays text: the sheet must never compute what users typed."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _measures(risk: Risk) -> str:
    lines = [f"{m.code} {m.name_ja}" for m in risk.existing_measures.all()]
    if risk.measures_note:
        lines.append(risk.measures_note)
    if risk.related_rules:
        lines.append(f"関連規程: {risk.related_rules}")
    return "\n".join(lines)


def _residual(score: Score | None) -> str:
    if score is None:
        return ""
    return f"{score.likelihood}×{score.impact}={score.value}（{BAND_JA[score.band]}）"


def _treatment(risk: Risk) -> str:
    label = TREATMENT_JA.get(Treatment(risk.treatment), "") if risk.treatment else ""
    return "：".join(part for part in (label, risk.treatment_plan) if part)


def _acceptance(risk: Risk) -> str:
    if not risk.accepted_at:
        return ""
    when = timezone.localtime(risk.accepted_at).strftime("%Y-%m-%d")
    who = risk.accepted_by.get_username() if risk.accepted_by else ""
    text = f"受容済 {when} {who}".strip()
    return f"{text}\n理由: {risk.acceptance_reason}" if risk.acceptance_reason else text


def _row(number: int, risk: Risk, matrix: RiskMatrix) -> list[object]:
    inherent = risk.inherent(matrix)
    residual = matrix.score(risk.residual_likelihood, risk.residual_impact)
    owner = str(risk.owner) if risk.owner else ""
    return [
        number,
        risk.ledger_entry.name,
        risk.stage_ja,
        risk.threat_label + (f"\n{risk.description}" if risk.description else ""),
        risk.likelihood,
        risk.impact,
        inherent.value if inherent else None,
        _measures(risk),
        _residual(residual),
        _treatment(risk),
        owner,
        risk.due_date,
        _acceptance(risk),
    ]


def _write_sheet(sheet: Worksheet, risks: Iterable[Risk], matrix: RiskMatrix) -> int:
    sheet.append(HEADERS)
    header_fill = PatternFill("solid", fgColor="DDE3EA")
    for column, width in enumerate(WIDTHS, start=1):
        cell = sheet.cell(row=1, column=column)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(column)].width = width
    count = 0
    for count, risk in enumerate(risks, start=1):
        sheet.append([_safe(v) for v in _row(count, risk, matrix)])
        inherent = risk.inherent(matrix)
        if inherent:
            sheet.cell(row=count + 1, column=7).fill = PatternFill("solid", fgColor=BAND_FILL[inherent.band])
        for cell in sheet[count + 1]:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        sheet.cell(row=count + 1, column=12).number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{count + 1}"
    return count


def _write_matrix(sheet: Worksheet, matrix: RiskMatrix) -> None:
    sheet.append(["リスク値 = 発生可能性 × 影響度"])
    sheet.append(["レベル", "発生可能性", "影響度"])
    for level in range(1, max(matrix.likelihood_levels, matrix.impact_levels) + 1):
        sheet.append([level, matrix.likelihood_label(level), matrix.impact_label(level)])
    sheet.append([])
    sheet.append(["中 (リスク値が以上)", matrix.medium_from])
    sheet.append(["高 (リスク値が以上)", matrix.high_from])
    sheet.append(["許容水準 (これを超えると対応が必要)", matrix.tolerance])
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 30
    sheet.column_dimensions["C"].width = 30


def build_workbook(risks: Iterable[Risk], matrix: RiskMatrix) -> tuple[bytes, int]:
    """The XLSX file and how many risk rows it holds."""
    with translation.override("ja"):
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = SHEET_TITLE
        count = _write_sheet(sheet, risks, matrix)
        _write_matrix(workbook.create_sheet("評価基準"), matrix)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count
