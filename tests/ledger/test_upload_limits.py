"""Ledger imports refuse zip bombs before parsing and count the real rows (issue 14, item 6).

Seen before: a 311 KB workbook that inflates to 300 MB was accepted and left the server at 1.6 GB; a workbook
whose dimension tag said 2 rows while it held many more previewed one row and would have dropped the rest.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import warnings
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from mamori.ledger import importing
from mamori.ledger.models import LedgerEntry
from tests.core.test_uploads import MB, SHEET, lie_about_size, xlsx_bomb
from tests.ledger.conftest import good_row, xlsx_bytes

IMPORT_API = "/api/v1/ledger-entries/import/"


def lying_dimension(data: bytes, ref: str = "A1:B2") -> bytes:
    """The same workbook with its sheet's <dimension ref=...> rewritten, as a careless or hostile tool writes it."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == SHEET:
                body, replaced = re.subn(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), body)
                assert replaced == 1
            target.writestr(info.filename, body)
    return out.getvalue()


def upload(data: bytes, name: str = "台帳.xlsx") -> BytesIO:
    file = BytesIO(data)
    file.name = name
    return file


def kept_uploads(settings) -> list[Path]:
    return list((Path(settings.DATA_DIR) / "ledger-imports").glob("*.upload"))


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """About 300 KB on disk, 300 MB of sheet XML once inflated (built once: that takes a second or two)."""
    return xlsx_bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx", 300 * MB)


# ---------------------------------------------------------------------------------------------- bombs


def test_the_import_page_refuses_a_zip_bomb_before_parsing_and_stores_nothing(manager, client_for, bomb, settings):
    # when
    response = client_for(manager).post("/ledger/import/", {"file": upload(bomb.read_bytes())})
    # then
    page = response.content.decode()
    assert response.status_code == 400
    assert "The archive would inflate to" in page and "the limit is 100.0 MB" in page
    assert LedgerEntry.objects.count() == 0 and kept_uploads(settings) == []


def test_the_api_refuses_a_zip_bomb_with_400_naming_the_file_field(manager, client_for, bomb):
    # when
    response = client_for(manager).post(IMPORT_API, {"file": upload(bomb.read_bytes())})
    # then
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "the limit is 100.0 MB" in error["fields"]["file"][0]
    assert LedgerEntry.objects.count() == 0


def test_the_command_refuses_a_zip_bomb_and_imports_nothing(db, bomb):
    with pytest.raises(CommandError, match=r"would inflate to .* the limit is 100\.0 MB\. Nothing was imported"):
        call_command("ledger", "import", str(bomb), stdout=io.StringIO())
    assert LedgerEntry.objects.count() == 0


def test_limits_are_settings_and_a_smaller_bomb_is_refused_under_a_smaller_limit(
    manager, client_for, tmp_path, settings
):
    # given
    settings.MAMORI_UPLOAD_MAX_UNCOMPRESSED = 10 * MB
    small_bomb = xlsx_bomb(tmp_path / "small.xlsx", 50 * MB)
    # when
    response = client_for(manager).post("/ledger/import/", {"file": upload(small_bomb.read_bytes())})
    # then
    assert response.status_code == 400 and "the limit is 10.0 MB" in response.content.decode()


def test_uploads_spooled_to_a_temporary_file_are_checked_the_same_way(manager, client_for, bomb, settings):
    # given: Django writes every upload to a temporary file instead of memory
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    client = client_for(manager)
    # when
    refused = client.post("/ledger/import/", {"file": upload(bomb.read_bytes())})
    accepted = client.post("/ledger/import/", {"file": upload(xlsx_bytes([good_row(1)]))})
    # then
    assert refused.status_code == 400 and "the limit is 100.0 MB" in refused.content.decode()
    assert accepted.status_code == 200 and accepted.context["confirm"] is not None


def test_an_upload_over_the_size_limit_is_refused_naming_the_limit(manager, client_for, settings):
    settings.MAMORI_UPLOAD_MAX_BYTES = 1 * MB
    response = client_for(manager).post("/ledger/import/", {"file": upload(b"a,b,c\n" * 200_000, "台帳.csv")})
    assert response.status_code == 400 and "the limit is 1.0 MB" in response.content.decode()


