"""``mamori ledger import|export``: the same checks as the import page, clear messages, no tracebacks."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from mamori.ledger.models import LedgerEntry
from tests.ledger.conftest import good_row, xlsx_bytes

pytestmark = pytest.mark.django_db


def test_a_dry_run_checks_and_saves_nothing(tmp_path):
    # given
    path = tmp_path / "台帳.xlsx"
    path.write_bytes(xlsx_bytes([good_row(1), good_row(2)]))
    out = io.StringIO()
    # when
    call_command("ledger", "import", str(path), "--dry-run", stdout=out)
    # then
    assert "2 rows (0 updates) checked" in out.getvalue() and "nothing saved" in out.getvalue()
    assert not LedgerEntry.objects.exists()


def test_import_then_export_round_trips_through_files(tmp_path):
    # given
    source = tmp_path / "in.xlsx"
    source.write_bytes(xlsx_bytes([good_row(1), good_row(2)]))
    call_command("ledger", "import", str(source), stdout=io.StringIO())
    # when
    target = tmp_path / "out.csv"
    call_command("ledger", "export", str(target), stdout=io.StringIO())
    LedgerEntry.objects.all().delete()
    call_command("ledger", "import", str(target), stdout=io.StringIO())
    # then
    assert sorted(LedgerEntry.objects.values_list("reference", flat=True)) == ["A-00001", "A-00002"]


def test_problems_are_printed_by_row_and_column_and_nothing_is_imported(tmp_path):
    # given
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx_bytes([good_row(1), good_row(2, 項目="氏名、趣味")]))
    err = io.StringIO()
    # when
    with pytest.raises(CommandError, match="1 problems; nothing was imported"):
        call_command("ledger", "import", str(path), stderr=err)
    # then
    assert "row 3, 項目: unknown data category 「趣味」" in err.getvalue()
    assert not LedgerEntry.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("ledger", "import", str(tmp_path / "nowhere.xlsx"))
