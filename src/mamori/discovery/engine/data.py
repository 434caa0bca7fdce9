"""Facts the detectors rely on, kept as data so they can be reviewed without reading code.

Sources: /work/shared/reference/identifiers.md (card brand ranges cross-checked against the ranges
kept by maintained card-type libraries), the 47 prefectures and 20 designated cities of Japan and
the public-safety commission codes printed on Japanese driving licences.
"""

from __future__ import annotations

# Card brands and lengths live in cardbrands.py (one table); re-exported here for older imports.
from mamori.discovery.engine.cardbrands import CARD_BRANDS, BrandRange  # noqa: F401

# 13-digit numbers with these prefixes are far more often JAN/EAN barcodes of Japanese products
# than 13-digit Visa cards (which are no longer issued).
JAN_PREFIXES: tuple[str, ...] = ("45", "49")

# Words near a digit run that say it is not a card number (device, SIM or product identifiers).
NOT_CARD_WORDS: tuple[str, ...] = (
    "imei",
    "meid",
    "iccid",
    "imsi",
    "jan",
    "ean",
    "gtin",
    "isbn",
    "barcode",
    "バーコード",
    "商品コード",
    "端末識別",
    "製造番号",
    "tracking",
    "追跡番号",
    "伝票番号",
)

# Words in a record or line that mark the surrounding data as card (payment) data.
CARD_CONTEXT_WORDS: tuple[str, ...] = (
    "card",
    "カード",
    "credit",
    "クレジット",
    "pan",
    "payment",
    "決済",
)

# `card_cvv`, `cc_exp` and the like need no fragment of their own: a keyword may follow `_` or `-`.
# Regex fragments (ASCII regex syntax, Japanese written as plain literals outside character
# classes) naming a field in text: `cvv=123`, `"security_code": "123"`, `セキュリティコード：123`.
# They are also compiled as byte patterns for the prefilter, so they must stay portable.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "card_security_code": (
        "cvv2?(?:[_\\-]?(?:no|num|cd|code))?",  # also `cvv_no`, `cvc_cd` as PHP sessions and shop modules name them
        "cvc2?(?:[_\\-]?(?:no|num|cd|code))?",
        "cid",
        "csc",
        "cav2",
        "cvn",
        "security[ _\\-]?code",
        "sec[_\\-]?(?:code|cd)",
        "card[_\\-]?code",
        "verification[ _\\-]?(?:code|value)",
        "セキュリティコード",
        "セキュリティーコード",
        "セキュリティ番号",
    ),
    "card_expiry": (
        "exp",
        "expiry",
        "expires?",
        "expiration(?:[ _\\-]?date)?",
        "exp[_\\-]?(?:date|month|year|mm|yy|yyyy|ym)",
        "card[_\\-]?expire?(?:_date)?",
        "valid[ _\\-]?(?:thru|through)",
        "good[ _\\-]?thru",
        "yuko[_\\-]?kigen",
        "有効期限",
    ),
    # Month or year of the expiry in a field of its own (exp_month=04, card_year=21).
    "card_expiry_part": (
        # Each fragment starts with a literal: the `re` fallback then skips ahead quickly.
        "exp(?:ire|iry|iration)?[_\\-]?(?:month|year|mm|yy|yyyy)",
        "card[_\\-]?exp(?:ire|iry|iration)?[_\\-]?(?:month|year|mm|yy|yyyy)",
        "card[_\\-]?(?:month|year)",
    ),
    "my_number": (
        "my[ _\\-]?number",
        "my[_\\-]?no",
        "kojin[_\\-]?bango",
        "individual[ _\\-]?number",
        "マイナンバー",
        "個人番号",
    ),
    "postal_code": (
        "zip(?:[ _\\-]?code)?(?:0?[12])?",
        "postal(?:[ _\\-]?code)?",
        "post[ _\\-]?code",
        "yubin(?:[_\\-]?bango)?",
        "郵便番号",
    ),
    "bank_account": (
        "bank[ _\\-]?account(?:[ _\\-]?(?:no|number))?",
        "account[ _\\-]?(?:no|number|num)",
        "koza(?:[_\\-]?(?:no|bango))?",
        "kouza(?:[_\\-]?(?:no|bango))?",
        "口座番号",
        "預金口座",
        "振込先口座",
    ),
    "drivers_license": (
        "drivers?[ _\\-']?s?[ _\\-]?licen[cs]e(?:[ _\\-]?(?:no|number))?",
        "licen[cs]e[ _\\-]?(?:no|number)",
        "menkyo(?:[_\\-]?(?:no|bango))?",
        "運転免許証番号",
        "運転免許番号",
        "免許証番号",
        "免許番号",
    ),
    "passport_number": (
        "passport(?:[ _\\-]?(?:no|number|num))?",
        "ryoken(?:[_\\-]?(?:no|bango))?",
        "旅券番号",
        "パスポート番号",
        "旅券",
        "パスポート",
    ),
    "person_name": (
        "full[ _\\-]?name",
        *(
            f"{who}[_\\-]?name"
            for who in ("customer", "member", "client", "contact", "billing", "shipping", "delivery", "recipient")
        ),
        "order[_\\-]?name",
        *(f"{part}[ _\\-]?name" for part in ("first", "last", "family", "given")),
        "name0?[12]",
        "kana0?[12]",
        "shimei",
        "氏名",
        "お名前",
        "フリガナ",
        "ふりがな",
    ),
    "card_holder": (
        "card[ _\\-]?holder(?:[ _\\-]?name)?",
        "holder[ _\\-]?name",
        "name[ _\\-]?on[ _\\-]?card",
        "card[ _\\-]?name",
        "meigi(?:nin)?",
        "カード名義(?:人)?",
        "名義人",
    ),
}

