"""The four report drafts, each a function from a case's facts to a ``Document``."""

from __future__ import annotations

from typing import Any

from mamori.incidents.models import TimelineKind
from mamori.incidents.reports import texts
from mamori.incidents.reports.content import CaseFacts, Document, Section, organisation_lines, today

# -- PPC report (個人情報保護委員会への報告) -------------------------------------------------------------------


def ppc_report(f: CaseFacts, final: bool) -> Document:
    t = f.t
    lead = [
        (t["to"], t["ppc_addressee"]),
        *organisation_lines(f, "reporter"),
        (t["drafted_on"], today(f)),
        (t["case"], t["case_ref"].format(title=f.case.title, pk=f.case.pk)),
        (t["learned_at"], f.datetime(f.case.discovered_at)),
        (t["report_type"], t["type_final" if final else "type_preliminary"]),
        *_due_lines(f, final),
        (t["categories"], _categories_text(f)),
    ]
    bodies = {
        1: _ppc_summary(f),
        2: _ppc_items(f),
        3: [t["persons_preliminary"].format(value=f.persons_text()) if not final else f.persons_text()],
        4: _ppc_cause(f),
        5: _ppc_harm(f),
        6: _ppc_individuals(f),
        7: [t["status_line"].format(value=t["placeholder"])],
        8: [t["placeholder"]],
        9: _ppc_other(f),
    }
    sections = tuple(Section(title, tuple(bodies[number]), number) for number, title in texts.REPORT_ITEMS[f.lang])
    return Document(
        title=t["ppc_title_final" if final else "ppc_title_preliminary"],
        subtitle=t["ppc_subtitle"],
        lead=tuple(lead),
        sections=sections,
        note=t["ppc_note_final" if final else "ppc_note_preliminary"],
        placeholder=t["placeholder"],
    )


def _due_lines(f: CaseFacts, final: bool) -> list[tuple[str, str]]:
    t = f.t
    if f.assessment is None:
        return [(t["final_due" if final else "preliminary_due"], t["not_assessed"])]
    if f.decision.get("report_required") is False:
        return [(t["final_due" if final else "preliminary_due"], t["not_required"])]
    lines = []
    if not final:
        window = f.decision.get("preliminary_due") or {}
        if isinstance(window, dict) and (window.get("earliest") or window.get("latest")):
            span = t["range"].format(start=f.date(window.get("earliest")), end=f.date(window.get("latest")))
            lines.append((t["preliminary_due"], t["preliminary_due_value"].format(range=span)))
        else:
            lines.append((t["preliminary_due"], t["placeholder"]))
    final_due = f.decision.get("final_due")
    if final_due:
        days = f.decision.get("final_days") or (60 if 3 in f.category_numbers else 30)
        value = t["final_due_value_60" if days == 60 else "final_due_value_30"].format(date=f.date(final_due))
        for moved in f.decision.get("final_due_moved_from") or []:
            if isinstance(moved, dict):
                reason = moved.get("reason_ja" if f.lang == "ja" else "reason") or moved.get("reason", "")
                value += "\n" + t["moved_line"].format(date=f.date(moved.get("date")), reason=reason)
        lines.append((t["final_due"], value))
    elif final:
        lines.append((t["final_due"], t["placeholder"]))
    return lines


def _categories_text(f: CaseFacts) -> str:
    if f.assessment is None:
        return f.t["not_assessed"]
    if f.decision.get("report_required") is False:
        return f.t["not_required"]
    names = [texts.CATEGORIES[f.lang][n] for n in f.category_numbers]
    return "\n".join(names) if names else f.t["none"]


def _ppc_summary(f: CaseFacts) -> list[str]:
    t = f.t
    lines = [f.case.summary.strip() or t["placeholder"]]
    lines.append(t["learned_line"].format(value=f.datetime(f.case.discovered_at)))
    detected = f.detection()
    if f.case.detection_detail.strip():
        detected = (
            f"{detected}（{f.case.detection_detail.strip()}）"
            if f.lang == "ja"
            else (f"{detected} ({f.case.detection_detail.strip()})")
        )
    lines.append(t["detected_line"].format(value=detected))
    lines.append(t["exposure_line"].format(value=f.exposure_or_placeholder()))
    if f.case.contractor is not None:
        lines.append(t["contractor_line"].format(value=f.case.contractor.name))
    events = f.case.timeline.filter(kind__in=[TimelineKind.EVENT, TimelineKind.ACTION]).order_by("occurred_at", "pk")
    if events:
        lines.append(t["timeline_head"])
        lines += f.bullets(f"{f.datetime(e.occurred_at)} {e.title}" for e in events)
    return lines


