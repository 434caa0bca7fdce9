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

# Words right before a card-shaped number that name another identifier: the number is reported with low
# confidence (hidden from the default table), not dropped. French SIRET (14 digits) and SIREN numbers use Luhn
# and often start like a Diners or Visa number; an IBAN's digits can hold a Luhn-valid run.
OTHER_IDENTIFIER_WORDS: tuple[str, ...] = ("siret", "siren", "iban")

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


def __getattr__(name: str) -> object:
    """``KEYWORDS`` and ``KEY_NAMES`` (field-name words and key names per field kind) now live with the specs of
    their types in the registry; read there on first use (the registry's family modules import this module)."""
    if name in ("KEYWORDS", "KEY_NAMES"):
        from mamori.discovery.engine import registry

        return dict(getattr(registry, name))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
