from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscoveryConfig(AppConfig):
    name = "mamori.discovery"
    label = "discovery"
    verbose_name = _("Discovery")  # 個人情報・カード情報の探索
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.checks import register

        from mamori.discovery.checks import check_secrets_key

        register(check_secrets_key, "mamori")