def test_refusing_bombs_keeps_memory_bounded(bomb, tmp_path):
    """Measured in a fresh interpreter: the peak resident size may grow by well under 100 MB."""
    # given: the 300 MB bomb, and 300 MB of sheet declared as 1,000 bytes (so only inflating shows it)
    liar = tmp_path / "liar.xlsx"
    liar.write_bytes(lie_about_size(bomb.read_bytes(), SHEET, 1000))
    script = (
        "import resource, sys, django\n"
        "django.setup()\n"
        "from django.utils import translation\n"
        "translation.activate('en')\n"
        "from mamori.ledger import importing\n"
        "import openpyxl\n"
        "for path in sys.argv[1:]:\n"
        "    data = open(path, 'rb').read()\n"
        "    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    try:\n"
        "        list(importing.read_rows(data, 'ledger.xlsx'))\n"
        "        print('accepted')\n"
        "    except importing.FileProblem as problem:\n"
        "        print('refused', problem)\n"
        "    print('growth_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mamori.settings", "MAMORI_DATA_DIR": str(tmp_path / "data")}
    # when
    run = subprocess.run(
        [sys.executable, "-c", script, str(bomb), str(liar)], capture_output=True, text=True, env=env, timeout=120
    )
    # then
    lines = run.stdout.splitlines()
    assert run.returncode == 0, run.stderr
    assert lines[0].startswith("refused The archive would inflate to")
    assert lines[2] == f"refused The file {SHEET} in the archive declares 1,000 bytes but holds more."
    growth_mb = [int(line.split()[1]) / 1024 for line in lines if line.startswith("growth_kb")]
    print("peak RSS growth while refusing (MB):", growth_mb)
    assert len(growth_mb) == 2 and max(growth_mb) < 100, growth_mb


# ---------------------------------------------------------------------------------------------- real rows


def test_a_lying_dimension_tag_does_not_hide_rows_or_columns(db):
    # given: 30 entries and every column, while the tag says two rows and two columns
    data = lying_dimension(xlsx_bytes([good_row(n) for n in range(1, 31)]))
    # when
    preview = importing.validate_file(data, "ledger.xlsx")
    # then
    assert preview.ok, preview.errors[:3]
    assert preview.data_rows == 30 and len(preview.entries) == 30
    assert preview.entries[-1].values["name"] == "顧客リスト30"


def test_more_rows_than_the_limit_are_refused_naming_it_never_cut_short(db, settings):
    # given: one row more than the limit, behind a dimension tag claiming two rows
    settings.MAMORI_IMPORT_MAX_ROWS = 100
    data = lying_dimension(xlsx_bytes([good_row(n) for n in range(1, 102)]))
    # when
    preview = importing.validate_file(data, "ledger.xlsx")
    # then
    assert not preview.ok
    assert [e.message for e in preview.errors] == ["The file has more than 100 entries; split it into smaller files."]


def test_exactly_the_row_limit_is_accepted(db, settings):
    settings.MAMORI_IMPORT_MAX_ROWS = 100
    preview = importing.validate_file(xlsx_bytes([good_row(n) for n in range(1, 101)]), "ledger.xlsx")
    assert preview.ok and len(preview.entries) == 100


# ---------------------------------------------------------------------------------------------- ordinary files


def test_a_consultants_ledger_workbook_is_still_accepted_on_the_page_and_the_api(manager, client_for, settings):
    # given
    data = xlsx_bytes([good_row(n) for n in range(1, 501)], title_rows=1)
    client = client_for(manager)
    # when
    page = client.post("/ledger/import/", {"file": upload(data)})
    dry = client.post(IMPORT_API, {"file": upload(data), "dry_run": "true"})
    done = client.post(IMPORT_API, {"file": upload(data)})
    # then
    assert page.status_code == 200 and page.context["confirm"] is not None
    assert dry.status_code == 200 and dry.json() == {"rows": 500, "updates": 0, "imported": 0}
    assert done.status_code == 201 and done.json()["imported"] == 500
    assert LedgerEntry.objects.count() == 500


def test_bad_cells_sent_to_the_api_are_listed_under_the_file_field_and_nothing_is_saved(manager, client_for):
    data = xlsx_bytes([good_row(1), good_row(2, 最終見直し日="令和6年2月30日")])
    response = client_for(manager).post(IMPORT_API, {"file": upload(data)})
    assert response.status_code == 400
    assert any("row 3" in p and "there is no such day" in p for p in response.json()["error"]["fields"]["file"])
    assert LedgerEntry.objects.count() == 0


def test_a_role_that_may_not_add_entries_cannot_import_through_the_api(auditor, client_for):
    response = client_for(auditor).post(IMPORT_API, {"file": upload(xlsx_bytes([good_row(1)]))})
    assert response.status_code == 403 and LedgerEntry.objects.count() == 0


def test_openpyxl_warnings_stay_inside_the_import(db):
    # given: a workbook without a stylesheet, on which openpyxl warns "Workbook contains no default style"
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([good_row(1)])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "xl/styles.xml":
                target.writestr(info.filename, source.read(info).replace(b"xl/styles.xml", b"xl/missing.xml"))
    # when
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        preview = importing.validate_file(out.getvalue(), "ledger.xlsx")
    # then
    assert preview.ok
    assert [str(w.message) for w in caught] == []
