"""The labelled corpus generator: deterministic, realistic, and its labels never hold a value."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import phonenumbers
import pytest
from openpyxl import load_workbook

from mamori.discovery.corpus import (
    TEST_CARD_NUMBERS,
    CorpusManifest,
    Label,
    generate,
    load_labels,
    luhn_valid,
    my_number_check_digit,
    score,
)

SMALL = 0.3


def _digest_tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> CorpusManifest:
    return generate(tmp_path_factory.mktemp("corpus"), seed=2018, scale=SMALL)


def test_the_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    # given / when
    first = generate(tmp_path / "a", seed=7, scale=0.1)
    second = generate(tmp_path / "b", seed=7, scale=0.1)
    # then
    assert _digest_tree(tmp_path / "a") == _digest_tree(tmp_path / "b")
    assert first.labels == second.labels


def test_a_different_seed_writes_different_values(tmp_path: Path) -> None:
    # given / when
    generate(tmp_path / "a", seed=7, scale=0.1)
    generate(tmp_path / "b", seed=8, scale=0.1)
    # then
    a, b = _digest_tree(tmp_path / "a"), _digest_tree(tmp_path / "b")
    assert len(a) == len(b)
    assert a != b


def test_a_small_scale_writes_a_few_megabytes_for_tests(corpus: CorpusManifest) -> None:
    # then
    assert 1_000_000 <= corpus.total_bytes <= 6_000_000
    assert sum(p.stat().st_size for p in corpus.root.rglob("*") if p.is_file()) == corpus.total_bytes


def test_the_labels_file_holds_locations_and_types_but_no_planted_value(corpus: CorpusManifest) -> None:
    # given
    text = corpus.labels_path.read_text(encoding="utf-8")
    # then
    for kind in ("credit_card_number", "my_number", "phone_number", "email_address", "card_security_code"):
        values = corpus.planted[kind]
        assert values, kind
        leaked = [v for v in values if len(v) >= 7 and v in text]
        assert leaked == [], kind
    for line in text.splitlines():
        assert set(json.loads(line)) == {"path", "line", "sheet", "cell", "type"}
    assert load_labels(corpus.labels_path) == corpus.labels


def test_every_label_points_at_an_existing_line_or_a_filled_cell(corpus: CorpusManifest) -> None:
    # given
    line_counts: dict[str, int] = {}
    for label in corpus.labels:
        path = corpus.root / label.path
        assert path.is_file(), label
        if label.line is not None:
            if label.path not in line_counts:
                line_counts[label.path] = path.read_bytes().count(b"\n")
            # then
            assert 1 <= label.line <= line_counts[label.path], label
        else:
            sheet = load_workbook(path, read_only=True)[label.sheet or ""]
            assert sheet[label.cell or "A1"].value not in (None, ""), label


def test_every_type_the_issue_names_is_planted(corpus: CorpusManifest) -> None:
    # when
    counts = corpus.counts_by_type()
    # then
    for kind in ("credit_card_number", "card_security_code", "card_expiry", "my_number"):
        assert counts[kind] >= 40, (kind, counts)
    for kind in ("phone_number", "email_address", "postal_code", "address", "person_name"):
        assert counts[kind] >= 100, (kind, counts)
    for kind in ("bank_account", "drivers_license", "passport_number"):
        assert counts[kind] >= 1, (kind, counts)


def test_planted_card_numbers_pass_luhn_and_cover_every_brand_and_length(corpus: CorpusManifest) -> None:
    # given
    cards = corpus.planted["credit_card_number"]
    # then
    assert all(c.isdigit() and luhn_valid(c) for c in cards)
    prefixes = {
        "visa": ("4",),
        "mastercard 51-55": ("51", "52", "53", "54", "55"),
        "mastercard 2-series": tuple(str(p) for p in range(222, 273)),
        "amex": ("34", "37"),
        "jcb": tuple(str(p) for p in range(3528, 3590)),
        "diners": ("300", "301", "302", "303", "304", "305", "3095", "36", "38", "39"),
        "discover": ("6011", "644", "645", "646", "647", "648", "649", "65", "622"),
        "unionpay": ("62",),
    }
    for brand, starts in prefixes.items():
        assert any(c.startswith(starts) for c in cards), brand
    assert {len(c) for c in cards} >= {14, 15, 16, 19}
    assert set(TEST_CARD_NUMBERS) & set(cards)


def test_luhn_and_the_my_number_check_digit_follow_the_published_rules() -> None:
    # then
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("4012888888881882")
    assert my_number_check_digit("12345678901") == 8


def test_planted_my_numbers_carry_a_valid_check_digit(corpus: CorpusManifest) -> None:
    # then
    for number in corpus.planted["my_number"]:
        assert len(number) == 12
        assert int(number[-1]) == my_number_check_digit(number[:11])


def test_planted_phone_numbers_are_valid_japanese_numbers(corpus: CorpusManifest) -> None:
    # then
    for phone in corpus.planted["phone_number"]:
        parsed = phonenumbers.parse(phone, "JP")
        assert phonenumbers.is_valid_number(parsed), phone


def test_the_order_exports_come_in_utf8_and_in_shift_jis_with_full_width_card_digits(
    corpus: CorpusManifest,
) -> None:
    # given
    sjis = [p for p in corpus.files if p.endswith("_sjis.csv")]
    utf8 = [p for p in corpus.files if p.startswith("export/orders/受注データ")]
    # then
    assert sjis and utf8
    text = (corpus.root / sjis[0]).read_bytes().decode("cp932")
    assert "氏名,フリガナ,郵便番号,住所,電話番号,メールアドレス" in text
    assert any(ch in text for ch in "０１２３４５６７８９")
    with pytest.raises(UnicodeDecodeError):
        (corpus.root / sjis[0]).read_bytes().decode("utf-8")


def test_decoy_files_carry_no_labels(corpus: CorpusManifest) -> None:
    # given
    decoys = {
        "var/log/app/application.log",
        "var/log/app/device-registrations.log",
        "master/jan_master.csv",
        "shipping/送り状番号_201810.csv",
    }
    # then
    assert decoys <= set(corpus.files)
    assert not [label for label in corpus.labels if label.path in decoys]


def test_scoring_counts_each_location_and_type_once() -> None:
    # given
    labels = [
        Label("a.log", 1, None, None, "credit_card_number"),
        Label("a.log", 2, None, None, "credit_card_number"),
        Label("b.xlsx", None, "s", "C2", "credit_card_number"),
    ]
    found = [
        ("a.log", "L1", "credit_card_number"),
        ("a.log", "L1", "credit_card_number"),
        ("a.log", "L3", "credit_card_number"),
        ("b.xlsx", "s!C2", "credit_card_number"),
    ]
    # when
    result = score(labels, found)["credit_card_number"]
    # then
    assert (result.true_positives, result.false_positives, result.false_negatives) == (2, 1, 1)
    assert result.precision == pytest.approx(2 / 3)
    assert result.recall == pytest.approx(2 / 3)
