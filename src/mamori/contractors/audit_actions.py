"""Audit actions of the contractors app, with the label the audit trail shows."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "contractor_record_archived": _("Contractor record archived"),
    "contractor_evaluation_scored": _("Contractor evaluation scored"),
    "contractor_evaluation_approved": _("Contractor evaluation approved"),
    "subcontractor_approved": _("Sub-contractor approved"),
    "contractor_review_completed": _("Contractor review completed"),
    "contractor_manual_generated": _("Incident manual generated"),
    "contractor_manual_downloaded": _("Incident manual downloaded"),
    "contractor_manual_acknowledged": _("Incident manual acknowledged"),
    "contractor_manual_reminder_sent": _("Incident manual reminder sent"),
}
