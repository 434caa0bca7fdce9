"""Roles from JIS Q 15001 practice. Codes are stable (stored, used in settings and the API)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TOP_MANAGEMENT = "top_management", _("Top management")  # トップマネジメント
    PROTECTION_MANAGER = (
        "protection_manager",
        _("Personal-information protection manager"),
    )  # 個人情報保護管理者
    AUDIT_MANAGER = "audit_manager", _("Internal audit manager")  # 個人情報保護監査責任者
    STAFF = "staff", _("Staff")  # 従業者
    CONTRACTOR = "contractor", _("Contractor user")  # 委託先担当者
    INVESTIGATOR = "investigator", _("Outside investigator")  # 外部調査員


INTERNAL_ROLES = frozenset({Role.TOP_MANAGEMENT, Role.PROTECTION_MANAGER, Role.AUDIT_MANAGER, Role.STAFF})
