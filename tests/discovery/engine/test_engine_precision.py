"""Precision rules on real-world material: names, phone numbers and e-mail addresses need evidence.

Public source trees of shops and libraries are full of `name` columns that hold countries and products,
of `0123456789`, of name-shaped words in translation files and of `x@y.z` shapes in minified code. Each test
is one rule, on a small snippet of the kind those trees hold; the last ones check that a real customer
export is still found. Values are made up.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from mamori.discovery import cli
from mamori.discovery.engine import tld
from mamori.discovery.engine.detectors import Detector
from mamori.discovery.engine.precision import SHOWN_CONFIDENCE
from mamori.discovery.engine.scan import ScanOptions, scan_paths
from mamori.discovery.engine.types import Finding, TextUnit


def scan_record(path: str, **fields: str) -> list[Finding]:
    units = [TextUnit(text=v, path=path, line=2, key=k, record=2) for k, v in fields.items()]
    return [f for f in Detector(b"k").scan_units(units) if isinstance(f, Finding)]


def shown(findings: list[Finding], kind: str) -> list[Finding]:
    """The findings of ``kind`` that the default table shows."""
    return [f for f in findings if f.type == kind and f.confidence >= SHOWN_CONFIDENCE]


def scan_file(tmp_path: Path, name: str, content: str) -> list[Finding]:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return list(scan_paths([str(path)], ScanOptions(workers=1, hash_key=b"k")).findings)


# --- person names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "日本",
        "カナダ",
        "United States",
        "北海道",
        "東京都",
        "チェリーアイスサンド",
        "Gift Card",
        "mtb_country",
        "name02",
    ],
)
def test_a_name_column_of_countries_prefectures_or_products_is_not_a_person(value: str) -> None:
    # given a master-data record whose only text column is `name`
    # when it is scanned
    found = scan_record("mtb_country.csv", id="54", name=value, rank="3")
    # then nothing is reported as a person's name
    assert [f for f in found if f.type == "person_name"] == []


def test_a_common_name_in_a_bare_name_column_is_kept_but_hidden_without_other_personal_data() -> None:
    # given a record with just an id and a family-and-given name under `name`
    found = scan_record("users.csv", id="7", name="佐藤 美咲")
    # then it is a low-confidence finding, not one the table shows
    (name,) = [f for f in found if f.type == "person_name"]
    assert name.confidence < SHOWN_CONFIDENCE


def test_a_name_column_in_a_record_with_an_email_is_a_person() -> None:
    # given the same `name` column in a record that also holds an e-mail address
    found = scan_record("members.csv", id="7", name="佐藤 美咲", email="misaki@example.jp")
    # then the name is shown: the record holds other personal data
    assert len(shown(found, "person_name")) == 1


def test_a_typescript_page_object_is_not_a_name() -> None:
    # given EC-CUBE's end-to-end test code
    text = "    this.name02 = page.locator('#shopping_order_Shippings_0_name_name02');\n"
    # then no name is found in it
    assert [f for f in Detector(b"k").scan_text(text) if f.type == "person_name"] == []


@pytest.mark.parametrize(
    "line",
    [
        "    lastName: String,",  # a GraphQL schema
        "        last_name: Prezime",  # a translation file: a label in Croatian
        "        first_name: 'Voornaam'",  # a label in Dutch, quoted
        '    # Checkout 4: user last name is "Aaron" (exact match)',  # prose in a comment
        "        assert first_name in SkSKProvider.first_names_female",  # code
        "            'lastName' => self::SORT_TYPES[$sortType],",  # PHP code
        '        <field name="lastName" type="string" column="last_name" />',  # Doctrine mapping
        "            'output_name01' => '姓',",  # a label
        "            'class_name2' => '味',",  # a product class, not a person
        '    external_shipping_name = "Provider - Economy"',  # a shipping method
        '                last_name="Doe",',  # a placeholder
        "                'kana02' => 'フガ フガ',",  # a placeholder (hoge/fuga)
    ],
)
def test_code_labels_and_placeholders_after_a_name_keyword_are_not_names(line: str) -> None:
    # when a line of source code, a translation file or a comment is scanned
    found = Detector(b"k").scan_text(line + "\n")
    # then the table shows no name for it
    assert shown(found, "person_name") == []


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("氏名：山田 花子", "山* **"),
        ('{"last_name": "Takahashi", "first_name": "Yuki"}', "T********"),
        ("name01=佐藤&name02=愛", "佐*"),
        ("お名前: 高橋 健", "高* *"),
    ],
)
def test_a_name_after_a_name_keyword_is_still_found(line: str, masked: str) -> None:
    # when a field name and a name follow each other in text
    found = shown(Detector(b"k").scan_text(line + "\n"), "person_name")
    # then the name is found and shown
    assert masked in [f.masked for f in found]


def test_a_label_before_an_honorific_is_not_a_name() -> None:
    # given a mail template that addresses `姓 名 様`
    found = Detector(b"k").scan_text("$I->seeInLastEmailTo($email, '姓 名 様');\n")
    # then it is not a name
    assert [f for f in found if f.type == "person_name"] == []


# --- phone numbers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'if("0123456789"!==Object.getOwnPropertyNames(t).join(""))',
        "'phone_number' => '012-345-6789',",
        '({"country": "FR", "phone": "0600000000"}, True),',
        '"description": "エラーが発生する 0123456789 0123456789"',
    ],
)
def test_a_digit_sequence_is_not_a_phone_number(text: str) -> None:
    # when a counting sequence or a repeated digit stands where a phone number could
    found = Detector(b"k").scan_text(text + "\n")
    # then no phone number is reported at all
    assert [f for f in found if f.type == "phone_number"] == []


@pytest.mark.parametrize(
    "text",
    [
        "    >>> ci.validate('0602910945')",  # a tax number in a doctest
        "... 08017704126",  # a social-security number in a doctest
        "order_id=0312941234&status=2",
    ],
)
def test_a_bare_ten_digit_number_without_context_is_hidden(text: str) -> None:
    # when ten or eleven digits starting with 0 stand without separators or a phone word
    found = [f for f in Detector(b"k").scan_text(text + "\n") if f.type == "phone_number"]
    # then the table does not show them
    assert shown(found, "phone_number") == []


def test_digits_inside_an_identifier_are_not_a_phone_number() -> None:
    found = Detector(b"k").scan_text("sku_0312345678 ORDER0901234567\n")
    assert [f for f in found if f.type == "phone_number"] == []


@pytest.mark.parametrize(
    "text", ["TEL: 03-5321-1111", "電話番号 090-3816-2274", "お問い合わせ 06-6941-0351", "tel=0455212211"]
)
def test_a_japanese_number_with_context_or_separators_is_shown(text: str) -> None:
    found = shown(Detector(b"k").scan_text(text + "\n"), "phone_number")
    assert len(found) == 1


def test_an_example_number_is_kept_but_hidden() -> None:
    # given the number documentation uses as its example
    (found,) = Detector(b"k").scan_text("例: 03-1234-5678\n")
    # then it is found but not shown by default
    assert found.type == "phone_number" and found.confidence < SHOWN_CONFIDENCE


# --- e-mail addresses --------------------------------------------------------------------------------------


def test_an_address_needs_a_real_top_level_domain() -> None:
    # given minified JavaScript and a host on a private name
    text = "function(t){return t@models.permalink}\nsmtp_user=mailer@relay.local\nsales@shop.co.jp\n"
    # when scanned
    found = [f.masked for f in Detector(b"k").scan_text(text) if f.type == "email_address"]
    # then only the address on a real domain is one
    assert found == ["s***@shop.co.jp"]


def test_an_address_inside_base64_is_not_reported() -> None:
    # given a data: URI whose base64 happens to hold an @ between letters and dots
    payload = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk" + "/x@a8.com+" + "ZGVmYXVsdA" * 5
    found = Detector(b"k").scan_text(f'<img src="data:image/png;base64,{payload}">\n')
    # then no e-mail address is reported
    assert [f for f in found if f.type == "email_address"] == []


def test_an_address_in_an_eps_stream_is_not_reported() -> None:
    text = "%!PS-Adobe-3.0 EPSF-3.0\nbeginimage\nstream\nQ2hhcnNldC9u=ab@cd.jp/TWluaU1hcmtz+AAECAwQF\n"
    assert [f for f in Detector(b"k").scan_text(text) if f.type == "email_address"] == []


def test_a_git_remote_is_not_an_address() -> None:
    found = Detector(b"k").scan_text("git clone git@github.com:BitBagCommerce/Frontend.git\n")
    assert [f for f in found if f.type == "email_address"] == []


def test_the_tld_table_is_iana_s_list() -> None:
    assert tld.is_tld("jp") and tld.is_tld("COM") and tld.is_tld("tokyo") and tld.is_tld("xn--q9jyb4c")
    assert not tld.is_tld("permalink") and not tld.is_tld("local") and not tld.is_tld("tld")
    assert len(tld.TLDS) > 1000


# --- a real customer export is still found -----------------------------------------------------------------


def test_a_japanese_customer_csv_is_still_found_and_shown(tmp_path: Path) -> None:
    # given a customer export as a Japanese shop writes it
    content = (
        "会員ID,お名前,フリガナ,郵便番号,住所,電話番号,メールアドレス\n"
        "1001,山田 花子,ヤマダ ハナコ,100-0001,東京都千代田区千代田1-1,03-5321-1111,hanako.yamada@example.co.jp\n"
        "1002,松本 健,マツモト ケン,530-0001,大阪府大阪市北区梅田3-1-1,090-3816-2274,ken.m@example.ne.jp\n"
    )
    # when it is scanned
    found = scan_file(tmp_path, "customers.csv", content)
    # then every personal field of both rows is found and shown
    visible = [f for f in found if f.confidence >= SHOWN_CONFIDENCE]
    for kind in ("person_name", "phone_number", "email_address", "address", "postal_code"):
        assert {f.line for f in visible if f.type == kind} == {2, 3}, kind
    assert len([f for f in visible if f.type == "person_name"]) == 4


def test_a_customer_table_with_a_bare_name_column_is_found(tmp_path: Path) -> None:
    # given a table whose name column is only called `name`, beside e-mail and phone
    content = "id,name,email,tel\n1,Yuki Tanaka,yuki@example.com,03-5321-1111\n2,田中 一郎,ichiro@example.jp,\n"
    found = scan_file(tmp_path, "users.csv", content)
    # then the names are shown, because each record also holds other personal data
    assert {f.line for f in shown(found, "person_name")} == {2, 3}


# --- the table hides low-confidence findings behind a count ------------------------------------------------


def test_the_table_hides_low_confidence_findings_and_all_shows_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a file with one bare ten-digit number and one phone number with context
    path = tmp_path / "notes.txt"
    path.write_text("id 0602910945\nTEL: 03-5321-1111\n", encoding="utf-8")
    # when it is scanned with the default table, then with --all
    cli.main([str(path), "--quiet"])
    default = capsys.readouterr().out
    cli.main([str(path), "--quiet", "--all"])
    everything = capsys.readouterr().out
    # then the default table lists one finding and says one more is hidden; --all lists both
    assert rows(default) == 1
    assert "1 low-confidence findings not shown" in default and "--all" in default
    assert rows(everything) == 2
    assert "not shown" not in everything


def rows(table: str) -> int:
    return sum(1 for line in table.splitlines() if line.startswith("low ") and "phone_number" in line)


def test_machine_readable_output_keeps_every_finding(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("id 0602910945\nTEL: 03-5321-1111\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cli.main([str(path), "--quiet", "--format", "jsonl", "--output", str(out)])
    assert io.StringIO(out.read_text()).read().count('"phone_number"') == 2
