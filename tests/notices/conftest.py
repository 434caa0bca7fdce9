"""Fixtures of the notice tests: a case with a completed scoping of affected people, and a local SMTP sink."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import timezone

from mamori.incidents.models import IncidentCase
from mamori.scoping.models import AffectedPerson, Scoping, ScopingStatus
from tests.notices.sink import Sink


def make_people(scoping: Scoping, count: int, *, start: int = 0) -> list[AffectedPerson]:
    people = [
        AffectedPerson(
            scoping=scoping,
            identity=f"member:{i}",
            member_id=str(i),
            name=f"山田 太郎{i}",
            kana="ヤマダ タロウ",
            email=f"customer{i}@example.jp",
            postal_code="530-0001",
            address=f"大阪府大阪市北区梅田1-{i}",
            orders=1,
        )
        for i in range(start, start + count)
    ]
    return AffectedPerson.objects.bulk_create(people)


def make_scoping(case: IncidentCase, version: int = 1) -> Scoping:
    return Scoping.objects.create(
        case=case,
        version=version,
        preset="eccube2",
        window_from=dt.date(2018, 3, 1),
        window_to=dt.date(2018, 6, 30),
        status=ScopingStatus.SUCCEEDED,
        finished_at=timezone.now(),
    )


@pytest.fixture
def scoped_case(server_case) -> IncidentCase:
    """The server contractor's case with five affected people: three by e-mail, one without any contact details,
    one with a postal address only, and one English-named customer."""
    scoping = make_scoping(server_case)
    make_people(scoping, 3)
    AffectedPerson.objects.create(scoping=scoping, identity="member:90", member_id="90", name="連絡先 なし")
    Scoping.objects.filter(pk=scoping.pk).update(people_count=6)
    AffectedPerson.objects.create(
        scoping=scoping, identity="member:91", name="郵便 のみ", postal_code="100-0001", address="東京都千代田区1-1"
    )
    AffectedPerson.objects.create(
        scoping=scoping,
        identity="email:john@example.com",
        name="John Smith",
        email="john@example.com",
        postal_code="",
        address="",
    )
    return server_case


@pytest.fixture
def sink(settings) -> Iterator[Sink]:
    server = Sink().start()
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "notice@shop.example.jp"
    yield server
    server.stop()


FILLED = {
    "ja": {
        "company": "なにわ通販株式会社",
        "summary": "当社通販サイトが不正アクセスを受け、カード情報が漏えいした可能性があります。",
        "data_items": "クレジットカード番号、有効期限、氏名",
        "cause": "第三者による不正アクセス",
        "secondary_harm": "カードの不正利用のおそれがあります。",
        "other": "カード会社から連絡があった場合はご協力ください。",
        "contact": "お問い合わせ窓口 0120-000-000（平日10時〜17時）",
    },
    "en": {
        "company": "Naniwa Mail Order Co., Ltd.",
        "summary": "Our shop was accessed without authorisation; card data may have leaked.",
        "data_items": "card number, expiry date, name",
        "cause": "unauthorised access by a third party",
        "secondary_harm": "Your card may be misused.",
        "other": "Please check your card statements.",
        "contact": "Helpdesk 0120-000-000 (weekdays 10:00-17:00)",
    },
}
