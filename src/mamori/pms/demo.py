"""The demo company's PMS in its first year after the breach: policy and register in place, risk assessment and
training under way, the internal audit half done, documents partly approved, a request and a complaint at the desk —
and the security measures marked implemented while the latest scan still finds card data, which the readiness
report shows as a disagreement.

Loaded once: each part is created only when none of its kind exists, and requirements someone has already touched
are left alone.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from mamori.accounts.models import User
from mamori.accounts.policy import SYSTEM
from mamori.pms import (
    services,
    services_audits,
    services_documents,
    services_requests,
    services_reviews,
    services_training,
)
from mamori.pms.models import (
    AuditPlan,
    AuditResult,
    Complaint,
    Control,
    ControlStatus,
    Course,
    Document,
    DocumentKind,
    ManagementReview,
    SubjectRequest,
)

# key: (owner's username, status, note)
STATE = {
    "policy": ("president", ControlStatus.IMPLEMENTED, "2019年4月制定、ウェブサイトで公表。"),
    "scope": ("manager", ControlStatus.IMPLEMENTED, "本社・通販事業部・委託先サーバ運用。"),
    "identification": ("manager", ControlStatus.IMPLEMENTED, "個人情報管理台帳を Mamori で管理。"),
    "risk-assessment": ("manager", ControlStatus.IN_PROGRESS, "通販の台帳項目から順に評価中。"),
    "awareness": ("manager", ControlStatus.IN_PROGRESS, "全従業者向け教育を実施中。"),
    "internal-audit": ("auditor", ControlStatus.IN_PROGRESS, "今年度の内部監査を実施中。"),
    "security-measures": ("manager", ControlStatus.IMPLEMENTED, "カード情報は保持しない方針(非保持化)。"),
    "contractor-supervision": ("manager", ControlStatus.IN_PROGRESS, "委託契約に事故時の条項を追加中。"),
    "emergency": ("manager", ControlStatus.IMPLEMENTED, "事故対応手順書を Mamori に登録。"),
    "internal-rules": ("manager", ControlStatus.IN_PROGRESS, "委託先管理規程を改訂中。"),
}


def load_demo_pms() -> None:
    users = {u.username: u for u in User.objects.filter(username__in={"president", "manager", "auditor", "staff"})}
    if len(users) < 4:
        return
    today = timezone.localdate()
    for control in Control.objects.filter(key__in=STATE, updated_at__isnull=True):
        username, status, note = STATE[control.key]
        services.update_control(SYSTEM, control, {"owner": users[username], "status": status, "note": note})
    if not Document.objects.exists():
        _documents(users)
    if not Course.objects.exists():
        _training(users, today)
    if not AuditPlan.objects.exists():
        _audit(users, today)
    if not SubjectRequest.objects.exists() and not Complaint.objects.exists():
        _desk(users, today)
    if not ManagementReview.objects.exists():  # this year's review so far: inputs gathered, meeting not held yet
        year = services_training.fiscal_year(today)
        services_reviews.create_review(users["manager"], dt.date(year, 4, 1), today)


POLICY_SINCE = dt.date(2019, 4, 1)  # the policies' date, as the policy requirement's note says (2019年4月制定)
POLICY_NOTE = "2019年4月1日制定。Mamori 導入時に登録し再承認。"


def _documents(users: dict[str, User]) -> None:
    """The policies are the 2019 ones, in force and published since then (registered and re-approved when Mamori
    came in, so the approval date is the day of loading); the rules are approved on that day and in force from it."""
    manager, president = users["manager"], users["president"]
    since = POLICY_SINCE
    specs = [
        ("P-001", "個人情報保護方針(外部向け)", DocumentKind.EXTERNAL_POLICY, "1.0", since, since, president),
        ("P-002", "個人情報保護方針(内部向け)", DocumentKind.INTERNAL_POLICY, "1.0", since, None, president),
        ("R-001", "個人情報保護規程", DocumentKind.RULE, "2.0", None, None, manager),
        ("R-002", "委託先管理規程", DocumentKind.RULE, "1.1", None, None, None),
    ]
    for number, title, kind, version, effective, published, approver in specs:
        document = services_documents.create_document(manager, {"number": number, "title": title, "kind": kind})
        draft = services_documents.draft_version(
            manager,
            document,
            {
                "version": version,
                "summary": POLICY_NOTE if effective else "",
                "reference": f"共有フォルダ/PMS/{number}.docx",
                "effective_from": effective,
                "published_on": published,
            },
        )
        if approver is not None:
            services_documents.approve_version(approver, draft)


def _training(users: dict[str, User], today: dt.date) -> None:
    manager = users["manager"]
    year = services_training.fiscal_year(today)
    general = services_training.create_course(
        manager,
        {
            "title": "個人情報保護教育(全従業者)",
            "description": "方針・規程、台帳、事故時の連絡、カード情報を保持しないこと。理解度テスト付き。",
            "fiscal_year": year,
            "due_date": dt.date(year + 1, 3, 31),
            "pass_mark": 80,
        },
    )
    cards = services_training.create_course(
        manager,
        {
            "title": "カード情報の取扱いと事故時の初動",
            "description": "2018年の事故を教訓に、カード情報の非保持と証拠保全の手順を学ぶ。",
            "fiscal_year": year,
            "due_date": today - dt.timedelta(days=7),
            "pass_mark": 80,
        },
    )
    done = today - dt.timedelta(days=20)
    services_training.record_attendance(manager, general, users["president"], done, 90)
    services_training.record_attendance(manager, general, manager, done, 100)
    services_training.record_attendance(manager, cards, manager, done, 95)
    services_training.record_attendance(manager, cards, users["staff"], done, 60)


def _audit(users: dict[str, User], today: dt.date) -> None:
    auditor = users["auditor"]
    plan = services_audits.create_plan(
        auditor,
        {
            "title": "定期内部監査(通販事業部・委託先管理)",
            "fiscal_year": services_training.fiscal_year(today),
            "scope": "通販事業部、管理部(委託先管理)",
            "planned_from": today - dt.timedelta(days=10),
            "planned_to": today + dt.timedelta(days=20),
            "lead_auditor": auditor,
        },
    )
    results = {
        "policy": (AuditResult.CONFORMS, "外部向け方針の公表をウェブサイトで確認。", "https://example.jp/privacy"),
        "identification": (AuditResult.CONFORMS, "台帳の記載項目と見直し記録を確認。", ""),
        "awareness": (AuditResult.NONCONFORMITY, "通販担当1名が理解度テストで合格点に達していない。", "教育記録"),
        "contractor-supervision": (
            AuditResult.OBSERVATION,
            "委託契約に事故時の証拠保全・無断消去禁止の条項がない。改訂中とのこと。",
            "委託契約書(なにわシステムサービス)",
        ),
    }
    for item in plan.items.select_related("control").filter(control__key__in=results):
        result, observed, ref = results[item.control.key]
        services_audits.record_result(auditor, item, result, observed, ref)


def _desk(users: dict[str, User], today: dt.date) -> None:
    staff, manager = users["staff"], users["manager"]
    late = services_requests.record_request(
        staff,
        {
            "kind": "disclosure",
            "received_on": today - dt.timedelta(days=20),
            "channel": "post",
            "requester_name": "架空 次郎",
            "requester_contact": "大阪市北区(郵送)",
            "details": "自分の保有個人データの開示を求める(通知書を受け取ったため)。",
        },
    )
    services_requests.check_identity(manager, late, "運転免許証の写しと登録住所の照合")
    done = services_requests.record_request(
        staff,
        {
            "kind": "cessation",
            "received_on": today - dt.timedelta(days=30),
            "channel": "email",
            "requester_name": "架空 花子",
            "details": "メールマガジンの停止と会員情報の削除。",
        },
    )
    services_requests.check_identity(manager, done, "登録メールアドレスからの請求を確認")
    services_requests.answer_request(
        manager, done, "responded", today - dt.timedelta(days=25), "配信を停止し、会員情報を削除した旨を回答。"
    )
    services_requests.record_complaint(
        staff,
        {
            "kind": "inquiry",
            "received_on": today - dt.timedelta(days=3),
            "channel": "phone",
            "summary": "漏えいのお知らせを受け取った。自分のカードは使われていないか。",
        },
    )
