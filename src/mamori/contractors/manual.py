"""The joint incident manual (会社間の事故対応マニュアル) of each contractor — what the 2018 case lacked.

Built from the incident playbooks (``incidents.Playbook``) and the contract's clauses: who calls whom, within
how many hours, what to preserve and how, the rule that nothing is deleted without the client's written
consent, how evidence reaches the client (the portal upload and its SHA-256). Japanese is the language of
record. Laid out by the report writers of ``incidents.reports`` (DOCX with python-docx, PDF with fpdf2 and
the IPAex font), stored per generation as a version with the hashes of its files; never changed nor deleted.

The contractor's users acknowledge the latest version in their portal; the acknowledgement is due
``ACKNOWLEDGE_WITHIN_DAYS`` after a new version and every year after the last one, with e-mail reminders
from the reminder job (``send_acknowledgement_reminders``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from typing import Final

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.models import User
from mamori.accounts.policy import SYSTEM, Action, Actor
from mamori.accounts.roles import Role
from mamori.audit import services as audit
from mamori.contractors import checklist, services
from mamori.contractors.models import Contract, Contractor, ManualAcknowledgement, ManualVersion
from mamori.core.models import Organisation
from mamori.incidents.models import Playbook
from mamori.incidents.reports import to_docx, to_pdf
from mamori.incidents.reports.content import Document, Section
from mamori.incidents.reports.texts import JA, REPORT_ITEMS

MANUAL: Final = services.MANUAL
ACKNOWLEDGE_WITHIN_DAYS: Final = 14  # a new version is acknowledged within two weeks
REMINDER_DAYS: Final = (30, 7, 1)  # before the yearly re-acknowledgement is due
FORMATS: Final = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
PLACEHOLDER: Final = JA["placeholder"]
NINE_ITEMS: Final = [title for _n, title in REPORT_ITEMS["ja"]]


# --- content -----------------------------------------------------------------------------------------------


def _people(role: str) -> list[str]:
    users = User.objects.filter(role=role, is_active=True).order_by("pk")
    return [f"{u.display_name or u.get_username()}" + (f"({u.email})" if u.email else "") for u in users]


def _fmt_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else PLACEHOLDER


def _clause(contract: Contract | None, key: str) -> str:
    """Where the contract says it, or a marked gap that this manual itself now covers."""
    if contract is None:
        return "契約未登録(本マニュアルへの合意により適用)"
    present, clause = contract.item(key)
    return (
        f"契約 {clause}"
        if present
        else "契約に定めなし(本マニュアルへの合意により適用。次回契約更新時に条項化すること)"
    )


def build(contractor: Contractor, version: int = 0, generated_at: dt.datetime | None = None) -> Document:
    """The manual's content for one contractor (format-free; the DOCX and PDF writers lay it out)."""
    org = Organisation.current()
    client = org.name if org else PLACEHOLDER
    contract = services.current_contract(contractor)
    hours = (contract.notice_hours if contract else None) or checklist.RECOMMENDED_NOTICE_HOURS
    hours_basis = (
        _clause(contract, "notice_within_hours")
        if contract and contract.notice_hours
        else (f"契約に定めがないため推奨値 {checklist.RECOMMENDED_NOTICE_HOURS} 時間を適用")
    )
    log_days = (contract.log_retention_days if contract else None) or checklist.RECOMMENDED_LOG_RETENTION_DAYS
    entries = list(services.handled_entries(contractor).order_by("reference"))
    sensitive = services.sensitive_data(contractor)
    managers = _people(Role.PROTECTION_MANAGER) or [PLACEHOLDER]
    top = _people(Role.TOP_MANAGEMENT) or [PLACEHOLDER]
    portal_url = settings.SITE_URL.rstrip("/") + reverse("incidents:portal-home")
    bullet = JA["bullet"]

    lead = (
        ("委託元", client),
        ("委託先", contractor.name),
        ("委託業務", contractor.services or PLACEHOLDER),
        (
            "契約",
            f"{contract.title}({contract.reference or '番号なし'}、{_fmt_date(contract.starts_on)}から)"
            if contract
            else "契約未登録",
        ),
        ("版", f"第{version}版" if version else "(下書き)"),
        ("作成日", _fmt_date(timezone.localdate(generated_at)) if generated_at else PLACEHOLDER),
    )
    intro = (
        f"本マニュアルは、{client}(以下「委託元」)と{contractor.name}(以下「委託先」)の間で、委託先が取り扱う"
        "個人情報について事故(漏えい、滅失、毀損及びそれらのおそれ)が起きたときに、両社がそれぞれ何を、いつまでに、"
        "誰に対して行うかを定めるものです。",
        "2018年のカード情報漏えい事案では、委託元への警告の後に委託先がサーバー上のカード情報を削除したため、"
        "どのカードが漏えいしたかを特定できませんでした。本マニュアルはそれを二度と起こさないためのものです。",
    )
    sections = [
        Section(
            "取り扱う個人情報",
            tuple(
                [
                    f"{bullet}{e.reference} {e.name}(項目: {'、'.join(c.name for c in e.categories.all()) or '未登録'})"
                    for e in entries
                ]
                or ["個人情報管理台帳に、この委託先が取り扱う項目は登録されていません。"]
            )
            + (("この委託先はカード情報を取り扱います。",) if "card" in sensitive else ())
            + (("この委託先は要配慮個人情報を取り扱います。",) if "special_care" in sensitive else ()),
        ),
        Section(
            "連絡体制(誰が誰に連絡するか)",
            (
                f"委託先は、事故又はその疑いを知った時点から{hours}時間以内に、委託元の個人情報保護管理者に電話と"
                "書面(電子メール又はポータル)で連絡します。すべてが分かっていなくても、疑いの段階で連絡します。"
                f"根拠: {hours_basis}。",
                f"{bullet}委託先の窓口: {contractor.contact_name or PLACEHOLDER}"
                f"(電話 {contractor.contact_phone or PLACEHOLDER}、メール {contractor.contact_email or PLACEHOLDER})",
                f"{bullet}委託元の窓口(個人情報保護管理者): {'、'.join(managers)}",
                f"{bullet}委託元の責任者(代表者・トップマネジメント): {'、'.join(top)}",
                f"{bullet}連絡を受けた委託元は、直ちに代表者に報告し、対応体制を立ち上げます。",
                f"{bullet}委託先はポータル({portal_url})の「事故(の疑い)を報告する」からも報告できます。"
                "報告した時点が委託元の覚知日時となり、個人情報保護委員会への速報(3〜5日以内)の期限がそこから始まります。",
                "委託先の最初の連絡には、分かる範囲で次の九項目を含めます: " + "、".join(NINE_ITEMS) + "。",
                "公表(ホームページ、報道発表等)は委託元が行います。委託先は、委託元の同意なく事故について公表しません。",
            ),
        ),
        Section(
            "保全するもの・保全のしかた",
            (
                f"{bullet}Webサーバー、アプリケーション、データベース、WAF、決済モジュールの各ログ",
                f"{bullet}サーバーのディスクイメージ、データベースのダンプ、バックアップ一式",
                f"{bullet}設定ファイル、アカウント・権限の一覧、作業記録(いつ、誰が、何をしたか)",
                "サーバーの電源は切らず、ネットワークから隔離します。複製を取る場合は原本を残し、"
                "複製ごとに SHA-256 のハッシュ値を記録します。",
                f"ログは平常時から{log_days}日以上保存し、改ざんされないよう保護します。"
                f"根拠: {_clause(contract, 'log_retention')}。",
                f"保全の根拠: {_clause(contract, 'preservation')}。",
            ),
        ),
        Section(
            "削除の禁止(委託元の書面による同意なく削除しない)",
            (
                "事故又はその疑いを知った時点から、委託先は、委託元の書面による同意なく、ログ、データ、"
                "ディスク、バックアップを削除、上書き、初期化、再構築しません。カード情報を含むデータも同じです。",
                "再構築や復旧が必要な場合は、保全が終わったことを委託元が確認し、書面で同意してから行います。",
                "委託元から証拠保全の依頼が届いたら、ポータルの事案ページで内容を読み「確認しました(すべて保全します)」"
                "を押します。確認するまで毎日メールが届き、3日を過ぎると委託元の個人情報保護管理者に連絡されます。",
                f"根拠: {_clause(contract, 'no_deletion_without_consent')}。",
            ),
        ),
        Section(
            "証拠の引渡し(証拠が委託元に届くまで)",
            (
                "証拠ファイルはポータルの事案ページからアップロードします。アップロードの時点で委託元のシステムが "
                "SHA-256 を計算し、暗号化した上で保管の連鎖(いつ、誰が受け取ったか)を記録します。",
                "委託先は、アップロードの前に自社でも SHA-256 を計算し、アップロード時のメモに記入します。"
                "委託元は両者が一致することを確認します。",
                "ポータルに載らない大きさのもの(ディスクイメージ等)は、暗号化した媒体で手渡しし、ハッシュ値の一覧と"
                "受領書を交わします。",
            ),
        ),
        Section(
            "カード情報の非保持",
            (
                "委託先は、カード番号、有効期限、セキュリティコード等のカード情報を委託元の業務のために保存しません"
                "(非保持)。セキュリティコードは、いかなる形でも保存してはいけません。",
                f"根拠: {_clause(contract, 'card_data_non_retention')}。委託元はファイルとデータベースの走査で、"
                "保存されていないことを定期的に確認します。",
            ),
        ),
        Section("委託元の対応手順と委託先の役割", tuple(_playbook_lines())),
        Section("契約条項との対応", tuple(_contract_lines(contract))),
        Section(
            "確認と見直し",
            (
                "委託先は、本マニュアルの各版をポータルで確認します。新しい版は作成から"
                f"{ACKNOWLEDGE_WITHIN_DAYS}日以内に、その後は毎年一回確認し直します。",
                "本マニュアルは委託元の対応手順又は契約が変わったときに作り直し、版ごとにハッシュ値を記録して保管します。",
            ),
        ),
    ]
    if "card" not in sensitive:
        sections = [s for s in sections if s.heading != "カード情報の非保持"]
    sections = [dataclasses.replace(s, number=n) for n, s in enumerate(sections, 1)]
    return Document(
        title="会社間の事故対応マニュアル",
        subtitle=f"{client} / {contractor.name}",
        lead=lead,
        intro=intro,
        sections=tuple(sections),
        note="" if contract else "契約が登録されていません。契約に事故対応条項を定めてください。",
        placeholder=PLACEHOLDER,
    )


