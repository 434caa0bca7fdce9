"""Audit actions the PMS app records (declared so that the audit trail can name them)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "pms_catalogue_loaded": _("Loaded the requirements catalogue"),
    "pms_review_inputs_gathered": _("Gathered the management review inputs"),
    "pms_review_approved": _("Approved the management review"),
    "pms_document_approved": _("Approved a document version"),
    "pms_request_viewed": _("Opened a request from a person"),
    "pms_complaint_viewed": _("Opened a complaint"),
}

MESSAGES = {
    r"readiness (?P<format>\w+) \((?P<count>\d+) requirements\)": _("readiness %(format)s (%(count)s requirements)"),
    r"(?P<file>\S+): (?P<added>\d+) added, (?P<updated>\d+) updated, (?P<retired>\d+) retired, "
    r"(?P<unchanged>\d+) unchanged": _(
        "%(file)s: %(added)s added, %(updated)s updated, %(retired)s retired, %(unchanged)s unchanged"
    ),
    r"(?P<count>\d+) checklist items": _("%(count)s checklist items"),
}
