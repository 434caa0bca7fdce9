"""Words that column names of personal and payment data contain (data, not logic).

Used to recognise a header row whose data rows look just as word-like (names, e-mail addresses).
Matched case-insensitively as substrings of a header cell.
"""

from __future__ import annotations

HEADER_WORDS: tuple[str, ...] = (
    # English and romanised column names (EC-CUBE, payment modules, common exports)
    "name", "kana", "mail", "tel", "phone", "fax", "zip", "postal", "addr", "pref", "city",
    "birth", "sex", "gender", "job", "company", "card", "cvv", "cvc", "cid", "security", "sec_c",
    "expir", "exp_", "yuko", "kigen", "holder", "order", "customer", "member", "user", "account",
    "bank", "branch", "memo", "note", "date", "status", "amount", "price", "total", "payment",
    "shimei", "jusho", "denwa", "bango",
    # Japanese
    "氏名", "名前", "フリガナ", "ふりがな", "カナ", "住所", "都道府県", "市区町村", "電話",
    "携帯", "郵便", "メール", "カード", "有効期限", "セキュリティ", "生年月日", "性別", "口座", "番号",
    "会員", "顧客", "注文", "金額", "日付", "備考", "名義",
)  # fmt: skip


def has_header_word(cell: str) -> bool:
    lowered = cell.lower()
    return any(word in lowered for word in HEADER_WORDS)
