"""Audit actions every app records through ``services.record_create/update/delete`` and exports, plus the
trail's own (see ``mamori.audit.registry``)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "create": _("Create"),
    "update": _("Update"),
    "delete": _("Delete"),
    "export": _("Export"),
    "import": _("Import"),
    "download": _("Download"),
    "checkpoint_reset": _("Audit checkpoint re-signed"),
}

MESSAGES = {
    r"audit trail CSV": _("audit trail CSV"),
    r"audit trail CSV \((?P<filters>[^()]+)\)": _("audit trail CSV (%(filters)s)"),
    r"previous checkpoint: (?P<old>.*)": _("previous checkpoint: %(old)s"),
}

RECORD_KINDS = {
    "audit.checkpoint": _("audit checkpoint"),
}
