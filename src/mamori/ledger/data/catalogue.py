"""The catalogue of personal-data categories (データ項目カタログ).

Each row: code, Japanese name (as written on a ledger sheet), English name, flags and the scanner
finding type it corresponds to. ``aliases`` are other spellings seen on consultants' sheets; the
importer accepts them. The flags drive warnings: special-care data (要配慮個人情報) needs prior consent,
My Number (個人番号) may only be used for the purposes the My Number Act allows, card data should not
be kept at all (非保持), and the card security code must never be stored, not even encrypted.
"""

from __future__ import annotations

from typing import TypedDict


class CategoryRow(TypedDict, total=False):
    code: str
    name: str
    name_en: str
    aliases: list[str]
    description: str
    special_care: bool
    card_data: bool
    my_number: bool
    never_store: bool
    scanner_type: str


CATEGORIES: list[CategoryRow] = [
    # Basic identity and contact details
    {
        "code": "name",
        "name": "氏名",
        "name_en": "Full name",
        "aliases": ["名前", "お名前", "氏名(漢字)"],
        "scanner_type": "person_name",
    },
    {
        "code": "name-kana",
        "name": "フリガナ",
        "name_en": "Name reading (kana)",
        "aliases": ["氏名(カナ)", "ふりがな"],
        "scanner_type": "person_name",
    },
    {
        "code": "address",
        "name": "住所",
        "name_en": "Address",
        "aliases": ["所在地", "自宅住所"],
        "scanner_type": "address",
    },
    {
        "code": "postal-code",
        "name": "郵便番号",
        "name_en": "Postal code",
        "aliases": ["〒"],
        "scanner_type": "postal_code",
    },
    {
        "code": "phone",
        "name": "電話番号",
        "name_en": "Phone number",
        "aliases": ["TEL", "携帯電話番号", "連絡先電話番号"],
        "scanner_type": "phone_number",
    },
    {
        "code": "email",
        "name": "メールアドレス",
        "name_en": "E-mail address",
        "aliases": ["Eメール", "E-mail", "メール"],
        "scanner_type": "email_address",
    },
    {"code": "birth-date", "name": "生年月日", "name_en": "Date of birth", "aliases": ["誕生日"]},
    {"code": "age", "name": "年齢", "name_en": "Age"},
    {"code": "gender", "name": "性別", "name_en": "Gender"},
    {"code": "occupation", "name": "職業", "name_en": "Occupation", "aliases": ["勤務先"]},
    {"code": "photo", "name": "顔写真", "name_en": "Photograph of the face", "aliases": ["写真"]},
    {"code": "signature", "name": "署名", "name_en": "Signature"},
    # Customer and transaction data
    {"code": "member-id", "name": "会員ID", "name_en": "Member ID", "aliases": ["会員番号", "顧客番号"]},
    {
        "code": "purchase-history",
        "name": "購買履歴",
        "name_en": "Purchase history",
        "aliases": ["購入履歴", "注文履歴"],
    },
    {
        "code": "delivery-address",
        "name": "配送先",
        "name_en": "Delivery address",
        "aliases": ["お届け先"],
        "scanner_type": "address",
    },
    {"code": "access-log", "name": "アクセスログ", "name_en": "Access log", "aliases": ["IPアドレス"]},
    {"code": "inquiry", "name": "問合せ内容", "name_en": "Inquiry contents", "aliases": ["問い合わせ内容"]},
    # Payment data
    {
        "code": "bank-account",
        "name": "銀行口座",
        "name_en": "Bank account",
        "aliases": ["口座番号", "振込先口座"],
        "scanner_type": "bank_account",
    },
    {
        "code": "card-number",
        "name": "クレジットカード番号",
        "name_en": "Credit card number",
        "aliases": ["カード番号"],
        "card_data": True,
        "scanner_type": "credit_card_number",
        "description": "Card data. Merchants should not keep it at all (非保持化) or must comply with PCI DSS.",
    },
    {
        "code": "card-security-code",
        "name": "セキュリティコード",
        "name_en": "Card security code",
        "aliases": ["CVV", "CVC", "カード確認コード"],
        "card_data": True,
        "never_store": True,
        "scanner_type": "card_security_code",
        "description": "Sensitive authentication data: must never be stored after authorisation, not even encrypted.",
    },
    {
        "code": "card-track-data",
        "name": "磁気ストライプ情報(トラックデータ)",
        "name_en": "Magnetic stripe track data",
        "aliases": ["トラックデータ", "磁気ストライプデータ", "トラック1", "トラック2"],
        "card_data": True,
        "never_store": True,
        "scanner_type": "card_track_data",
        "description": "Sensitive authentication data: must never be stored after authorisation, not even encrypted.",
    },
    {
        "code": "card-expiry",
        "name": "有効期限",
        "name_en": "Card expiry date",
        "aliases": ["カード有効期限"],
        "card_data": True,
        "scanner_type": "card_expiry",
    },
    {
        "code": "card-holder",
        "name": "カード名義",
        "name_en": "Cardholder name",
        "aliases": ["カード名義人"],
        "card_data": True,
        "scanner_type": "person_name",
    },
    # Identity documents and official numbers
    {
        "code": "my-number",
        "name": "個人番号",
        "name_en": "My Number (individual number)",
        "aliases": ["マイナンバー"],
        "my_number": True,
        "scanner_type": "my_number",
        "description": "Specific personal information: use only for the purposes the My Number Act allows.",
    },
    {
        "code": "drivers-license",
        "name": "運転免許証番号",
        "name_en": "Driver's licence number",
        "aliases": ["運転免許証", "免許証番号"],
        "scanner_type": "drivers_license",
    },
    {
        "code": "passport",
        "name": "旅券番号",
        "name_en": "Passport number",
        "aliases": ["パスポート番号"],
        "scanner_type": "passport_number",
    },
    {
        "code": "id-document",
        "name": "本人確認書類の写し",
        "name_en": "Copy of an identity document",
        "aliases": ["身分証明書", "本人確認書類"],
    },
    {
        "code": "health-insurance",
        "name": "健康保険証番号",
        "name_en": "Health insurance card number",
        "aliases": ["保険証番号"],
    },
    # Employment
    {"code": "employee-id", "name": "社員番号", "name_en": "Employee number", "aliases": ["従業員番号"]},
    {"code": "salary", "name": "給与", "name_en": "Salary", "aliases": ["給与額", "賞与"]},
    {"code": "personnel-evaluation", "name": "人事評価", "name_en": "Personnel evaluation", "aliases": ["人事考課"]},
    {"code": "family", "name": "家族構成", "name_en": "Family members", "aliases": ["扶養家族"]},
    {"code": "career", "name": "学歴・職歴", "name_en": "Education and career", "aliases": ["履歴書", "職歴", "学歴"]},
    # Special-care personal information (要配慮個人情報)
    {
        "code": "medical-history",
        "name": "病歴",
        "name_en": "Medical history",
        "aliases": ["既往歴"],
        "special_care": True,
    },
    {
        "code": "health-check",
        "name": "健康診断結果",
        "name_en": "Health check results",
        "aliases": ["健康診断", "健診結果", "ストレスチェック結果"],
        "special_care": True,
    },
    {"code": "disability", "name": "障害の有無", "name_en": "Disability", "aliases": ["障害"], "special_care": True},
    {
        "code": "criminal-record",
        "name": "犯罪歴",
        "name_en": "Criminal record",
        "aliases": ["前科"],
        "special_care": True,
    },
    {
        "code": "victim-record",
        "name": "犯罪被害の事実",
        "name_en": "Having been a victim of crime",
        "special_care": True,
    },
    {"code": "creed", "name": "信条", "name_en": "Creed or religion", "aliases": ["宗教"], "special_care": True},
    {"code": "race", "name": "人種", "name_en": "Race or ethnic origin", "special_care": True},
    {"code": "social-status", "name": "社会的身分", "name_en": "Social status", "special_care": True},
]
