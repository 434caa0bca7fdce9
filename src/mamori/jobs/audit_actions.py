"""Audit actions of background jobs (see ``mamori.audit.registry``)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "job_enqueued": _("Background job queued"),
    "job_cancelled": _("Background job cancelled"),
}

MESSAGES = {
    r"job (?P<id>[0-9a-f-]{36})": _("job %(id)s"),
}
