from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CardListsConfig(AppConfig):
    name = "mamori.cardlists"
    label = "cardlists"
    verbose_name = _("Card-company lists")  # カード会社の一覧
