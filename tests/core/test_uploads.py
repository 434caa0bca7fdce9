"""Archive uploads are checked from the ZIP central directory before any parser sees them (issue 14, item 6).

The builders here write hostile archives streaming, so the tests stay small in memory; the ledger's tests
(tests/ledger/test_upload_limits.py) use them too.
"""

from __future__ import annotations

import io
import re
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest

from mamori.core import uploads
from mamori.core.uploads import UploadLimits, UploadRefused, check_upload

MB = 1024 * 1024
LIMITS = UploadLimits(max_bytes=20 * MB, max_uncompressed=100 * MB, max_ratio=100, max_entries=10_000)
SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_END = b"</sheetData></worksheet>"


def workbook_bytes(rows: int = 3) -> bytes:
    workbook = openpyxl.Workbook()
    for number in range(rows):
        workbook.active.append([f"cell {number}", number])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_bomb(path: Path, inflated: int) -> Path:
    """A real workbook whose sheet XML is ``inflated`` bytes of one repeated row, written 1 MB at a time."""
    row = b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
    chunk = row * (MB // len(row))
    with zipfile.ZipFile(io.BytesIO(workbook_bytes())) as source, zipfile.ZipFile(path, "w") as bomb:
        for info in source.infolist():
            if info.filename != SHEET:
                bomb.writestr(info, source.read(info), zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo(SHEET)
        info.compress_type = zipfile.ZIP_DEFLATED
        with bomb.open(info, "w", force_zip64=inflated > 2**31) as sheet:
            sheet.write(SHEET_START)
            written = len(SHEET_START)
            while written < inflated:
                sheet.write(chunk)
                written += len(chunk)
            sheet.write(SHEET_END)
    return path


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def lie_about_size(data: bytes, name: str, declared: int) -> bytes:
    """Rewrite the uncompressed size that the local header and the central directory declare for ``name``."""
    patched = bytearray(data)
    encoded = name.encode()
    at = patched.find(b"PK\x01\x02")  # central directory entries
    while at >= 0:
        name_len = struct.unpack_from("<H", patched, at + 28)[0]
        if bytes(patched[at + 46 : at + 46 + name_len]) == encoded:
            struct.pack_into("<L", patched, at + 24, declared)
            local = struct.unpack_from("<L", patched, at + 42)[0]
            struct.pack_into("<L", patched, local + 22, declared)
        at = patched.find(b"PK\x01\x02", at + 4)
    return bytes(patched)


def refusal(source: bytes | Path, limits: UploadLimits = LIMITS, **options: bool) -> UploadRefused:
    with pytest.raises(UploadRefused) as refused:
        check_upload(source, limits, **options)
    return refused.value


def test_a_normal_workbook_passes_and_its_contents_are_counted():
    # given
    data = workbook_bytes(rows=200)
    # when
    summary = check_upload(data, LIMITS)
    # then
    assert summary is not None and summary.entries == len(zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert 0 < summary.uncompressed < MB


def test_a_file_that_is_no_archive_is_checked_for_size_only():
    assert check_upload(b"name,department\n" * 1000, LIMITS) is None
    refused = refusal(b"x" * (1 * MB + 1), UploadLimits(1 * MB, 100 * MB, 100, 10))
    assert refused.code == "too_large"
    assert refused.messages == ["The file is 1.0 MB; the limit is 1.0 MB."]


def test_a_300_mb_workbook_bomb_is_refused_from_its_directory_without_inflating_it(tmp_path):
    # given: 300 MB of sheet XML in a file of about 300 KB
    bomb = xlsx_bomb(tmp_path / "bomb.xlsx", 300 * MB)
    assert bomb.stat().st_size < 1 * MB
    # when
    tracemalloc.start()
    started = time.perf_counter()
    refused = refusal(bomb)
    took = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # then
    assert refused.code == "too_large_uncompressed"
    assert re.fullmatch(r"The archive would inflate to 30\d\.\d MB; the limit is 100\.0 MB\.", refused.messages[0])
    assert took < 1 and peak < 2 * MB


def test_one_entry_compressed_far_beyond_any_office_file_is_refused():
    # given: 20 MB of zeros, well under the total limit, compressed about 1000:1
    data = zip_bytes({"[Content_Types].xml": b"<Types/>", SHEET: bytes(20 * MB)})
    # when
    refused = refusal(data)
    # then
    assert refused.code == "ratio"
    assert f"The file {SHEET} in the archive is compressed" in refused.messages[0]
    assert refused.messages[0].endswith("the limit is 100:1.")


def test_many_small_entries_that_together_inflate_too_well_are_refused_overall():
    # given: each entry stays under the size where a single entry's ratio counts
    data = zip_bytes({f"part{n}.xml": bytes(900 * 1024) for n in range(30)})
    # when
    refused = refusal(data)
    # then
    assert refused.code == "ratio" and "compressed" in refused.messages[0] and "overall" in refused.messages[0]


def test_too_many_entries_are_refused_even_when_the_end_record_understates_them():
    # given
    limits = UploadLimits(20 * MB, 100 * MB, 100, max_entries=100)
    data = zip_bytes({f"f{n}.xml": b"<x/>" for n in range(101)})
    end = data.rfind(b"PK\x05\x06")
    understated = data[: end + 8] + struct.pack("<2H", 1, 1) + data[end + 12 :]
    # when
    refusals = [refusal(data, limits), refusal(understated, limits)]
    # then
    assert [r.code for r in refusals] == ["too_many_entries", "too_many_entries"]
    assert refusals[0].messages == ["The archive holds more than 100 files; the limit is 100."]
    assert check_upload(zip_bytes({f"f{n}.xml": b"<x/>" for n in range(100)}), limits) is not None


def test_an_entry_that_holds_more_than_it_declares_is_refused_with_bounded_memory():
    # given: 50 MB of data declared as 1,000 bytes, so no ratio or total check sees it
    data = lie_about_size(zip_bytes({SHEET: b"<row/>" * (50 * MB // 6)}), SHEET, 1000)
    # when
    tracemalloc.start()
    refused = refusal(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # then
    assert refused.code == "size_lie"
    assert refused.messages == [f"The file {SHEET} in the archive declares 1,000 bytes but holds more."]
    assert peak < 2 * MB


def test_an_entry_that_holds_less_than_it_declares_is_refused():
    data = lie_about_size(zip_bytes({SHEET: b"<row/>" * 100}), SHEET, 5000)
    assert refusal(data).messages == [f"The file {SHEET} in the archive declares 5,000 bytes but holds only 600 bytes."]


@pytest.mark.parametrize("name", ["xl/embeddings/inner.zip", "data/evidence.xlsx", "logs.tar.gz", "disguised.bin"])
def test_an_archive_inside_the_archive_is_refused(name):
    # given: by its name or, when disguised, by its first bytes
    data = zip_bytes({"[Content_Types].xml": b"<Types/>", name: zip_bytes({"a.txt": b"a"})})
    # when
    refused = refusal(data)
    # then
    assert refused.code == "nested" and name in refused.messages[0]
    assert check_upload(data, LIMITS, allow_nested=True) is not None


@pytest.mark.parametrize(
    "name", ["../../etc/cron.d/job", "/etc/passwd", "C:/Windows/system.ini", "xl\\..\\..\\evil", "a\x00b.xml", ""]
)
def test_names_that_climb_out_of_the_archive_are_refused(name):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("placeholder")
        info.filename = name  # ZipInfo() itself cleans some names; a hostile tool does not
        archive.writestr(info, b"x")
    assert refusal(buffer.getvalue()).code == "bad_name"


def test_two_entries_with_the_same_name_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        archive.writestr(SHEET, b"<a/>")
        archive.writestr(SHEET, b"<b/>")
    assert refusal(buffer.getvalue()).messages == [f"The archive holds two files named {SHEET}."]


def test_encrypted_entries_and_unusual_compression_cannot_be_checked_and_are_refused():
    # given
    encrypted = bytearray(zip_bytes({SHEET: b"<row/>"}))
    central = encrypted.find(b"PK\x01\x02")
    struct.pack_into("<H", encrypted, central + 8, 1)
    bzip2 = zip_bytes({SHEET: b"<row/>" * 1000}, zipfile.ZIP_BZIP2)
    # when / then
    assert refusal(bytes(encrypted)).code == "encrypted"
    assert refusal(bzip2).code == "method"


@pytest.mark.parametrize(
    "data", [b"PK\x03\x04 not really a zip", b"PK\x03\x04" + bytes(100) + b"PK\x05\x06" + bytes(4)]
)
def test_a_damaged_archive_is_a_clear_refusal_not_a_crash(data):
    assert refusal(data).code == "damaged"


def test_limits_come_from_settings(settings):
    # given
    settings.MAMORI_UPLOAD_MAX_ENTRIES = 2
    # when
    refused = refusal(zip_bytes({"a": b"a", "b": b"b", "c": b"c"}), uploads.UploadLimits.from_settings())
    # then
    assert refused.messages == ["The archive holds more than 2 files; the limit is 2."]