# Column / key names (normalised: lower case, camelCase split, separators turned into "_").
KEY_NAMES: dict[str, frozenset[str]] = {
    "credit_card_number": frozenset(
        {
            "card_no",
            "card_number",
            "card_num",
            "cardno",
            "cardnumber",
            "cc_number",
            "cc_num",
            "ccnum",
            "ccno",
            "credit_card",
            "credit_card_number",
            "creditcard",
            "pan",
            "カード番号",
            "クレジットカード番号",
        }
    ),
    "person_name": frozenset(
        {
            "name",
            "name01",
            "name02",
            "name1",
            "name2",
            "kana",
            "kana01",
            "kana02",
            "name_kana",
            "kana_name",
            "full_name",
            "fullname",
            "first_name",
            "last_name",
            "family_name",
            "given_name",
            "sei",
            "mei",
            "sei_kana",
            "mei_kana",
            "shimei",
            "customer_name",
            "member_name",
            "contact_name",
            "billing_name",
            "shipping_name",
            "delivery_name",
            "recipient_name",
            "order_name",
            "氏名",
            "名前",
            "お名前",
            "フリガナ",
            "ふりがな",
            "姓",
            "名",
            "セイ",
            "メイ",
            "氏名カナ",
        }
    ),
    "phone_number": frozenset(
        {"tel", "tel01", "tel02", "phone", "telephone", "phone_number", "tel_no", "mobile", "keitai", "電話番号"}
    ),
    "email_address": frozenset({"email", "mail", "e_mail", "mail_address", "email_address", "メールアドレス"}),
    "address": frozenset(
        {"address", "addr", "addr01", "addr02", "address1", "address2", "jusho", "juusho", "住所", "所在地"}
    ),
}

# Values under a person-name key that are placeholders, not names.
NAME_PLACEHOLDERS: frozenset[str] = frozenset(
    {"null", "none", "n/a", "na", "-", "--", "test", "unknown", "なし", "未設定", "true", "false"}
)

# Upper-case words that look like a romanized holder name but are brand or card words.
NOT_NAME_WORDS: frozenset[str] = frozenset(
    {
        "VISA",
        "MASTER",
        "MASTERCARD",
        "JCB",
        "AMEX",
        "AMERICAN",
        "EXPRESS",
        "DINERS",
        "CLUB",
        "DISCOVER",
        "UNIONPAY",
        "CARD",
        "CREDIT",
        "DEBIT",
        "VALID",
        "THRU",
        "GOOD",
        "MEMBER",
        "SINCE",
        "TEST",
        "OK",
        "NG",
        "ERROR",
        "INFO",
        "WARN",
        "DEBUG",
        "GET",
        "POST",
        "HTTP",
        "NULL",
        "TRUE",
        "FALSE",
        "APPROVED",
        "DECLINED",
        "JPY",
        "USD",
    }
)

PREFECTURES: tuple[str, ...] = (
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
)

# Addresses are often written without the prefecture when they start with one of these.
DESIGNATED_CITIES: tuple[str, ...] = (
    "札幌市",
    "仙台市",
    "さいたま市",
    "千葉市",
    "横浜市",
    "川崎市",
    "相模原市",
    "新潟市",
    "静岡市",
    "浜松市",
    "名古屋市",
    "京都市",
    "大阪市",
    "堺市",
    "神戸市",
    "岡山市",
    "広島市",
    "北九州市",
    "福岡市",
    "熊本市",
)

# First two digits of a Japanese driving licence number: the issuing public-safety commission.
LICENCE_COMMISSION_CODES: frozenset[str] = frozenset(
    {
        *("10", "11", "12", "13", "14"),  # Hokkaido areas
        *("20", "21", "22", "23", "24", "25"),  # Tohoku
        "30",  # Tokyo
        *("40", "41", "42", "43", "44", "45", "46", "47", "48", "49"),  # Kanto and Koshinetsu
        *("50", "51", "52", "53", "54", "55"),  # Chubu
        *("60", "61", "62", "63", "64", "65"),  # Kinki
        *("70", "71", "72", "73", "74"),  # Chugoku
        *("80", "81", "82", "83"),  # Shikoku
        *("90", "91", "92", "93", "94", "95", "96", "97"),  # Kyushu and Okinawa
    }
)

# Kanji that, written just before 様/殿, make a common word rather than a name (仕様, 皆様, 部長殿).
HONORIFIC_STOP_BEFORE: frozenset[str] = frozenset(
    "仕同模皆客多異一王神仏各貴奥上何左有文図両外態空色長部課係社店所会員者方生"
)
HONORIFIC_STOP_AFTER: frozenset[str] = frozenset("々子式相態")
# Katakana words used with 様 that are roles, not names.
KATAKANA_ROLE_WORDS: frozenset[str] = frozenset(
    {"ユーザー", "オーナー", "ゲスト", "メンバー", "スタッフ", "カスタマー", "クライアント", "パートナー", "ユーザ"}
)

# Email "domains" that are really file names such as icon@2x.png.
NOT_EMAIL_TLDS: frozenset[str] = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "css", "js", "ico"})
