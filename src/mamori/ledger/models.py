"""The personal-information ledger (個人情報管理台帳) and its catalogue of data categories.

JIS Q 15001 asks a company to identify all the personal information it handles and review the
register at least once a year. Each ``LedgerEntry`` is one row of that register; every change writes a
``LedgerEntryRevision`` so the full history of an entry can be shown and compared.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScannerType(models.TextChoices):
    """Finding types of the discovery scanner; reconciliation maps findings to categories through these.

    Kept equal to the scanner's registry (``mamori.discovery.engine.registry.TYPES``) by
    tests/discovery/engine/test_registry_ledger.py: a type the scanner reports must have a label here."""

    CREDIT_CARD_NUMBER = "credit_card_number", _("Credit card number")
    CARD_SECURITY_CODE = "card_security_code", _("Card security code")
    CARD_TRACK_DATA = "card_track_data", _("Magnetic stripe track data")
    CARD_EXPIRY = "card_expiry", _("Card expiry date")
    MY_NUMBER = "my_number", _("My Number")
    PHONE_NUMBER = "phone_number", _("Phone number")
    EMAIL_ADDRESS = "email_address", _("E-mail address")
    POSTAL_CODE = "postal_code", _("Postal code")
    ADDRESS = "address", _("Address")
    PERSON_NAME = "person_name", _("Person name")
    BANK_ACCOUNT = "bank_account", _("Bank account")
    DRIVERS_LICENSE = "drivers_license", _("Driver's licence number")
    PASSPORT_NUMBER = "passport_number", _("Passport number")


class DataCategory(models.Model):
    """One kind of personal data (氏名, 病歴, クレジットカード番号 ...) that ledger entries list as items."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)  # Japanese name, as on the sheet
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    aliases = models.JSONField(_("other names"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    special_care = models.BooleanField(_("special-care personal information (要配慮個人情報)"), default=False)
    card_data = models.BooleanField(_("card data"), default=False)
    my_number = models.BooleanField(_("My Number (個人番号)"), default=False)
    never_store = models.BooleanField(_("must never be stored"), default=False)
    scanner_type = models.CharField(_("scanner finding type"), max_length=40, choices=ScannerType.choices, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("data category")
        verbose_name_plural = _("data categories")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class AcquisitionMethod(models.TextChoices):
    DIRECT_WRITTEN = "direct_written", _("Directly from the person, in writing")  # 本人から直接書面で
    DIRECT_OTHER = "direct_other", _("Directly from the person, not in writing")  # 本人から直接(書面以外)
    INDIRECT = "indirect", _("Indirectly, from someone else")  # 間接取得
    ENTRUSTED = "entrusted", _("Entrusted by a client")  # 受託
    OTHER = "other", _("Other")


class NoticeBasis(models.TextChoices):
    CONSENT = "consent", _("Consent")  # 同意
    NOTICE = "notice", _("Notice to the person")  # 通知
    PUBLISHED = "published", _("Published")  # 公表
    EXEMPT = "exempt", _("Not required (exempt)")  # 不要


class Medium(models.TextChoices):
    PAPER = "paper", _("Paper")
    ELECTRONIC = "electronic", _("Electronic")
    BOTH = "both", _("Paper and electronic")


REVIEW_INTERVAL_DAYS = 365


def one_year_after(day: dt.date) -> dt.date:
    """The same calendar day a year later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


class LedgerEntry(models.Model):
    """One kind of personal information the company handles (a row of 個人情報管理台帳)."""

    reference = models.CharField(_("reference number"), max_length=50, unique=True)  # 管理番号
    name = models.CharField(_("name"), max_length=200)  # 個人情報の名称
    department = models.CharField(_("owning department"), max_length=100)  # 管理部門
    manager = models.CharField(_("manager"), max_length=100, blank=True)  # 管理責任者
    categories = models.ManyToManyField(DataCategory, verbose_name=_("data items"), related_name="entries", blank=True)
    data_subjects = models.CharField(_("data subjects"), max_length=200, blank=True)  # 本人の種別
    approximate_count = models.PositiveIntegerField(_("approximate count"), null=True, blank=True)  # 件数
    purposes = models.TextField(_("purposes of use"), blank=True)  # 利用目的
    acquisition_method = models.CharField(
        _("acquisition method"), max_length=20, choices=AcquisitionMethod.choices, blank=True
    )
    notice_basis = models.CharField(_("notice or consent"), max_length=20, choices=NoticeBasis.choices, blank=True)
    medium = models.CharField(_("storage medium"), max_length=20, choices=Medium.choices, blank=True)
    storage_locations = models.TextField(_("storage locations"), blank=True)  # 保管場所
    retention_period = models.CharField(_("retention period"), max_length=200, blank=True)  # 保管期限
    disposal_method = models.CharField(_("disposal method"), max_length=200, blank=True)  # 廃棄方法
    access_holders = models.TextField(_("who has access"), blank=True)  # アクセス権を有する者
    contractors = models.ManyToManyField(
        "contractors.Contractor", verbose_name=_("contractors"), related_name="ledger_entries", blank=True
    )
    third_party_provision = models.TextField(_("provision to third parties"), blank=True)  # 第三者提供 (blank: none)
    foreign_transfer = models.TextField(_("transfer abroad"), blank=True)  # 外国移転 (blank: none)
    retained_personal_data = models.BooleanField(
        _("retained personal data (保有個人データ)"),
        default=True,
        help_text=_("Subject to requests for disclosure, correction and cessation of use."),
    )
    # The company's declaration that card numbers are not kept (カード情報の非保持); reconciliation checks it.
    card_data_retained = models.BooleanField(_("card data is retained"), default=False)
    last_reviewed = models.DateField(_("last reviewed"), null=True, blank=True)  # 最終見直し日
    next_review_due = models.DateField(_("next review due"), null=True, blank=True)  # 次回見直し予定
    notes = models.TextField(_("notes"), blank=True)  # 備考
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["reference"]
        indexes = [models.Index(fields=["department", "name"]), models.Index(fields=["next_review_due"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    def review_overdue(self, today: dt.date | None = None) -> bool:
        """見直し期限を過ぎています — the same rule as ``review_overdue_q`` (no next review date, or one passed)."""
        today = today or timezone.localdate()
        return self.next_review_due is None or self.next_review_due < today


def review_overdue_q(today: dt.date | None = None) -> models.Q:
    """The entries whose review is overdue, as ``LedgerEntry.review_overdue`` decides one by one: the ledger
    page's filter, the API's ``overdue`` filter and the dashboard's review card all use this one rule, so an
    entry never reviewed (no dates) is on the dashboard as it is flagged on the ledger."""
    today = today or timezone.localdate()
    return models.Q(next_review_due__isnull=True) | models.Q(next_review_due__lt=today)


class LedgerEntryRevision(models.Model):
    """A snapshot of an entry after each change, numbered from 1, written in the same transaction."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    snapshot = models.JSONField(_("snapshot"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_by_name = models.CharField(_("changed by"), max_length=150)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    summary = models.CharField(_("change summary"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("ledger entry revision")
        verbose_name_plural = _("ledger entry revisions")
        ordering = ["entry", "-number"]
        constraints = [models.UniqueConstraint(fields=["entry", "number"], name="ledger_revision_unique_number")]

    def __str__(self) -> str:
        return f"{self.entry_id} r{self.number}"
