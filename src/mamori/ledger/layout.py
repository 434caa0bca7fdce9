"""The spreadsheet layout of the ledger (台帳の列構成), shared by import and export.

The headers are the ones Japanese consultants put on a 個人情報管理台帳 sheet. Import accepts the
variants listed here (full-width or half-width characters, spaces, ※ marks, a note in brackets);
export always writes the first, canonical header, so that an exported file imports again unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from mamori.ledger.models import AcquisitionMethod, Medium, NoticeBasis


@dataclass(frozen=True)
class Column:
    key: str  # the LedgerEntry field (or "categories" / "contractors")
    header: str  # canonical Japanese header, written on export
    aliases: tuple[str, ...] = ()
    required: bool = False  # the header must be present


COLUMNS: tuple[Column, ...] = (
    # A running-number header alone names the reference column; beside 管理番号 it is ignored (RUNNING_NUMBER).
    Column(
        "reference",
        "管理番号",
        ("No", "No.", "番号", "#", "通番", "連番", "項番", "台帳番号", "管理No", "管理No.", "整理番号"),
        required=True,
    ),
    Column(
        "name",
        "個人情報の名称",
        ("個人情報名", "個人情報名称", "名称", "個人情報の名前", "台帳名", "個人情報"),
        required=True,
    ),
    Column("department", "管理部門", ("部門", "管理部署", "担当部署", "主管部門", "部署", "管理部門名"), required=True),
    Column("manager", "管理責任者", ("責任者", "管理者", "担当責任者")),
    Column(
        "categories",
        "項目",
        ("個人情報の項目", "データ項目", "個人情報項目", "含まれる項目", "取得項目"),
        required=True,
    ),
    Column("data_subjects", "本人の種別", ("本人の区分", "対象者", "本人", "本人区分", "本人の属性")),
    Column("approximate_count", "件数", ("概算件数", "概数", "件数(概数)", "数量", "人数")),
    Column("purposes", "利用目的", ("目的", "利用の目的"), required=True),
    Column("acquisition_method", "取得方法", ("取得形態", "入手方法", "取得経路", "取得の方法")),
    Column(
        "notice_basis",
        "通知・同意",
        ("通知/同意", "同意・通知", "通知・公表・同意", "本人同意", "通知・公表", "同意の有無"),
    ),
    Column("medium", "媒体", ("保管媒体", "保管方法", "形態", "媒体種別", "記録媒体")),
    Column("storage_locations", "保管場所", ("保存場所", "保管先")),
    Column("retention_period", "保管期限", ("保存期限", "保管期間", "保存期間", "利用期限")),
    Column("disposal_method", "廃棄方法", ("消去・廃棄方法", "廃棄", "廃棄・消去方法", "消去方法")),
    Column(
        "access_holders",
        "アクセス権を有する者",
        ("アクセス権者", "アクセス権限者", "利用者の範囲", "アクセス可能者", "取扱者"),
    ),
    Column("contractors", "委託先", ("委託先名", "委託", "委託の有無")),
    Column("third_party_provision", "第三者提供", ("提供先", "第三者提供の有無", "第三者提供先")),
    Column("foreign_transfer", "外国移転", ("外国にある第三者への提供", "海外移転", "外国への移転", "越境移転")),
    Column(
        "retained_personal_data",
        "保有個人データ",
        ("保有個人データ該当", "保有個人データの該当", "開示対象", "開示等の対象"),
    ),
    Column("last_reviewed", "最終見直し日", ("見直し日", "最終確認日", "最終更新日", "最終見直日")),
    Column("next_review_due", "次回見直し予定", ("次回見直し日", "次回見直し予定日", "次回確認日", "次回見直予定")),
    Column("card_data_retained", "カード情報の保持", ("カード情報保持", "カード情報", "カード情報の保持有無")),
    Column("notes", "備考", ("メモ", "特記事項")),
)
HEADERS = [c.header for c in COLUMNS]
# Headers of a consultant's running-number column (1, 2, 3 …). Beside a real 管理番号 column the running number
# says nothing about the entry, so the import ignores it instead of calling it the same column twice.
RUNNING_NUMBER = ("No", "No.", "#", "番号", "通番", "連番", "項番", "行番号", "NO")

_SPACES = re.compile(r"\s+")
_MARKS = re.compile(r"[※*＊◆●■]")
_NOTE = re.compile(r"\(.*?\)$")  # a trailing note such as (概算) or (例:紙)
_DASHES = str.maketrans({"〜": "~", "～": "~", "‐": "-", "―": "-", "/": "・", "／": "・", "･": "・"})


def normalise(text: str) -> str:
    """Fold width, spaces and punctuation so that variants of a header or label compare equal."""
    folded = unicodedata.normalize("NFKC", text).translate(_DASHES)
    folded = _SPACES.sub("", _MARKS.sub("", folded))
    return folded.casefold()


def _header_key(text: str) -> str:
    folded = normalise(text)
    return _NOTE.sub("", folded) or folded


HEADER_LOOKUP: dict[str, Column] = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        HEADER_LOOKUP[normalise(_name)] = _column
        HEADER_LOOKUP[_header_key(_name)] = _column


def column_for(header: str) -> Column | None:
    return HEADER_LOOKUP.get(normalise(header)) or HEADER_LOOKUP.get(_header_key(header))


_RUNNING_NUMBER_KEYS = frozenset(key(h) for h in RUNNING_NUMBER for key in (normalise, _header_key))


def is_running_number(header: str) -> bool:
    return normalise(header) in _RUNNING_NUMBER_KEYS or _header_key(header) in _RUNNING_NUMBER_KEYS


# ---------------------------------------------------------------------------------------------- labels

ACQUISITION_LABELS: dict[str, str] = {
    AcquisitionMethod.DIRECT_WRITTEN: "本人から直接書面",
    AcquisitionMethod.DIRECT_OTHER: "本人から直接(書面以外)",
    AcquisitionMethod.INDIRECT: "間接取得",
    AcquisitionMethod.ENTRUSTED: "受託",
    AcquisitionMethod.OTHER: "その他",
}
NOTICE_LABELS: dict[str, str] = {
    NoticeBasis.CONSENT: "同意",
    NoticeBasis.NOTICE: "通知",
    NoticeBasis.PUBLISHED: "公表",
    NoticeBasis.EXEMPT: "不要",
}
MEDIUM_LABELS: dict[str, str] = {Medium.PAPER: "紙", Medium.ELECTRONIC: "電子", Medium.BOTH: "紙・電子"}


def _choice_table(labels: dict[str, str], extra: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table = {normalise(label): str(value) for value, label in labels.items()}
    table.update({normalise(str(value)): str(value) for value in labels})
    for value, words in extra.items():
        table.update({normalise(w): value for w in words})
    return table


ACQUISITION_WORDS = _choice_table(
    ACQUISITION_LABELS,
    {
        "direct_written": ("直接書面", "書面", "本人から書面", "直接(書面)", "書面取得", "申込書", "直接取得(書面)"),
        "direct_other": (
            "直接(書面以外)",
            "直接",
            "口頭",
            "直接口頭",
            "本人から直接",
            "Web",
            "WEBフォーム",
            "直接(Web)",
        ),
        "indirect": ("間接", "第三者から", "第三者から取得", "間接(第三者から)"),
        "entrusted": ("委託元から", "委託を受けて", "受託(委託元から)", "受託業務"),
        "other": ("他",),
    },
)
NOTICE_WORDS = _choice_table(
    NOTICE_LABELS,
    {
        "consent": ("同意取得", "書面同意", "明示・同意", "同意済", "本人同意", "同意あり"),
        "notice": ("通知済", "本人通知", "通知・公表"),
        "published": ("HP公表", "ホームページで公表", "公表済", "Web公表", "公表(HP)"),
        "exempt": ("対象外", "不要(委託)", "適用除外", "除外"),
    },
)
MEDIUM_WORDS = _choice_table(
    MEDIUM_LABELS,
    {
        "paper": ("書面", "紙媒体", "ペーパー", "帳票"),
        "electronic": ("電子データ", "データ", "電子媒体", "PC", "システム", "電磁的記録", "サーバ"),
        "both": ("紙、電子", "紙,電子", "両方", "紙及び電子", "紙と電子", "電子・紙", "紙・データ"),
    },
)


@dataclass(frozen=True)
class YesNo:
    """The words a yes/no column accepts, as (yes, no) pairs. The first pair is the column's own (written on
    export and named first in an error message, with the next few); the import accepts every word listed."""

    pairs: tuple[tuple[str, str], ...]
    no_only: tuple[str, ...] = ("-", "ー", "―")  # a dash in the cell: no

    @property
    def yes(self) -> tuple[str, ...]:
        return tuple(yes for yes, _no in self.pairs)

    @property
    def no(self) -> tuple[str, ...]:
        return (*(no for _yes, no in self.pairs), *self.no_only)

    @property
    def true_words(self) -> frozenset[str]:
        return frozenset(normalise(w) for w in self.yes)

    @property
    def false_words(self) -> frozenset[str]:
        return frozenset(normalise(w) for w in self.no)


_COMMON_PAIRS = (
    ("○", "×"),
    ("あり", "なし"),
    ("有", "無"),
    ("はい", "いいえ"),
    ("〇", "✕"),
    ("◯", "×"),
    ("有り", "無し"),
    ("yes", "no"),
    ("y", "n"),
    ("true", "false"),
    ("1", "0"),
)
YES_NO: dict[str, YesNo] = {
    "retained_personal_data": YesNo((("該当", "非該当"), ("対象", "対象外"), *_COMMON_PAIRS, ("保持", "非保持"))),
    "card_data_retained": YesNo((("保持", "非保持"), *_COMMON_PAIRS, ("該当", "非該当"), ("対象", "対象外"))),
}
TRUE_WORDS = frozenset().union(*(y.true_words for y in YES_NO.values()))
FALSE_WORDS = frozenset().union(*(y.false_words for y in YES_NO.values()))
NONE_WORDS = frozenset(
    normalise(w) for w in ("なし", "無し", "無", "該当なし", "-", "ー", "―", "—", "×", "なし(-)", "非該当")
)
LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")


def yes_no_label(value: bool, column: str) -> str:
    words = YES_NO.get(column, YES_NO["retained_personal_data"])
    return words.yes[0] if value else words.no[0]


def date_text(value: dt.date | None) -> str:
    return value.strftime("%Y/%m/%d") if value else ""
