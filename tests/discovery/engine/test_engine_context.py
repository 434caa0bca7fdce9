"""Values that need context (security code, expiry, My Number ...) and the Japanese identifiers."""

from __future__ import annotations

import pytest

from mamori.discovery.engine.checks import my_number_ok
from mamori.discovery.engine.detectors import Detector
from mamori.discovery.engine.types import FileProblem, Finding, Severity, TextUnit


def types_in(text: str) -> list[str]:
    return [f.type for f in Detector(b"k").scan_text(text)]


def scan_units(*units: TextUnit) -> list[Finding]:
    found = list(Detector(b"k").scan_units(units))
    assert not any(isinstance(f, FileProblem) for f in found)
    return [f for f in found if isinstance(f, Finding)]


@pytest.mark.parametrize(
    "text",
    [
        "cvv=123",
        'payload {"security_code": "123", "amount": 500}',
        "セキュリティコード：123",
        "セキュリティーコード 4821",
        "CVC2: 987",
        'a:2:{s:3:"cvv";s:3:"123";}',
        'payment|a:2:{s:6:"cvv_no";s:3:"123";}',  # a PHP session, the field named cvv_no
        'request body: "{\\"card\\":{\\"cvc\\":\\"123\\"}}"',  # JSON logged inside a quoted string
    ],
)
def test_security_code_is_found_next_to_its_name(text: str) -> None:
    # when a short code stands right after a security-code name
    found = Detector(b"k").scan_text(text)
    # then it is reported as prohibited data and shown fully masked
    codes = [f for f in found if f.type == "card_security_code"]
    assert len(codes) == 1
    assert set(codes[0].masked) == {"*"}
    assert codes[0].severity is Severity.CRITICAL


@pytest.mark.parametrize("text", ["qty=123", "room 1234", "status 200 in 123ms", "code=123"])
def test_short_numbers_without_context_are_not_security_codes(text: str) -> None:
    assert "card_security_code" not in types_in(text)


@pytest.mark.parametrize("text", ["有効期限：12/27", "exp=2027-12", "expiry: 1227", '"card_expire": "2027年12月"'])
def test_expiry_is_found_only_with_context(text: str) -> None:
    assert types_in(text) == ["card_expiry"]


@pytest.mark.parametrize("text", ["released 12/27", "version 2027-12", "1227 items"])
def test_dates_without_context_are_not_expiry(text: str) -> None:
    assert "card_expiry" not in types_in(text)


def test_a_record_with_card_and_code_fields_marks_the_code_and_expiry() -> None:
    # given one CSV row whose columns are not named like card fields, next to a card number
    row = [("pay_no", "4111111111111111"), ("chk_cd", "123"), ("lim", "12/27"), ("holder", "TARO YAMADA")]
    units = [TextUnit(text=v, path="orders.csv", line=2, key=k, record=2) for k, v in row]
    # when the record is scanned
    found = {f.column: f for f in scan_units(*units)}
    # then the code, expiry and holder are found because they share a record with the card
    assert found["pay_no"].type == "credit_card_number"
    assert found["chk_cd"].type == "card_security_code"
    assert found["chk_cd"].masked == "***"
    assert found["lim"].type == "card_expiry"
    assert found["holder"].type == "person_name"


def test_the_same_code_field_without_a_card_in_the_record_is_not_reported() -> None:
    units = [TextUnit(text=v, path="o.csv", line=2, key=k, record=2) for k, v in [("item", "A1"), ("chk_cd", "123")]]
    assert scan_units(*units) == []


def test_named_fields_are_found_by_their_key() -> None:
    # given structured fields whose names say what they hold
    fields = {
        "cvv": ("123", "card_security_code"),
        "exp_month": ("12", "card_expiry"),
        "my_number": ("123456789018", "my_number"),
        "zip": ("100-0001", "postal_code"),
        "口座番号": ("1234567", "bank_account"),
        "license_no": ("301234567890", "drivers_license"),
        "passport_no": ("TK1234567", "passport_number"),
        "氏名": ("山田 太郎", "person_name"),
        "フリガナ": ("ヤマダ タロウ", "person_name"),
        "name01": ("山田", "person_name"),
        "address": ("東京都千代田区千代田1-1", "address"),
    }
    for key, (value, expected) in fields.items():
        found = scan_units(TextUnit(text=value, path="db.json", key=key))
        assert [f.type for f in found] == [expected], key


def test_my_number_check_digit_follows_the_reference_example() -> None:
    assert my_number_ok("123456789018")
    assert not my_number_ok("123456789012")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("マイナンバー：1234 5678 9018", ["my_number"]),
        ("個人番号 123456789018", ["my_number"]),
        ("my_number=123456789018", ["my_number"]),
        ("マイナンバー：123456789012", []),  # wrong check digit
        ("order 123456789018 shipped", []),  # valid check digit but no context
    ],
)
def test_my_number_needs_context_and_a_valid_check_digit(text: str, expected: list[str]) -> None:
    assert types_in(text) == expected


