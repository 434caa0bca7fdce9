from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "mamori.ledger"
    label = "ledger"
    verbose_name = _("Personal-information ledger")  # 個人情報管理台帳
