"""Labelled test corpus: the files a Japanese hobby shop's server really holds, with planted personal data.

``generate(out_dir)`` writes ``out_dir/data/`` (payment-gateway debug logs, web access logs, order CSV
exports in UTF-8 and CP932, an EC-CUBE-like SQL dump, PHP session files, support mails, an HR file with
My Numbers, spreadsheets, and decoy files) and ``out_dir/labels.jsonl``: one line per planted value with
its location and type, never the value itself. Tests and the benchmark compare a scanner's findings with
the labels by ``(path, line or sheet+cell, type)``.

Rules the generator keeps so that location+type matching is exact:
- a labelled value never spans lines, and one line (or cell) holds at most one value of each type;
- decoys (look-alikes that must not be reported) sit on lines without a labelled value of the type they
  imitate; every phone number, e-mail address, postal code written anywhere is labelled;
- everything derives from ``seed``: the same seed gives byte-identical files.

The raw planted values are kept only in memory (``CorpusManifest.planted``) so a test can check that no
scanner output contains a full card number. Nothing here imports Django.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

__all__ = [
    "CORPUS_VERSION",
    "MB_PER_SCALE",
    "CorpusManifest",
    "Label",
    "Score",
    "card_values",
    "finding_key",
    "generate",
    "load_labels",
    "luhn_valid",
    "my_number_check_digit",
    "scale_for_size",
    "score",
    "score_table",
]

# Bumped whenever the generated files change for a given seed and scale (cached corpora are keyed on it).
CORPUS_VERSION = 2

# Roughly how many megabytes one unit of ``scale`` writes (measured; the benchmark uses it to pick a scale).
MB_PER_SCALE = 6.0

DATA_DIR = "data"
LABELS_FILE = "labels.jsonl"

CARD = "credit_card_number"
CVV = "card_security_code"
EXPIRY = "card_expiry"
MY_NUMBER = "my_number"
PHONE = "phone_number"
EMAIL = "email_address"
POSTAL = "postal_code"
ADDRESS = "address"
NAME = "person_name"
BANK = "bank_account"
LICENSE = "drivers_license"
PASSPORT = "passport_number"

_EPOCH = datetime(2018, 5, 2, 0, 0, 0)  # start of the exposure window in the case
_FIXED_ZIP_TIME = (2018, 11, 5, 3, 0, 0)


@dataclass(frozen=True, slots=True, order=True)
class Label:
    """Where a planted value is, and what it is. Holds no part of the value."""

    path: str
    line: int | None
    sheet: str | None
    cell: str | None
    type: str

    def key(self) -> tuple[str, str, str]:
        where = f"L{self.line}" if self.line is not None else f"{self.sheet}!{self.cell}"
        return (self.path, where, self.type)

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "sheet": self.sheet, "cell": self.cell, "type": self.type}


@dataclass(slots=True)
class CorpusManifest:
    """What ``generate`` wrote. ``planted`` (raw values by type) lives in memory only, never on disk."""

    root: Path
    labels_path: Path
    seed: int
    scale: float
    files: list[str]
    labels: list[Label]
    total_bytes: int
    planted: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def label_keys(self) -> set[tuple[str, str, str]]:
        return {label.key() for label in self.labels}

    def counts_by_type(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for label in self.labels:
            counts[label.type] = counts.get(label.type, 0) + 1
        return dict(sorted(counts.items()))


def scale_for_size(size_mb: float) -> float:
    """The ``scale`` that writes about ``size_mb`` megabytes."""
    return max(0.05, size_mb / MB_PER_SCALE)


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _luhn_complete(body: str) -> str:
    """Append the digit that makes ``body`` Luhn-valid."""
    for check in "0123456789":
        if luhn_valid(body + check):
            return body + check
    raise AssertionError("unreachable: one check digit always fits")


def my_number_check_digit(first11: str) -> int:
    """個人番号 check digit (番号法施行令 rule): weights n+1 (n<=6) / n-5 (n>=7), n counted from the right."""
    total = 0
    for n, ch in enumerate(reversed(first11), start=1):
        weight = n + 1 if n <= 6 else n - 5
        total += int(ch) * weight
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


# ---------------------------------------------------------------------------------------------------------
# Value makers
# ---------------------------------------------------------------------------------------------------------

TEST_CARD_NUMBERS = (
    "4111111111111111",
    "4242424242424242",
    "4012888888881881",
    "5555555555554444",
    "5105105105105100",
    "2223003122003222",
    "378282246310005",
    "371449635398431",
    "3530111333300000",
    "3566002020360505",
    "30569309025904",
    "38520000023237",
    "6011111111111117",
    "6011000990139424",
    "6200000000000005",
)

# (brand, weight, prefix maker, lengths with weights)
_BRANDS: tuple[tuple[str, int, tuple[str, ...], tuple[tuple[int, int], ...]], ...] = (
    ("visa", 40, ("4",), ((16, 95), (13, 2), (19, 3))),
    ("mastercard", 14, tuple(str(p) for p in range(51, 56)), ((16, 1),)),
    ("mastercard2", 6, tuple(str(p) for p in range(2221, 2721)), ((16, 1),)),
    ("jcb", 20, tuple(str(p) for p in range(3528, 3590)), ((16, 90), (17, 3), (18, 3), (19, 4))),
    ("amex", 7, ("34", "37"), ((15, 1),)),
    (
        "diners",
        5,
        ("300", "301", "302", "303", "304", "305", "3095", "36", "38", "39"),
        ((14, 80), (16, 15), (19, 5)),
    ),
    (
        "discover",
        4,
        ("6011", *(str(p) for p in range(644, 650)), "65", *(str(p) for p in range(622126, 622926, 97))),
        ((16, 90), (19, 10)),
    ),
    ("unionpay", 4, ("62",), ((16, 85), (19, 15))),
)
_BRAND_WEIGHTS = [b[1] for b in _BRANDS]


def _card_number(rng: random.Random) -> str:
    if rng.random() < 0.06:
        return rng.choice(TEST_CARD_NUMBERS)
    _name, _w, prefixes, lengths = rng.choices(_BRANDS, weights=_BRAND_WEIGHTS)[0]
    prefix = rng.choice(prefixes)
    length = rng.choices([n for n, _ in lengths], weights=[w for _, w in lengths])[0]
    if prefix == "4" and length == 13:
        # 13-digit 45/49 numbers are JAN codes; a 13-digit Visa is (rarely) anything else.
        prefix = "4" + rng.choice("0123678")
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return _luhn_complete(body)


def _luhn_invalid(rng: random.Random) -> str:
    valid = _card_number(rng)
    last = (int(valid[-1]) + rng.randint(1, 9)) % 10
    return valid[:-1] + str(last)


def _group_card(number: str, sep: str) -> str:
    n = len(number)
    sizes: tuple[int, ...]
    if n == 15:
        sizes = (4, 6, 5)
    elif n == 14:
        sizes = (4, 6, 4)
    elif n == 16:
        sizes = (4, 4, 4, 4)
    elif n == 19:
        sizes = (4, 4, 4, 4, 3)
    else:
        return number
    parts, i = [], 0
    for size in sizes:
        parts.append(number[i : i + size])
        i += size
    return sep.join(parts)


_FULLWIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


def _fullwidth(text: str) -> str:
    return text.translate(_FULLWIDTH)


def _format_card(rng: random.Random, number: str, *, allow_fullwidth: bool = False) -> str:
    roll = rng.random()
    if roll < 0.55:
        text = number
    elif roll < 0.80:
        text = _group_card(number, "-")
    else:
        text = _group_card(number, " ")
    if allow_fullwidth and rng.random() < 0.35:
        # Customers type full-width digits into Japanese forms; the hyphen stays ASCII in most exports.
        text = text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return text


def _mask(number: str, rng: random.Random) -> str:
    style = rng.randrange(4)
    if style == 0:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    if style == 1:
        return "****-****-****-" + number[-4:]
    if style == 2:
        return number[:4] + " " + number[4:6] + "XX XXXX " + number[-4:]
    return "X" * (len(number) - 4) + number[-4:]


def _cvv(rng: random.Random, number: str) -> str:
    return f"{rng.randrange(1000, 10000)}" if len(number) == 15 else f"{rng.randrange(0, 1000):03d}"


def _expiry_parts(rng: random.Random) -> tuple[int, int]:
    return rng.randint(1, 12), rng.randint(2018, 2024)


def _expiry(rng: random.Random, style: str | None = None) -> str:
    month, year = _expiry_parts(rng)
    yy = year % 100
    style = style or rng.choice(("mm/yy", "mmyy", "yymm", "mm/yyyy", "yyyy-mm", "yyyy/mm"))
    return {
        "mm/yy": f"{month:02d}/{yy:02d}",
        "mmyy": f"{month:02d}{yy:02d}",
        "yymm": f"{yy:02d}{month:02d}",
        "mm/yyyy": f"{month:02d}/{year}",
        "yyyy-mm": f"{year}-{month:02d}",
        "yyyy/mm": f"{year}/{month:02d}",
        "nen": f"{year}年{month}月",
    }[style]


def _my_number(rng: random.Random) -> str:
    first = f"{rng.randrange(1, 10)}" + "".join(rng.choice("0123456789") for _ in range(10))
    return first + str(my_number_check_digit(first))


def _not_my_number(rng: random.Random, first_digit: str = "") -> str:
    """A 12-digit number whose last digit is NOT the My Number check digit."""
    head = first_digit or str(rng.randrange(1, 10))
    first = head + "".join(rng.choice("0123456789") for _ in range(11 - len(head)))
    good = my_number_check_digit(first)
    return first + str((good + rng.randint(1, 9)) % 10)


def _format_my_number(rng: random.Random, number: str) -> str:
    roll = rng.random()
    if roll < 0.5:
        return number
    sep = " " if roll < 0.75 else "-"
    return sep.join((number[:4], number[4:8], number[8:]))


_SURNAMES = (
    ("佐藤", "サトウ", "SATO"),
    ("鈴木", "スズキ", "SUZUKI"),
    ("高橋", "タカハシ", "TAKAHASHI"),
    ("田中", "タナカ", "TANAKA"),
    ("伊藤", "イトウ", "ITO"),
    ("渡辺", "ワタナベ", "WATANABE"),
    ("山本", "ヤマモト", "YAMAMOTO"),
    ("中村", "ナカムラ", "NAKAMURA"),
    ("小林", "コバヤシ", "KOBAYASHI"),
    ("加藤", "カトウ", "KATO"),
    ("吉田", "ヨシダ", "YOSHIDA"),
    ("山田", "ヤマダ", "YAMADA"),
    ("佐々木", "ササキ", "SASAKI"),
    ("山口", "ヤマグチ", "YAMAGUCHI"),
    ("松本", "マツモト", "MATSUMOTO"),
    ("井上", "イノウエ", "INOUE"),
    ("木村", "キムラ", "KIMURA"),
    ("斎藤", "サイトウ", "SAITO"),
    ("清水", "シミズ", "SHIMIZU"),
    ("森", "モリ", "MORI"),
)
_GIVEN = (
    ("太郎", "タロウ", "TARO"),
    ("花子", "ハナコ", "HANAKO"),
    ("翔太", "ショウタ", "SHOTA"),
    ("美咲", "ミサキ", "MISAKI"),
    ("大輔", "ダイスケ", "DAISUKE"),
    ("陽菜", "ヒナ", "HINA"),
    ("健", "ケン", "KEN"),
    ("由美", "ユミ", "YUMI"),
    ("直樹", "ナオキ", "NAOKI"),
    ("彩", "アヤ", "AYA"),
    ("拓也", "タクヤ", "TAKUYA"),
    ("愛", "アイ", "AI"),
    ("誠", "マコト", "MAKOTO"),
    ("優子", "ユウコ", "YUKO"),
    ("蓮", "レン", "REN"),
)
# (prefecture, municipality, town, postal prefix, fixed-line area code, digits after the area code)
_PLACES = (
    ("大阪府", "大阪市北区", "梅田", "530", "06", "6"),
    ("大阪府", "大阪市中央区", "難波", "542", "06", "6"),
    ("大阪府", "堺市堺区", "南瓦町", "590", "072", "2"),
    ("東京都", "千代田区", "外神田", "101", "03", "3"),
    ("東京都", "豊島区", "東池袋", "170", "03", "5"),
    ("東京都", "中野区", "中野", "164", "03", "6"),
    ("愛知県", "名古屋市中区", "大須", "460", "052", "2"),
    ("京都府", "京都市中京区", "河原町", "604", "075", "2"),
    ("兵庫県", "神戸市中央区", "三宮町", "650", "078", "3"),
    ("福岡県", "福岡市博多区", "博多駅前", "812", "092", "4"),
    ("北海道", "札幌市中央区", "北一条西", "060", "011", "2"),
    ("宮城県", "仙台市青葉区", "中央", "980", "022", "2"),
    ("神奈川県", "横浜市西区", "高島", "220", "045", "4"),
    ("埼玉県", "さいたま市大宮区", "桜木町", "330", "048", "6"),
    ("広島県", "広島市中区", "紙屋町", "730", "082", "2"),
    ("沖縄県", "那覇市", "久茂地", "900", "098", "8"),
)
_BUILDINGS = ("", "", "", " コーポ梅田201", " サンハイツ305", " グランメゾン1102", " ハイム大須B", " 第2ビル4F")
_DOMAINS = ("example.jp", "example.co.jp", "example.ne.jp", "example.com", "mail.example.jp", "example.or.jp")
_PRODUCTS = (
    ("【限定】メカロボ 1/144 プラモデル", 4980),
    ("魔法少女フィギュア 1/7スケール 完成品", 16800),
    ("トレーディングカード 拡張パック BOX", 5400),
    ("ミニカー コレクション Vol.3", 1980),
    ("ぬいぐるみ くま（特大）", 3600),
    ("鉄道模型 Nゲージ 基本セット", 23800),
    ("ガレージキット レジン製 未塗装", 12000),
    ("カプセルトイ 全6種セット", 1800),
    ("アクリルスタンド イベント限定", 1500),
    ("ソフビ人形 復刻版", 6800),
)


@dataclass(frozen=True, slots=True)
class _Person:
    kanji: str
    kana: str
    roman: str
    email: str
    phone: str
    postal: str
    address: str
    pref: str


def _phone(rng: random.Random, area: str, first: str) -> str:
    if rng.random() < 0.55:
        return f"0{rng.choice('789')}0-{rng.randrange(1000, 10000)}-{rng.randrange(0, 10000):04d}"
    if len(area) == 2:
        return f"{area}-{first}{rng.randrange(0, 1000):03d}-{rng.randrange(0, 10000):04d}"
    return f"{area}-{first}{rng.randrange(0, 100):02d}-{rng.randrange(0, 10000):04d}"


def _person(rng: random.Random) -> _Person:
    sur = rng.choice(_SURNAMES)
    given = rng.choice(_GIVEN)
    pref, city, town, zip3, area, first = rng.choice(_PLACES)
    local = rng.choice(
        (
            f"{given[2].lower()}.{sur[2].lower()}",
            f"{given[2][0].lower()}-{sur[2].lower()}{rng.randrange(10, 100)}",
            f"{sur[2].lower()}_{given[2].lower()}{rng.randrange(1960, 2005)}",
            f"{given[2].lower()}{rng.randrange(100, 1000)}",
        )
    )
    address = f"{pref}{city}{town}{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}{rng.choice(_BUILDINGS)}"
    return _Person(
        kanji=f"{sur[0]} {given[0]}",
        kana=f"{sur[1]} {given[1]}",
        roman=f"{given[2]} {sur[2]}",
        email=f"{local}@{rng.choice(_DOMAINS)}",
        phone=_phone(rng, area, first),
        postal=f"{zip3}-{rng.randrange(0, 10000):04d}",
        address=address,
        pref=pref,
    )


def _jan(rng: random.Random) -> str:
    body = rng.choice(("45", "49")) + "".join(rng.choice("0123456789") for _ in range(10))
    odd = sum(int(d) for d in body[0::2])
    even = sum(int(d) for d in body[1::2])
    return body + str((10 - (odd + even * 3) % 10) % 10)


def _imei(rng: random.Random) -> str:
    return _luhn_complete("35" + "".join(rng.choice("0123456789") for _ in range(12)))


def _iccid(rng: random.Random) -> str:
    return _luhn_complete("898110" + "".join(rng.choice("0123456789") for _ in range(12)))


def _timestamp_ms(rng: random.Random) -> str:
    return str(rng.randrange(1_525_190_400_000, 1_541_462_400_000))


def _long_id(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789") for _ in range(rng.randint(20, 28)))


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _when(rng: random.Random, day: int = -1) -> datetime:
    base = _EPOCH + timedelta(days=day if day >= 0 else rng.randrange(0, 188))
    return base + timedelta(seconds=rng.randrange(0, 86400), microseconds=rng.randrange(0, 1000) * 1000)


# ---------------------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------------------


class _Corpus:
    def __init__(self, root: Path, seed: int, scale: float) -> None:
        self.root = root
        self.seed = seed
        self.scale = scale
        self.labels: list[Label] = []
        self.files: list[str] = []
        self.total_bytes = 0
        self.planted: dict[str, list[str]] = {}

    def rng(self, name: str) -> random.Random:
        # A string seed is hashed with SHA-512 by random.Random, so this does not depend on PYTHONHASHSEED.
        return random.Random(f"mamori-corpus:{self.seed}:{name}")

    def count(self, base: float, minimum: int = 1) -> int:
        return max(minimum, round(base * self.scale))

    def plant(self, kind: str, value: str) -> None:
        self.planted.setdefault(kind, []).append(value)

    def write_bytes(self, rel: str, data: bytes) -> None:
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.files.append(rel)
        self.total_bytes += len(data)


class _TextFile:
    """Collects lines and the labels on each; written in one go with a chosen encoding."""

    def __init__(self, corpus: _Corpus, rel: str, encoding: str = "utf-8", bom: bool = False) -> None:
        self.corpus = corpus
        self.rel = rel
        self.encoding = encoding
        self.bom = bom
        self.lines: list[str] = []

    def add(self, text: str, labels: Iterable[str] = ()) -> None:
        self.lines.append(text)
        line_no = len(self.lines)
        for kind in dict.fromkeys(labels):
            self.corpus.labels.append(Label(self.rel, line_no, None, None, kind))

    def close(self) -> None:
        text = "\n".join(self.lines) + "\n"
        data = text.encode(self.encoding)
        if self.bom:
            data = b"\xef\xbb\xbf" + data
        self.corpus.write_bytes(self.rel, data)


# ---------------------------------------------------------------------------------------------------------
# File families
# ---------------------------------------------------------------------------------------------------------

_CVV_KEYS = ("cvv", "cvc", "cvv2", "security_code", "sec_code", "seccode", "card_code", "SecurityCode")
_EXP_KEYS = ("exp", "expiry", "expire", "card_expire", "exp_date", "Expire", "yuko_kigen", "expiration")
_CARD_KEYS = ("card_no", "CardNo", "card_number", "cardNumber", "pan", "cc_number", "creditcard")


def _gateway_logs(corpus: _Corpus) -> None:
    days = min(8, corpus.count(4, 2))  # more data means longer files, not ever more files
    per_day = max(20, corpus.count(800) // days)
    for d in range(days):
        rng = corpus.rng(f"gateway:{d}")
        day = 150 + d * 7
        f = _TextFile(corpus, f"var/log/payment/gateway-debug.log.{(_EPOCH + timedelta(days=day)):%Y%m%d}")
        for _ in range(per_day):
            _gateway_transaction(corpus, f, rng, day)
        f.close()


def _gateway_transaction(corpus: _Corpus, f: _TextFile, rng: random.Random, day: int) -> None:
    when = _when(rng, day)
    pid = rng.randrange(1000, 40000)
    order = f"{when:%Y%m%d}-{rng.randrange(1, 10000):05d}"

    def stamp() -> str:
        return f"{when:%Y-%m-%d %H:%M:%S}.{when.microsecond // 1000:03d} [pid {pid}]"

    f.add(f"{stamp()} [INFO] start payment order_id={order} amount={rng.randrange(500, 60000)} shop_id=tshop0001")
    f.add(f"{stamp()} [DEBUG] session sid={_hex(rng, 32)} ts={_timestamp_ms(rng)} trace={_long_id(rng)}")
    roll = rng.random()
    number = _card_number(rng)
    cvv = _cvv(rng, number)
    if roll < 0.72:
        _gateway_card_line(corpus, f, rng, stamp(), number, cvv)
    elif roll < 0.84:
        # A rejected entry: a typo'd number fails Luhn and is not a card number.
        f.add(f"{stamp()} [WARN] card validation failed CardNo={_luhn_invalid(rng)} reason=checksum")
    else:
        f.add(f'{stamp()} [DEBUG] request payload={{"order_id":"{order}","token":"tok_{_hex(rng, 24)}"}}')
    masked = _mask(number, rng)
    f.add(
        f'{stamp()} [DEBUG] response body={{"status":"OK","masked_card":"{masked}",'
        f'"approval":"{rng.randrange(0, 1000000):06d}","tran_id":"{_hex(rng, 32)}","forward":"2a99662"}}'
    )
    f.add(f"{stamp()} [INFO] payment done order_id={order} status=200 elapsed_ms={rng.randrange(80, 999)}")


def _gateway_card_line(corpus: _Corpus, f: _TextFile, rng: random.Random, stamp: str, number: str, cvv: str) -> None:
    person = _person(rng)
    corpus.plant(CARD, number)
    corpus.plant(CVV, cvv)
    style = rng.randrange(4)
    if style == 0:
        exp = _expiry(rng, rng.choice(("yymm", "mmyy", "mm/yy")))
        f.add(
            f"{stamp} [DEBUG] EntryTran ShopID=tshop0001 {rng.choice(_CARD_KEYS)}={number} "
            f"{rng.choice(_EXP_KEYS)}={exp} {rng.choice(_CVV_KEYS)}={cvv} Method=1 JobCd=CAPTURE",
            (CARD, EXPIRY, CVV),
        )
    elif style == 1:
        month, year = _expiry_parts(rng)
        f.add(
            f'{stamp} [DEBUG] request payload={{"amount":{rng.randrange(500, 60000)},"card":{{'
            f'"number":"{_format_card(rng, number)}","exp_month":"{month:02d}","exp_year":"{year}",'
            f'"cvc":"{cvv}","name":"{person.roman}"}},"email":"{person.email}"}}',
            (CARD, EXPIRY, CVV, NAME, EMAIL),
        )
        corpus.plant(EMAIL, person.email)
    elif style == 2:
        f.add(
            f'{stamp} [DEBUG] request payload={{"cardNumber":"{number}","expiry":"{_expiry(rng, "mm/yy")}",'
            f'"cvv":"{cvv}","holderName":"{person.roman}"}}',
            (CARD, EXPIRY, CVV, NAME),
        )
    else:
        f.add(
            f"{stamp} [DEBUG] POST /v1/charges card[number]={_format_card(rng, number)} "
            f"card[exp]={_expiry(rng, 'mm/yyyy')} card[cvc]={cvv} amount={rng.randrange(500, 60000)}",
            (CARD, EXPIRY, CVV),
        )


_UAS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.77 "
    "Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 12_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/12.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 8.0.0; SO-01K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/69.0.3497.100 "
    "Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
)
_PAGES = (
    "/shop/products/list.php?category_id={n}",
    "/shop/products/detail.php?product_id={n}",
    "/shop/cart/index.php",
    "/shop/user_data/event.php?id={n}",
    "/shop/js/eccube.js?v={n}",
    "/shop/user_data/packages/default/img/banner_{n}.jpg",
    "/shop/mypage/history.php?order_id={n}",
    "/shop/contact/index.php",
)


def _access_logs(corpus: _Corpus) -> None:
    days = min(10, corpus.count(3, 2))
    lines = max(300, corpus.count(15000) // days)
    for d in range(days):
        rng = corpus.rng(f"access:{d}")
        day = 120 + d * 11
        f = _TextFile(corpus, f"var/log/httpd/access_log-{(_EPOCH + timedelta(days=day)):%Y%m%d}")
        for _ in range(lines):
            _access_line(corpus, f, rng, day)
        f.close()


def _access_line(corpus: _Corpus, f: _TextFile, rng: random.Random, day: int) -> None:
    when = _when(rng, day)
    ip = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    stamp = f"[{when:%d/%b/%Y:%H:%M:%S} +0900]"
    roll = rng.random()
    labels: tuple[str, ...] = ()
    if roll < 0.03:
        number = _card_number(rng)
        cvv = _cvv(rng, number)
        corpus.plant(CARD, number)
        corpus.plant(CVV, cvv)
        query, labels = _card_query(rng, number, cvv)
        request = f"GET /shop/shopping/load_payment_module.php?{query} HTTP/1.1"
    elif roll < 0.06:
        decoy = rng.choice(
            (
                f"ts={_timestamp_ms(rng)}",
                f"jan={_jan(rng)}",
                f"ref={_long_id(rng)}",
                f"card={quote(_mask(_card_number(rng), rng))}",
                f"page={rng.randrange(100, 999)}&sort=price",
            )
        )
        request = f"GET /shop/products/list.php?{decoy} HTTP/1.1"
    else:
        request = f"GET {rng.choice(_PAGES).format(n=rng.randrange(1, 3000))} HTTP/1.1"
    status = rng.choice((200, 200, 200, 200, 304, 302, 404))
    f.add(
        f'{ip} - - {stamp} "{request}" {status} {rng.randrange(200, 90000)} '
        f'"https://shop.example.jp/shop/" "{rng.choice(_UAS)}"',
        labels,
    )


def _card_query(rng: random.Random, number: str, cvv: str) -> tuple[str, tuple[str, ...]]:
    style = rng.randrange(4)
    if style == 0:
        month, year = _expiry_parts(rng)
        return (
            f"mode=next&card_no={number}&card_expire_month={month:02d}&card_expire_year={year % 100:02d}"
            f"&security_code={cvv}",
            (CARD, EXPIRY, CVV),
        )
    if style == 1:
        return (
            f"mode=next&card_no={quote(_group_card(number, ' '))}&expire={quote(_expiry(rng, 'mm/yy'), safe='')}"
            f"&security_code={cvv}",
            (CARD, EXPIRY, CVV),
        )
    if style == 2:
        grouped = _group_card(number, " ").replace(" ", "+")
        return f"cc_number={grouped}&cc_exp={_expiry(rng, 'mmyy')}&cc_cvv={cvv}", (CARD, EXPIRY, CVV)
    return (
        f"{quote('card[number]')}={number}&{quote('card[cvc]')}={cvv}"
        f"&{quote('card[exp]')}={quote(_expiry(rng, 'mm/yyyy'), safe='')}",
        (CARD, EXPIRY, CVV),
    )


def _app_logs(corpus: _Corpus) -> None:
    """Decoy-heavy application log: nothing in it is personal data or a card."""
    rng = corpus.rng("app")
    f = _TextFile(corpus, "var/log/app/application.log")
    for _ in range(corpus.count(3000, 200)):
        when = _when(rng)
        stamp = f"{when:%Y-%m-%dT%H:%M:%S}.{when.microsecond // 1000:03d}+09:00"
        kind = rng.randrange(8)
        if kind == 0:
            text = f'{{"ts":{_timestamp_ms(rng)},"level":"info","msg":"cache hit","trace_id":"{_long_id(rng)}"}}'
        elif kind == 1:
            text = f"order_id={when:%Y%m%d}{rng.randrange(0, 10**10):010d} status=200 took={rng.randrange(1, 999)}ms"
        elif kind == 2:
            text = f"stock sync jan={_jan(rng)} qty={rng.randrange(0, 300)} price={rng.randrange(100, 999)}"
        elif kind == 3:
            text = f"payment refund masked={_mask(_card_number(rng), rng)} amount={rng.randrange(100, 50000)}"
        elif kind == 4:
            text = f"shipment registered tracking={_not_my_number(rng)} carrier=yamato"
        elif kind == 5:
            text = f"batch finished rows={rng.randrange(100, 999)} next_run={(when + timedelta(days=30)):%Y-%m-%d}"
        elif kind == 6:
            text = f"css build .grid{{width:{rng.random() * 100:.14f}%}} hash={_hex(rng, 40)}"
        else:
            text = f"legacy id={_luhn_invalid(rng)} migrated"
        f.add(f"{stamp} {text}")
    f.close()


def _device_log(corpus: _Corpus) -> None:
    rng = corpus.rng("devices")
    f = _TextFile(corpus, "var/log/app/device-registrations.log")
    for _ in range(corpus.count(400, 40)):
        when = _when(rng)
        if rng.random() < 0.6:
            f.add(f"{when:%Y-%m-%d %H:%M:%S} register POS terminal IMEI: {_imei(rng)} model=SH-M05 store=namba")
        else:
            f.add(f"{when:%Y-%m-%d %H:%M:%S} SIM swapped ICCID={_iccid(rng)} terminal={rng.randrange(1, 20)}")
    f.close()


_ORDER_HEADER = (
    "受注番号,受注日時,氏名,フリガナ,郵便番号,住所,電話番号,メールアドレス,商品名,数量,金額,支払方法,"
    "カード番号,有効期限,セキュリティコード"
)


def _order_csvs(corpus: _Corpus) -> None:
    months = min(12, corpus.count(2, 2))
    rows = max(40, corpus.count(1200) // months)
    for m in range(months):
        month = _EPOCH + timedelta(days=31 * m + 40)
        rng = corpus.rng(f"orders-utf8:{m}")
        f = _TextFile(corpus, f"export/orders/受注データ_{month:%Y%m}.csv", bom=m % 2 == 0)
        _order_rows(corpus, f, rng, rows, month, fullwidth=False)
        f.close()
        rng = corpus.rng(f"orders-sjis:{m}")
        f = _TextFile(corpus, f"export/orders/order_export_{month:%Y%m}_sjis.csv", encoding="cp932")
        _order_rows(corpus, f, rng, rows, month, fullwidth=True)
        f.close()


def _order_rows(
    corpus: _Corpus, f: _TextFile, rng: random.Random, rows: int, month: datetime, *, fullwidth: bool
) -> None:
    f.add(_ORDER_HEADER)
    for i in range(rows):
        p = _person(rng)
        product, price = rng.choice(_PRODUCTS)
        qty = rng.randint(1, 3)
        when = month + timedelta(seconds=rng.randrange(0, 30 * 86400))
        labels = [NAME, POSTAL, ADDRESS, PHONE, EMAIL]
        corpus.plant(PHONE, p.phone)
        corpus.plant(EMAIL, p.email)
        pay = rng.choice(("クレジットカード", "クレジットカード", "代金引換", "銀行振込"))
        card = exp = cvv = ""
        if pay == "クレジットカード" and rng.random() < 0.8:
            number = _card_number(rng)
            card = _format_card(rng, number, allow_fullwidth=fullwidth)
            exp = _expiry(rng, rng.choice(("mm/yy", "mm/yyyy", "yyyy/mm")))
            cvv = _cvv(rng, number)
            labels += [CARD, EXPIRY, CVV]
            corpus.plant(CARD, number)
            corpus.plant(CVV, cvv)
        f.add(
            f"{month:%Y%m}-{i + 1:05d},{when:%Y/%m/%d %H:%M},{p.kanji},{p.kana},{p.postal},{p.address},"
            f"{p.phone},{p.email},{product},{qty},{price * qty},{pay},{card},{exp},{cvv}",
            labels,
        )


def _sql_dump(corpus: _Corpus) -> None:
    rng = corpus.rng("sql")
    f = _TextFile(corpus, "backup/db/eccube_backup_20181105.sql")
    f.add("-- MySQL dump 10.13  Distrib 5.6.40, for Linux (x86_64)")
    f.add("-- Host: localhost    Database: eccube_db")
    f.add("SET NAMES utf8mb4;")
    f.add("DROP TABLE IF EXISTS `plg_card_log`;")
    f.add(
        "CREATE TABLE `plg_card_log` (`id` int NOT NULL, `order_id` int, `card_no` varchar(20), "
        "`card_expire` varchar(7), `security_code` varchar(4), `holder_name` varchar(64), "
        "`create_date` datetime, PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;"
    )
    f.add("LOCK TABLES `plg_card_log` WRITE;")
    for i in range(corpus.count(500, 40)):
        number = _card_number(rng)
        cvv = _cvv(rng, number)
        corpus.plant(CARD, number)
        corpus.plant(CVV, cvv)
        holder = _person(rng).roman
        f.add(
            "INSERT INTO `plg_card_log` ("  # noqa: S608 -- dump text written to a file, never executed
            "`id`, `order_id`, `card_no`, `card_expire`, `security_code`, "
            f"`holder_name`, `create_date`) VALUES ({i + 1},{1000 + i},'{number}','{_expiry(rng, 'mm/yy')}',"
            f"'{cvv}','{holder}','{_when(rng):%Y-%m-%d %H:%M:%S}');",
            (CARD, EXPIRY, CVV, NAME),
        )
    f.add("UNLOCK TABLES;")
    _sql_customers(corpus, f, rng)
    _sql_orders(corpus, f, rng)
    f.close()


def _sql_customers(corpus: _Corpus, f: _TextFile, rng: random.Random) -> None:
    f.add("LOCK TABLES `dtb_customer` WRITE;")
    for i in range(corpus.count(500, 40)):
        p = _person(rng)
        sur, given = p.kanji.split(" ")
        ksur, kgiven = p.kana.split(" ")
        corpus.plant(PHONE, p.phone)
        corpus.plant(EMAIL, p.email)
        f.add(
            "INSERT INTO `dtb_customer` ("  # noqa: S608 -- dump text written to a file, never executed
            "`id`, `name01`, `name02`, `kana01`, `kana02`, `postal_code`, `addr01`, "
            "`email`, `phone_number`, `password`, `salt`, `secret_key`, `point`, `create_date`) VALUES "
            f"({i + 1},'{sur}','{given}','{ksur}','{kgiven}','{p.postal.replace('-', '')}','{p.address}',"
            f"'{p.email}','{p.phone.replace('-', '')}','{_hex(rng, 64)}','{_hex(rng, 10)}',"
            f"'{_hex(rng, 32)}','{rng.randrange(0, 999)}','{_when(rng):%Y-%m-%d %H:%M:%S}');",
            (NAME, POSTAL, ADDRESS, EMAIL, PHONE),
        )
    f.add("UNLOCK TABLES;")


def _php_string(value: str) -> str:
    return f's:{len(value.encode("utf-8"))}:\\"{value}\\";'


def _sql_orders(corpus: _Corpus, f: _TextFile, rng: random.Random) -> None:
    f.add("LOCK TABLES `dtb_order` WRITE;")
    for i in range(corpus.count(500, 40)):
        p = _person(rng)
        corpus.plant(EMAIL, p.email)
        corpus.plant(PHONE, p.phone)
        labels = [NAME, EMAIL, PHONE, POSTAL, ADDRESS]
        number = _card_number(rng)
        items: tuple[tuple[str, str], ...]
        if rng.random() < 0.6:
            cvv = _cvv(rng, number)
            corpus.plant(CARD, number)
            corpus.plant(CVV, cvv)
            items = (
                ("card_no", number),
                ("card_expire", _expiry(rng, "mm/yy")),
                ("security_code", cvv),
                ("pay_status", "1"),
            )
            labels += [CARD, EXPIRY, CVV]
        else:
            items = (("masked_card", _mask(number, rng)), ("pay_status", "1"), ("tran_id", _hex(rng, 20)))
        memo = f"a:{len(items)}:{{" + "".join(_php_string(k) + _php_string(v) for k, v in items) + "}"
        sur, given = p.kanji.split(" ")
        f.add(
            "INSERT INTO `dtb_order` ("  # noqa: S608 -- dump text written to a file, never executed
            "`id`, `customer_id`, `order_no`, `name01`, `name02`, `email`, "
            "`phone_number`, `postal_code`, `addr01`, `payment_method`, `total`, `memo02`) VALUES "
            f"({i + 1},{rng.randrange(0, 500)},'{rng.randrange(10**9, 10**10)}','{sur}','{given}','{p.email}',"
            f"'{p.phone}','{p.postal}','{p.address}','クレジットカード決済',{rng.randrange(500, 60000)},'{memo}');",
            labels,
        )
    f.add("UNLOCK TABLES;")


def _sessions(corpus: _Corpus) -> None:
    rng = corpus.rng("sessions")
    for _ in range(corpus.count(25, 4)):
        name = f"var/lib/php/sessions/sess_{_hex(rng, 26)}"
        f = _TextFile(corpus, name)
        number = _card_number(rng)
        has_card = rng.random() < 0.7
        parts = [f'_token|s:40:"{_hex(rng, 40)}";', f'cart_key|s:13:"{_hex(rng, 13)}";']
        labels: tuple[str, ...] = ()
        if has_card:
            cvv = _cvv(rng, number)
            month, year = _expiry_parts(rng)
            corpus.plant(CARD, number)
            corpus.plant(CVV, cvv)
            fields = (
                ("card_no", number),
                ("card_month", f"{month:02d}"),
                ("card_year", f"{year % 100:02d}"),
                ("security_code", cvv),
            )
            inner = "".join(f's:{len(k)}:"{k}";s:{len(v)}:"{v}";' for k, v in fields)
            parts.append(f"payment|a:{len(fields)}:{{{inner}}}")
            labels = (CARD, EXPIRY, CVV)
        f.add("".join(parts), labels)
        f.close()


def _mails(corpus: _Corpus) -> None:
    rng = corpus.rng("mails")
    for i in range(corpus.count(120, 12)):
        when = _when(rng)
        f = _TextFile(corpus, f"mail/support/{when:%Y-%m}/inquiry-{i + 1:04d}.txt")
        _mail(corpus, f, rng, when)
        f.close()


def _mail(corpus: _Corpus, f: _TextFile, rng: random.Random, when: datetime) -> None:
    p = _person(rng)
    corpus.plant(EMAIL, p.email)
    corpus.plant(EMAIL, "support@hobby-shop.example.jp")
    corpus.plant(PHONE, p.phone)
    f.add(f"From: {p.kanji} <{p.email}>", (EMAIL, NAME))
    f.add("To: support@hobby-shop.example.jp", (EMAIL,))
    f.add(f"Date: {when:%a, %d %b %Y %H:%M:%S} +0900")
    f.add(f"Subject: 注文について（受注番号 {when:%Y%m%d}-{rng.randrange(1, 9999):04d}）")
    f.add("")
    f.add("ホビーショップ ご担当者様")
    f.add("")
    f.add("いつもお世話になっております。")
    with_card = rng.random() < 0.35
    if with_card:
        number = _card_number(rng)
        cvv = _cvv(rng, number)
        corpus.plant(CARD, number)
        corpus.plant(CVV, cvv)
        f.add("注文の最後でカード決済がエラーになってしまいます。")
        f.add("念のためカード情報をお送りしますので、そちらで決済していただけますか。")
        f.add("")
        f.add(f"カード番号：{_format_card(rng, number, allow_fullwidth=True)}", (CARD,))
        f.add(f"有効期限：{_expiry(rng, rng.choice(('mm/yy', 'mm/yy', 'yyyy/mm', 'nen')))}", (EXPIRY,))
        f.add(f"セキュリティコード：{cvv}", (CVV,))
        f.add(f"カード名義：{p.roman}", (NAME,))
    else:
        f.add(f"{when.month}/{rng.randint(1, 28)}頃に発送予定とのことでしたが、まだ届いておりません。")
        f.add(f"商品番号 {rng.randrange(100, 999)} のフィギュアを{rng.randint(1, 3)}点注文しています。")
        f.add(f"お問い合わせ伝票番号：{_not_my_number(rng, '4')} とメールにありました。")
    f.add("")
    f.add(f"氏名：{p.kanji}", (NAME,))
    f.add(f"電話：{p.phone}", (PHONE,))
    corpus.plant(PHONE, p.phone)
    f.add(f"住所：〒{p.postal} {p.address}", (POSTAL, ADDRESS))
    f.add("")
    f.add("よろしくお願いいたします。")
    f.add(f"{p.kanji}", ())
    for _ in range(rng.randrange(0, 4)):
        f.add("")
        f.add("> ---- 以下、過去のやり取り ----")
        f.add(f"> {when:%Y/%m/%d} ホビーショップ カスタマーサポート")
        f.add("> ご注文ありがとうございます。発送準備が整い次第ご連絡いたします。")


_HR_HEADER = (
    "社員番号,氏名,フリガナ,生年月日,個人番号,郵便番号,住所,電話番号,メールアドレス,運転免許証番号,旅券番号,振込先口座"
)


def _hr_files(corpus: _Corpus) -> None:
    rng = corpus.rng("hr")
    f = _TextFile(corpus, "hr/従業員マスタ_2018.csv", encoding="cp932")
    f.add(_HR_HEADER)
    for i in range(corpus.count(120, 15)):
        p = _person(rng)
        mn = _my_number(rng)
        corpus.plant(MY_NUMBER, mn)
        corpus.plant(PHONE, p.phone)
        corpus.plant(EMAIL, p.email)
        labels = [NAME, MY_NUMBER, POSTAL, ADDRESS, PHONE, EMAIL]
        licence = passport = account = ""
        if rng.random() < 0.6:
            licence = f"{rng.choice(('62', '30', '63', '64'))}{rng.randrange(80, 100)}{rng.randrange(10**5, 10**6)}"
            licence += f"{rng.randrange(10)}{rng.randrange(3)}"
            labels.append(LICENSE)
        if rng.random() < 0.3:
            passport = f"{rng.choice(('TK', 'TR', 'MZ', 'TZ'))}{rng.randrange(10**6, 10**7)}"
            labels.append(PASSPORT)
        if rng.random() < 0.8:
            account = f"0005-{rng.randrange(100, 999)}-1-{rng.randrange(10**6, 10**7)}"
            labels.append(BANK)
        birth = datetime(1960, 1, 1) + timedelta(days=rng.randrange(0, 16000))
        f.add(
            f"E{i + 1:04d},{p.kanji},{p.kana},{birth:%Y/%m/%d},{_format_my_number(rng, mn)},{p.postal},{p.address},"
            f"{p.phone},{p.email},{licence},{passport},{account}",
            labels,
        )
    f.close()
    g = _TextFile(corpus, "hr/マイナンバー収集記録.txt")
    g.add("マイナンバー収集記録（人事部・取扱注意）")
    for i in range(corpus.count(40, 6)):
        mn = _my_number(rng)
        corpus.plant(MY_NUMBER, mn)
        g.add(
            f"E{i + 1:04d} 個人番号：{_format_my_number(rng, mn)} 本人確認書類：運転免許証 確認者：人事", (MY_NUMBER,)
        )
        g.add(f"E{i + 1:04d} 端末管理番号：{_not_my_number(rng)} 勤怠ID：{rng.randrange(10**7, 10**8)}")
    g.close()


def _decoy_csvs(corpus: _Corpus) -> None:
    rng = corpus.rng("jan")
    f = _TextFile(corpus, "master/jan_master.csv")
    f.add("JANコード,商品名,税込価格,在庫数")
    for _ in range(corpus.count(400, 30)):
        product, price = rng.choice(_PRODUCTS)
        f.add(f"{_jan(rng)},{product},{price},{rng.randrange(0, 120)}")
    f.close()
    rng = corpus.rng("tracking")
    g = _TextFile(corpus, "shipping/送り状番号_201810.csv", encoding="cp932")
    g.add("伝票番号,受注番号,配送業者,発送日,個口数")
    for _ in range(corpus.count(300, 30)):
        when = _when(rng)
        g.add(f"{_not_my_number(rng)},{when:%Y%m%d}-{rng.randrange(1, 9999):04d},ヤマト運輸,{when:%Y/%m/%d},1")
    g.close()


def _spreadsheets(corpus: _Corpus) -> None:
    # openpyxl is imported here so that the rest of the generator works without it.
    from openpyxl import Workbook

    rng = corpus.rng("xlsx")
    rel = "office/顧客管理台帳_2018.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "顧客一覧"
    ws.append(["顧客ID", "氏名", "フリガナ", "郵便番号", "住所", "電話番号", "メールアドレス", "備考"])
    for i in range(corpus.count(150, 15)):
        p = _person(rng)
        corpus.plant(PHONE, p.phone)
        corpus.plant(EMAIL, p.email)
        ws.append([i + 1, p.kanji, p.kana, p.postal, p.address, p.phone, p.email, "イベント参加"])
        row = i + 2
        for col, kind in (("B", NAME), ("C", NAME), ("D", POSTAL), ("E", ADDRESS), ("F", PHONE), ("G", EMAIL)):
            corpus.labels.append(Label(rel, None, "顧客一覧", f"{col}{row}", kind))
    cards = wb.create_sheet("カード控え")
    cards.append(["受注番号", "カード名義", "カード番号", "有効期限", "セキュリティコード", "JANコード"])
    for i in range(corpus.count(60, 8)):
        number = _card_number(rng)
        cvv = _cvv(rng, number)
        corpus.plant(CARD, number)
        corpus.plant(CVV, cvv)
        cards.append(
            [
                f"2018{rng.randrange(10**6, 10**7)}",
                _person(rng).roman,
                _format_card(rng, number),
                _expiry(rng, "mm/yy"),
                cvv,
                _jan(rng),
            ]
        )
        row = i + 2
        for col, kind in (("B", NAME), ("C", CARD), ("D", EXPIRY), ("E", CVV)):
            corpus.labels.append(Label(rel, None, "カード控え", f"{col}{row}", kind))
    products = wb.create_sheet("商品マスタ")
    products.append(["JANコード", "商品名", "価格", "入荷日"])
    for _ in range(corpus.count(80, 8)):
        product, price = rng.choice(_PRODUCTS)
        products.append([_jan(rng), product, price, f"{_when(rng):%Y/%m/%d}"])
    fixed = datetime(2018, 11, 5, 3, 0, 0)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "hobby-shop"
    buffer = io.BytesIO()
    wb.save(buffer)
    corpus.write_bytes(rel, _normalise_zip(buffer.getvalue(), fixed))


def _normalise_zip(data: bytes, fixed: datetime) -> bytes:
    """Rewrite an XLSX with fixed member timestamps (openpyxl stamps the save time) so bytes repeat."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = fixed.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            payload = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                payload = _fix_core_dates(payload, stamp)
            member = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            target.writestr(member, payload)
    return out.getvalue()


