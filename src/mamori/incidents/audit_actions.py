"""Audit actions of incident cases (インシデント事案; see ``mamori.audit.registry``)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "place_hold": _("Legal hold placed"),
    "release_hold": _("Legal hold released"),
    "reminder_sent": _("Reminder sent"),
}

MESSAGES = {
    r"withdrawn": _("withdrawn"),
    r"reminder sent": _("reminder sent"),
    r"escalated to the protection managers": _("escalated to the protection managers"),
    r"access revoked": _("access revoked"),
    r"report draft (?P<name>.+)": _("report draft %(name)s"),
    r"playbook (?P<key>[\w-]+)": _("playbook %(key)s"),
    r"case file export; (?P<rest>.+)": _("case file export; %(rest)s"),
}
