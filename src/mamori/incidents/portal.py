"""The contractor portal (委託先ポータル) and outside investigators' access (外部調査員).

Contractor users report a suspected incident (their notice to the client, which starts the client's clock),
upload evidence to their contractor's cases, acknowledge the preservation notices (証拠保全の依頼) the client
sends them, and see and update the tasks assigned to them. Until a notice is acknowledged, the contractor's
users are reminded every day and after three days the protection managers are told (``remind_unacknowledged``).

Managers invite an outside investigator to one case until a date and end that access early. Every change is
one function here: policy check, change and audit entry in one transaction, as in ``core.actions``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.models import User
from mamori.accounts.policy import SYSTEM, Action, Actor
from mamori.accounts.roles import Role
from mamori.audit import services as audit
from mamori.contractors.models import Contractor
from mamori.incidents import deadlines, services
from mamori.incidents.models import (
    CaseAccess,
    CaseTask,
    DetectionSource,
    IncidentCase,
    PreservationNotice,
    TaskStatus,
    TimelineEvent,
    TimelineKind,
)
from mamori.incidents.reminders import claim_key
from mamori.jobs.context import JobContext
from mamori.jobs.registry import task

CASE = "incident_case"
NOTICE = "preservation_notice"
TASK = "case_task"
ACCESS = "case_access"

ACKNOWLEDGE_WITHIN = dt.timedelta(days=1)  # the notice is due for acknowledgement one day after it was sent
ESCALATE_AFTER = dt.timedelta(days=3)  # then the protection managers are told, once
MAX_NOTE = 2000

# The default preservation notice. Japanese: it goes to a Japanese contractor whatever the sender's language;
# the sender may edit it before sending.
NOTICE_TEXT = "\n".join(
    [
        "「{case}」について、証拠の保全をお願いします（証拠保全の依頼）。",
        "",
        "当社（委託元）は、この事案を個人情報の漏えい等のおそれがあるものとして調査しています。"
        "当社が書面で解除をお知らせするまで、次のとおり対応してください。",
        "",
        "1. この事案に関係するおそれのあるデータと記録は、すべてそのまま保存してください。",
        "2. 当社の書面による同意なく、削除・上書き・初期化・再構築・ログのローテーションによる消去をしないでください。"
        "カード情報を含むデータも削除せずに保全してください（消去の要否は調査の後に当社と協議します）。",
        "3. 保全の対象: サーバーのディスクイメージ（可能であれば停止前のメモリを含む）、"
        "Web サーバー・アプリケーション・OS・ファイアウォールなどのログ、データベース（ダンプまたはスナップショット）、"
        "管理画面や FTP などへのアクセス記録、設定ファイル、改ざんの疑いのあるファイル、バックアップ。",
        "4. 証拠の受け渡し: 取得したファイルは Mamori の委託先ポータルからこの事案にアップロードしてください"
        "（SHA-256 ハッシュ値が自動で記録されます）。ディスクイメージなど大きなものは、保管場所・取得日時・ハッシュ値を"
        "ポータルでお知らせいただき、当社または当社が依頼するフォレンジック調査会社の指示に従って受け渡してください。",
        "5. この依頼を受け取ったら、ポータルで「確認しました」を押してください。"
        "確認がない間は毎日お知らせし、3 日を過ぎると当社の個人情報保護管理者に連絡します。",
        "",
    ]
)


def default_notice_text(case: IncidentCase) -> str:
    return NOTICE_TEXT.format(case=case.title)


# --- helpers -------------------------------------------------------------------------------------------


def _event(
    actor: Actor, case: IncidentCase, when: dt.datetime, title: str, description: str = "", **extra: Any
) -> TimelineEvent:
    """A timeline line written by Mamori for a portal action, with its audit entry (caller's transaction)."""
    return services._system_entry(case, actor, title, description, occurred_at=when, **extra)


def _addresses(users: Iterable[User]) -> list[str]:
    return sorted({u.email for u in users if u.is_active and u.email})


def protection_managers() -> QuerySet[User]:
    return User.objects.filter(role=Role.PROTECTION_MANAGER, is_active=True)


def contractor_users(contractor: Contractor | None) -> QuerySet[User]:
    if contractor is None:
        return User.objects.none()
    return User.objects.filter(role=Role.CONTRACTOR, contractor=contractor, is_active=True)


def _link(name: str, *args: Any) -> str:
    try:
        return settings.SITE_URL.rstrip("/") + reverse(name, args=args)
    except NoReverseMatch:
        return settings.SITE_URL


def _mail(actor: Actor, users: Iterable[User], subject: str, body: str) -> int:
    """Queue one e-mail to the users' addresses through the job runner; returns how many addresses."""
    from mamori.jobs.services import enqueue

    recipients = _addresses(users)
    if recipients:
        enqueue(actor, "mail.send", subject=subject, body=body, recipients=recipients)
    return len(recipients)


def _check_case(actor: Actor, case: IncidentCase) -> None:
    """404 for a case the actor may not know of, before any other answer."""
    policy.check(actor, Action.VIEW, CASE, case)


# --- a contractor's report ---------------------------------------------------------------------------


def check_may_report(actor: Actor) -> None:
    """403 unless the actor is a contractor user who may open cases (asked before any input is read)."""
    policy.check(actor, Action.ADD, CASE)
    if not policy.is_contractor_user(actor):
        raise PermissionDenied(_("Only contractor users report incidents through the portal."))


def report_incident(actor: Actor, data: Mapping[str, Any]) -> IncidentCase:
    """A contractor user reports a suspected incident: a case of its contractor, opened now.

    The report is the contractor's notice to the client (規則 Art. 9): the client learns of the incident at
    the moment of the report, so ``discovered_at`` (which starts every legal clock) is now. When the
    contractor learned of it earlier, that moment is kept in the timeline next to the report.
    """
    check_may_report(actor)
    now = timezone.now()
    learned_at = data.get("learned_at")
    if learned_at is not None and learned_at > now:
        raise ValidationError({"learned_at": _("The time you learned of it cannot be in the future.")})
    values = {
        "title": data.get("title", ""),
        "summary": data.get("summary", ""),
        "detection_detail": data.get("detection_detail", ""),
        "discovered_at": now,
        "detection_source": DetectionSource.CONTRACTOR,
        "suspected_breach": True,
        "contractor_notified_at": now,
        "contractor_notified_by": actor,
    }
    with transaction.atomic():
        case = services.create_case(actor, values)
        who = {"contractor": str(actor.contractor), "user": str(actor)}  # the display name people recognise
        if learned_at is not None:
            _event(actor, case, learned_at, _("%(contractor)s learned of the incident") % who, kind=TimelineKind.EVENT)
        _event(
            actor,
            case,
            now,
            _("%(contractor)s reported the incident (%(user)s); the company learned of it now") % who,
            case.summary,
            source=_("Contractor portal"),
        )
        _mail_report(actor, case, learned_at)
    return case


def _mail_report(actor: Actor, case: IncidentCase, learned_at: dt.datetime | None) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Mamori] Incident reported by contractor %(contractor)s: %(title)s") % {
            "contractor": actor.contractor,
            "title": case.title,
        }
        lines = [
            _("A contractor reported a suspected incident through the portal."),
            "",
            _("Contractor: %(name)s") % {"name": actor.contractor},
            _("Reported by: %(user)s") % {"user": actor.get_username()},
            _("Reported at (the company learned of it): %(when)s") % {"when": services._stamp(case.discovered_at)},
        ]
        if learned_at is not None:
            lines.append(_("The contractor learned of it at: %(when)s") % {"when": services._stamp(learned_at)})
        lines += ["", case.title, case.summary, "", _link("incidents:detail", case.pk)]
    _mail(actor, protection_managers(), subject, "\n".join(lines))


