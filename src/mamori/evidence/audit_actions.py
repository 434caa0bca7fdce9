"""Audit actions of evidence (証拠): one per chain-of-custody action, written as ``evidence_<action>`` by
``services.custody``, and the preservation jobs (see ``mamori.audit.registry``)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "evidence_uploaded": _("Evidence added"),
    "evidence_viewed": _("Evidence viewed"),
    "evidence_downloaded": _("Evidence downloaded"),
    "evidence_exported": _("Evidence exported"),
    "evidence_transferred": _("Evidence transferred"),
    "evidence_verified": _("Evidence verified"),
    "evidence_destroyed": _("Evidence destroyed"),
    "evidence_hold_placed": _("Legal hold placed on evidence"),
    "evidence_hold_released": _("Legal hold on evidence released"),
    "preservation_started": _("Preservation started"),
    "preservation_failed": _("Preservation failed"),
}

MESSAGES = {
    r"(?P<what>.+) \(job (?P<id>[0-9a-f-]{36})\)": _("%(what)s (job %(id)s)"),
}
