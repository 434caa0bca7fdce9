"""What each report draft says: built from a case as a format-free ``Document`` that the DOCX and PDF writers
lay out alike.

Who reads each document decides what it may carry. The PPC report goes to the regulator and carries the
case's own text (summary, timeline, how it was found). The card-company notice, the public announcement
and the notice to individuals are built **only from fields that cannot identify anybody by construction**:
dates, choices, booleans, numbers and the names of data categories — never the case's free text, whose
summary or timeline may name a customer. Whatever the case does not know is left as a marked placeholder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from mamori.core.models import Organisation
from mamori.incidents.models import AppiAssessment, IncidentCase
from mamori.incidents.reports import texts
from mamori.ledger.models import DataCategory


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]
    number: int | None = None  # the item number of 規則 Art. 8(1), for the PPC report and the notice


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str = ""
    lead: tuple[tuple[str, str], ...] = ()  # label/value lines under the title: addressee, sender, dates
    intro: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    note: str = ""  # the drafting note for whoever finishes the draft
    placeholder: str = texts.JA["placeholder"]


@dataclass
class CaseFacts:
    """What the documents draw on, read once from the case and its latest APPI assessment."""

    case: IncidentCase
    lang: str
    t: dict[str, str]
    assessment: AppiAssessment | None
    facts: dict[str, Any] = field(default_factory=dict)
    decision: dict[str, Any] = field(default_factory=dict)
    categories: list[DataCategory] = field(default_factory=list)  # from the ledger and the assessment
    other_items: list[str] = field(default_factory=list)  # assessment items that name no known category

    # -- formatting -------------------------------------------------------------------------------------

    def date(self, value: dt.date | dt.datetime | str | None) -> str:
        day = _as_date(value)
        if day is None:
            return self.t["placeholder"]
        return self.t["fmt_date"].format(y=day.year, m=day.month, d=day.day)

    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return self.t["placeholder"]
        local = timezone.localtime(value)
        return self.t["fmt_datetime"].format(y=local.year, m=local.month, d=local.day, H=local.hour, M=local.minute)

    def bullets(self, lines: Iterable[str]) -> list[str]:
        return [f"{self.t['bullet']}{line}" for line in lines]

    def listing(self, names: Iterable[str]) -> str:
        joined = ("、" if self.lang == "ja" else ", ").join(names)
        return joined or self.t["placeholder"]

    # -- what the case knows ----------------------------------------------------------------------------

    @property
    def persons(self) -> int | None:
        if self.case.persons_affected is not None:
            return self.case.persons_affected
        value = self.facts.get("persons")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def persons_text(self) -> str:
        n = self.persons
        return self.t["placeholder"] if n is None else self.t["persons"].format(n=f"{n:,}")

    def flag(self, name: str) -> bool:
        return self.facts.get(name) is True

    @property
    def category_numbers(self) -> list[int]:
        found = self.decision.get("categories") or []
        return sorted(n for n in found if isinstance(n, int) and n in texts.CATEGORIES["ja"])

    @property
    def improper_purpose(self) -> bool:
        return self.flag("improper_purpose") or 3 in self.category_numbers

    @property
    def property_damage(self) -> bool:
        return self.flag("property_damage_risk") or 2 in self.category_numbers

    @property
    def card_data(self) -> bool:
        return any(c.card_data for c in self.categories)

    @property
    def special_care(self) -> bool:
        return self.flag("special_care") or any(c.special_care for c in self.categories)

    def category_names(self, safe_only: bool = False) -> list[str]:
        """Data-item names: the catalogue's names, plus (unless ``safe_only``) items typed into the assessment."""
        names = [c.name if self.lang == "ja" else (c.name_en or c.name) for c in self.categories]
        return names if safe_only else names + self.other_items

    def learned(self) -> str:
        return self.date(self.case.discovered_at)

    def detection(self) -> str:
        return texts.DETECTION[self.lang].get(self.case.detection_source, texts.DETECTION[self.lang]["other"])

    def exposure(self) -> str | None:
        if not (self.case.exposure_from or self.case.exposure_to):
            return None
        start = self.date(self.case.exposure_from) if self.case.exposure_from else self.t["placeholder"]
        end = self.date(self.case.exposure_to) if self.case.exposure_to else self.t["placeholder"]
        return self.t["range"].format(start=start, end=end)

    def exposure_or_placeholder(self) -> str:
        return self.exposure() or self.t["placeholder"]

    def free_text(self, key: str) -> str:
        """A text the assessment's facts may hold (e.g. "cause"), for the PPC report only."""
        value = self.facts.get(key)
        return value.strip() if isinstance(value, str) else ""


def _as_date(value: dt.date | dt.datetime | str | None) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def latest_assessment(case: IncidentCase) -> AppiAssessment | None:
    return case.assessments.order_by("-assessed_at", "-pk").first()


def gather(case: IncidentCase, lang: str) -> CaseFacts:
    assessment = latest_assessment(case)
    facts = assessment.facts if assessment is not None and isinstance(assessment.facts, dict) else {}
    decision = assessment.decision if assessment is not None and isinstance(assessment.decision, dict) else {}
    categories = list(
        DataCategory.objects.filter(entries__in=case.ledger_entries.all()).distinct().order_by("order", "name")
    )
    other: list[str] = []
    for item in _assessment_items(facts):
        known = _match_category(item)
        if known is not None:
            if known not in categories:
                categories.append(known)
        elif item not in other:
            other.append(item)
    return CaseFacts(case, lang, texts.TEXTS[lang], assessment, facts, decision, categories, other)


def _assessment_items(facts: dict[str, Any]) -> list[str]:
    """The data items the assessment names, whatever shape the form stored them in."""
    for key in ("data_items", "items", "data_categories"):
        value = facts.get(key)
        if isinstance(value, str):
            return [part.strip() for part in value.replace("、", ",").split(",") if part.strip()]
        if isinstance(value, list):
            return [str(part).strip() for part in value if str(part).strip()]
    return []


def _match_category(item: str) -> DataCategory | None:
    for category in DataCategory.objects.all():
        if item in (category.code, category.name, category.name_en, *category.aliases):
            return category
    return None


def organisation_lines(f: CaseFacts, label: str) -> list[tuple[str, str]]:
    org = Organisation.current()
    name = (org.name if f.lang == "ja" else (org.name_en or org.name)) if org else ""
    return [
        (f.t[label], name or f.t["placeholder"]),
        (f.t["representative"], (org.representative if org else "") or f.t["placeholder"]),
        (f.t["address"], (org.address if org else "") or f.t["placeholder"]),
    ]


def today(f: CaseFacts) -> str:
    return f.date(timezone.localdate())
