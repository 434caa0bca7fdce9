"""The notice pages as the protection manager uses them, from the case page."""

from __future__ import annotations

import pytest

from mamori.audit.models import AuditEntry
from mamori.notices.models import Campaign, Channel


@pytest.mark.django_db
def test_the_case_page_links_to_the_notices_and_a_campaign_is_created_from_there(scoped_case, manager, client_for):
    # given
    client = client_for(manager)
    # when
    case_page = client.get(f"/incidents/{scoped_case.pk}/").content.decode()
    created = client.post(
        f"/notices/case/{scoped_case.pk}/new/",
        {"channel": "email", "language_mode": "person", "title": "", "rate_per_minute": 600, "batch_size": 100},
    )
    # then
    assert f"/notices/case/{scoped_case.pk}/" in case_page
    campaign = Campaign.objects.get(case=scoped_case)
    assert created.status_code == 302 and created.url == f"/notices/{campaign.pk}/edit/"
    assert campaign.channel == Channel.EMAIL and campaign.deliveries.count() == 6


@pytest.mark.django_db
def test_a_template_with_a_disallowed_item_is_refused_on_the_form_with_the_field_and_line(
    scoped_case, manager, client_for
):
    # given
    client = client_for(manager)
    client.post(
        f"/notices/case/{scoped_case.pk}/new/",
        {"channel": "email", "language_mode": "person", "rate_per_minute": 600, "batch_size": 100},
    )
    campaign = Campaign.objects.get(case=scoped_case)
    form = client.get(f"/notices/{campaign.pk}/edit/").context["form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["ja_body"] = "{name} 様\n対象の方は {persons} 名です。"
    # when
    response = client.post(f"/notices/{campaign.pk}/edit/", data)
    # then
    assert response.status_code == 400
    page = response.content.decode()
    assert "{persons}" in page
    assert "ja_body, line 2" in page or "ja_body の 2 行目" in page  # English or Japanese catalogue
    campaign.refresh_from_db()
    assert "{persons}" not in campaign.texts["ja"]["body"]


@pytest.mark.django_db
def test_the_preview_shows_one_persons_notice_and_the_read_is_audited(scoped_case, manager, client_for):
    # given
    from mamori.accounts.policy import SYSTEM
    from mamori.notices import services

    campaign = services.create_campaign(SYSTEM, scoped_case, channel=Channel.EMAIL)
    delivery = campaign.deliveries.get(person__identity="member:1")
    # when
    page = client_for(manager).get(f"/notices/deliveries/{delivery.pk}/").content.decode()
    # then
    assert "山田 太郎1 様" in page and "太郎2" not in page
    assert AuditEntry.objects.filter(action="notice_previewed", object_id=str(delivery.pk)).exists()


@pytest.mark.django_db
def test_the_status_table_is_paged_and_filtered(scoped_case, president, client_for):
    # given
    from mamori.accounts.policy import SYSTEM
    from mamori.notices import services

    campaign = services.create_campaign(SYSTEM, scoped_case, channel=Channel.EMAIL)
    # when
    page = client_for(president).get(f"/notices/{campaign.pk}/?status=no_contact").content.decode()
    # then
    assert "連絡先 なし" in page and "山田 太郎1" not in page
    assert f"/notices/{campaign.pk}/retry/" not in page and f"/notices/{campaign.pk}/start/" not in page  # reads only