# --- preservation notices ----------------------------------------------------------------------------


def send_preservation_notice(
    actor: Actor, case: IncidentCase, contractor: Contractor | None = None, text: str = ""
) -> PreservationNotice:
    """The client asks the case's contractor to preserve everything (証拠保全の依頼)."""
    _check_case(actor, case)
    policy.check(actor, Action.ADD, NOTICE)
    contractor = contractor or case.contractor
    if contractor is None:
        raise ValidationError({"contractor": _("This case names no contractor to send a preservation notice to.")})
    if contractor.pk != case.contractor_id:
        raise ValidationError({"contractor": _("A preservation notice goes to the contractor named on the case.")})
    text = (text or "").strip() or default_notice_text(case)
    now = timezone.now()
    with transaction.atomic():
        notice = PreservationNotice.objects.create(
            case=case, contractor=contractor, text=text, sent_by=actor, sent_at=now
        )
        audit.record_create(actor, notice)
        # The text itself stays on the notice; the timeline says that it went out.
        _event(actor, case, now, _("Preservation notice sent to %(contractor)s") % {"contractor": contractor})
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("[Mamori] Preservation notice: %(title)s") % {"title": case.title}
            body = "\n".join(
                [text, "", _("Please acknowledge it in the portal:"), _link("incidents:portal-case", case.pk)]
            )
        _mail(actor, contractor_users(contractor), subject, body)
    return notice