def _playbook_lines() -> list[str]:
    lines: list[str] = []
    for playbook in Playbook.objects.filter(active=True).prefetch_related("steps").order_by("key"):
        lines.append(f"■ {playbook.name_ja}")
        for step in playbook.steps.all():
            who = "【委託先も対応】" if "委託先" in step.title_ja + step.description_ja else ""
            day = f"{step.due_days}日目" if step.due_days is not None else "随時"
            lines.append(f"{JA['bullet']}{day}: {step.title_ja}{who}")
    return lines or ["対応手順(プレイブック)が登録されていません。"]


def _contract_lines(contract: Contract | None) -> list[str]:
    lines = []
    for key, (label, _en) in checklist.ALL_ITEMS.items():
        present, clause = contract.item(key) if contract else (False, "")
        lines.append(f"{JA['bullet']}{label}: " + (f"あり({clause})" if present else "なし"))
    return lines


def content_hash(doc: Document) -> str:
    """A hash of what the manual says, without its version and date, to tell whether anything changed."""
    body = dataclasses.asdict(doc)
    body["lead"] = [pair for pair in body["lead"] if pair[0] not in ("版", "作成日")]
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


# --- versions ------------------------------------------------------------------------------------------------


def versions(actor: Actor, contractor: Contractor) -> QuerySet[ManualVersion]:
    queryset = ManualVersion.objects.filter(contractor=contractor).defer("docx", "pdf")
    return policy.scope(actor, MANUAL, queryset)


