"""``mamori scope``: the count and the list straight from a shop database, without a case, read-only; clear
errors (exit 2) for a bad URL, missing tables, bad dates."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.scoping import shop

WINDOW = ["--from", shop.WINDOW[0].isoformat(), "--to", shop.WINDOW[1].isoformat()]


def scope(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("scope", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("flavour", ["eccube2", "eccube4"])
def test_count_only_prints_the_true_number(shop_url, flavour):
    truth = shop.build(shop_url, flavour)
    out, err = scope("--source", shop_url, "--preset", flavour, *WINDOW, "--count-only")
    assert out.strip() == str(len(truth.people))
    assert "card payments:" in err  # the methods chosen by default are said


def test_the_csv_holds_every_person_once_and_no_card_data(tmp_path):
    # given
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    truth = shop.build(url, "eccube2")
    target = tmp_path / "people.csv"
    # when
    out, _ = scope("--source", url, "--preset", "eccube2", *WINDOW, "--payment-id", "5", "6", "--output", str(target))
    # then
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert {r["identity"] for r in rows} == truth.people
    assert f"affected people: {len(truth.people)}" in out
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert "memo" not in rows[0] and "card" not in ",".join(rows[0]).lower()


def test_only_the_chosen_payment_methods_count(tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    shop.build(url, "eccube2")
    both, _ = scope("--source", url, "--preset", "eccube2", *WINDOW, "--count-only")
    one, _ = scope("--source", url, "--preset", "eccube2", *WINDOW, "--payment-id", "5", "--count-only")
    assert int(one) < int(both)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "nonsense://x", "--preset", "eccube2", *WINDOW], "unsupported database"),
        (["--source", "sqlite:////no/such/shop.db", "--preset", "eccube2", *WINDOW], "not found"),
        (["--from", "2018-13-01", "--to", "2018-12-31"], "not a date (YYYY-MM-DD): '2018-13-01'"),
        (["--from", "2018-06-01", "--to", "2018-01-01"], "--to is before --from"),
        (["--payment-id", "42", *WINDOW], "no payment method 42"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_code_2(tmp_path, args, message):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    shop.build(url, "eccube2")
    if "--source" not in args:
        args = ["--source", url, "--preset", "eccube2", *args]
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
        scope(*args)
    assert caught.value.returncode == 2


def test_a_database_without_the_shop_tables_names_what_the_preset_expects(tmp_path):
    import sqlite3

    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x int)").connection.commit()
    with pytest.raises(CommandError, match="the eccube4 preset expects it") as caught:
        scope("--source", f"sqlite:///{path}", "--preset", "eccube4", *WINDOW)
    assert caught.value.returncode == 2


def test_the_console_command_exits_2_without_a_traceback(tmp_path):
    # when run as a user would
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("mamori")),
            "scope",
            "--source",
            "postgresql://u:pw@127.0.0.1:1/shop",
            "--preset",
            "eccube2",
            *WINDOW,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # then
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "pw" not in done.stderr.replace("postgresql+psycopg", "")
    assert "cannot connect" in done.stderr


def test_an_output_into_a_missing_folder_is_refused_before_the_query(tmp_path):
    # given a source that would fail if it were opened
    target = tmp_path / "no-such-folder" / "people.csv"
    # when / then: the folder is named, the database is never reached
    with pytest.raises(CommandError, match=r"--output: the folder .*no-such-folder does not exist") as raised:
        scope("--source", "postgresql://nobody@127.0.0.1:1/x", "--preset", "eccube2", *WINDOW, "--output", str(target))
    assert raised.value.returncode == 2


def test_postgres_urls_are_accepted_as_libpq_does(postgres_url):
    # given a shop on PostgreSQL, named with the short scheme
    truth = shop.build(postgres_url, "eccube4")
    short = "postgres://" + postgres_url.split("://", 1)[1]
    # when
    out, _ = scope("--source", short, "--preset", "eccube4", *WINDOW, "--count-only")
    # then
    assert out.strip() == str(len(truth.people))


def test_the_wrong_preset_says_nothing_about_card_payments_before_the_error(tmp_path):
    # given a 4.x shop
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    shop.build(url, "eccube4")
    err = io.StringIO()
    # when / then
    with pytest.raises(CommandError, match="use the eccube4 preset"):
        call_command("scope", "--source", url, "--preset", "eccube2", *WINDOW, stdout=io.StringIO(), stderr=err)
    assert "card payments" not in err.getvalue()


def test_list_payments_shows_the_orders_per_method_and_the_module(tmp_path):
    # given
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    shop.build(url, "eccube4")
    # when
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("scope", "--source", url, "--preset", "eccube4", *WINDOW, "--list-payments", stdout=out)
    # then
    line = next(x for x in out.getvalue().splitlines() if x.startswith("* 5"))
    assert "orders in the window" in line and "[Plugin\\XPay\\CreditCard]" in line
