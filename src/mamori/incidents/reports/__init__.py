"""Report drafts from a case (報告書・通知文の下書き): the PPC report (速報 and 確報), the card-company notice,
the public announcement and the notice to individuals, as DOCX and PDF.

``render(case, kind, fmt, lang)`` builds one file and checks nothing: callers decide who may have it.
``export_report(actor, case, kind, fmt, lang)`` is the one way a user gets a draft: it checks the export
right on the case and writes the audit entry in one transaction. ``render_all(case, lang)`` gives every
draft, for the case-file export (whose own export check and audit entry cover them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mamori.accounts import policy
from mamori.accounts.policy import Action, Actor
from mamori.audit import services as audit
from mamori.incidents.models import IncidentCase
from mamori.incidents.reports import documents, to_docx, to_pdf
from mamori.incidents.reports.content import CaseFacts, Document, gather
from mamori.incidents.reports.texts import LANGS
from mamori.incidents.reports.to_pdf import FontMissing

RESOURCE: Final = "incident_case"

_BUILDERS: dict[str, Callable[[CaseFacts], Document]] = {
    "ppc_preliminary": lambda f: documents.ppc_report(f, final=False),
    "ppc_final": lambda f: documents.ppc_report(f, final=True),
    "card_company": documents.card_company_notice,
    "public_announcement": documents.public_announcement,
    "individual_notice": documents.individual_notice,
}

# In the order the panel lists them, with the label users read.
KINDS: Final = {
    "ppc_preliminary": _("Report to the PPC (preliminary)"),
    "ppc_final": _("Report to the PPC (final)"),
    "card_company": _("Notice to the card company"),
    "public_announcement": _("Public announcement (draft)"),
    "individual_notice": _("Notice to individuals"),
}
FORMATS: Final = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
_WRITERS: dict[str, Callable[[Document, str], bytes]] = {"docx": to_docx.write, "pdf": to_pdf.write}

__all__ = ["FORMATS", "KINDS", "LANGS", "FontMissing", "build", "export_report", "render", "render_all"]


def build(case: IncidentCase, kind: str, lang: str = "ja") -> Document:
    """The draft's content, before layout (what the tests and any other format read)."""
    _require(kind in _BUILDERS, "kind", kind, KINDS)
    _require(lang in LANGS, "lang", lang, LANGS)
    return _BUILDERS[kind](gather(case, lang))


def filename(case: IncidentCase, kind: str, fmt: str, lang: str = "ja") -> str:
    suffix = "" if lang == "ja" else f"-{lang}"
    return f"case-{case.pk}-{kind.replace('_', '-')}{suffix}.{fmt}"


def render(case: IncidentCase, kind: str, fmt: str, lang: str = "ja") -> tuple[str, bytes]:
    """One draft as a file: (file name, content). Raises ``ValueError`` naming a bad kind, format or language,
    and ``FontMissing`` for a PDF on a machine without a Japanese font."""
    _require(fmt in _WRITERS, "fmt", fmt, FORMATS)
    return filename(case, kind, fmt, lang), _WRITERS[fmt](build(case, kind, lang), lang)


def render_all(case: IncidentCase, lang: str = "ja") -> list[tuple[str, bytes]]:
    """Every draft in every format, for the case-file export."""
    return [render(case, kind, fmt, lang) for kind in KINDS for fmt in FORMATS]


def export_report(actor: Actor, case: IncidentCase, kind: str, fmt: str, lang: str = "ja") -> tuple[str, bytes]:
    """A user downloads a draft: an export of the case (manager, top management, internal audit), audited."""
    policy.check(actor, Action.EXPORT, RESOURCE, case)
    name, content = render(case, kind, fmt, lang)
    with transaction.atomic():
        audit.record(actor, "export", case, message=f"report draft {name}")
    return name, content


def _require(ok: bool, field: str, value: str, choices: Iterable[object]) -> None:
    if not ok:
        raise ValueError(f"{field}: unknown value {value!r}; choose one of {', '.join(map(str, choices))}")
