"""Audit actions of the cardlists app, with their labels (監査ログの操作名)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "card_list_imported": _("Card-company list imported"),
    "card_list_import_failed": _("Card-company list import failed"),
    "card_list_archived": _("Card-company list archived"),
    "card_matching_started": _("Card-list matching started"),
    "card_matching_finished": _("Card-list matching finished"),
    "card_matching_failed": _("Card-list matching failed"),
    "card_matches_read": _("Card-list matches viewed"),
    "card_matches_exported": _("Card-list matches exported"),
}
