from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "mamori.audit"
    label = "audit"
    verbose_name = _("Audit trail")  # 監査証跡

    def ready(self) -> None:
        # Every app's audit_actions.py, collected once: record() refuses actions nobody declared.
        from mamori.audit import registry

        registry.load()