def visible_notices(actor: Actor) -> QuerySet[PreservationNotice]:
    return policy.scope(actor, NOTICE, PreservationNotice.objects.select_related("case", "contractor", "sent_by"))


def acknowledge_notice(actor: Actor, notice: PreservationNotice) -> PreservationNotice:
    """A user of the notice's contractor confirms receipt; once only."""
    policy.check(actor, Action.CHANGE, NOTICE, notice)
    if not policy.is_contractor_user(actor) or actor.contractor_id != notice.contractor_id:
        raise PermissionDenied(_("Only the contractor's users acknowledge its preservation notice."))
    with transaction.atomic():
        notice = PreservationNotice.objects.select_for_update().get(pk=notice.pk)
        if notice.acknowledged_at is not None:
            raise ValidationError(
                _("This notice was already acknowledged by %(who)s at %(when)s.")
                % {"who": notice.acknowledged_by, "when": services._stamp(notice.acknowledged_at)}
            )
        before = audit.snapshot(notice)
        notice.acknowledged_by, notice.acknowledged_at = actor, timezone.now()
        notice.save(update_fields=["acknowledged_by", "acknowledged_at"])
        audit.record_update(actor, notice, before)
        title = _("%(contractor)s acknowledged the preservation notice (%(user)s)") % {
            "contractor": notice.contractor,
            "user": actor.get_username(),
        }
        _event(actor, notice.case, notice.acknowledged_at, title)
    return notice


@dataclass(frozen=True)
class ReminderRun:
    reminded: int  # notices whose contractor was reminded in this run
    escalated: int  # notices escalated to the protection managers in this run


def remind_unacknowledged(now: dt.datetime | None = None) -> ReminderRun:
    """Remind the contractor's users of each overdue notice once a day; after three days tell the managers once.

    Safe to run as often as one likes: each reminder has a key (notice and local date) in ``ReminderSent``,
    whose unique constraint lets exactly one run send it, even when two run at once.
    """
    now = now or timezone.now()
    reminded = escalated = 0
    open_notices = PreservationNotice.objects.filter(
        acknowledged_at__isnull=True, sent_at__lte=now - ACKNOWLEDGE_WITHIN
    )
    for notice in open_notices.select_related("case", "contractor").order_by("pk"):
        reminded += _remind(notice, now)
        if now - notice.sent_at >= ESCALATE_AFTER and notice.escalated_at is None:
            escalated += _escalate(notice, now)
    return ReminderRun(reminded, escalated)


