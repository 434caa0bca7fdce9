from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "mamori.core"
    label = "core"
    verbose_name = _("Core")  # 基盤

    def ready(self) -> None:
        from mamori.core.checks import register_checks

        register_checks()
