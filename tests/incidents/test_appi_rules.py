"""The APPI reporting rules as a table: categories of 規則 Art. 7, exemptions, and the due dates.

Pure rules, no database: each row is a set of facts and what the law (as Mamori encodes it) decides.
"""

from __future__ import annotations

from typing import Any

import pytest

from mamori.incidents.appi_rules import RULES_VERSION, FactsError, assess, parse_facts

MONDAY = "2025-06-02T10:00:00+09:00"  # an ordinary week: day 30 (07-01) and day 60 (07-31) are working days


def facts(**changes: Any) -> dict[str, Any]:
    base = {
        "aware_at": MONDAY,
        "persons": 1,
        "special_care": False,
        "property_damage_risk": False,
        "improper_purpose": False,
        "high_level_encryption": False,
        "key_compromised": False,
        "role": "principal",
        "notified_principal": False,
    }
    return base | changes


CATEGORY_ROWS = [
    # (label, facts, categories, report required)
    ("nothing special, one person", {}, [], False),
    ("special-care data alone", {"special_care": True}, [1], True),
    ("possible property damage alone", {"property_damage_risk": True}, [2], True),
    ("improper purpose alone", {"improper_purpose": True}, [3], True),
    ("1,001 persons alone", {"persons": 1001}, [4], True),
    ("exactly 1,000 persons is not more than 1,000", {"persons": 1000}, [], False),
    ("special care and property damage", {"special_care": True, "property_damage_risk": True}, [1, 2], True),
    ("special care and improper purpose", {"special_care": True, "improper_purpose": True}, [1, 3], True),
    ("1,000 persons by an attack", {"persons": 1000, "improper_purpose": True}, [3], True),
    (
        "cards by an attack, 2,507 persons",
        {"persons": 2507, "property_damage_risk": True, "improper_purpose": True},
        [2, 3, 4],
        True,
    ),
    (
        "all four",
        {"persons": 5000, "special_care": True, "property_damage_risk": True, "improper_purpose": True},
        [1, 2, 3, 4],
        True,
    ),
    ("nobody's data", {"persons": 0, "special_care": True, "improper_purpose": True}, [], False),
]


@pytest.mark.parametrize(
    ("label", "changes", "categories", "required"), CATEGORY_ROWS, ids=[r[0] for r in CATEGORY_ROWS]
)
def test_categories_alone_and_combined(label, changes, categories, required):
    # when
    decision = assess(facts(**changes))
    # then
    assert decision["categories"] == categories
    assert decision["report_required"] is required
    assert decision["notify_individuals"] is required
    assert [c["number"] for c in decision["category_details"]] == categories
    assert all(c["basis_ja"].startswith("規則第7条第") for c in decision["category_details"])
    assert decision["rules_version"] == RULES_VERSION == "2024-04-01"


def test_the_final_report_is_due_in_60_days_whenever_category_3_applies_alone_or_with_others():
    # given / when
    without_3 = assess(facts(special_care=True, property_damage_risk=True, persons=5000))
    alone = assess(facts(improper_purpose=True))
    with_others = assess(facts(improper_purpose=True, special_care=True, persons=5000))
    # then
    assert (without_3["final_days"], without_3["final_due"]) == (30, "2025-07-01")
    assert (alone["final_days"], alone["final_due"]) == (60, "2025-07-31")
    assert (with_others["final_days"], with_others["final_due"]) == (60, "2025-07-31")


EXEMPTION_ROWS = [
    # (label, facts, report required, exemptions applied)
    (
        "high-level encryption, key safe",
        {"property_damage_risk": True, "persons": 2000, "high_level_encryption": True, "key_compromised": False},
        False,
        ["high_level_encryption"],
    ),
    (
        "high-level encryption, key leaked too",
        {"property_damage_risk": True, "persons": 2000, "high_level_encryption": True, "key_compromised": True},
        True,
        [],
    ),
    (
        "contractor that promptly notified its client",
        {"improper_purpose": True, "role": "contractor", "notified_principal": True},
        False,
        ["contractor"],
    ),
    ("contractor that has not notified its client", {"improper_purpose": True, "role": "contractor"}, True, []),
    ("only pseudonymised information", {"special_care": True, "pseudonymised": True}, False, ["pseudonymised"]),
    (
        "an exemption without any category changes nothing",
        {"role": "contractor", "notified_principal": True},
        False,
        [],
    ),
]