def latest(contractor: Contractor) -> ManualVersion | None:
    return ManualVersion.objects.filter(contractor=contractor).defer("docx", "pdf").order_by("-version").first()


def generate(actor: Actor, contractor: Contractor) -> ManualVersion:
    """Make and store a new version (DOCX and PDF, with their SHA-256); refuse when nothing changed since the last.
    Raises ``FontMissing`` when the server has no Japanese font for the PDF (nothing is stored then)."""
    policy.check(actor, Action.ADD, MANUAL)
    with transaction.atomic():
        Contractor.objects.select_for_update().get(pk=contractor.pk)  # one generation at a time per contractor
        previous = latest(contractor)
        number = (previous.version if previous else 0) + 1
        now = timezone.now()
        with translation.override("ja"):
            doc = build(contractor, number, now)
        digest = content_hash(doc)
        if previous is not None and previous.content_sha256 == digest:
            raise ValidationError(
                _("Nothing changed since version %(version)d; it stays the current manual.")
                % {"version": previous.version}
            )
        docx, pdf = to_docx.write(doc, "ja"), to_pdf.write(doc, "ja")
        version = ManualVersion.objects.create(
            contractor=contractor,
            version=number,
            contract=services.current_contract(contractor),
            generated_at=now,
            generated_by=None if policy.is_system(actor) else actor,
            docx=docx,
            docx_sha256=hashlib.sha256(docx).hexdigest(),
            pdf=pdf,
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            content_sha256=digest,
        )
        audit.record(
            actor,
            "contractor_manual_generated",
            version,
            message=f"v{number} docx sha256={version.docx_sha256} pdf sha256={version.pdf_sha256}",
        )
    return version


