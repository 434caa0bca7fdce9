"""The scoping pages in the user's language: mapping/preset errors and the left-out texts are English msgids
translated on the page; version names are the same everywhere; the sidebar marks the right menu entry; a window
outside the case's exposure period is warned about (not refused)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from mamori.discovery.engine.database import connect
from mamori.incidents.models import IncidentCase
from mamori.scoping import mapping as maps
from mamori.scoping.models import Scoping
from mamori.scoping.views import condition_text
from tests.scoping.conftest import run_jobs
from tests.scoping.test_pages import form

pytestmark = pytest.mark.django_db

JA = {
    "table: %(table)r not found in this database": "table: このデータベースに %(table)r がありません",
    "payment_ids: choose at least one payment method (the card payments)": "payment_ids: 支払方法を選んでください",
}


def test_a_mapping_error_is_an_english_msgid_with_its_values(tmp_path):
    # given a database without the table
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    sa.create_engine(url).connect().close()
    engine = connect.open_readonly(connect.parse_url(url))
    # when
    with pytest.raises(maps.MappingError) as raised, engine.connect() as conn:
        maps.bind(conn, maps.parse({"table": "orders", "date_column": "at", "email_column": "e"}))
    engine.dispose()
    # then the console reads English, a page its catalogue's text with the same values
    assert str(raised.value) == "table: 'orders' not found in this database"
    assert raised.value.translated(lambda m: JA.get(m, m)) == "table: このデータベースに 'orders' がありません"


def test_conditions_are_said_in_words():
    assert condition_text({"column": "status", "op": "ne", "value": 3}) in ("status is not 3", "status が 3 以外")
    assert condition_text({"column": "x", "op": "is_null", "value": None}) in ("x is empty", "x が空")


def test_the_version_page_names_versions_alike_and_marks_the_incidents_menu(english, manager, server_case, shop_source):
    # given a run
    client = english(manager)
    client.post(f"/scoping/cases/{server_case.pk}/", form(shop_source, do="run", payment_ids=["5", "6"]))
    run_jobs()
    scoping = Scoping.objects.get(case=server_case)
    # when
    pages = [client.get(u).content.decode() for u in (f"/scoping/cases/{server_case.pk}/", f"/scoping/{scoping.pk}/")]
    # then "Version 1" (第1版), never "v1"; the conditions in words; the sidebar marks the incidents entry
    for page in pages:
        assert ">v1<" not in page and "(v1)" not in page
        current = re.findall(r'<a href="([^"]+)" aria-current="page"', page)
        assert current and all(not href.startswith("/scoping/inquiry") for href in current)
        assert any(href.startswith("/incidents") for href in current)
    assert "Version 1" in pages[0]
    assert "status is not 3" in pages[1] and "status ne 3" not in pages[1]
    inquiry = client.get("/scoping/inquiry/").content.decode()
    assert re.search(r'<a href="/scoping/inquiry/" aria-current="page"', inquiry)


def test_a_window_outside_the_exposure_period_is_warned_about_not_refused(
    english, manager, server_case, shop_source, shop2
):
    # given a case exposed in 2017-2018 and a window in 2019
    IncidentCase.objects.filter(pk=server_case.pk).update(
        exposure_from=dt.date(2017, 5, 2), exposure_to=dt.date(2018, 6, 20)
    )
    client = english(manager)
    data = form(shop_source, payment_ids=["5", "6"], window_from="2019-01-01", window_to="2019-12-31")
    # when previewed and run
    preview = client.post(f"/scoping/cases/{server_case.pk}/", {**data, "do": "preview"}).content.decode()
    response = client.post(f"/scoping/cases/{server_case.pk}/", {**data, "do": "run"})
    run_jobs()
    # then warned on the page and on the result, and the run went ahead
    assert "does not overlap the case" in preview
    assert response.status_code == 302
    detail = client.get(response.url).content.decode()
    assert 'id="window-warning"' in detail
    # and a window inside the period says nothing
    inside = client.post(f"/scoping/cases/{server_case.pk}/", form(shop_source, do="preview", payment_ids=["5"]))
    assert "does not overlap" not in inside.content.decode()
    assert shop2  # the shop of the source


def test_the_panel_button_is_the_verb_open_not_the_status(client_for, auditor, server_case):
    # given the Japanese UI (default) and a role that may only look
    page = client_for(auditor).get(f"/incidents/{server_case.pk}/").content.decode()
    # when / then: the button reads 開く (or Open until the catalogue is merged), never the status 対応中
    button = re.search(rf'<a class="button" href="/scoping/cases/{server_case.pk}/">([^<]*)</a>', page)
    assert button and button.group(1) in ("開く", "Open")


def test_a_run_that_fails_in_the_background_says_why_in_the_readers_language(
    client_for, manager, server_case, shop_source, shop2
):
    # given a run queued on the shop, whose order table is then renamed before the job reads it
    client = client_for(manager)  # Japanese, the default
    client.post(f"/scoping/cases/{server_case.pk}/", form(shop_source, do="run", payment_ids=["5", "6"]))
    engine = sa.create_engine(shop2[0])
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE dtb_order RENAME TO dtb_order_old")
    engine.dispose()
    # when the background job runs it
    run_jobs()
    scoping = Scoping.objects.get(case=server_case)
    page = client.get(f"/scoping/{scoping.pk}/").content.decode()
    # then the page says why in Japanese, the stored text (API, logs) stays English
    assert scoping.status == "failed"
    assert "このデータベースに &#x27;dtb_order&#x27; がありません" in page
    assert scoping.error.startswith("table: 'dtb_order' not found in this database")
    assert scoping.error_detail["msgid"].startswith("table: %(table)r not found")
