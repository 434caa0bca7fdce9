"""The audit actions of the notices app, with the labels the audit trail shows."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "notice_campaign_created": _("Notice campaign created"),
    "notice_sending_started": _("Sending of notices started"),
    "notice_sending_paused": _("Sending of notices paused"),
    "notice_sending_finished": _("Sending of notices finished"),
    "notice_failed_retried": _("Failed notices queued again"),
    "notice_unknown_settled": _("Notice with unknown outcome settled"),
    "notice_bounce_recorded": _("Bounced or returned notice recorded"),
    "notice_bounces_imported": _("Bounces imported"),
    "notice_letters_posted": _("Letters recorded as posted"),
    "notice_campaign_archived": _("Notice campaign archived"),
    "notice_previewed": _("Notice to a person previewed"),
    "notice_read": _("Notice recipients read or exported"),
}