def filename(version: ManualVersion, fmt: str) -> str:
    return f"incident-manual-contractor-{version.contractor_id}-v{version.version}.{fmt}"


def download(actor: Actor, version: ManualVersion, fmt: str) -> tuple[str, bytes]:
    """A user downloads a stored version (the very bytes whose hash was recorded); audited."""
    policy.check(actor, Action.EXPORT, MANUAL, version)
    if fmt not in FORMATS:
        raise ValidationError(_("fmt: choose docx or pdf."))
    stored = ManualVersion.objects.filter(pk=version.pk).values_list(fmt, flat=True).get()
    content = bytes(stored)
    with transaction.atomic():
        audit.record(actor, "contractor_manual_downloaded", version, message=f"{filename(version, fmt)}")
    return filename(version, fmt), content


# --- acknowledgement (委託先の確認) -------------------------------------------------------------------------


def _plus_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def last_acknowledgement(version: ManualVersion) -> ManualAcknowledgement | None:
    return version.acknowledgements.order_by("-acknowledged_at", "-pk").first()


def acknowledgement_due(contractor: Contractor) -> dt.date | None:
    """When the contractor must (re-)acknowledge: a new version within two weeks of its generation, then a year
    after the last acknowledgement of the current version. None when there is no manual yet."""
    current = latest(contractor)
    if current is None:
        return None
    ack = last_acknowledgement(current)
    if ack is None:
        return timezone.localdate(current.generated_at) + dt.timedelta(days=ACKNOWLEDGE_WITHIN_DAYS)
    return _plus_year(timezone.localdate(ack.acknowledged_at))


def acknowledgement_due_dates(contractor_ids: list[int]) -> dict[int, dt.date]:
    """``acknowledgement_due`` for many contractors in two queries (for the warnings)."""
    latest_versions: dict[int, tuple[int, dt.datetime]] = {}
    rows = ManualVersion.objects.filter(contractor_id__in=contractor_ids).order_by("contractor_id", "-version")
    for contractor_id, pk, generated_at in rows.values_list("contractor_id", "pk", "generated_at"):
        latest_versions.setdefault(contractor_id, (pk, generated_at))
    acks = (
        ManualAcknowledgement.objects.filter(version_id__in=[pk for pk, _at in latest_versions.values()])
        .values("version_id")
        .annotate(last=Max("acknowledged_at"))
    )
    last = {row["version_id"]: row["last"] for row in acks}
    due = {}
    for contractor_id, (pk, generated_at) in latest_versions.items():
        if pk in last:
            due[contractor_id] = _plus_year(timezone.localdate(last[pk]))
        else:
            due[contractor_id] = timezone.localdate(generated_at) + dt.timedelta(days=ACKNOWLEDGE_WITHIN_DAYS)
    return due


