"""Importing a card company's list: CSV and XLSX, grouped and full-width numbers, malformed rows by row number."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from mamori.cardlists import services
from mamori.cardlists.models import CardList
from mamori.discovery.engine.masking import mask_card
from tests.cardlists.conftest import CARDS, csv_bytes, full_width, grouped, received, xlsx_bytes

pytestmark = pytest.mark.django_db


def _import(manager, case, data: bytes, name: str = "list.csv") -> CardList:
    return services.import_list(manager, case, data=data, file_name=name, received_from="JCB", received_at=received())


def test_a_csv_list_keeps_masks_fingerprints_and_counts_never_the_numbers(manager, server_case):
    # given: a header, a usage date and the card company's reference
    data = csv_bytes(
        [["カード番号", "利用日", "照会番号"]] + [[c, "2018-05-10", f"REF{i}"] for i, c in enumerate(CARDS[:3])]
    )
    # when
    card_list = _import(manager, server_case, data)
    # then
    entries = list(card_list.entries.order_by("row"))
    assert (card_list.rows, card_list.accepted, card_list.rejected) == (3, 3, 0)
    assert card_list.card_column == "カード番号"
    assert [e.row for e in entries] == [2, 3, 4]
    assert [e.mask for e in entries] == [mask_card(c) for c in CARDS[:3]]
    assert all(e.fingerprint.startswith("s1$8$8$1$") for e in entries)
    assert entries[0].details == {"利用日": "2018-05-10", "照会番号": "REF0"}
    assert [e.brand for e in entries] == ["visa", "mastercard", "jcb"]
    assert len(card_list.file_sha256) == 64


def test_the_same_number_gets_the_scanners_fingerprint(manager, server_case, settings):
    # given
    from mamori.core import keys
    from mamori.discovery import fingerprints
    from mamori.discovery.engine.masking import pan_fingerprint

    # when
    card_list = _import(manager, server_case, csv_bytes([["card number"], [CARDS[0]]]))
    # then: the same key and cost as a scan, so stored findings compare by equality
    assert card_list.entries.get().fingerprint == pan_fingerprint(keys.fingerprint_key(), CARDS[0], fingerprints.cost())


def test_grouped_hyphenated_and_full_width_numbers_are_read(manager, server_case):
    # given: no header at all; the column is found by its content
    rows = [[grouped(CARDS[0])], [grouped(CARDS[1], "-")], [full_width(grouped(CARDS[2]))], [full_width(CARDS[3])]]
    # when
    card_list = _import(manager, server_case, csv_bytes(rows))
    # then
    assert card_list.accepted == 4 and card_list.rejected == 0
    assert [e.mask for e in card_list.entries.order_by("row")] == [mask_card(c) for c in CARDS[:4]]


def test_shift_jis_csv_is_read(manager, server_case):
    card_list = _import(manager, server_case, csv_bytes([["カード番号"], [CARDS[0]]], encoding="cp932"))
    assert card_list.accepted == 1


def test_an_xlsx_list_with_text_and_integer_cells(manager, server_case):
    # given: one number typed as text, one stored as an integer, a date column
    rows = [["No", "Card Number", "利用日"], [1, CARDS[0], "2018/05/01"], [2, int(CARDS[1]), "2018/05/02"]]
    # when
    card_list = _import(manager, server_case, xlsx_bytes(rows), "list.xlsx")
    # then
    assert card_list.accepted == 2 and card_list.card_column == "Card Number"
    assert [e.mask for e in card_list.entries.order_by("row")] == [mask_card(CARDS[0]), mask_card(CARDS[1])]


def test_malformed_rows_are_reported_by_row_and_problem_never_with_the_number(manager, server_case):
    # given
    bad_luhn = CARDS[0][:-1] + str((int(CARDS[0][-1]) + 1) % 10)
    unknown_brand = "9" + CARDS[0][1:-1]
    from tests.cardlists.conftest import luhn_complete

    unknown_brand = luhn_complete(unknown_brand)
    rows = [
        ["カード番号", "利用日"],
        [CARDS[0], "2018-05-01"],
        ["4111-11x1-1111-1111", "2018-05-02"],  # row 3: a letter
        ["41111111", "2018-05-03"],  # row 4: too short
        [bad_luhn, "2018-05-04"],  # row 5: Luhn
        [unknown_brand, "2018-05-05"],  # row 6: no brand
        ["", "2018-05-06"],  # row 7: no number
        ["", ""],  # blank line: ignored
    ]
    # when
    card_list = _import(manager, server_case, csv_bytes(rows))
    # then
    assert (card_list.rows, card_list.accepted, card_list.rejected) == (6, 1, 5)
    problems = {p["row"]: p["problem"] for p in card_list.problems}
    assert set(problems) == {3, 4, 5, 6, 7}
    assert "other than digits" in problems[3]
    assert "8 digits" in problems[4]
    assert "Luhn" in problems[5] and mask_card(bad_luhn) in problems[5]
    assert "brand" in problems[6]
    text = repr(card_list.problems)
    assert bad_luhn not in text and unknown_brand not in text and "41111111" not in text


def test_a_file_without_a_valid_number_stores_nothing_and_says_why(manager, server_case):
    with pytest.raises(ValidationError) as caught:
        _import(manager, server_case, csv_bytes([["カード番号"], ["1234"], ["abcd"]]))
    assert "row 2" in str(caught.value) and "1234" not in str(caught.value).replace("row 2", "")
    assert not CardList.objects.exists()


def test_columns_that_are_card_data_are_not_kept(manager, server_case):
    # given: expiry and security code columns, and a memo that holds another card number
    rows = [
        ["カード番号", "有効期限", "セキュリティコード", "備考"],
        [CARDS[0], "12/29", "123", f"旧カード {CARDS[1]}"],
    ]
    # when
    card_list = _import(manager, server_case, csv_bytes(rows))
    # then
    assert card_list.kept_columns == ["備考"]
    assert card_list.entries.get().details == {}


def test_a_file_that_is_neither_csv_nor_xlsx_is_refused(manager, server_case):
    with pytest.raises(ValidationError):
        _import(manager, server_case, b"%PDF-1.4 ...", "list.pdf")


def test_a_damaged_workbook_is_refused_with_a_message(manager, server_case):
    with pytest.raises(ValidationError) as caught:
        _import(manager, server_case, b"PK\x03\x04" + b"\x00" * 100, "list.xlsx")
    assert caught.value.messages


def test_only_the_manager_imports(auditor, server_case):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _import(auditor, server_case, csv_bytes([[CARDS[0]]]))


def test_archiving_keeps_the_list_with_its_reason(manager, server_case):
    card_list = _import(manager, server_case, csv_bytes([[CARDS[0]]]))
    services.archive_list(manager, card_list, "superseded by the corrected list")
    card_list.refresh_from_db()
    assert card_list.archived_at and card_list.archive_reason == "superseded by the corrected list"
    assert card_list.entries.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_large_list_is_fingerprinted_in_the_background_and_then_ready(manager, server_case, settings):
    # given: lists from 3 numbers on go to the background
    settings.MAMORI_CARDLIST_BACKGROUND_FROM = 3
    from tests.cardlists.conftest import make_cards

    numbers = make_cards(70, seed=3)  # enough for the worker processes too
    # when
    card_list = _import(manager, server_case, csv_bytes([["カード番号"]] + [[n] for n in numbers]))
    # then: stored at once with its counts, its entries once the thread is done
    assert card_list.status in ("importing", "ready") and card_list.accepted == 70
    services.wait_for_import(card_list.pk, timeout=300)
    card_list.refresh_from_db()
    assert card_list.status == "ready"
    assert [e.mask for e in card_list.entries.order_by("row")] == [mask_card(n) for n in numbers]


def test_a_list_whose_process_stopped_is_marked_failed(manager, server_case):
    import datetime as dt

    from django.utils import timezone

    # given: a list left "fingerprinting" by a server that stopped hours ago
    card_list = _import(manager, server_case, csv_bytes([[CARDS[0]]]))
    CardList.objects.filter(pk=card_list.pk).update(
        status="importing", imported_at=timezone.now() - dt.timedelta(hours=7)
    )
    # when
    assert services.fail_stale_imports() == 1
    # then
    card_list.refresh_from_db()
    assert card_list.status == "failed" and "import the file again" in card_list.error
