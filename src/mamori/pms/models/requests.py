"""Requests from the people whose data the company holds (開示等の請求) and complaints or inquiries (苦情・相談)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    NOTICE_OF_PURPOSE = "purpose", _("Notice of the purpose of use")  # 利用目的の通知
    DISCLOSURE = "disclosure", _("Disclosure")  # 開示
    CORRECTION = "correction", _("Correction, addition or deletion")  # 訂正・追加・削除
    CESSATION = "cessation", _("Cessation of use or erasure")  # 利用停止・消去
    STOP_PROVISION = "stop_provision", _("Cessation of provision to third parties")  # 第三者提供の停止
    PROVISION_RECORDS = "provision_records", _("Disclosure of third-party provision records")  # 第三者提供記録の開示


class Channel(models.TextChoices):
    POST = "post", _("Post")
    WEB = "web", _("Web form")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    COUNTER = "counter", _("In person")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")  # 受付
    IN_PROGRESS = "in_progress", _("Being handled")  # 対応中
    RESPONDED = "responded", _("Responded")  # 回答済み
    REFUSED = "refused", _("Refused with reasons")  # 不開示等(理由を通知)
    WITHDRAWN = "withdrawn", _("Withdrawn by the requester")  # 取下げ


CLOSED_REQUEST = (RequestStatus.RESPONDED, RequestStatus.REFUSED, RequestStatus.WITHDRAWN)


class SubjectRequest(models.Model):
    """A request under APPI Art. 32–35 (開示等の請求), from receipt to the answer. Holds the requester's name and
    contact — personal data: reading it is audited."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("request"), max_length=20, choices=RequestKind.choices)
    received_on = models.DateField(_("received on"))
    channel = models.CharField(_("received by"), max_length=10, choices=Channel.choices)
    requester_name = models.CharField(_("requester"), max_length=100)
    requester_contact = models.CharField(_("requester's contact"), max_length=200, blank=True)
    by_agent = models.BooleanField(_("made by an agent (代理人)"), default=False)
    details = models.TextField(_("what is asked"), blank=True)
    ledger_entry = models.ForeignKey(
        "ledger.LedgerEntry",
        verbose_name=_("personal information concerned"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    identity_method = models.CharField(_("how identity was checked"), max_length=200, blank=True)
    identity_checked_at = models.DateTimeField(_("identity checked at"), null=True, blank=True)
    identity_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("identity checked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_date = models.DateField(_("answer due"))
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.RECEIVED)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    answer = models.TextField(_("answer given (or reasons for refusal)"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("request from a person (開示等の請求)")
        verbose_name_plural = _("requests from persons (開示等の請求)")
        ordering = ["-received_on", "-pk"]

    def __str__(self) -> str:
        return self.reference

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_REQUEST


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")  # 苦情
    INQUIRY = "inquiry", _("Inquiry")  # 相談・問い合わせ


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")  # 受付
    HANDLING = "handling", _("Being handled")  # 対応中
    CLOSED = "closed", _("Closed")  # 完了


class Complaint(models.Model):
    """A complaint or inquiry about how personal information is handled (苦情・相談), and how it was handled."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=ComplaintKind.choices, default=ComplaintKind.COMPLAINT)
    received_on = models.DateField(_("received on"))
    channel = models.CharField(_("received by"), max_length=10, choices=Channel.choices)
    summary = models.TextField(_("what was said"))
    contact = models.CharField(_("contact for the answer"), max_length=200, blank=True)
    case = models.ForeignKey(
        "incidents.IncidentCase",
        verbose_name=_("related incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN)
    handling = models.TextField(_("how it was handled"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    nonconformity = models.ForeignKey(
        "risk.Nonconformity",
        verbose_name=_("nonconformity raised"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("complaint or inquiry (苦情・相談)")
        verbose_name_plural = _("complaints and inquiries (苦情・相談)")
        ordering = ["-received_on", "-pk"]

    def __str__(self) -> str:
        return self.reference