def acknowledge(actor: Actor, version: ManualVersion) -> ManualAcknowledgement:
    """A user of the version's contractor confirms that its company read and agrees to it; the current version
    only, and not again while the last confirmation is more than 30 days from falling due."""
    policy.check(actor, Action.CHANGE, MANUAL, version)
    services.require_contractor_user_of(actor, version.contractor_id)
    with transaction.atomic():
        Contractor.objects.select_for_update().get(pk=version.contractor_id)
        current = latest(version.contractor)
        if current is None or current.pk != version.pk:
            raise ValidationError(_("A newer version of the manual exists: read and acknowledge that one."))
        due = acknowledgement_due(version.contractor)
        if last_acknowledgement(version) is not None and due and (due - timezone.localdate()).days > max(REMINDER_DAYS):
            raise ValidationError(
                _("Already acknowledged; the next confirmation is due on %(date)s.") % {"date": due.isoformat()}
            )
        ack = ManualAcknowledgement.objects.create(
            version=version, contractor_id=version.contractor_id, acknowledged_by=actor, acknowledged_at=timezone.now()
        )
        audit.record(
            actor,
            "contractor_manual_acknowledged",
            version,
            message=f"v{version.version} pdf sha256={version.pdf_sha256} by {actor.get_username()}",
        )
    return ack


# --- reminders (called by the reminder job, incidents.remind) ---------------------------------------------------


def reminder_stage(days_left: int) -> str | None:
    """ "due" on the day, "before-N" for the smallest of 30/7/1 it is within, "overdue" after; None otherwise."""
    if days_left < 0:
        return "overdue"
    if days_left == 0:
        return "due"
    within = [n for n in REMINDER_DAYS if days_left <= n]
    return f"before-{min(within)}" if within else None


def send_acknowledgement_reminders(today: dt.date | None = None) -> int:
    """E-mail each contractor's users when its manual acknowledgement falls due (30, 7, 1 days before, on the
    day); once overdue, the contractor's users and the protection managers once. Keyed in ``ReminderSent``,
    so any number of runs send each reminder once. Returns how many e-mails were queued."""
    from mamori.incidents import reminders
    from mamori.jobs.services import enqueue

    today = today or timezone.localdate()
    queued = 0
    for contractor in Contractor.objects.filter(active=True).order_by("pk"):
        due = acknowledgement_due(contractor)
        if due is None:
            continue
        stage = reminder_stage((due - today).days)
        if stage is None:
            continue
        users = User.objects.filter(role=Role.CONTRACTOR, contractor=contractor, is_active=True)
        if stage == "overdue":
            users = users | User.objects.filter(role=Role.PROTECTION_MANAGER, is_active=True)
        addresses = sorted({u.email for u in users if u.email})
        if not addresses:
            continue
        current = latest(contractor)
        key = f"contractor:{contractor.pk}:manual-ack:v{current.version if current else 0}:{due.isoformat()}:{stage}"
        with transaction.atomic():
            if not reminders.claim_key(key, timezone.now(), len(addresses)):
                continue
            subject, body = _message(contractor, due, stage)
            enqueue(SYSTEM, "mail.send", subject=subject, body=body, recipients=addresses)
            audit.record(
                SYSTEM, "contractor_manual_reminder_sent", contractor, message=f"{key} → {', '.join(addresses)}"
            )
        queued += 1
    return queued


def _message(contractor: Contractor, due: dt.date, stage: str) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Mamori] Please confirm the joint incident manual by %(date)s") % {"date": due.isoformat()}
        if stage == "overdue":
            subject = _("[Mamori] Overdue: the joint incident manual of %(name)s was not confirmed") % {
                "name": contractor.name
            }
        body = "\n".join(
            [
                _("The joint incident manual between your company and the client is read and confirmed every year."),
                _("Due: %(date)s") % {"date": due.isoformat()},
                "",
                settings.SITE_URL.rstrip("/") + reverse("contractors:portal-manual"),
            ]
        )
    return subject, body
