from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScopingConfig(AppConfig):
    name = "mamori.scoping"
    label = "scoping"
    verbose_name = _("Scoping")  # 影響範囲の特定
