"""Audit actions the discovery app records, each with the label the audit trail shows (監査ログの操作名)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "archive": _("Archive"),
    "connection_test": _("Connection test"),
    "view_findings": _("Findings viewed"),
}
