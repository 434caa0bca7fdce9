"""Notice templates carry only what the rules allow in a notice to individuals (規則 Art. 10)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from mamori.accounts.policy import SYSTEM
from mamori.notices import defaults, placeholders, services
from mamori.notices.models import Channel
from tests.notices.conftest import FILLED


def test_the_allowed_items_are_items_1_2_4_5_and_9_plus_the_letterhead():
    # then
    items = {p.item for p in placeholders.ALLOWED.values() if p.item is not None}
    assert items == {1, 2, 4, 5, 9}
    assert [n for n, p in placeholders.ALLOWED.items() if p.per_person] == ["name"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{persons} people are affected", "item 3"),
        ("Measures: {measures}", "item 8"),
        ("Your e-mail {email}", "contact details"),
        ("Member {member_id}", "identifiers"),
        ("Others: {people}", "other people"),
        ("{shoe_size}", "not a known item"),
        ("{name.__class__}", "not a known item"),
        ("a stray { brace", "brace"),
    ],
)
def test_a_template_with_a_disallowed_item_is_refused_with_the_reason(text, why):
    # when
    found = placeholders.problems(f"Dear {{name}},\n{text}", "ja/body")
    # then
    assert len(found) == 1
    assert "ja/body, line 2" in found[0] and why in found[0]


def test_the_shipped_templates_use_only_allowed_items():
    for channel in defaults.TEMPLATES.values():
        placeholders.check_texts(channel, list(defaults.LANGS))


@pytest.mark.django_db
def test_saving_a_template_that_prints_the_number_of_people_is_refused_and_nothing_changes(scoped_case):
    # given
    campaign = services.create_campaign(SYSTEM, scoped_case, channel=Channel.EMAIL)
    texts = {lang: dict(text) for lang, text in campaign.texts.items()}
    texts["en"]["body"] += "\nWe wrote to {persons} customers."
    # when
    with pytest.raises(ValidationError) as refused:
        services.update_campaign(SYSTEM, campaign, {"texts": texts})
    # then
    assert "item 3" in " ".join(refused.value.messages)
    campaign.refresh_from_db()
    assert "{persons}" not in campaign.texts["en"]["body"]


@pytest.mark.django_db
def test_the_items_are_drafted_from_the_case_and_sending_waits_until_they_are_filled(scoped_case):
    # given
    campaign = services.create_campaign(SYSTEM, scoped_case, channel=Channel.EMAIL)
    # then: the report's "to be filled in" mark marks what the case does not know
    assert "ja/contact" in services.missing_items(campaign)
    # when
    services.update_campaign(SYSTEM, campaign, {"facts": FILLED})
    # then
    assert services.missing_items(campaign) == []


@pytest.mark.django_db
def test_texts_are_fixed_once_sending_started(scoped_case, sink):
    # given
    campaign = services.create_campaign(SYSTEM, scoped_case, channel=Channel.EMAIL)
    services.update_campaign(SYSTEM, campaign, {"facts": FILLED})
    services.start_sending(SYSTEM, campaign)
    # when / then
    with pytest.raises(ValidationError, match="can no longer change"):
        services.update_campaign(SYSTEM, campaign, {"facts": FILLED})
