"""Plain text: encoding detection, chunking with overlap, binary text runs."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import pytest

from mamori.discovery.engine.readers import read_file
from mamori.discovery.engine.types import AsciiChunk, FileProblem, ReadLimits, TextUnit

JAPANESE = "山田太郎様のご注文です。カード番号 4111111111111111 有効期限 12/28\nありがとうございました。\n"


def units(path: Path, limits: ReadLimits | None = None) -> list[TextUnit | AsciiChunk]:
    items = list(read_file(path, limits or ReadLimits()))
    assert not [i for i in items if isinstance(i, FileProblem)]
    return [i for i in items if not isinstance(i, FileProblem)]


def whole_text(path: Path, limits: ReadLimits | None = None) -> str:
    return "".join(u.text for u in units(path, limits))


@pytest.mark.parametrize("codec", ["utf-8", "shift_jis", "cp932", "euc_jp", "utf-8-sig"])
def test_japanese_text_is_decoded_in_its_own_encoding(tmp_path: Path, codec: str) -> None:
    # given a log written by Japanese software in one of the usual encodings
    path = tmp_path / "order.log"
    path.write_bytes(JAPANESE.encode(codec))
    # when it is read
    text = whole_text(path)
    # then the text comes back exactly, detected rather than assumed
    assert text == JAPANESE


def test_cp932_only_characters_are_detected_as_cp932(tmp_path: Path) -> None:
    # given text with NEC special characters that plain Shift_JIS lacks
    path = tmp_path / "memo.txt"
    path.write_bytes(("①㈱テスト商事 様\n" + JAPANESE).encode("cp932"))
    # when / then
    assert whole_text(path).startswith("①㈱テスト商事 様")


@pytest.mark.parametrize(
    ("codec", "bom"),
    [
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-16-le", b""),
        ("utf-16-be", b""),
    ],
)
def test_utf16_is_read_with_or_without_a_byte_order_mark(tmp_path: Path, codec: str, bom: bytes) -> None:
    # given UTF-16 text as Windows tools write it
    path = tmp_path / "export.txt"
    path.write_bytes(bom + JAPANESE.encode(codec))
    # when / then
    assert whole_text(path) == JAPANESE


def test_a_number_across_a_chunk_boundary_appears_whole_in_one_unit(tmp_path: Path) -> None:
    # given a long line with a card number placed across where a 100-character chunk ends
    card = "4111111111111111"
    text = "x" * 92 + card + "y" * 300
    path = tmp_path / "long.log"
    path.write_text(text, encoding="utf-8")
    limits = ReadLimits(chunk_size=100, chunk_overlap=32)
    # when it is read in small chunks
    found = units(path, limits)
    # then more than one unit came back, and one holds the whole number
    assert len(found) > 1
    assert any(card in u.text for u in found)
    # and each unit's offset locates its text in the file
    assert all(text[u.offset : u.offset + len(u.text)] == u.text for u in found if u.offset is not None)


def test_chunks_carry_the_line_number_of_their_first_character(tmp_path: Path) -> None:
    # given 50 numbered lines
    lines = [f"line {n:03d} some log text\n" for n in range(1, 51)]
    path = tmp_path / "app.log"
    path.write_text("".join(lines), encoding="utf-8")
    # when read in small chunks
    found = units(path, ReadLimits(chunk_size=100, chunk_overlap=10))
    # then each unit's line matches the line its text starts on
    for u in found:
        assert u.line is not None and u.offset is not None
        full = "".join(lines)
        assert full.count("\n", 0, u.offset) + 1 == u.line


def test_a_binary_file_yields_only_its_text_runs(tmp_path: Path) -> None:
    # given a binary blob with a readable string inside
    path = tmp_path / "core.bin"
    path.write_bytes(bytes(range(0, 8)) * 50 + b"card_no=4111111111111111" + b"\x00\xff\x01" * 40 + b"short\x00")
    # when read
    found = units(path)
    # then the long run comes back as text and short runs are dropped
    text = "".join(u.text for u in found)
    assert "card_no=4111111111111111" in text
    assert "short" not in text


def test_an_empty_file_yields_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    assert units(path) == []


def test_a_missing_file_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    items = list(read_file(tmp_path / "gone.log", ReadLimits()))
    assert len(items) == 1 and isinstance(items[0], FileProblem)
    assert "cannot open" in items[0].message


def test_japanese_text_that_starts_after_a_long_ascii_part_is_still_decoded(tmp_path: Path) -> None:
    # given a Shift_JIS log whose first 200 KB are ASCII only
    ascii_part = "2026-11-28 INFO started worker\n" * 7000
    path = tmp_path / "late.log"
    path.write_bytes((ascii_part + JAPANESE).encode("cp932"))
    # when read
    text = whole_text(path)
    # then the Japanese part is decoded in its own encoding
    assert text.endswith(JAPANESE)


def test_a_csv_with_late_euc_jp_values_is_decoded(tmp_path: Path) -> None:
    rows = "".join(f"{n},plain\n" for n in range(20000))
    path = tmp_path / "late.csv"
    path.write_bytes(("id,name\n" + rows + "20001,山田太郎\n").encode("euc_jp"))
    assert units(path)[-1].text == "山田太郎"


def test_japanese_utf8_text_in_a_binary_file_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00\x02" * 300 + "山田太郎 東京都".encode() + b"\x00" * 50)
    text = whole_text(path)
    assert "山田太郎 東京都" in text


def test_an_ascii_log_is_handed_on_as_bytes(tmp_path: Path) -> None:
    # given a plain ASCII log
    path = tmp_path / "access.log"
    path.write_bytes(b"GET /cart?card=4111111111111111 200\n" * 10)
    # when read
    (unit,) = units(path)
    # then it reaches the detectors undecoded, with its place in the file
    assert isinstance(unit, AsciiChunk)
    assert (unit.line, unit.offset, unit.text) == (1, 0, path.read_text())


@pytest.mark.parametrize("codec", ["utf-8", "cp932", "euc_jp"])
def test_ascii_and_japanese_chunks_of_one_file_keep_their_lines_and_offsets(tmp_path: Path, codec: str) -> None:
    # given a Japanese log in which one line in twenty is Japanese
    lines = [
        f"2026-11-28 INFO order {n} paid\n" if n % 20 else f"{n}行目 山田太郎様 東京都千代田区\n" for n in range(600)
    ]
    text = "".join(lines)
    path = tmp_path / "shop.log"
    path.write_bytes(text.encode(codec))
    # when read in small chunks
    found = units(path, ReadLimits(chunk_size=300, chunk_overlap=16))
    # then plain-ASCII chunks stay bytes and the others are decoded in the file's encoding
    assert {type(u) for u in found} == {AsciiChunk, TextUnit}
    # and each unit's offset and line locate its text in the decoded file
    for u in found:
        assert u.offset is not None
        assert text[u.offset : u.offset + len(u.text)] == u.text
        assert text.count("\n", 0, u.offset) + 1 == u.line
    # and every line appears whole in some unit
    assert all(any(line in u.text for u in found) for line in set(lines))


@pytest.mark.parametrize("codec", ["utf-8", "cp932"])
def test_a_long_line_without_breaks_is_cut_between_characters(tmp_path: Path, codec: str) -> None:
    # given one long line of Japanese (the UTF-8 one without a single ASCII byte)
    text = ("山田太郎様東京都千代田区" if codec == "utf-8" else "山田太郎様 東京都千代田区1-1 ") * 60 + "\n"
    path = tmp_path / "memo.txt"
    path.write_bytes(text.encode(codec))
    # when read in chunks far shorter than the line
    found = units(path, ReadLimits(chunk_size=120, chunk_overlap=8))
    # then no chunk splits a character, and each locates its text in the file
    assert len(found) > 5
    assert all("\ufffd" not in u.text for u in found)
    assert all(u.offset is not None and text[u.offset : u.offset + len(u.text)] == u.text for u in found)


def test_a_file_that_grew_after_it_was_sized_is_read_whole() -> None:
    # given a log whose size was taken (10 bytes) before more lines were written to it
    from mamori.discovery.engine.readers.common import Context
    from mamori.discovery.engine.readers.text import chunk_bytes

    text = "".join(f"2026-11-28 line {n}\n" for n in range(40))
    ctx = Context(limits=ReadLimits(chunk_size=100, chunk_overlap=8), display="app.log", name="app.log", size=10)
    # when it is read
    found = list(chunk_bytes(io.BytesIO(text.encode()), "utf-8", ctx))
    # then every line is in some chunk, at its place in the file
    assert all(any(line in u.text for u in found) for line in text.splitlines())
    assert all(text[u.offset : u.offset + len(u.text)] == u.text for u in found)