def _remind(notice: PreservationNotice, now: dt.datetime) -> int:
    users = list(contractor_users(notice.contractor))
    key = f"preservation:{notice.pk}:remind:{timezone.localdate(now).isoformat()}"
    with transaction.atomic():
        if not claim_key(key, now, len(_addresses(users))):
            return 0
        before = audit.snapshot(notice)
        notice.reminders_sent += 1
        notice.last_reminded_at = now
        notice.save(update_fields=["reminders_sent", "last_reminded_at"])
        audit.record_update(SYSTEM, notice, before, message="reminder sent")
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("[Mamori] Reminder: please acknowledge the preservation notice for %(title)s") % {
                "title": notice.case.title
            }
            body = "\n".join(
                [
                    _("The preservation notice sent on %(when)s has not been acknowledged yet.")
                    % {"when": services._stamp(notice.sent_at)},
                    _("Keep every record of this incident and delete nothing. Acknowledge the notice here:"),
                    _link("incidents:portal-case", notice.case_id),
                    "",
                    notice.text,
                ]
            )
        _mail(SYSTEM, users, subject, body)
    return 1


def _escalate(notice: PreservationNotice, now: dt.datetime) -> int:
    managers = list(protection_managers())
    with transaction.atomic():
        if not claim_key(f"preservation:{notice.pk}:escalate", now, len(_addresses(managers))):
            return 0
        before = audit.snapshot(notice)
        notice.escalated_at = now
        notice.save(update_fields=["escalated_at"])
        audit.record_update(SYSTEM, notice, before, message="escalated to the protection managers")
        title = _("%(contractor)s has not acknowledged the preservation notice after 3 days") % {
            "contractor": notice.contractor
        }
        _event(SYSTEM, notice.case, now, title)
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("[Mamori] Not acknowledged for 3 days: preservation notice to %(contractor)s") % {
                "contractor": notice.contractor
            }
            body = "\n".join(
                [
                    _("%(contractor)s has not acknowledged the preservation notice sent on %(when)s.")
                    % {"contractor": notice.contractor, "when": services._stamp(notice.sent_at)},
                    _("Call the contractor and make sure nothing is deleted."),
                    _link("incidents:detail", notice.case_id),
                ]
            )
        _mail(SYSTEM, managers, subject, body)
    return 1


@task("incidents.preservation_reminders", max_attempts=1)
def preservation_reminders(ctx: JobContext) -> dict[str, int]:
    """Reminders and escalation of unacknowledged preservation notices (run it daily, or more often)."""
    run = remind_unacknowledged()
    return {"reminded": run.reminded, "escalated": run.escalated}


@deadlines.provider
def preservation_deadlines(case: IncidentCase) -> Iterator[deadlines.Deadline]:
    for notice in case.preservation_notices.select_related("contractor"):
        yield deadlines.Deadline(
            key=f"case:{case.pk}:preservation:{notice.pk}:acknowledge",
            case_id=case.pk,
            title=_("Acknowledge preservation notice (%(contractor)s)") % {"contractor": notice.contractor},
            due=timezone.localdate(notice.sent_at + ACKNOWLEDGE_WITHIN),
            basis=_("Preservation notice sent %(when)s") % {"when": services._stamp(notice.sent_at)},
            done=notice.acknowledged_at is not None,
            url=reverse("incidents:portal-case", args=[case.pk]) if _has_route() else "",
            recipients=tuple(contractor_users(notice.contractor).values_list("pk", flat=True)),
        )


def _has_route() -> bool:
    try:
        reverse("incidents:portal-home")
    except NoReverseMatch:
        return False
    return True


# --- tasks assigned to a user ------------------------------------------------------------------------


def my_tasks(actor: Actor) -> QuerySet[CaseTask]:
    """Tasks assigned to the actor, in any case it may see."""
    policy.check(actor, Action.VIEW, TASK)
    tasks = services.scope_tasks(actor, CaseTask.objects.select_related("case", "owner"))
    return tasks.filter(owner_id=actor.pk).order_by("status", "due_date", "pk")


