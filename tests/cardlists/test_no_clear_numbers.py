"""After import, matching and every export, no clear card number is anywhere: not in the database (the SQLite file
bytes or a pg_dump, and a SELECT over every text column), not in the log output, not in a page, an API answer or an
export, not in a file under the data directory. Also no other 13–19 digit Luhn-valid run turns up."""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from mamori.accounts.policy import SYSTEM
from mamori.cardlists import services
from mamori.cardlists.models import CardList
from mamori.discovery.engine.checks import luhn_ok
from mamori.evidence import services as evidence_services
from mamori.evidence import storage
from tests.cardlists.conftest import CARDS, build_eccube2, csv_bytes, full_width, grouped, make_cards, xlsx_bytes
from tests.cardlists.test_matching import make_scoping

# A digit run standing alone (not inside a longer token such as a hex digest): what a card number would look like.
RUN = re.compile(rb"(?<![0-9A-Za-z])[0-9]{13,19}(?![0-9A-Za-z])")


def luhn_runs(blob: bytes) -> list[bytes]:
    return [m.group() for m in RUN.finditer(blob) if luhn_ok(m.group().decode())]


def forms(number: str) -> list[bytes]:
    """The ways a number could have been written down: plain, grouped, hyphenated, full-width."""
    texts = {number, grouped(number), grouped(number, "-"), full_width(number), full_width(grouped(number))}
    return [t.encode("utf-8") for t in texts]


def assert_clean(where: str, blob: bytes, numbers: list[str]) -> None:
    for number in numbers:
        for form in forms(number):
            assert form not in blob, f"a clear card number is in {where}"
    assert not luhn_runs(blob), f"a Luhn-valid digit run is in {where}"


def database_text() -> bytes:
    """Every text and JSON column of every table of every installed model, read with plain SQL."""
    out = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            columns = [
                f.column
                for f in model._meta.local_fields
                if f.get_internal_type() in ("CharField", "TextField", "JSONField", "EmailField", "SlugField")
            ]
            if not columns:
                continue
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608 - model names
            for row in cursor.fetchall():
                out.append("\x1f".join("" if v is None else str(v) for v in row))
    return "\n".join(out).encode("utf-8")


def database_dump(tmp_path: Path) -> bytes:
    """The SQLite database's bytes (online backup of the test database), or a pg_dump of the PostgreSQL one."""
    if connection.vendor == "sqlite":
        copy = tmp_path / "dump.sqlite3"
        target = sqlite3.connect(copy)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()
        return copy.read_bytes()
    if connection.vendor == "postgresql":
        if shutil.which("pg_dump") is None:
            pytest.skip("pg_dump is not installed")
        db = connection.settings_dict
        env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
        command = ["pg_dump", "--no-owner", "-h", str(db["HOST"] or "127.0.0.1"), "-p", str(db["PORT"] or 5432)]
        command += ["-U", str(db["USER"] or "postgres"), str(db["NAME"])]
        return subprocess.run(command, env=env, capture_output=True, check=True, timeout=120).stdout
    pytest.skip(f"no dump for {connection.vendor}")


@pytest.mark.django_db(transaction=True)  # committed, so pg_dump (another connection) sees every row
def test_no_clear_card_number_anywhere_after_import_matching_and_export(
    manager, president, server_case, client_for, shop_source, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    listed = CARDS[:5] + make_cards(40, seed=99)
    # given: a CSV imported through the page, an XLSX through the API, with malformed rows among them
    csv_rows = [["カード番号", "利用日"]] + [[grouped(c, "-"), "2018-05-10"] for c in listed[:25]]
    csv_rows += [[listed[0][:-1] + str((int(listed[0][-1]) + 3) % 10), "bad luhn"], [full_width(listed[5]), "x"]]
    manager_client = client_for(manager)
    page = manager_client.post(
        "/cardlists/import/",
        {
            "case": server_case.pk,
            "received_from": "JCB",
            "received_at": "2018-07-01",
            "file": SimpleUploadedFile("jcb.csv", csv_bytes(csv_rows), content_type="text/csv"),
        },
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    workbook = xlsx_bytes([["Card Number", "Reference"]] + [[c, f"R{i}"] for i, c in enumerate(listed[25:])])
    api = manager_client.post(
        "/api/v1/card-lists/",
        {
            "case": server_case.pk,
            "received_from": "VJA",
            "received_at": "2018-07-02",
            "file": SimpleUploadedFile("vja.xlsx", workbook),
        },
    )
    assert api.status_code == 201, api.content.decode()[:2000]
    # and a preserved copy of the shop database, and a scoping
    copy_path = tmp_path / "copy.sqlite3"
    build_eccube2(copy_path, [(9, 101, "taro@example.jp", listed[0]), (10, 0, "g@example.jp", listed[30])])
    blob = storage.write_stream([copy_path.read_bytes()], encrypt=True)
    copy_path.unlink()
    copy = evidence_services.add_preserved_copy(SYSTEM, server_case, name="copy.sqlite3", blob=blob, description="")
    make_scoping(server_case, source=shop_source)
    # when: both lists are matched against the shop, the copy and the findings, then read and exported every way
    for card_list in CardList.objects.all():
        run = services.start_matching(manager, card_list, sources=[shop_source], evidence=[copy])
        services.run_matching(run.pk)
    outputs: list[tuple[str, bytes]] = []
    for card_list in CardList.objects.all():
        for path in (
            f"/cardlists/{card_list.pk}/",
            f"/cardlists/{card_list.pk}/matches.csv",
            f"/api/v1/card-lists/{card_list.pk}/",
            f"/api/v1/card-lists/{card_list.pk}/matches/",
            f"/api/v1/card-lists/{card_list.pk}/export/",
        ):
            response = manager_client.get(path)
            assert response.status_code == 200, path
            outputs.append((path, response.content))
    outputs.append(("/cardlists/", client_for(president).get("/cardlists/").content))
    # then: the matching found what it should (so the sweep below looked at real results)
    assert sum(cl.runs.get().matches_count for cl in CardList.objects.all()) >= 4
    assert b"411111" in b"".join(body for _, body in outputs)  # masks are there
    for where, body in outputs:
        assert_clean(where, body, listed)
    assert_clean("the database (SELECT over every text column)", database_text(), listed)
    assert_clean(f"the database dump ({connection.vendor})", database_dump(tmp_path), listed)
    assert_clean("the log output", caplog.text.encode("utf-8"), listed)
    for path in Path(django_settings.DATA_DIR).rglob("*"):
        if path.is_file():
            assert_clean(str(path), path.read_bytes(), listed)
    assert not services.temp_root().exists() or not any(services.temp_root().iterdir())


def test_the_sweep_sees_a_planted_number_in_any_form():
    # given
    number = CARDS[0]
    for blob in (f"memo {number} end".encode(), full_width(grouped(number)).encode(), f"x;{number}\n".encode()):
        # when / then
        with pytest.raises(AssertionError):
            assert_clean("a planted blob", blob, [number])
    with pytest.raises(AssertionError):
        assert_clean("another number", f"id={CARDS[5]}".encode(), [number])  # any Luhn-valid run
    assert_clean("a hex digest", b"s1$8$8$1$" + b"4111111111111111" + b"abc", [])  # inside a token: not a card
