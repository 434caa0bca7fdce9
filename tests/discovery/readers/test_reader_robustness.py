"""Whatever the bytes, read_file reports problems and never raises."""

from __future__ import annotations

import gzip
import io
import json
import random
import tarfile
import zipfile
from pathlib import Path

import openpyxl
import pytest

from mamori.discovery.engine.readers import read_file
from mamori.discovery.engine.types import AsciiChunk, FileProblem, ReadLimits, TextUnit


def samples() -> dict[str, bytes]:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["card_no", "cvv"])
    sheet.append(["4111111111111111", "123"])
    xlsx = io.BytesIO()
    book.save(xlsx)
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("a/orders.csv", "card_no,cvv\n" + "4111111111111111,123\n" * 200)
    tarred = io.BytesIO()
    with tarfile.open(fileobj=tarred, mode="w:gz") as t:
        info = tarfile.TarInfo("x.zip")
        info.size = len(zipped.getvalue())
        t.addfile(info, io.BytesIO(zipped.getvalue()))
    return {
        "book.xlsx": xlsx.getvalue(),
        "a.zip": zipped.getvalue(),
        "b.tar.gz": tarred.getvalue(),
        "c.log.gz": gzip.compress(b"text 4111111111111111\n" * 500),
        "d.json": json.dumps({"a": [{"b": "x" * 50}] * 20}).encode(),
        "e.sql": b"CREATE TABLE t (a text);\nINSERT INTO t VALUES ('x'),('y\\'z');\n" * 20,
        "f.csv": b'a,b\n1,"two\nlines"\n' * 50,
        "g.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" * 5,
    }


@pytest.mark.parametrize("name", sorted(samples()))
def test_truncated_and_corrupted_files_never_raise(tmp_path: Path, name: str) -> None:
    # given a valid file of each format, cut short or with flipped bytes
    data = samples()[name]
    rng = random.Random(name)
    variants = [data[: len(data) * k // 7] for k in range(1, 7)]
    for _ in range(5):
        flipped = bytearray(data)
        for _ in range(10):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        variants.append(bytes(flipped))
    for index, variant in enumerate(variants):
        path = tmp_path / f"{index}-{name}"
        path.write_bytes(variant)
        # when read / then only units and problems come back
        items = list(read_file(path, ReadLimits()))
        assert all(isinstance(i, TextUnit | AsciiChunk | FileProblem) for i in items)