def _ppc_items(f: CaseFacts) -> list[str]:
    t = f.t
    lines = [f.listing(f.category_names())]
    if f.special_care:
        lines.append(t["special_care_line"])
    if f.card_data:
        lines.append(t["card_data_line"])
    entries = [t["entry_ref"].format(name=e.name, ref=e.reference) for e in f.case.ledger_entries.order_by("reference")]
    if entries:
        lines.append(t["entries_line"].format(value=f.listing(entries)))
    return lines


def _ppc_cause(f: CaseFacts) -> list[str]:
    written = f.free_text("cause")
    if written:
        return [written]
    if f.improper_purpose:
        return [f.t["cause_improper"], f.t["placeholder"]]
    return [f.t["placeholder"]]


def _ppc_harm(f: CaseFacts) -> list[str]:
    written = f.free_text("secondary_harm")
    if written:
        return [written]
    if f.property_damage:
        lines = [f.t["harm_property"]]
        if f.card_data:
            lines.append(f.t["harm_card"])
        return lines
    return [f.t["placeholder"]]


def _ppc_individuals(f: CaseFacts) -> list[str]:
    t = f.t
    lines = []
    required = f.decision.get("notify_individuals")
    if isinstance(required, bool):
        lines.append(t["notify_required_line"].format(value=t["yes" if required else "no"]))
    # Hook: the notices app's campaign totals (issue 11); its import stays local so reports do not need it.
    from mamori.notices.services import report_lines

    sent = report_lines(f.case, f.lang)
    lines += sent or [t["status_line"].format(value=t["placeholder"])]
    return lines


def _ppc_other(f: CaseFacts) -> list[str]:
    t, case = f.t, f.case
    lines = []
    if case.contractor_notified_at is not None:
        lines.append(t["contractor_notice_line"].format(value=f.datetime(case.contractor_notified_at)))
    if case.hold_released_at is not None:
        lines.append(t["hold_released_line"].format(value=f.datetime(case.hold_released_at)))
    elif case.legal_hold:
        lines.append(t["hold_line"].format(value=f.datetime(case.hold_placed_at or case.discovered_at)))
    sources = [s.name for s in case.data_sources.order_by("name")]
    if sources:
        lines.append(t["sources_line"].format(value=f.listing(sources)))
    if f.assessment is not None:
        lines.append(
            t["assessment_line"].format(
                value=f.datetime(f.assessment.assessed_at), version=f.assessment.rules_version or "-"
            )
        )
        lines += _basis_lines(f)
        counting = f.decision.get("day_counting_ja" if f.lang == "ja" else "day_counting")
        if isinstance(counting, str) and counting:
            lines.append(t["counting_line"].format(value=counting))
    lines.append(t["placeholder"])
    return lines


def _basis_lines(f: CaseFacts) -> list[str]:
    """The legal basis of each conclusion, as the APPI assessment cited it (in the document's language)."""
    basis = f.decision.get("basis_ja" if f.lang == "ja" else "basis") or f.decision.get("basis")
    labels = texts.BASIS_LABELS[f.lang]
    if isinstance(basis, dict):
        return [
            f"{f.t['basis']}（{labels.get(k, k)}）: {_flat(v)}"
            if f.lang == "ja"
            else f"{f.t['basis']} ({labels.get(k, k)}): {_flat(v)}"
            for k, v in basis.items()
        ]
    if isinstance(basis, list):
        return [_flat(value) for value in basis]
    return [basis] if isinstance(basis, str) and basis else []


