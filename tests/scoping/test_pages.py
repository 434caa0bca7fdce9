"""The scoping pages as the manager uses them: load the shop's payment methods, preview, run, read the people,
export; the case page shows the panel with the current count."""

from __future__ import annotations

import re

import pytest

from mamori.audit.models import AuditEntry
from mamori.scoping.models import Scoping, ScopingStatus
from tests.scoping import shop
from tests.scoping.conftest import run_jobs

pytestmark = pytest.mark.django_db


def form(source, **extra):
    data = {
        "preset": "eccube2",
        "source": str(source.pk),
        "window_from": shop.WINDOW[0].isoformat(),
        "window_to": shop.WINDOW[1].isoformat(),
    }
    data.update(extra)
    return data


def test_payments_preview_run_and_read(english, manager, server_case, shop_source, shop2):
    client = english(manager)
    url = f"/scoping/cases/{server_case.pk}/"
    # when the payment methods are loaded: the card modules are ticked, the others not
    page = client.post(url, form(shop_source, do="payments")).content.decode()
    assert "クレジットカード決済" in page and "コンビニ決済" in page
    assert re.search(r'value="5"[^>]*checked', page) and re.search(r'value="6"[^>]*checked', page)
    assert not re.search(r'value="7"[^>]*checked', page)
    # and previewed
    page = client.post(url, form(shop_source, do="preview", payment_ids=["5", "6"])).content.decode()
    assert f"{len(shop2[1].people)} people affected" in page
    # and run
    response = client.post(url, form(shop_source, do="run", payment_ids=["5", "6"], note="first count"))
    assert response.status_code == 302
    run_jobs()
    scoping = Scoping.objects.get(case=server_case)
    assert scoping.status == ScopingStatus.SUCCEEDED
    # then the version page, the people and the CSV
    detail = client.get(response.url).content.decode()
    assert f'<dd id="people-count">{len(shop2[1].people)}</dd>' in detail
    people = client.get(f"/scoping/{scoping.pk}/people/").content.decode()
    assert "Page 1 of 2" in people  # 50 a page
    assert AuditEntry.objects.filter(action="scoping_people_viewed").count() == 1
    csv = b"".join(client.get(f"/scoping/{scoping.pk}/export/").streaming_content).decode("utf-8-sig")
    assert len(csv.strip().splitlines()) == len(shop2[1].people) + 1
    case_page = client.get(f"/incidents/{server_case.pk}/").content.decode()
    assert f"{len(shop2[1].people)} people affected" in case_page


def test_a_bad_definition_is_said_next_to_the_field(english, manager, server_case, shop_source):
    page = (
        english(manager)
        .post(
            f"/scoping/cases/{server_case.pk}/",
            form(shop_source, do="preview", preset="generic", mapping='{"table": "dtb_order", "date_column": "x"}'),
        )
        .content.decode()
    )
    assert "identity: give a member id column" in page
    page = (
        english(manager)
        .post(f"/scoping/cases/{server_case.pk}/", form(shop_source, do="preview", window_to="2016-01-01"))
        .content.decode()
    )
    assert "The end of the window is before its start." in page
