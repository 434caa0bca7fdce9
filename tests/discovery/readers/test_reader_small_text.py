"""The fast path for small ASCII text files (``read_small_text``) gives exactly what ``read_file`` gives, or
steps aside: every file it takes is one ASCII chunk in ``read_file`` too, and scanning gives the same findings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mamori.discovery.engine.readers import read_file
from mamori.discovery.engine.readers.dispatch import read_small_text
from mamori.discovery.engine.scan import ScanOptions, _detector, _sort_key, scan_file
from mamori.discovery.engine.types import AsciiChunk, FileProblem, ReadLimits

LINE = "card 4111 1111 1111 1111 exp 12/27 tel 03-5321-1111 mail taro@example.co.jp cvv=123 ORDER 4012888888881881\n"
TAKEN = {
    "plain.log": LINE * 3,
    "plain.txt": "x=1\n" + LINE,
    "no_extension": LINE,
    "tabs_crlf_formfeed.txt": LINE.replace(" ", "\t").replace("\n", "\r\n") + "\x0c" + LINE,
    "blank_then_text.log": "\n \n" + LINE,
    "largest.txt": (LINE * 700)[: 64 * 1024],
}
# Files the general path must read: other encodings, control characters, NUL or ESC bytes, containers and
# formats recognised by their start, structured formats by extension, files larger than the encoding sample.
LEFT = {
    "nul.log": (LINE + "\x00" + LINE).encode(),
    "iso2022.txt": (LINE + "\x1b$B" + LINE).encode(),
    "one_control.txt": (LINE * 20 + "\x01").encode(),
    "controls.txt": ("\x01\x02\x03" * 10 + LINE).encode(),
    "vertical_tab.txt": (LINE + "\x0b" + LINE).encode(),
    "starts_as_pdf.txt": ("%PDF-1.4\n" + LINE).encode(),
    "starts_as_bzip2.txt": ("BZh91AY" + LINE).encode(),
    "mailbox": ("From a@example.jp Mon Jan  1 00:00:00 2024\nFrom: a@example.jp\nTo: b@example.jp\n\n" + LINE).encode(),
    "message": ("MIME-Version: 1.0\nFrom: a@example.jp\nContent-Type: text/plain\n\n" + LINE).encode(),
    "dump": ("-- MySQL dump 10.13\nINSERT INTO t VALUES ('4111111111111111');\n" + LINE).encode(),
    "json_lines.log": ('{"a": "4111111111111111"}\n{"b": "taro@example.co.jp"}\n' + LINE).encode(),
    "data.json": b'{"card": "4111111111111111"}',
    "data.csv": b"card,tel\n4111111111111111,03-5321-1111\n",
    "empty.txt": b"",
    "larger_than_the_sample.txt": (LINE * 700)[: 64 * 1024 + 1].encode(),
    "japanese.txt": ("カード 4111111111111111 電話 03-5321-1111\n" + LINE).encode(),
    "shift_jis.txt": ("カード番号 4111111111111111\n" * 3).encode("cp932"),
    "bom.txt": b"\xef\xbb\xbf" + LINE.encode(),
    "utf16.txt": LINE.encode("utf-16"),
}


def _general(path: str, limits: ReadLimits) -> list[object]:
    return list(read_file(Path(path), limits))


@pytest.mark.parametrize("name", sorted(TAKEN))
def test_a_small_ascii_text_file_is_the_chunk_read_file_gives(tmp_path: Path, name: str) -> None:
    # given a small plain-text file that is all ASCII
    path = tmp_path / name
    path.write_bytes(TAKEN[name].encode("ascii"))
    limits = ReadLimits()
    # when it is read by the fast path
    small = read_small_text(str(path), limits)
    # then it is the one chunk the general reader hands on, with the file's size
    assert small is not None
    size, chunk = small
    assert size == path.stat().st_size
    assert _general(str(path), limits) == [chunk]
    assert isinstance(chunk, AsciiChunk)


@pytest.mark.parametrize("name", sorted(LEFT))
def test_other_files_are_left_to_the_general_reader(tmp_path: Path, name: str) -> None:
    # given a file that is not small plain ASCII text
    path = tmp_path / name
    path.write_bytes(LEFT[name])
    # when / then the fast path steps aside
    assert read_small_text(str(path), ReadLimits()) is None


def test_a_path_that_is_not_written_as_read_file_shows_it_is_left_to_the_general_reader(tmp_path: Path) -> None:
    # given paths that pathlib would write differently (the general path shows pathlib's form)
    (tmp_path / "plain.txt").write_text(LINE)
    for path in (f"{tmp_path}//plain.txt", f"{tmp_path}/./plain.txt"):
        # when / then
        assert read_small_text(path, ReadLimits()) is None


def test_a_file_larger_than_the_chunk_size_is_left_to_the_general_reader(tmp_path: Path) -> None:
    # given a chunk size smaller than the file
    path = tmp_path / "plain.txt"
    path.write_text(LINE * 10)
    # when / then
    assert read_small_text(str(path), ReadLimits(chunk_size=len(LINE) * 10)) is None
    assert read_small_text(str(path), ReadLimits(chunk_size=len(LINE) * 10 + 1)) is not None


def test_a_missing_file_or_a_directory_is_left_to_the_general_reader(tmp_path: Path) -> None:
    # when / then: the general path reports what is wrong
    assert read_small_text(str(tmp_path / "missing.txt"), ReadLimits()) is None
    assert read_small_text(str(tmp_path), ReadLimits()) is None


@pytest.mark.parametrize("name", sorted(TAKEN) + sorted(LEFT))
def test_scanning_a_file_gives_the_findings_of_the_general_path(tmp_path: Path, name: str) -> None:
    # given any of the files above
    path = tmp_path / name
    path.write_bytes(TAKEN[name].encode("ascii") if name in TAKEN else LEFT[name])
    options = ScanOptions(workers=1, hash_key=b"k")
    # when it is scanned (fast path where it applies) and read through the general reader
    result = scan_file(str(path), options)
    items = list(_detector(options).scan_units(read_file(Path(path), options.limits)))
    general = sorted((i for i in items if not isinstance(i, FileProblem)), key=_sort_key)
    # then the findings are the same
    assert result.findings == general
    assert name not in TAKEN or result.findings
    assert result.size == os.stat(path).st_size