@pytest.mark.parametrize(
    ("label", "changes", "required", "applied"), EXEMPTION_ROWS, ids=[r[0] for r in EXEMPTION_ROWS]
)
def test_exemptions(label, changes, required, applied):
    # when
    decision = assess(facts(**changes))
    # then
    assert decision["report_required"] is required
    assert decision["notify_individuals"] is required
    assert [e["key"] for e in decision["exemptions"]] == applied
    assert all(e["reason"] and e["reason_ja"] and e["basis"] and e["basis_ja"] for e in decision["exemptions"])
    if not required:
        assert decision["preliminary_due"] is None and decision["final_due"] is None


def test_an_exempt_event_still_names_the_categories_its_facts_meet_and_why_nothing_is_due():
    # when
    decision = assess(facts(property_damage_risk=True, persons=2000, high_level_encryption=True))
    # then
    assert decision["categories"] == [2, 4]
    assert decision["exemptions"][0]["basis_ja"].startswith("規則第7条第1号")


def test_a_contractor_exempt_after_notice_cites_article_9():
    decision = assess(facts(improper_purpose=True, role="contractor", notified_principal=True))
    assert "規則第9条" in decision["exemptions"][0]["basis_ja"]
    assert "Art. 9" in decision["exemptions"][0]["basis"]
    assert decision["notify_principal_due"] is None


def test_a_contractor_that_has_not_told_its_client_is_shown_the_3_to_5_day_target_for_that_notice():
    decision = assess(facts(improper_purpose=True, role="contractor", notified_principal=False))
    assert decision["notify_principal_due"] == {"earliest": "2025-06-04", "latest": "2025-06-06"}
    assert "規則第9条" in decision["basis_ja"]["notify_principal_due"]


SKIMMING_ROWS = [
    # (label, facts, categories)
    (
        "skimming counts for category 3 only, whatever else the data are",
        {
            "data_being_obtained": True,
            "improper_purpose": True,
            "special_care": True,
            "property_damage_risk": True,
            "persons": 5000,
        },
        [3],
    ),
    (
        "data being obtained without an improper purpose: no category",
        {"data_being_obtained": True, "special_care": True, "property_damage_risk": True, "persons": 5000},
        [],
    ),
    (
        "skimming learned of on 2024-03-31 (before the amendment): not covered",
        {"data_being_obtained": True, "improper_purpose": True, "aware_at": "2024-03-31T23:59:00+09:00"},
        [],
    ),
    (
        "skimming learned of on 2024-04-01 in Tokyo (still 03-31 in UTC): covered",
        {"data_being_obtained": True, "improper_purpose": True, "aware_at": "2024-03-31T15:00:00+00:00"},
        [3],
    ),
]


@pytest.mark.parametrize(("label", "changes", "categories"), SKIMMING_ROWS, ids=[r[0] for r in SKIMMING_ROWS])
def test_skimming_of_data_being_obtained(label, changes, categories):
    # when
    decision = assess(facts(**changes))
    # then
    assert decision["categories"] == categories
    assert decision["report_required"] is bool(categories)
    if categories:
        assert decision["final_days"] == 60


DAY_ROWS = [
    # (label, aware_at, improper purpose, final due, days moved past)
    ("day 30 = day of learning + 29", "2025-06-02T10:00:00+09:00", False, "2025-07-01", 0),
    ("day 60 = day of learning + 59", "2025-06-02T10:00:00+09:00", True, "2025-07-31", 0),
    ("last day a Saturday", "2025-01-31T10:00:00+09:00", False, "2025-03-03", 2),
    ("last day a Sunday", "2025-02-01T10:00:00+09:00", False, "2025-03-03", 1),
    ("last day a national holiday (Foundation Day)", "2025-01-13T10:00:00+09:00", False, "2025-02-12", 1),
    ("last day a substitute holiday", "2024-01-14T10:00:00+09:00", False, "2024-02-13", 1),
    ("Golden Week: Saturday, Sunday, holiday, substitute holiday", "2025-04-04T10:00:00+09:00", False, "2025-05-07", 4),
    ("year-end closure 12/30 to 1/3, then a weekend", "2024-12-01T10:00:00+09:00", False, "2025-01-06", 7),
    ("12/27 Saturday, 12/28 Sunday, closure, 1/4 Sunday", "2025-11-28T10:00:00+09:00", False, "2026-01-05", 9),
    ("60 days ending on 1/2 move to 1/4", "2018-11-04T10:00:00+09:00", True, "2019-01-04", 2),
    ("the 2018 case: day 60 is Friday 2019-01-04, an open day", "2018-11-06T10:00:00+09:00", True, "2019-01-04", 0),
]


@pytest.mark.parametrize(("label", "aware_at", "improper", "due", "moved"), DAY_ROWS, ids=[r[0] for r in DAY_ROWS])
def test_final_report_day_counting(label, aware_at, improper, due, moved):
    # when
    decision = assess(facts(aware_at=aware_at, special_care=True, improper_purpose=improper))
    # then
    assert decision["final_due"] == due
    assert len(decision["final_due_moved_from"]) == moved
    assert "day 1" in decision["day_counting"] and "1日目" in decision["day_counting_ja"]


