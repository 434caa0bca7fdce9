"""ZIP, TAR and gzip: nesting, member paths, and the limits against archive bombs."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from pathlib import Path

from mamori.discovery.engine.readers import read_file
from mamori.discovery.engine.types import AsciiChunk, FileProblem, ReadLimits, TextUnit

CSV = "name,card_no\n山田,4111111111111111\n"


def read(path: Path, limits: ReadLimits | None = None) -> tuple[list[TextUnit | AsciiChunk], list[FileProblem]]:
    items = list(read_file(path, limits or ReadLimits()))
    return [i for i in items if not isinstance(i, FileProblem)], [i for i in items if isinstance(i, FileProblem)]


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def tar_gz_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_a_zip_inside_a_tar_gz_is_read_with_member_paths(tmp_path: Path) -> None:
    # given backup.tar.gz holding export/orders.zip holding dir/orders.csv
    inner = zip_bytes({"dir/orders.csv": CSV.encode("cp932"), "readme.txt": b"nothing here\n"})
    path = tmp_path / "backup.tar.gz"
    path.write_bytes(tar_gz_bytes({"export/orders.zip": inner, "app.log": b"card 4242424242424242\n"}))
    # when read
    units, problems = read(path)
    # then members are read recursively and shown as outer!inner paths
    assert not problems
    card = next(u for u in units if u.key == "card_no")
    assert card.path == f"{path}!export/orders.zip!dir/orders.csv"
    assert card.text == "4111111111111111"
    assert any(u.path == f"{path}!app.log" and "4242424242424242" in u.text for u in units)


def test_a_gzip_log_is_read_as_the_log(tmp_path: Path) -> None:
    path = tmp_path / "access.log.gz"
    path.write_bytes(gzip.compress(b"GET /pay?card_no=4111111111111111\n"))
    units, problems = read(path)
    assert not problems and units[0].path == str(path) and "4111111111111111" in units[0].text


def test_a_zip_bomb_member_is_refused_with_a_clear_problem(tmp_path: Path) -> None:
    # given a zip whose member inflates 20 MB of zeros from a few KB, beside a normal member
    path = tmp_path / "bomb.zip"
    path.write_bytes(zip_bytes({"zeros.bin": b"\0" * (20 * 1024**2), "ok.csv": CSV.encode()}))
    # when read
    units, problems = read(path)
    # then the bomb is named with the limit it broke, and the normal member is still read
    assert len(problems) == 1
    assert problems[0].path == f"{path}!zeros.bin"
    assert "zeros.bin" in problems[0].message and "max_compression_ratio" in problems[0].message
    assert any(u.text == "4111111111111111" for u in units)


def test_a_gzip_bomb_is_stopped_while_streaming(tmp_path: Path) -> None:
    # given a gzip stream with a ratio far over the limit (sizes are not declared for gzip)
    path = tmp_path / "huge.log.gz"
    path.write_bytes(gzip.compress(b"a" * (30 * 1024**2)))
    # when read
    _, problems = read(path, ReadLimits(max_compression_ratio=100))
    # then reading stops with a problem naming the limit
    assert len(problems) == 1 and "max_compression_ratio" in problems[0].message


def test_the_archive_total_limit_stops_the_whole_archive(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    path.write_bytes(zip_bytes({f"f{i}.txt": b"x" * 4000 for i in range(5)}))
    _, problems = read(path, ReadLimits(max_archive_total=10_000))
    assert len(problems) == 1 and "max_archive_total" in problems[0].message


def test_the_member_count_limit_is_enforced(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    path.write_bytes(zip_bytes({f"f{i}.txt": b"data\n" for i in range(5)}))
    units, problems = read(path, ReadLimits(max_archive_members=3))
    assert len(units) == 3
    assert problems[0].path == f"{path}!f3.txt" and "max_archive_members" in problems[0].message


def test_nesting_deeper_than_the_limit_is_not_opened(tmp_path: Path) -> None:
    # given a zip in a zip in a zip, with a depth limit of 2
    level3 = zip_bytes({"deep.txt": b"card 4111111111111111\n"})
    level2 = zip_bytes({"l3.zip": level3})
    path = tmp_path / "l1.zip"
    path.write_bytes(zip_bytes({"l2.zip": level2, "top.txt": b"top level text\n"}))
    # when read
    units, problems = read(path, ReadLimits(max_archive_depth=2))
    # then the third level is reported and not opened, the rest is read
    assert [p.path for p in problems] == [f"{path}!l2.zip!l3.zip"]
    assert "max_archive_depth" in problems[0].message
    assert any(u.text.startswith("top level") for u in units)


def test_a_truncated_gzip_is_a_problem_after_what_could_be_read(tmp_path: Path) -> None:
    # given a gzip file cut in half
    data = gzip.compress(b"".join(b"line with text %d\n" % n for n in range(200_000)))
    path = tmp_path / "cut.log.gz"
    path.write_bytes(data[: len(data) // 2])
    # when read
    units, problems = read(path)
    # then what could be decompressed is scanned, and the problem says the gzip data is truncated
    assert len(problems) == 1 and "gzip data is truncated or corrupt" in problems[0].message
    assert units and units[0].text.startswith("line with text")


def test_a_corrupt_zip_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    _, problems = read(path)
    assert problems and "zip" in problems[0].message


def test_bzip2_xz_and_concatenated_gzip_members_are_read(tmp_path: Path) -> None:
    # given the same log compressed three ways, the gzip one in two concatenated members
    import bz2
    import lzma

    (tmp_path / "a.log.bz2").write_bytes(bz2.compress(b"bz 4111111111111111\n"))
    (tmp_path / "b.log.xz").write_bytes(lzma.compress(b"xz 4111111111111111\n"))
    (tmp_path / "c.log.gz").write_bytes(gzip.compress(b"one 4111111111111111\n") + gzip.compress(b"two\n"))
    # when each is read / then the text comes back whole
    assert read(tmp_path / "a.log.bz2")[0][0].text == "bz 4111111111111111\n"
    assert read(tmp_path / "b.log.xz")[0][0].text == "xz 4111111111111111\n"
    assert read(tmp_path / "c.log.gz")[0][0].text == "one 4111111111111111\ntwo\n"


def test_a_workbook_inside_a_zip_keeps_sheet_and_cell(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["card_no"])
    sheet.append(["4111111111111111"])
    buf = io.BytesIO()
    book.save(buf)
    path = tmp_path / "mail.zip"
    path.write_bytes(zip_bytes({"attach/cards.xlsx": buf.getvalue()}))
    units, _ = read(path)
    assert [(u.path, u.key, u.cell) for u in units] == [(f"{path}!attach/cards.xlsx", "card_no", "A2")]
