"""APPI breach reporting (個人データの漏えい等の報告) as versioned data, and ``assess(facts) -> decision``.

Plain Python, no Django: the CLI (``mamori appi assess``), the case page, the API and the tests all call the
same ``assess``. The statements below are our own summary of APPI Art. 26 (in force 2022-04-01), the
Enforcement Rules (規則) Art. 7–10 as amended in force 2024-04-01, and the PPC general guideline 3-5-3-4 on
counting days; correct them here, in one place, and give the change a new ``RULES_VERSION``.

Reading of "about 3–5 days" (速報): the day of learning is day 1, as for the final report, so the range is
days 3 to 5 (learning + 2 to learning + 4 days). It is a target ("promptly"), not a legal time limit, so it
is not moved off weekends or holidays. The final report (確報) is due on day 30, or day 60 whenever category 3
applies, moved forward from a Saturday, Sunday, national holiday or 12/29–1/3 to the next day that is none.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import holidays

RULES_VERSION = "2024-04-01"
# Japan has kept one offset all year since 1951, so a fixed +09:00 is exact and needs no time-zone database.
JST = dt.timezone(dt.timedelta(hours=9), "JST")

PERSONS_OVER = 1000  # category 4: more than 1,000 persons (1,000 itself is not enough)
PRELIMINARY_DAYS = (3, 5)  # 速報: "about 3–5 days", day of learning = day 1
FINAL_DAYS = 30  # 確報
FINAL_DAYS_IMPROPER_PURPOSE = 60  # 確報 whenever category 3 applies, alone or with others
CLOSURE_DAYS = frozenset({(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)})  # 年末年始 (month, day)
MANDATORY_FROM = dt.date(2022, 4, 1)  # reports and notices became a duty (amended APPI in force)
DATA_BEING_OBTAINED_FROM = dt.date(2024, 4, 1)  # category 3 covers data being obtained (web skimming)
ROLES = ("principal", "contractor")  # 委託元 (or a business on its own), 委託先


@dataclass(frozen=True)
class Text:
    """One statement in English and Japanese; the decision carries both, the reader picks one."""

    en: str
    ja: str


@dataclass(frozen=True)
class Category:
    number: int
    key: str
    name: Text
    basis: Text
    covers_data_being_obtained: bool  # only category 3 since 2024-04-01


CATEGORIES: tuple[Category, ...] = (
    Category(
        1,
        "special_care",
        Text("Special-care personal information involved", "要配慮個人情報が含まれる"),
        Text("Enforcement Rules Art. 7(i)", "規則第7条第1号"),
        False,
    ),
    Category(
        2,
        "property_damage",
        Text("Misuse could cause property damage", "不正に利用されることにより財産的被害が生じるおそれ"),
        Text("Enforcement Rules Art. 7(ii)", "規則第7条第2号"),
        False,
    ),
    Category(
        3,
        "improper_purpose",
        Text("Possibly caused by an act with an improper purpose", "不正の目的をもって行われたおそれ"),
        Text(
            "Enforcement Rules Art. 7(iii) (as amended in force 2024-04-01)",
            "規則第7条第3号（令和6年4月1日施行の改正後）",
        ),
        True,
    ),
    Category(
        4,
        "more_than_1000",
        Text("More than 1,000 persons", "本人の数が1,000人を超える"),
        Text("Enforcement Rules Art. 7(iv)", "規則第7条第4号"),
        False,
    ),
)
CATEGORY_BY_NUMBER = {c.number: c for c in CATEGORIES}

BASIS: dict[str, Text] = {
    "categories": Text("Enforcement Rules Art. 7(i)–(iv)", "規則第7条第1号〜第4号"),
    "report_required": Text("APPI Art. 26(1); Enforcement Rules Art. 7", "法第26条第1項、規則第7条"),
    "notify_individuals": Text("APPI Art. 26(2); Enforcement Rules Art. 10", "法第26条第2項、規則第10条"),
    "preliminary_due": Text(
        "Enforcement Rules Art. 8(1) (promptly; the PPC guideline reads this as about 3–5 days)",
        "規則第8条第1項（速やかに。ガイドライン上おおむね3〜5日以内）",
    ),
    "final_due": Text(
        "Enforcement Rules Art. 8(2) (30 days; 60 days for Art. 7(iii)); PPC general guideline 3-5-3-4 (counting)",
        "規則第8条第2項（30日以内、第7条第3号の場合は60日以内）、通則ガイドライン3-5-3-4（期間の計算）",
    ),
    "high_level_encryption": Text(
        "Enforcement Rules Art. 7(i) (data under high-level encryption or equivalent measures are excluded)",
        "規則第7条第1号（高度な暗号化その他の個人の権利利益を保護するために必要な措置を講じたものを除く）",
    ),
    "contractor": Text("APPI Art. 26(1) proviso; Enforcement Rules Art. 9", "法第26条第1項ただし書、規則第9条"),
    "pseudonymised": Text("APPI Art. 41(9)", "法第41条第9項"),
}

NOTICE_TIMING = Text(
    "Promptly, as the situation allows (no fixed number of days)", "当該事態の状況に応じて速やかに（日数の定めなし）"
)


# ---------------------------------------------------------------------------------------------------------
# Facts: parsed strictly, so that a typo or a "yes" never silently changes a legal conclusion.


@dataclass(frozen=True)
class Facts:
    aware_at: dt.datetime  # when the business learned of it (知った時点), with its offset
    persons: int
    special_care: bool
    property_damage_risk: bool
    improper_purpose: bool
    high_level_encryption: bool
    key_compromised: bool
    role: str
    notified_principal: bool
    data_being_obtained: bool = False  # only data the business was obtaining (web skimming), none it held
    pseudonymised: bool = False  # 仮名加工情報 only

    def as_json(self) -> dict[str, Any]:
        values = asdict(self)
        values["aware_at"] = self.aware_at.isoformat()
        return values

    @property
    def learned_on(self) -> dt.date:
        """The day of learning in Asia/Tokyo: day 1 of every period."""
        return self.aware_at.astimezone(JST).date()


BOOL_FIELDS = (
    "special_care",
    "property_damage_risk",
    "improper_purpose",
    "high_level_encryption",
    "key_compromised",
    "notified_principal",
    "data_being_obtained",
    "pseudonymised",
)
REQUIRED = ("aware_at", "persons", "special_care", "property_damage_risk", "improper_purpose", "role")
FIELDS = ("aware_at", "persons", "role", *BOOL_FIELDS)


class FactsError(ValueError):
    """Bad facts: ``errors`` maps each field to (code, English message); codes let callers translate."""

    def __init__(self, errors: Mapping[str, tuple[str, str]]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {message}" for field, (_, message) in self.errors.items()))


def parse_facts(raw: object) -> Facts:
    """Facts from a JSON object, strictly: every error names its field; unknown fields are refused."""
    if not isinstance(raw, Mapping):
        raise FactsError({"facts": ("object", "must be a JSON object")})
    errors: dict[str, tuple[str, str]] = {}
    for name in sorted(set(raw) - set(FIELDS)):
        errors[str(name)] = ("unknown", f"unknown field (known fields: {', '.join(FIELDS)})")
    values: dict[str, Any] = {}
    for name in BOOL_FIELDS:
        if name in raw:
            if isinstance(raw[name], bool):
                values[name] = raw[name]
            else:
                errors[name] = ("bool", "must be true or false")
    for name in REQUIRED:
        if name not in raw:
            errors[name] = ("required", "is required")
    if values.get("high_level_encryption") and "key_compromised" not in raw:
        errors["key_compromised"] = ("required_encryption", "is required when high_level_encryption is true")
    _parse_persons(raw, values, errors)
    _parse_aware_at(raw, values, errors)
    _parse_role(raw, values, errors)
    if values.get("role") == "contractor" and "notified_principal" not in raw:
        errors["notified_principal"] = ("required_contractor", 'is required when role is "contractor"')
    if errors:
        raise FactsError(errors)
    return Facts(**{name: values.get(name, False) for name in FIELDS})


def _parse_persons(raw: Mapping[str, Any], values: dict[str, Any], errors: dict[str, tuple[str, str]]) -> None:
    if "persons" not in raw:
        return
    persons = raw["persons"]
    if isinstance(persons, bool) or not isinstance(persons, int):
        errors["persons"] = ("int", "must be a whole number")
    elif persons < 0:
        errors["persons"] = ("negative", "must be 0 or more")
    else:
        values["persons"] = persons


def _parse_aware_at(raw: Mapping[str, Any], values: dict[str, Any], errors: dict[str, tuple[str, str]]) -> None:
    if "aware_at" not in raw:
        return
    text = raw["aware_at"]
    try:
        if not isinstance(text, str):
            raise ValueError
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        errors["aware_at"] = ("datetime", "must be an ISO 8601 date and time, e.g. 2018-11-06T10:00:00+09:00")
        return
    if moment.tzinfo is None or moment.utcoffset() is None:
        errors["aware_at"] = ("naive", "needs a UTC offset, e.g. +09:00 (a time without one is ambiguous)")
        return
    values["aware_at"] = moment


def _parse_role(raw: Mapping[str, Any], values: dict[str, Any], errors: dict[str, tuple[str, str]]) -> None:
    if "role" not in raw:
        return
    if raw["role"] in ROLES and isinstance(raw["role"], str):
        values["role"] = raw["role"]
    else:
        errors["role"] = ("role", 'must be "principal" or "contractor"')


# ---------------------------------------------------------------------------------------------------------
# Counting days.


@functools.cache
def _national_holidays(year: int, language: str) -> dict[dt.date, str]:
    # The library's list includes substitute holidays (振替休日) and citizens' holidays (国民の休日).
    return dict(holidays.country_holidays("JP", years=year, language=language))


def closure_reason(day: dt.date) -> Text | None:
    """Why no deadline may end on this day (Saturday, Sunday, national holiday, 12/29–1/3), or None."""
    holiday = _national_holidays(day.year, "ja").get(day)
    if holiday:
        return Text(f"national holiday ({_national_holidays(day.year, 'en_US')[day]})", f"祝日（{holiday}）")
    if (day.month, day.day) in CLOSURE_DAYS:
        return Text("year-end closure (12/29–1/3)", "年末年始（12月29日〜1月3日）")
    if day.weekday() == 5:
        return Text("Saturday", "土曜日")
    if day.weekday() == 6:
        return Text("Sunday", "日曜日")
    return None


def nth_day(learned_on: dt.date, n: int) -> dt.date:
    """Day ``n`` of a period whose day 1 is the day of learning."""
    return learned_on + dt.timedelta(days=n - 1)


def final_due(learned_on: dt.date, days: int) -> tuple[dt.date, list[tuple[dt.date, Text]]]:
    """The last day of a ``days``-day period, moved past closed days; also the days skipped and why."""
    due = nth_day(learned_on, days)
    skipped: list[tuple[dt.date, Text]] = []
    while (reason := closure_reason(due)) is not None:
        skipped.append((due, reason))
        due += dt.timedelta(days=1)
    return due, skipped


# ---------------------------------------------------------------------------------------------------------
# The decision.


def categories_met(facts: Facts) -> list[Category]:
    """The categories of 規則 Art. 7 that the facts meet (before exemptions)."""
    if facts.persons < 1:
        return []
    met = {
        1: facts.special_care,
        2: facts.property_damage_risk,
        3: facts.improper_purpose,
        4: facts.persons > PERSONS_OVER,
    }
    found = [c for c in CATEGORIES if met[c.number]]
    if facts.data_being_obtained:
        # Information the business was still obtaining is not yet personal data it holds: only category 3
        # reaches it, and only since the amendment took effect.
        in_force = facts.learned_on >= DATA_BEING_OBTAINED_FROM
        found = [c for c in found if c.covers_data_being_obtained and in_force]
    return found


def _exemption(key: str, reason: Text) -> dict[str, str]:
    basis = BASIS[key]
    return {"key": key, "reason": reason.en, "reason_ja": reason.ja, "basis": basis.en, "basis_ja": basis.ja}


def exemptions(facts: Facts) -> list[dict[str, str]]:
    found = []
    if facts.high_level_encryption and not facts.key_compromised:
        found.append(
            _exemption(
                "high_level_encryption",
                Text(
                    "The data were protected by high-level encryption and the key did not leak.",
                    "高度な暗号化等の措置が講じられており、復号鍵は漏えいしていない。",
                ),
            )
        )
    if facts.pseudonymised:
        found.append(
            _exemption(
                "pseudonymised",
                Text("Only pseudonymised information is involved.", "仮名加工情報のみが対象である。"),
            )
        )
    if facts.role == "contractor" and facts.notified_principal:
        found.append(
            _exemption(
                "contractor",
                Text(
                    "As the contractor we promptly notified the outsourcing company; it reports and notifies.",
                    "委託先として委託元に速やかに通知したため、報告・本人通知は委託元が行う。",
                ),
            )
        )
    return found


def _note(en: str, ja: str) -> dict[str, str]:
    return {"text": en, "text_ja": ja}


def _notes(facts: Facts, met: list[Category]) -> list[dict[str, str]]:
    notes = []
    learned = facts.learned_on
    if learned < MANDATORY_FROM:
        notes.append(
            _note(
                f"Learned of on {learned}, before reporting became mandatory (2022-04-01): the current rules "
                "are applied as a model of what would be due today.",
                f"{learned}の覚知であり、報告義務化（2022年4月1日）前の事案である。現行の規則を当てはめた場合の結果を示す。",
            )
        )
    if facts.data_being_obtained and learned < DATA_BEING_OBTAINED_FROM:
        notes.append(
            _note(
                "Data being obtained (e.g. web skimming) fall under category 3 only from 2024-04-01.",
                "取得しようとしている個人情報（ウェブスキミング等）が第3号の対象となるのは2024年4月1日以降である。",
            )
        )
    if facts.data_being_obtained and met:
        notes.append(
            _note(
                "Data being obtained count for category 3 only; categories 1, 2 and 4 concern personal data held.",
                "取得しようとしている個人情報は第3号のみの対象であり、第1号・第2号・第4号は保有する個人データが対象である。",
            )
        )
    return notes


def _day_counting(learned: dt.date, final_days: int | None, due: dt.date | None) -> Text:
    early, late = (nth_day(learned, n) for n in PRELIMINARY_DAYS)
    en = (
        f"The day of learning ({learned}, Asia/Tokyo) is day 1. Preliminary report: about 3–5 days, read as "
        f"day 3 to day 5 ({early} to {late}); a target range, not moved for weekends or holidays."
    )
    ja = (
        f"覚知した日（{learned}、日本時間）を1日目として数える。速報：おおむね3〜5日以内とされるため、"
        f"3日目から5日目（{early}〜{late}）を目安とする（土日祝日による繰延べなし）。"
    )
    if final_days is not None and due is not None:
        last = nth_day(learned, final_days)
        why = "category 3 applies" if final_days == FINAL_DAYS_IMPROPER_PURPOSE else "category 3 does not apply"
        why_ja = "第3号に該当するため" if final_days == FINAL_DAYS_IMPROPER_PURPOSE else "第3号に該当しないため"
        en += (
            f" Final report: {final_days} days because {why}; day {final_days} = the day of learning + "
            f"{final_days - 1} days ({last}). A last day on a Saturday, Sunday, national holiday (incl. "
            f"substitute holidays) or 12/29–1/3 moves to the next day that is none of these: due {due}."
        )
        ja += (
            f"確報：{why_ja}{final_days}日以内。{final_days}日目は覚知日の{final_days - 1}日後（{last}）。"
            f"末日が土曜日、日曜日、祝日（振替休日を含む）又は12月29日〜1月3日に当たるときは、"
            f"そのいずれでもない翌日まで延長する：期限は{due}。"
        )
    return Text(en, ja)


def _final_rule(days: int) -> Text:
    """The counting rule in one line, for lists of due dates."""
    return Text(
        f"Day {days}, the day of learning being day 1; a Saturday, Sunday, national holiday or 12/29–1/3 "
        "moves it to the next open day",
        f"覚知日を1日目として{days}日目。土日祝日・12月29日〜1月3日に当たるときは翌開庁日",
    )


def _range(learned: dt.date) -> dict[str, str]:
    early, late = (nth_day(learned, n) for n in PRELIMINARY_DAYS)
    return {"earliest": early.isoformat(), "latest": late.isoformat()}


def assess(facts: Facts | Mapping[str, Any]) -> dict[str, Any]:
    """The decision for these facts, as JSON-ready data (dates as YYYY-MM-DD in Asia/Tokyo)."""
    if not isinstance(facts, Facts):
        facts = parse_facts(facts)
    learned = facts.learned_on
    met = categories_met(facts)
    exempt = exemptions(facts) if met else []  # an exemption matters only where a category is met
    required = bool(met) and not exempt
    numbers = [c.number for c in met]
    final_days = (FINAL_DAYS_IMPROPER_PURPOSE if 3 in numbers else FINAL_DAYS) if required else None
    due, skipped = final_due(learned, final_days) if final_days else (None, [])
    counting = _day_counting(learned, final_days, due)
    basis = {key: BASIS[key] for key in ("categories", "report_required", "notify_individuals")}
    if required:
        basis |= {"preliminary_due": BASIS["preliminary_due"], "final_due": BASIS["final_due"]}
    owes_principal = facts.role == "contractor" and not facts.notified_principal and bool(met)
    if owes_principal:
        basis["notify_principal_due"] = BASIS["contractor"]
    return {
        "rules_version": RULES_VERSION,
        "aware_at": facts.aware_at.astimezone(JST).isoformat(),
        "learned_on": learned.isoformat(),
        "report_required": required,
        "notify_individuals": required,
        "categories": numbers,
        "category_details": [
            {"number": c.number, "name": c.name.en, "name_ja": c.name.ja, "basis": c.basis.en, "basis_ja": c.basis.ja}
            for c in met
        ],
        "exemptions": exempt,
        "preliminary_due": _range(learned) if required else None,
        "final_due": due.isoformat() if due else None,
        "final_days": final_days,
        "final_due_moved_from": [
            {"date": day.isoformat(), "reason": why.en, "reason_ja": why.ja} for day, why in skipped
        ],
        "notice_timing": NOTICE_TIMING.en if required else None,
        "notice_timing_ja": NOTICE_TIMING.ja if required else None,
        # A contractor that has not yet told its client: doing so promptly ends its own duty (規則 Art. 9).
        "notify_principal_due": _range(learned) if owes_principal else None,
        "final_due_rule": _final_rule(final_days).en if final_days else None,
        "final_due_rule_ja": _final_rule(final_days).ja if final_days else None,
        "day_counting": counting.en,
        "day_counting_ja": counting.ja,
        "basis": {key: text.en for key, text in basis.items()},
        "basis_ja": {key: text.ja for key, text in basis.items()},
        "notes": _notes(facts, met),
    }
