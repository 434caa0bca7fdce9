"""Structured values inside fields: PHP serialize(), URL-encoded pairs, JSON."""

from __future__ import annotations

from mamori.discovery.engine.readers.serialized import expand, field_units


def test_php_serialized_payment_array_is_expanded_with_its_keys() -> None:
    # given an EC-CUBE style memo with a nested array and multi-byte strings (byte lengths)
    value = 'a:3:{s:7:"card_no";s:16:"4111111111111111";s:4:"name";s:6:"山田";s:3:"sub";a:1:{s:3:"cvv";i:123;}}'
    # when expanded
    leaves = expand("memo02", value)
    # then each leaf has a dotted key
    assert leaves == [("memo02.card_no", "4111111111111111"), ("memo02.name", "山田"), ("memo02.sub.cvv", "123")]


def test_php_objects_are_read_as_data_without_creating_anything() -> None:
    value = 'O:8:"stdClass":1:{s:13:"\x00*\x00securecode";s:3:"999";}'
    assert expand("session", value) == [("session.securecode", "999")]


def test_malformed_php_is_left_as_it_is() -> None:
    assert expand("memo", 'a:2:{s:7:"card_no";s:99:"4111"') is None


def test_url_encoded_pairs_are_expanded() -> None:
    leaves = expand("request", "card_no=4111111111111111&cvv=123&name=%E5%B1%B1%E7%94%B0")
    assert leaves == [("request.card_no", "4111111111111111"), ("request.cvv", "123"), ("request.name", "山田")]


def test_base64_padding_is_not_mistaken_for_pairs() -> None:
    assert expand("token", "QUJDREVGR0g=") is None


def test_json_in_a_field_is_expanded_and_units_share_the_record() -> None:
    units = list(field_units("memo", '{"card": {"number": "4111111111111111"}}', "f.csv", record=4, line=9))
    assert [(u.key, u.text, u.record, u.line) for u in units] == [("memo.card.number", "4111111111111111", 4, 9)]


def test_a_plain_value_is_one_unit() -> None:
    units = list(field_units("tel", "090-1234-5678", "f.csv", record=1))
    assert [(u.key, u.text) for u in units] == [("tel", "090-1234-5678")]
