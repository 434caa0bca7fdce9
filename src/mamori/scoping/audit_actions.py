"""Audit actions of scoping (影響範囲の特定; see ``mamori.audit.registry``)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "scoping_previewed": _("Scoping previewed"),
    "scoping_succeeded": _("Scoping completed"),
    "scoping_people_viewed": _("Affected people viewed"),
    "scoping_exported": _("Affected people exported"),
    "scoping_archived": _("Scoping archived"),
    "scoping_inquiry": _("Inquiry desk lookup"),
}
