"""Text encodings the scanner must not misread, and warnings that say a file was scanned as best it could be."""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest

from mamori.discovery.engine.detectors import Detector
from mamori.discovery.engine.output import summary_lines
from mamori.discovery.engine.readers.dispatch import read_file
from mamori.discovery.engine.readers.encoding import detect_encoding
from mamori.discovery.engine.scan import ScanOptions, scan_paths
from mamori.discovery.engine.types import FileProblem, Finding, ReadLimits

TEXT = "".join(f"customer {i} card 4111 1111 1111 1111 paid\n" for i in range(20))


def _scan(path: Path) -> tuple[list[Finding], list[FileProblem]]:
    items = list(Detector(b"k").scan_units(read_file(path, ReadLimits())))
    return [i for i in items if isinstance(i, Finding)], [i for i in items if isinstance(i, FileProblem)]


@pytest.mark.parametrize(
    ("name", "data", "warned"),
    [
        ("utf-32 with BOM", TEXT.encode("utf-32"), False),
        ("utf-32-le without BOM", TEXT.encode("utf-32-le"), False),
        ("utf-32-be without BOM", TEXT.encode("utf-32-be"), False),
        ("UTF-16 LE mark then UTF-32-LE", b"\xff\xfe" + TEXT.encode("utf-32-le"), True),
        ("UTF-16 BE mark then UTF-32-BE", b"\xfe\xff" + TEXT.encode("utf-32-be"), True),
        ("utf-16-le without BOM", TEXT.encode("utf-16-le"), False),
    ],
)
def test_utf32_text_is_read_whole(tmp_path: Path, name: str, data: bytes, warned: bool) -> None:
    # given a file of 20 card numbers in a 32-bit (or 16-bit) encoding
    path = tmp_path / "cards.txt"
    path.write_bytes(data)
    # when it is read and scanned
    findings, problems = _scan(path)
    # then every card is found, and an odd byte-order mark is reported as a warning on a scanned file
    assert sum(f.type == "credit_card_number" for f in findings) == 20, name
    assert bool(problems) is warned
    assert all(p.scanned for p in problems)


def test_a_guessed_encoding_is_reported_and_the_file_still_scanned(tmp_path: Path) -> None:
    # given a Latin-1 file that no certain rule recognises
    path = tmp_path / "notes.txt"
    path.write_bytes(("Café crème à la carte: 4111 1111 1111 1111 reçu\n" * 5).encode("latin-1"))
    # when scanned
    findings, problems = _scan(path)
    # then the card is found and the guess is listed as a warning, not as a skipped file
    assert any(f.type == "credit_card_number" for f in findings)
    assert [p.scanned for p in problems] == [True]
    assert "guessed" in problems[0].message


def test_text_between_nul_bytes_that_is_no_known_encoding_is_reported(tmp_path: Path) -> None:
    # given text with NUL bytes in an irregular pattern (no UTF-16/32 shape)
    path = tmp_path / "odd.dat"
    path.write_bytes(b"".join(f"line {i} card 4111111111111111 ok\x00\x00\x00".encode() for i in range(40)))
    # when scanned
    findings, problems = _scan(path)
    # then its text runs are still scanned, and the file is listed as undecoded text
    assert detect_encoding(path.read_bytes()[:4096]) is None
    assert any(f.type == "credit_card_number" for f in findings)
    assert problems and problems[0].scanned and "not recognised" in problems[0].message


def test_a_twig_template_starting_with_a_brace_is_scanned_not_skipped(tmp_path: Path) -> None:
    # given a Twig template that starts with `{` and holds a card number
    path = tmp_path / "checkout.twig"
    path.write_text("{% extends 'base.twig' %}\n{% block body %}card 4111 1111 1111 1111{% endblock %}\n")
    # when the folder is scanned
    report = scan_paths([tmp_path], ScanOptions(workers=1, hash_key=b"k"))
    # then the card is found and the summary counts no file as skipped
    assert report.finding_count == 1
    assert "0 files or members skipped, 1 scanned with warnings" in summary_lines(report)[0]
    assert "Skipped:" not in summary_lines(report)


def test_findings_in_a_json_document_carry_their_line(tmp_path: Path) -> None:
    # given a pretty-printed JSON document, one value written with an escaped slash
    path = tmp_path / "orders.json"
    path.write_text(
        '{\n "orders": [\n  {"id": 1,\n   "card_number": "4111111111111111",\n'
        '   "email": "taro@example.jp"},\n  {"id": 2, "note": "pay \\/ 4012888888881881"}\n ]\n}\n'
    )
    # when scanned
    findings, _ = _scan(path)
    # then each finding has the line of its value (the escaped one: the line of its key)
    assert [(f.type, f.line) for f in findings] == [
        ("credit_card_number", 4),
        ("email_address", 5),
        ("credit_card_number", 6),
    ]


def test_openpyxl_warnings_do_not_reach_stderr(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    # given a workbook without a stylesheet (openpyxl warns about such files)
    book = openpyxl.Workbook()
    book.active.append(["card_number"])
    book.active.append(["4111111111111111"])
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "cards.xlsx"
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/styles.xml":
                data = b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
            out.writestr(item, data)
    # when it is scanned with every warning recorded
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        findings, _ = _scan(path)
    # then the card is found, openpyxl warned of nothing that would reach stderr, and stderr is empty
    assert [f.type for f in findings] == ["credit_card_number"]
    assert [str(w.message) for w in caught] == []
    assert capfd.readouterr().err == ""
