"""Audit actions the risk app records, each with the label the audit trail shows (監査ログの操作名)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "archive": _("Archive"),
    "accept": _("Residual risk accepted"),
    "nonconformity_closed": _("Nonconformity closed after the effectiveness check"),
    # written by the scan job on the risk or nonconformity a reconciliation gap was recorded as
    "gap_evidence_added": _("Gap still shown by a later scan"),
    "gap_resolved": _("Gap resolved by a later scan"),
}

# How the trail reads the messages risk stores (see mamori.audit.registry).
MESSAGES = {
    r"generated for the five lifecycle stages": _("generated for the five lifecycle stages"),
}
