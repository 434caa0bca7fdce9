"""Audit actions of background jobs (see ``mamori.audit.registry``)."""

import re

from django.utils.translation import gettext_lazy as _

from mamori.jobs.labels import LABELS

ACTIONS = {
    "job_enqueued": _("Background job queued"),
    "job_cancelled": _("Background job cancelled"),
}

MESSAGES = {
    r"job (?P<id>[0-9a-f-]{36})": _("job %(id)s"),
    # a job's name in the trail (``discovery.scan (uuid)``): the task's label, then the id
    r"(?P<task>[a-z_]+\.[a-z_]+) \((?P<id>[0-9a-f-]{36})\)": _("%(task)s (%(id)s)"),
    **{re.escape(name): label for name, label in LABELS.items()},
}
