"""The readiness report as XLSX and PDF, for a Privacy Mark reviewer or consultant.

Both are written in Japanese whatever the user's language: the report is handed to Japanese reviewers and the
requirement titles are the standard's own. They carry exactly what the readiness page shows.
"""

from __future__ import annotations

import io

from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from mamori.core.models import Organisation
from mamori.incidents.reports import to_pdf
from mamori.incidents.reports.content import Document, Section
from mamori.pms.readiness import Readiness, Row, compute

HEADERS = ("章", "番号", "要求事項", "2017年版", "状況", "責任者", "Mamoriの記録による確認", "証跡", "メモ", "ギャップ")
WIDTHS = (6, 10, 34, 16, 10, 14, 52, 40, 36, 18)
FILL = {"ok": "CFE8D0", "gap": "F6DC8C", "contradicted": "E9A19A"}


def cell_text(value: object) -> object:
    """Text that starts like a formula stays text: the sheet must never compute what users typed."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _number(row: Row) -> str:
    return row.control.code or "(番号未確認)"


def _checks(row: Row) -> str:
    marks = {True: "○", False: "×", None: "・"}
    return "\n".join(f"{marks[c.ok]} {c.label}: {c.detail}" for c in row.checks)


def _evidence(row: Row) -> str:
    items = [e for e in row.control.evidence.all() if e.archived_at is None]
    return "\n".join(f"{e.label}{'(' + e.reference + ')' if e.reference else ''}" for e in items)


def _gap(row: Row) -> str:
    if not row.control.applicable:
        return "適用外"
    if row.contradicted:
        return "記録と不一致"
    return "未整備" if not row.ready else ""


def _owner(row: Row) -> str:
    owner = row.control.owner
    return str(owner) if owner else ""


def _report() -> Readiness:
    with translation.override("ja"):
        return compute()


def xlsx() -> tuple[bytes, int]:
    """The workbook (要求事項ごとの状況, ギャップ一覧) and the number of requirements in it."""
    report = _report()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "要求事項ごとの状況"
    _title(sheet, report)
    sheet.append(HEADERS)
    names = {chapter.group: f"{chapter.group} {chapter.title_ja}".strip() for chapter in report.groups}
    with translation.override("ja"):
        for row in report.rows:
            control = row.control
            sheet.append(
                [
                    cell_text(v)
                    for v in (
                        names.get(control.group, control.group),
                        _number(row),
                        control.title_ja,
                        control.a2017
                        + ("" if control.a2017_mapping == "confirmed" else "(対応未確認)" if control.a2017 else ""),
                        control.get_status_display(),
                        _owner(row),
                        _checks(row),
                        _evidence(row),
                        control.note,
                        _gap(row),
                    )
                ]
            )
            state = "contradicted" if row.contradicted else "gap" if row.gap else "ok" if control.applicable else ""
            if state:
                sheet.cell(sheet.max_row, len(HEADERS)).fill = PatternFill("solid", fgColor=FILL[state])
    _layout(sheet, header_row=4)
    gaps = book.create_sheet("ギャップ一覧")
    gaps.append(("番号", "要求事項", "状況", "責任者", "理由"))
    with translation.override("ja"):
        for row in report.gaps:
            gaps.append(
                [
                    cell_text(v)
                    for v in (
                        _number(row),
                        row.control.title_ja,
                        row.control.get_status_display(),
                        _owner(row) or "(未指定)",
                        _gap(row),
                    )
                ]
            )
    for i, width in enumerate((10, 34, 12, 14, 16), start=1):
        gaps.column_dimensions[get_column_letter(i)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), len(report.rows)


def _title(sheet: Worksheet, report: Readiness) -> None:
    organisation = Organisation.objects.first()
    sheet.append([f"プライバシーマーク取得準備状況 — {organisation.name if organisation else ''}"])
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.append(
        [
            f"準備度 {report.percent}%(運用中 {report.ready} / 適用 {report.applicable} 項目)"
            f" 作成 {timezone.localtime(report.generated_at):%Y-%m-%d %H:%M}"
        ]
    )
    sheet.append([])


def _layout(sheet: Worksheet, header_row: int) -> None:
    for i, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
    for line in sheet.iter_rows(min_row=header_row + 1):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(HEADERS))}{sheet.max_row}"


def pdf() -> tuple[bytes, int]:
    """The same report as a PDF (Japanese font embedded) and the number of requirements in it."""
    report = _report()
    organisation = Organisation.objects.first()
    with translation.override("ja"):
        sections = [
            Section(
                "ギャップ一覧",
                tuple(
                    f"・{_number(r)} {r.control.title_ja} — {_gap(r)}(責任者: {_owner(r) or '未指定'})"
                    for r in report.gaps
                )
                or ("ギャップはありません。",),
            )
        ]
        for chapter in report.groups:
            paragraphs = []
            for row in (r for r in report.rows if r.control.group == chapter.group):
                lines = [f"{_number(row)} {row.control.title_ja} — {row.control.get_status_display()}"]
                if _owner(row):
                    lines.append(f"責任者: {_owner(row)}")
                lines += [f"確認 {line}" for line in _checks(row).splitlines()]
                lines += [f"証跡: {line}" for line in _evidence(row).splitlines()]
                if row.control.note:
                    lines.append(f"メモ: {row.control.note}")
                if _gap(row):
                    lines.append(f"ギャップ: {_gap(row)}")
                paragraphs.append("\n".join(lines))
            heading = f"{chapter.group} {chapter.title_ja}".strip()
            sections.append(Section(f"{heading}(運用中 {chapter.ready} / {chapter.applicable})", tuple(paragraphs)))
    doc = Document(
        title="プライバシーマーク取得準備状況",
        subtitle=organisation.name if organisation else "",
        lead=(
            ("準備度", f"{report.percent}%(運用中 {report.ready} / 適用 {report.applicable} 項目)"),
            ("作成日時", f"{timezone.localtime(report.generated_at):%Y-%m-%d %H:%M}"),
            ("基準", "JIS Q 15001:2023(PMS構築・運用指針の J 番号)。番号未確認の項目はその旨を記載。"),
        ),
        sections=tuple(sections),
    )
    return to_pdf.write(doc, "ja"), len(report.rows)
