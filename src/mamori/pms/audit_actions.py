"""Audit actions the PMS app records (declared so that the audit trail can name them)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "pms_catalogue_loaded": _("Loaded the requirements catalogue"),
}