def _fix_core_dates(payload: bytes, stamp: bytes) -> bytes:
    import re

    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\g<2>", payload)


_FAMILIES = (
    _gateway_logs,
    _access_logs,
    _app_logs,
    _device_log,
    _order_csvs,
    _sql_dump,
    _sessions,
    _mails,
    _hr_files,
    _decoy_csvs,
    _spreadsheets,
)


def generate(out_dir: Path, *, seed: int = 2018, scale: float = 1.0) -> CorpusManifest:
    """Write the corpus under ``out_dir/data`` and its labels to ``out_dir/labels.jsonl``.

    ``scale`` multiplies the number of records (1.0 is about ``MB_PER_SCALE`` MB; use ``scale_for_size``).
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out_dir = Path(out_dir)
    root = out_dir / DATA_DIR
    root.mkdir(parents=True, exist_ok=True)
    corpus = _Corpus(root, seed, scale)
    for family in _FAMILIES:
        family(corpus)
    labels = sorted(set(corpus.labels), key=_label_order)
    labels_path = out_dir / LABELS_FILE
    labels_path.write_text(
        "".join(json.dumps(label.as_dict(), ensure_ascii=False) + "\n" for label in labels), encoding="utf-8"
    )
    return CorpusManifest(
        root=root,
        labels_path=labels_path,
        seed=seed,
        scale=scale,
        files=sorted(corpus.files),
        labels=labels,
        total_bytes=corpus.total_bytes,
        planted=corpus.planted,
    )


def _label_order(label: Label) -> tuple[str, int, str, str, str]:
    return (label.path, label.line or 0, label.sheet or "", label.cell or "", label.type)


def load_labels(labels_path: Path) -> list[Label]:
    """Read a ``labels.jsonl`` written by ``generate``."""
    labels = []
    for number, raw in enumerate(Path(labels_path).read_text(encoding="utf-8").splitlines(), start=1):
        try:
            item = json.loads(raw)
            labels.append(Label(item["path"], item["line"], item["sheet"], item["cell"], item["type"]))
        except (ValueError, KeyError) as exc:
            raise ValueError(f"{labels_path}:{number}: not a label line ({exc})") from None
    return labels


def card_values(manifest: CorpusManifest) -> Sequence[str]:
    """The full card numbers planted (digits only); for leak checks in tests. Never write these out."""
    return tuple(manifest.planted.get(CARD, ()))


# ---------------------------------------------------------------------------------------------------------
# Scoring: compare a scanner's findings with the labels
# ---------------------------------------------------------------------------------------------------------

Key = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Score:
    """Precision and recall of one type; keys are (path, location, type), duplicates count once."""

    type: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0


def finding_key(path: str, line: int | None, sheet: str | None, cell: str | None, kind: str, root: Path) -> Key:
    """The matching key of a finding; ``path`` may be absolute or relative to ``root``."""
    rel = path
    for prefix in (str(root.resolve()), str(root)):
        if rel.startswith(prefix + "/"):
            rel = rel[len(prefix) + 1 :]
            break
    where = f"L{line}" if line is not None and sheet is None else f"{sheet}!{cell}"
    return (rel, where, kind)


def score(labels: Iterable[Label], found: Iterable[Key], types: Iterable[str] | None = None) -> dict[str, Score]:
    """Per-type precision/recall of ``found`` keys against ``labels``."""
    expected = {label.key() for label in labels}
    got = set(found)
    kinds = sorted(set(types) if types is not None else {k[2] for k in expected | got})
    scores = {}
    for kind in kinds:
        exp = {k for k in expected if k[2] == kind}
        hit = {k for k in got if k[2] == kind}
        scores[kind] = Score(kind, len(exp & hit), len(hit - exp), len(exp - hit))
    return scores


def score_table(scores: dict[str, Score], title: str = "") -> str:
    """A plain-text table of per-type results (for test output and the benchmark)."""
    rows = [title] if title else []
    rows.append(f"{'type':<22} {'labels':>7} {'found':>7} {'TP':>7} {'FP':>6} {'FN':>6} {'precision':>9} {'recall':>7}")
    for s in scores.values():
        rows.append(
            f"{s.type:<22} {s.true_positives + s.false_negatives:>7} {s.true_positives + s.false_positives:>7} "
            f"{s.true_positives:>7} {s.false_positives:>6} {s.false_negatives:>6} {s.precision:>9.4f} {s.recall:>7.4f}"
        )
    return "\n".join(rows)
