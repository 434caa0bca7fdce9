"""What each background job does, in the reader's language (ジョブの種類): the job list shows these, not the
task's dotted code (``discovery.scan`` → データソースの走査).

A task can also carry its own label (``@task("x.y", label=_("…"))``); this table names the tasks registered
before labels existed, so that their modules need no change.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LABELS = {
    "mail.send": _("Send mail"),
    "system.noop": _("System check (does nothing)"),
    "system.sleep": _("System check (waits)"),
    "discovery.scan": _("Data source scan"),
    "discovery.test_connection": _("Data source connection test"),
    "incidents.preservation_reminders": _("Preservation reminders to contractors"),
    "incidents.remind": _("Deadline reminders"),
    "evidence.preserve": _("Evidence preservation"),
    "cardlists.match": _("Card list matching"),
    "scoping.run": _("Scoping of affected people"),
    "notices.send": _("Sending notices"),
}
