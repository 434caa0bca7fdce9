from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PmsConfig(AppConfig):
    name = "mamori.pms"
    label = "pms"
    verbose_name = _("Management system")  # 個人情報保護マネジメントシステム