def test_my_number_is_high_severity() -> None:
    (finding,) = Detector(b"k").scan_text("個人番号: 123456789018")
    assert finding.severity is Severity.HIGH
    assert finding.masked.endswith("9018") and "12345678" not in finding.masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("携帯 090-1234-5678", "090-****-5678"),
        ("TEL 03-1234-5678", "03-****-5678"),
        ("電話 0312345678", "031***5678"),
        ("call +81 90-1234-5678", "+81 **-****-5678"),
        ("office +1 415-555-2671", "+1 ***-***-2671"),
        ("代表 06(1234)5678", "06(****)5678"),
    ],
)
def test_phone_numbers_are_found_and_partly_masked(text: str, masked: str) -> None:
    found = Detector(b"k").scan_text(text)
    assert [(f.type, f.masked) for f in found] == [("phone_number", masked)]


@pytest.mark.parametrize("text", ["2026-11-28 03:31:14", "v1.2.3 build 0000000000", "id 09912345678901"])
def test_dates_and_long_ids_are_not_phones(text: str) -> None:
    assert "phone_number" not in types_in(text)


def test_email_is_found_and_masked() -> None:
    (finding,) = Detector(b"k").scan_text("contact taro.yamada@example.jp please")
    assert (finding.type, finding.masked) == ("email_address", "t***@example.jp")


def test_image_names_with_at_are_not_emails() -> None:
    assert types_in("logo@2x.png") == []


@pytest.mark.parametrize(
    ("text", "found"), [("〒100-0001", True), ("郵便番号: 1000001", True), ("ref 100-0001", False)]
)
def test_postal_code_needs_the_mark_or_a_keyword(text: str, found: bool) -> None:
    assert ("postal_code" in types_in(text)) is found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("送付先: 東京都千代田区千代田1-1", True),
        ("大阪府大阪市北区梅田3丁目1番", True),
        ("横浜市中区山下町1", True),
        ("東京都の天気", False),
        ("東京都千代田区で開催", False),
    ],
)
def test_address_needs_prefecture_municipality_and_block_number(text: str, found: bool) -> None:
    assert ("address" in types_in(text)) is found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("山田太郎様", True),
        ("佐藤 花子 様", True),
        ("人事部長殿", False),
        ("お客様各位", False),
        ("仕様書を送ります", False),
        ("ユーザー様", False),
        ("name on card: TARO YAMADA", True),
        ("氏名：山田太郎", True),
    ],
)
def test_person_names_come_from_honorifics_and_name_fields(text: str, found: bool) -> None:
    assert ("person_name" in types_in(text)) is found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("口座番号: 普通 1234567", "bank_account"),
        ("運転免許証番号 301234567890", "drivers_license"),
        ("passport: TK1234567", "passport_number"),
    ],
)
def test_bank_licence_and_passport_are_found_with_context(text: str, expected: str) -> None:
    assert types_in(text) == [expected]


@pytest.mark.parametrize("text", ["no 1234567", "serial 301234567890", "sku TK1234567", "licence 991234567890"])
def test_bank_licence_and_passport_shapes_without_context_are_ignored(text: str) -> None:
    assert types_in(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "GET /pay?cc_number=3558+7328+8999+3695&cc_exp=1120&cc_cvv=222",
            {"credit_card_number", "card_expiry", "card_security_code"},
        ),
        ("GET /pay?card_no=4175%200961%201375%208238&expire=01%2F24", {"credit_card_number", "card_expiry"}),
        ("GET /pay?card%5Bnumber%5D=3566002020360505&card%5Bcvc%5D=605", {"credit_card_number", "card_security_code"}),
        ("card_no=30569309025904&card_expire_month=11&card_expire_year=18", {"credit_card_number", "card_expiry"}),
        ('{"exp_month":"06","exp_year":"2020","cvc":"887"}', {"card_expiry", "card_security_code"}),
        (
            "CardNo=3530111333300000 expiration=2203 sec_code=176",
            {"credit_card_number", "card_expiry", "card_security_code"},
        ),
    ],
)
def test_url_encoded_and_gateway_log_forms_are_understood(text: str, expected: set[str]) -> None:
    assert set(types_in(text)) == expected


def test_a_mail_header_display_name_is_a_person_name() -> None:
    found = Detector(b"k").scan_text("From: 佐藤 愛 <ai.sato@example.or.jp>\n")
    assert sorted(f.type for f in found) == ["email_address", "person_name"]


def test_upper_case_words_in_a_user_agent_are_not_names() -> None:
    line = 'GET /p?card_no=4111111111111111 HTTP/1.1" 200 "Mozilla/5.0 (iPhone; CPU iPhone OS 12_0 like Mac OS X)"'
    assert "person_name" not in types_in(line)


def test_ec_cube_split_phone_and_postal_fields_are_joined() -> None:
    # given an EC-CUBE 2 customer row: the phone number in three fields, the postal code in two
    row = [("tel01", "06"), ("tel02", "1234"), ("tel03", "5678"), ("zip01", "530"), ("zip02", "0001"), ("pref", "27")]
    units = [TextUnit(text=v, path="dtb_customer.csv", line=2, key=k, record=2) for k, v in row]
    # when the record is scanned
    found = {(f.column, f.type, f.masked) for f in scan_units(*units)}
    # then each number is found whole, at its first field
    assert found == {("tel01", "phone_number", "06-****-5678"), ("zip01", "postal_code", "530-****")}


def test_split_fields_that_do_not_make_a_number_are_not_reported() -> None:
    row = [("tel01", "06"), ("tel02", "12"), ("tel03", "5"), ("zip01", "530")]  # too short; zip02 missing
    units = [TextUnit(text=v, path="c.csv", line=2, key=k, record=2) for k, v in row]
    assert scan_units(*units) == []
