"""Documents of the PMS (内部規程・個人情報保護方針) and their approved versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    EXTERNAL_POLICY = (
        "external_policy",
        _("External personal-information protection policy"),
    )  # 外部向け個人情報保護方針
    INTERNAL_POLICY = (
        "internal_policy",
        _("Internal personal-information protection policy"),
    )  # 内部向け個人情報保護方針
    RULE = "rule", _("Internal rule")  # 内部規程
    PROCEDURE = "procedure", _("Procedure or manual")  # 手順書・マニュアル
    FORM = "form", _("Form or record template")  # 様式


POLICY_KINDS = (DocumentKind.EXTERNAL_POLICY, DocumentKind.INTERNAL_POLICY)


class Document(models.Model):
    """A controlled document (文書管理の対象)."""

    number = models.CharField(_("document number"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.TextField(_("reason for withdrawal"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("PMS document")
        verbose_name_plural = _("PMS documents")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def current_version(self) -> DocumentVersion | None:
        """The version in force: the latest approved one. Read from the versions already fetched where a list
        prefetched them (no query per document), else in one query."""
        approved = [v for v in self.versions.all() if v.approved_at is not None]
        return max(approved, key=lambda v: (v.approved_at, v.pk), default=None)


class DocumentVersion(models.Model):
    """One version of a document: drafted, then approved by the right role (policies: top management; rules and
    procedures: the protection manager), then effective. Versions are kept, never deleted."""

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.PROTECT, related_name="versions"
    )
    version = models.CharField(_("version"), max_length=20)
    summary = models.TextField(_("what changed"), blank=True)
    reference = models.CharField(_("where the text is (link or file location)"), max_length=500, blank=True)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("drafted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["document_id", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["document", "version"], name="pms_one_version_label_per_document")
        ]

    def __str__(self) -> str:
        return f"{self.document.number} v{self.version}"
