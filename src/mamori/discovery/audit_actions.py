"""Audit actions the discovery app records, each with the label the audit trail shows (監査ログの操作名)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "archive": _("Archive"),
    "connection_test": _("Connection test"),
    "view_findings": _("Findings viewed"),
}

# How the trail reads the messages discovery stores (see mamori.audit.registry); record_findings_read writes
# "<where>: <what>".
MESSAGES = {
    r"(?P<where>page|api|comparison with scan \d+): (?P<what>.+)": _("%(where)s: %(what)s"),
    r"page": _("page"),
    r"api": _("API"),
    r"comparison with scan (?P<id>\d+)": _("comparison with scan %(id)s"),
    r"(?P<count>\d+) findings": _("%(count)s findings"),
    r"locations of finding (?P<id>\d+) \((?P<count>\d+) matches\)": _(
        "locations of finding %(id)s (%(count)s matches)"
    ),
}
