"""What a contract with a contractor must say (委託契約の必須事項), as data in one place.

``REQUIRED_ITEMS``: items a–h that JIS Q 15001 (2017, A.3.4.3.4) expects in a contract with a contractor
(paraphrased, not quoted). ``INCIDENT_CLAUSES``: the clauses the 2018 card case showed were missing — without
them a contractor may delete the evidence after the warning, as happened then. Both are checked per contract:
each item present or absent, with the clause that covers it (e.g. "第12条第2項").

The selection criteria (委託先の選定基準) start from ``DEFAULT_CRITERIA`` (migration 0003) and are edited as data.
"""

from __future__ import annotations

from typing import Final

from django.utils.translation import gettext_lazy as _

# key → (Japanese label of record, translatable label)
REQUIRED_ITEMS: Final = {
    "a_responsibilities": ("a) 委託者及び受託者の責任の範囲", _("a) Responsibilities of both parties")),
    "b_safety_measures": (
        "b) 安全管理に関する事項(漏えい・盗用の禁止、委託業務範囲外の利用・複写の禁止、契約期間、"
        "終了時の返却・消去・廃棄)",
        _("b) Safety measures (no leak or theft, no use or copy outside the scope, term, return/erasure at the end)"),
    ),
    "c_subcontracting": ("c) 再委託に関する事項", _("c) Sub-contracting conditions")),
    "d_handling_reports": (
        "d) 個人情報の取扱状況に関する委託者への報告の内容及び頻度",
        _("d) Content and frequency of handling reports to the client"),
    ),
    "e_audit_right": (
        "e) 契約内容が遵守されていることを委託者が定期的に及び必要に応じて確認できる事項",
        _("e) How the client checks compliance, periodically and when needed (audit right)"),
    ),
    "f_breach_measures": ("f) 契約内容が遵守されなかった場合の措置", _("f) Measures when the contract is breached")),
    "g_incident_reporting": (
        "g) 事件又は事故が発生した場合の報告・連絡に関する事項",
        _("g) Reporting and liaison when an incident happens"),
    ),
    "h_after_termination": ("h) 契約終了後の措置", _("h) What happens after the contract ends")),
}

INCIDENT_CLAUSES: Final = {
    "notice_within_hours": (
        "事故(の疑い)を知ってから定められた時間内に委託者へ通知すること",
        _("Notice to the client within a fixed number of hours of a suspected incident"),
    ),
    "preservation": (
        "ログ・ディスクイメージ・データベース・バックアップを保全すること",
        _("Preservation of logs, disk images, databases and backups"),
    ),
    "no_deletion_without_consent": (
        "委託者の書面による同意なく、削除・上書き・再構築をしないこと",
        _("Nothing deleted, overwritten or rebuilt without the client's written consent"),
    ),
    "log_retention": (
        "Web・アプリケーション・取引ログを定められた期間保存し、保護すること",
        _("Web, application and transaction logs kept for a set period and protected"),
    ),
    "card_data_non_retention": (
        "カード情報を保存しないこと(非保持)及びその確認",
        _("Card data is not stored (non-retention), and this is checked"),
    ),
}

ALL_ITEMS: Final = {**REQUIRED_ITEMS, **INCIDENT_CLAUSES}

# The notice time the manual recommends when a contract names none: the client must meet the PPC's 3–5 day
# preliminary report, so a contractor's notice within a day leaves time for the rest.
RECOMMENDED_NOTICE_HOURS: Final = 24
RECOMMENDED_LOG_RETENTION_DAYS: Final = 365

# (name in Japanese, name in English, weight) — from the criteria used in practice (reference: 委託先の監督).
DEFAULT_CRITERIA: Final = [
    ("プライバシーマーク又はISMS認証の取得", "Privacy Mark or ISMS certification", 3),
    ("個人情報の取扱いに関する内部規程の整備", "Internal rules for handling personal data", 2),
    ("責任者・体制の明確化", "Clear responsibilities and organisation", 2),
    ("物理的・人的安全管理措置(入退室管理、従業者教育)", "Physical and human safety measures", 2),
    ("技術的安全管理措置(アクセス制御、ログの取得・保存)", "Technical safety measures (access control, logs)", 3),
    ("再委託の管理", "Control of sub-contracting", 1),
    ("過去の事故の有無とその是正", "Past incidents and their fixes", 2),
    ("当社と同等以上の安全管理措置", "Safety measures at least equal to the client's own", 3),
]
MAX_SCORE: Final = 5  # each criterion is scored 0–5
DEFAULT_PASS_PERCENT: Final = 70


def item_label(key: str) -> str:
    """The Japanese label of a checklist item (the language of the contract)."""
    return ALL_ITEMS[key][0]