def _flat(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_flat(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    return str(value)


# -- card company (カード会社への連絡) --------------------------------------------------------------------------


def card_company_notice(f: CaseFacts) -> Document:
    """Only safe fields: dates, the detection choice, numbers and category names (no case text)."""
    t = f.t
    card_first = sorted(f.categories, key=lambda c: not c.card_data)
    items = [c.name if f.lang == "ja" else (c.name_en or c.name) for c in card_first]
    status = []
    if f.case.legal_hold and f.case.hold_released_at is None:
        status.append(t["card_hold"])
    if f.case.preservation_notices.exists():
        status.append(t["card_preservation"])
    status.append(t["card_forensics"])
    sections = [
        (t["card_h_learned"], [t["card_learned"].format(date=f.learned(), source=f.detection())]),
        (t["card_h_period"], [f.exposure_or_placeholder()]),
        (t["card_h_count"], [f.persons_text()]),
        (t["card_h_items"], [f.listing(items)]),
        (t["card_h_status"], f.bullets(status)),
        (t["card_h_requests"], f.bullets([t["card_request_monitor"], t["card_request_scope"]])),
        (t["card_h_contact"], [t["placeholder"]]),
    ]
    return Document(
        title=t["card_title"],
        lead=((t["to"], t["card_addressee"]), *organisation_lines(f, "sender"), (t["date"], today(f))),
        intro=(t["card_intro"],),
        sections=tuple(Section(h, tuple(p), i) for i, (h, p) in enumerate(sections, 1)),
        note=t["card_note"],
        placeholder=t["placeholder"],
    )


# -- public announcement (公表文案) ------------------------------------------------------------------------------


def public_announcement(f: CaseFacts) -> Document:
    """Safe by construction: no title, summary, timeline, detection detail or typed-in text of the case."""
    t = f.t
    data = [
        t["public_period_line"].format(value=f.exposure_or_placeholder()),
        t["public_items_line"].format(value=f.listing(f.category_names(safe_only=True))),
        t["public_count_line"].format(value=f.persons_text()),
    ]
    requests = ([t["public_request_card"]] if f.card_data else []) + [t["public_request_phishing"]]
    sections = [
        (
            t["public_h_background"],
            [t["public_learned"].format(date=f.learned(), source=f.detection()), t["public_detail"]],
        ),
        (t["public_h_data"], data),
        (t["public_h_cause"], _safe_cause(f)),
        (t["public_h_harm"], _safe_harm(f)),
        (t["public_h_requests"], requests),
        (t["public_h_actions"], [t["public_actions"], t["placeholder"]]),
        (t["public_h_prevention"], [t["placeholder"]]),
        (t["public_h_contact"], [t["placeholder"]]),
    ]
    return Document(
        title=t["public_title_improper" if f.improper_purpose else "public_title"],
        lead=((t["date"], today(f)), organisation_lines(f, "sender")[0]),
        intro=(t["public_intro"],),
        sections=tuple(Section(h, tuple(p), i) for i, (h, p) in enumerate(sections, 1)),
        note=t["public_note"],
        placeholder=t["placeholder"],
    )


def _safe_cause(f: CaseFacts) -> list[str]:
    return [f.t["cause_improper"], f.t["placeholder"]] if f.improper_purpose else [f.t["placeholder"]]


def _safe_harm(f: CaseFacts) -> list[str]:
    if not f.property_damage:
        return [f.t["placeholder"]]
    return [f.t["harm_property"], *([f.t["harm_card"]] if f.card_data else [])]


# -- notice to individuals (本人への通知) ------------------------------------------------------------------------


def individual_notice(f: CaseFacts) -> Document:
    """規則 Art. 10: items 1, 2, 4, 5 and 9 only, with their legal titles; safe fields only (it goes to everyone
    affected, so no other person's data may ride along)."""
    t = f.t
    bodies = {
        1: [
            t["notice_summary"].format(date=f.learned(), source=f.detection()),
            t["notice_period_line"].format(value=f.exposure_or_placeholder()),
            t["placeholder"],
        ],
        2: [f.listing(f.category_names(safe_only=True))],
        4: _safe_cause(f),
        5: _safe_harm(f),
        9: [
            *([t["public_request_card"]] if f.card_data else []),
            t["public_request_phishing"],
            t["notice_contact_line"].format(value=t["placeholder"]),
        ],
    }
    titles = dict(texts.REPORT_ITEMS[f.lang])
    # Numbered 1–5 for the reader; the titles are those of items 1, 2, 4, 5 and 9.
    sections = tuple(Section(titles[n], tuple(bodies[n]), i) for i, n in enumerate(texts.NOTICE_ITEMS, 1))
    return Document(
        title=t["notice_title"],
        lead=((t["to"], t["notice_addressee"]), organisation_lines(f, "sender")[0], (t["date"], today(f))),
        intro=(t["notice_intro"],),
        sections=sections,
        note=t["notice_note"],
        placeholder=t["placeholder"],
    )
