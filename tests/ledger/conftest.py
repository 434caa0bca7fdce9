"""Ledger fixtures: entries of each contractor and an internal one; spreadsheet builders."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from mamori.accounts.models import User
from mamori.accounts.policy import SYSTEM
from mamori.contractors.models import Contractor
from mamori.ledger import services
from mamori.ledger.layout import HEADERS
from mamori.ledger.models import DataCategory, LedgerEntry


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted in English (the msgids); the Japanese catalogue is the UI helper's to test."""
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for: Callable[[User], Client]) -> Callable[[User], Client]:
    """The shared signed-in client, with the language switch set to English."""

    def make(user: User) -> Client:
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def categories(*names: str) -> list[DataCategory]:
    return [DataCategory.objects.get(name=n) for n in names]


@pytest.fixture
def server_entry(server_co: Contractor) -> LedgerEntry:
    """The online-shop customers, kept on the server contractor's machines."""
    return services.create_entry(
        SYSTEM,
        {
            "reference": "PI-0001",
            "name": "通販会員情報",
            "department": "EC課",
            "categories": categories("氏名", "住所", "メールアドレス"),
            "contractors": [server_co],
            "last_reviewed": dt.date(2026, 4, 1),
        },
    )


@pytest.fixture
def logistics_entry(logistics_co: Contractor) -> LedgerEntry:
    return services.create_entry(
        SYSTEM,
        {
            "reference": "PI-0002",
            "name": "配送伝票",
            "department": "物流課",
            "categories": categories("氏名", "配送先"),
            "contractors": [logistics_co],
        },
    )


@pytest.fixture
def internal_entry(db) -> LedgerEntry:
    return services.create_entry(
        SYSTEM,
        {
            "reference": "PI-0003",
            "name": "従業員名簿",
            "department": "総務部",
            "categories": categories("氏名", "社員番号", "健康診断結果"),
        },
    )


def good_row(number: int, **overrides: Any) -> dict[str, Any]:
    """One well-formed row, keyed by canonical header."""
    row: dict[str, Any] = {
        "管理番号": f"A-{number:05d}",
        "個人情報の名称": f"顧客リスト{number}",
        "管理部門": "営業部",
        "管理責任者": "営業部長",
        "項目": "氏名、住所、電話番号",
        "本人の種別": "顧客",
        "件数": "約1,200件",
        "利用目的": "商品の発送",
        "取得方法": "本人から直接書面",
        "通知・同意": "同意",
        "媒体": "電子",
        "保管場所": "基幹システム",
        "保管期限": "3年",
        "廃棄方法": "データ削除",
        "アクセス権を有する者": "営業部員",
        "委託先": "なし",
        "第三者提供": "なし",
        "外国移転": "なし",
        "保有個人データ": "該当",
        "最終見直し日": "2026/04/01",
        "次回見直し予定": "",
        "カード情報の保持": "非保持",
        "備考": "",
    }
    row.update(overrides)
    return row


def xlsx_bytes(rows: Sequence[dict[str, Any]], headers: Sequence[str] = HEADERS, title_rows: int = 0) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for _ in range(title_rows):
        sheet.append(["個人情報管理台帳"])
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Sequence[dict[str, Any]], headers: Sequence[str] = HEADERS, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return buffer.getvalue().encode(encoding)