def test_the_moved_days_say_why_each_was_skipped():
    decision = assess(facts(aware_at="2024-01-14T10:00:00+09:00", special_care=True))
    assert decision["final_due_moved_from"] == [
        {"date": "2024-02-12", "reason": "national holiday (Substitute Holiday)", "reason_ja": "祝日（振替休日）"}
    ]


@pytest.mark.parametrize(
    ("aware_at", "learned_on"),
    [
        ("2018-11-05T20:00:00-05:00", "2018-11-06"),  # New York evening = Tokyo next morning
        ("2025-06-02T23:59:59+09:00", "2025-06-02"),
        ("2025-06-02T15:00:00Z", "2025-06-03"),
    ],
)
def test_the_day_of_learning_is_taken_in_tokyo(aware_at, learned_on):
    assert assess(facts(aware_at=aware_at))["learned_on"] == learned_on


def test_the_2018_case():
    # given: learned 2018-11-06 JST (the card company's call), 2,507 persons, card numbers, unauthorised access
    case = facts(aware_at="2018-11-05T20:00:00-05:00", persons=2507, property_damage_risk=True, improper_purpose=True)
    # when
    decision = assess(case)
    # then
    assert decision["categories"] == [2, 3, 4]
    assert decision["report_required"] is True and decision["notify_individuals"] is True
    assert decision["preliminary_due"] == {"earliest": "2018-11-08", "latest": "2018-11-10"}
    assert decision["final_due"] == "2019-01-04"
    assert decision["final_days"] == 60
    assert "day 3 to day 5 (2018-11-08 to 2018-11-10)" in decision["day_counting"]
    assert "2018-11-06" in decision["day_counting"]
    # reporting became a duty in 2022: the decision says it models today's rules
    assert "2022-04-01" in decision["notes"][0]["text"]


def test_every_conclusion_names_its_legal_basis():
    decision = assess(facts(persons=2507, property_damage_risk=True, improper_purpose=True))
    expected = {"categories", "report_required", "notify_individuals", "preliminary_due", "final_due"}
    assert set(decision["basis"]) == set(decision["basis_ja"]) == expected
    assert decision["basis_ja"]["report_required"] == "法第26条第1項、規則第7条"
    assert decision["basis_ja"]["notify_individuals"] == "法第26条第2項、規則第10条"
    assert decision["basis_ja"]["preliminary_due"].startswith("規則第8条第1項")
    assert decision["basis_ja"]["final_due"].startswith("規則第8条第2項")
    assert "3-5-3-4" in decision["basis"]["final_due"]


BAD_ROWS = [
    # (field, value: None means "left out")
    ("special_care", "yes"),
    ("special_care", 1),
    ("improper_purpose", None),
    ("property_damage_risk", None),
    ("persons", True),
    ("persons", 1.0),
    ("persons", "10"),
    ("persons", -1),
    ("persons", None),
    ("aware_at", "2018-11-06T10:00:00"),
    ("aware_at", "yesterday"),
    ("aware_at", 20181106),
    ("aware_at", None),
    ("role", "owner"),
    ("role", None),
    ("high_level_encryption", "false"),
]


@pytest.mark.parametrize(("field", "value"), BAD_ROWS, ids=[f"{f}={v!r}" for f, v in BAD_ROWS])
def test_bad_facts_are_refused_naming_the_field(field, value):
    # given
    raw = facts()
    if value is None:
        del raw[field]
    else:
        raw[field] = value
    # when
    with pytest.raises(FactsError) as refused:
        parse_facts(raw)
    # then
    assert list(refused.value.errors) == [field]


def test_unknown_fields_and_conditional_fields_are_named():
    with pytest.raises(FactsError) as unknown:
        parse_facts(facts(special=True))
    assert list(unknown.value.errors) == ["special"]
    raw = facts(high_level_encryption=True, role="contractor")
    del raw["key_compromised"], raw["notified_principal"]
    with pytest.raises(FactsError) as conditional:
        parse_facts(raw)
    assert set(conditional.value.errors) == {"key_compromised", "notified_principal"}
    with pytest.raises(FactsError) as not_an_object:
        parse_facts([facts()])
    assert list(not_an_object.value.errors) == ["facts"]


def test_optional_fields_default_to_false_where_they_do_not_matter():
    raw = facts()
    del raw["key_compromised"], raw["notified_principal"], raw["high_level_encryption"]
    parsed = parse_facts(raw)
    assert parsed.key_compromised is False and parsed.notified_principal is False
