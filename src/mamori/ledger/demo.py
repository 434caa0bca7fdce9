"""The demo hobby retailer's ledger: online shop, card payments (declared 非保持), staff, events, buy-back.

Loading is idempotent: entries whose reference number exists are left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from mamori.accounts.policy import SYSTEM
from mamori.contractors.models import Contractor
from mamori.ledger import services
from mamori.ledger.models import DataCategory, LedgerEntry

SERVER, LOGISTICS = 0, 1  # indexes into the organisation's contractors, as core.demo lists them

ENTRIES: list[dict[str, Any]] = [
    {
        "reference": "PI-0001",
        "name": "オンラインショップ会員情報",
        "department": "営業部EC課",
        "manager": "EC課長 今宮 次郎",
        "items": [
            "氏名",
            "フリガナ",
            "郵便番号",
            "住所",
            "電話番号",
            "メールアドレス",
            "生年月日",
            "会員ID",
            "購買履歴",
        ],
        "data_subjects": "通販会員(個人顧客)",
        "approximate_count": 12000,
        "purposes": "商品の発送、ご注文内容の確認連絡、メールマガジン配信(希望者のみ)",
        "acquisition_method": "direct_written",
        "notice_basis": "consent",
        "medium": "electronic",
        "storage_locations": "ECサイトサーバー(なにわシステムサービス データセンター)",
        "retention_period": "退会後3年",
        "disposal_method": "データベースから削除(復元不可)",
        "access_holders": "営業部EC課員、サーバー保守委託先",
        "contractors": [SERVER],
        "reviewed_days_ago": 90,
    },
    {
        "reference": "PI-0002",
        "name": "クレジットカード決済記録",
        "department": "営業部EC課",
        "manager": "EC課長 今宮 次郎",
        "items": ["氏名", "会員ID", "購買履歴"],
        "data_subjects": "カード決済を利用した通販会員",
        "approximate_count": 8000,
        "purposes": "代金決済の確認、返金・取消処理",
        "acquisition_method": "direct_written",
        "notice_basis": "consent",
        "medium": "electronic",
        "storage_locations": "ECサイトサーバー(決済ID・決済結果のみ)",
        "retention_period": "取引後7年",
        "disposal_method": "データベースから削除(復元不可)",
        "access_holders": "営業部EC課長、経理担当",
        "contractors": [SERVER],
        "card_data_retained": False,
        "notes": "カード番号・有効期限・セキュリティコードは決済代行会社のリンク型決済画面で入力され、"
        "当社の機器・ネットワークでは保存、処理、通過しない(カード情報の非保持化)。当社が持つのは決済IDと結果のみ。",
        "reviewed_days_ago": 90,
    },
    {
        "reference": "PI-0003",
        "name": "配送伝票・出荷データ",
        "department": "物流課",
        "manager": "物流課長 恵美須 三郎",
        "items": ["氏名", "郵便番号", "配送先", "電話番号"],
        "data_subjects": "通販の購入者・お届け先",
        "approximate_count": 15000,
        "purposes": "商品の配送、配達状況の問合せ対応",
        "acquisition_method": "direct_written",
        "notice_basis": "published",
        "medium": "both",
        "storage_locations": "物流課キャビネット(施錠)、配送委託先システム",
        "retention_period": "出荷後1年",
        "disposal_method": "伝票は溶解処理、データは削除",
        "access_holders": "物流課員、配送委託先",
        "contractors": [LOGISTICS],
        "reviewed_days_ago": 200,
    },
    {
        "reference": "PI-0004",
        "name": "従業員名簿",
        "department": "総務部",
        "manager": "総務部長 天王寺 四郎",
        "items": ["氏名", "住所", "電話番号", "生年月日", "社員番号", "銀行口座", "家族構成", "学歴・職歴"],
        "data_subjects": "従業員(パート・アルバイトを含む)",
        "approximate_count": 25,
        "purposes": "人事・労務管理、給与の支払い、緊急時の連絡",
        "acquisition_method": "direct_written",
        "notice_basis": "notice",
        "medium": "both",
        "storage_locations": "総務部 施錠キャビネット、給与計算PC",
        "retention_period": "退職後5年",
        "disposal_method": "シュレッダー、データ削除",
        "access_holders": "総務部長、代表取締役",
        "reviewed_days_ago": 150,
    },
    {
        "reference": "PI-0005",
        "name": "マイナンバー関係書類",
        "department": "総務部",
        "manager": "総務部長 天王寺 四郎",
        "items": ["個人番号", "氏名", "住所", "生年月日", "家族構成"],
        "data_subjects": "従業員とその扶養家族",
        "approximate_count": 60,
        "purposes": "源泉徴収票の作成、社会保険・雇用保険の届出",
        "acquisition_method": "direct_written",
        "notice_basis": "notice",
        "medium": "paper",
        "storage_locations": "総務部 金庫",
        "retention_period": "法定保存期間(7年)の経過後、速やかに廃棄",
        "disposal_method": "シュレッダー(クロスカット)",
        "access_holders": "総務部長のみ(事務取扱担当者)",
        "reviewed_days_ago": 150,
    },
    {
        "reference": "PI-0006",
        "name": "健康診断結果",
        "department": "総務部",
        "manager": "総務部長 天王寺 四郎",
        "items": ["氏名", "社員番号", "健康診断結果"],
        "data_subjects": "従業員",
        "approximate_count": 25,
        "purposes": "労働安全衛生法に基づく健康管理",
        "acquisition_method": "indirect",
        "notice_basis": "consent",
        "medium": "paper",
        "storage_locations": "総務部 施錠キャビネット",
        "retention_period": "5年",
        "disposal_method": "溶解処理",
        "access_holders": "総務部長",
        "reviewed_days_ago": 150,
    },
    {
        "reference": "PI-0007",
        "name": "トレーディングカード大会 参加者名簿",
        "department": "店舗運営部",
        "manager": "店長 日本橋 五郎",
        "items": ["氏名", "フリガナ", "年齢", "電話番号", "メールアドレス"],
        "data_subjects": "イベント参加者(未成年者を含む。保護者の同意を得る)",
        "approximate_count": 800,
        "purposes": "大会の受付、対戦組合せ、結果の連絡",
        "acquisition_method": "direct_written",
        "notice_basis": "consent",
        "medium": "paper",
        "storage_locations": "店舗バックヤード 施錠棚",
        "retention_period": "大会終了後1年",
        "disposal_method": "シュレッダー",
        "access_holders": "店長、イベント担当者",
        "reviewed_days_ago": 420,  # the yearly review has been missed: shows as overdue
    },
    {
        "reference": "PI-0008",
        "name": "古物買取台帳(買取顧客)",
        "department": "買取部",
        "manager": "買取責任者 難波 六郎",
        "items": ["氏名", "住所", "生年月日", "職業", "電話番号", "本人確認書類の写し", "運転免許証番号", "銀行口座"],
        "data_subjects": "中古品の売主(買取のお客様)",
        "approximate_count": 3000,
        "purposes": "古物営業法に基づく本人確認と取引の記録、警察からの照会への対応、買取代金の振込",
        "acquisition_method": "direct_written",
        "notice_basis": "notice",
        "medium": "both",
        "storage_locations": "買取カウンター 施錠書庫、買取管理PC",
        "retention_period": "取引の日から3年",
        "disposal_method": "溶解処理、データ削除",
        "access_holders": "買取担当者、店長",
        "reviewed_days_ago": 60,
    },
    {
        "reference": "PI-0009",
        "name": "お問い合わせ履歴",
        "department": "カスタマーサポート",
        "manager": "サポート主任 桜川 七子",
        "items": ["氏名", "メールアドレス", "電話番号", "問合せ内容", "会員ID"],
        "data_subjects": "お客様(会員・非会員)",
        "approximate_count": 4000,
        "purposes": "お問い合わせへの回答、サービス改善",
        "acquisition_method": "direct_written",
        "notice_basis": "published",
        "medium": "electronic",
        "storage_locations": "問い合わせ管理システム(クラウド、国内リージョン)",
        "retention_period": "対応完了後3年",
        "disposal_method": "データ削除",
        "access_holders": "カスタマーサポート担当者",
        "reviewed_days_ago": 30,
    },
    {
        "reference": "PI-0010",
        "name": "採用応募者情報",
        "department": "総務部",
        "manager": "総務部長 天王寺 四郎",
        "items": ["氏名", "住所", "電話番号", "メールアドレス", "生年月日", "学歴・職歴", "顔写真"],
        "data_subjects": "採用応募者",
        "approximate_count": 40,
        "purposes": "採用選考と結果の連絡",
        "acquisition_method": "direct_written",
        "notice_basis": "consent",
        "medium": "both",
        "storage_locations": "総務部 施錠キャビネット",
        "retention_period": "選考終了後6か月(採用者は従業員名簿へ)",
        "disposal_method": "応募書類は返却またはシュレッダー",
        "access_holders": "総務部長、面接担当者",
        "reviewed_days_ago": 150,
    },
]


def load_demo_ledger(organisation_contractors: Sequence[Contractor]) -> list[LedgerEntry]:
    """Create the demo ledger entries that do not exist yet; returns all of them.

    ``organisation_contractors``: the demo's contractors in core.demo's order (server, then logistics).
    """
    services.load_catalogue()
    categories = {c.name: c for c in DataCategory.objects.all()}
    today = timezone.localdate()
    entries = []
    with transaction.atomic():
        for spec in ENTRIES:
            existing = LedgerEntry.objects.filter(reference=spec["reference"]).first()
            entries.append(existing or _create(spec, categories, organisation_contractors, today))
    return entries


def _create(
    spec: dict[str, Any], categories: dict[str, DataCategory], contractors: Sequence[Contractor], today: dt.date
) -> LedgerEntry:
    data = {k: v for k, v in spec.items() if k not in ("items", "contractors", "reviewed_days_ago")}
    data["categories"] = [categories[name] for name in spec["items"]]
    data["contractors"] = [contractors[i] for i in spec.get("contractors", []) if i < len(contractors)]
    data["last_reviewed"] = today - dt.timedelta(days=spec["reviewed_days_ago"])
    return services.create_entry(SYSTEM, data)