def update_my_task(actor: Actor, task: CaseTask, status: str, note: str = "") -> CaseTask:
    """The owner of a task moves it (to do → in progress → done) and may leave a note on the case's timeline.

    The status change is the cases part's ``set_task_status`` (its rules, audit entry and timeline line); the
    note, when the status change did not already carry it onto the timeline, is a timeline note."""
    if not my_tasks(actor).filter(pk=task.pk).exists():
        raise policy.NotVisible("No case_task matches the given query.")
    policy.check(actor, Action.CHANGE, TASK, task)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("The note is longer than %(max)d characters.") % {"max": MAX_NOTE}})
    if status == TaskStatus.CANCELLED and not note:
        raise ValidationError({"note": _("Say why the task is cancelled.")})
    with transaction.atomic():
        changed = status != task.status
        task = services.set_task_status(actor, task, status, note)
        if note and not (changed and status in (TaskStatus.DONE, TaskStatus.CANCELLED)):
            title = _("Task “%(task)s” (%(status)s): %(note)s") % {
                "task": task.title,
                "status": task.get_status_display(),
                "note": note,
            }
            services.add_note(actor, task.case, title)
    return task


# --- cases seen through the portal -------------------------------------------------------------------


def visible_cases(actor: Actor) -> QuerySet[IncidentCase]:
    policy.check(actor, Action.VIEW, CASE)
    return policy.scope(actor, CASE, IncidentCase.objects.select_related("contractor")).order_by("-discovered_at")


def upload_evidence(actor: Actor, case: IncidentCase, fileobj: Any, name: str, description: str = "") -> Any:
    """Evidence from the portal goes through the locker's own service (hash, custody record, hold)."""
    _check_case(actor, case)
    try:
        from mamori.evidence.services import add_upload
    except ImportError:
        raise ValidationError({"file": _("The evidence locker is not available.")}) from None
    return add_upload(actor, case, fileobj, name, description=description, reason=_("Uploaded through the portal"))


def narrow_evidence(actor: Actor, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Contractor users see, among their contractor's case evidence, what their own company's users added;
    the client's evidence (its logs, preserved copies) stays internal."""
    if not policy.is_contractor_user(actor):
        return queryset
    fields = {f.name for f in queryset.model._meta.get_fields()}
    for name in ("uploaded_by", "added_by", "created_by"):
        if name in fields:
            return queryset.filter(**{f"{name}__contractor_id": actor.contractor_id})
    return queryset.none()


# --- outside investigators ---------------------------------------------------------------------------


def end_of_day(day: dt.date) -> dt.datetime:
    """Access "until 2024-06-30" lasts to the end of that day in the site's time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def invite_investigator(actor: Actor, case: IncidentCase, user: User, until: dt.date) -> CaseAccess:
    """Let an outside investigator read this case (its timeline and evidence list) until the end of ``until``."""
    _check_case(actor, case)
    if until < timezone.localdate():
        raise ValidationError({"until": _("The access must end today or later.")})
    # Not on the timeline, which the contractor's users read: the audit trail and the case page record it.
    return services.invite_investigator(actor, case, user, end_of_day(until))


def revoke_access(actor: Actor, access: CaseAccess) -> CaseAccess:
    """End an investigator's access now. The invitation stays on record, with the time it ended."""
    policy.check(actor, Action.CHANGE, ACCESS)
    _check_case(actor, access.case)
    now = timezone.now()
    with transaction.atomic():
        access = CaseAccess.objects.select_for_update().select_related("case", "user").get(pk=access.pk)
        if access.expires_at <= now:
            raise ValidationError(_("This access has already ended."))
        before = audit.snapshot(access)
        access.expires_at = now
        access.save(update_fields=["expires_at"])
        audit.record_update(actor, access, before, message="access revoked")
    return access


def case_accesses(actor: Actor, case: IncidentCase) -> QuerySet[CaseAccess]:
    return policy.scope(actor, ACCESS, case.accesses.select_related("user")).order_by("-expires_at")


def invitable_investigators() -> QuerySet[User]:
    return User.objects.filter(role=Role.INVESTIGATOR, is_active=True).order_by("username")
