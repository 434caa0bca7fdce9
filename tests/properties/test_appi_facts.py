"""APPI facts (報告要否の判定の事実): any JSON value gives Facts or a FactsError that names each bad field —
never another exception — and well-formed facts always get a decision."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given
from hypothesis import strategies as st

from mamori.incidents.appi_rules import FIELDS, Facts, FactsError, assess, parse_facts

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=4),
    max_leaves=10,
)
OFFSETS = st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
AWARE = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=OFFSETS)


@st.composite
def good_facts(draw: st.DrawFn) -> dict[str, object]:
    facts: dict[str, object] = {
        "aware_at": draw(AWARE).isoformat(),
        "persons": draw(st.integers(min_value=0, max_value=10**9)),
        "special_care": draw(st.booleans()),
        "property_damage_risk": draw(st.booleans()),
        "improper_purpose": draw(st.booleans()),
        "role": draw(st.sampled_from(["principal", "contractor"])),
    }
    if draw(st.booleans()):
        facts["high_level_encryption"] = True
        facts["key_compromised"] = draw(st.booleans())
    if facts["role"] == "contractor":
        facts["notified_principal"] = draw(st.booleans())
    return facts


def _field_facts() -> st.SearchStrategy[dict[str, object]]:
    return st.dictionaries(st.sampled_from(sorted(FIELDS)), JSON, max_size=len(FIELDS))


@given(st.one_of(JSON, _field_facts()))
def test_any_json_is_facts_or_a_refusal_naming_fields(raw):
    try:
        facts = parse_facts(raw)
    except FactsError as refused:
        assert refused.errors
        assert all(isinstance(code, str) and message for code, message in refused.errors.values())
        return
    assert isinstance(facts, Facts)


@given(good_facts())
def test_well_formed_facts_always_get_a_decision(raw):
    # given facts as a client sends them (through JSON and back)
    facts = parse_facts(json.loads(json.dumps(raw)))
    # when
    decision = assess(facts)
    # then: a decision that can be stored as JSON
    assert json.loads(json.dumps(decision, default=str))


@given(good_facts(), st.sampled_from(sorted(FIELDS)), JSON)
def test_one_wrong_field_is_named(raw, field, value):
    broken = {**raw, field: value}
    try:
        parse_facts(broken)
    except FactsError as refused:
        assert set(refused.errors) <= {*FIELDS, "facts"} | set(broken)
