from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "mamori.incidents"
    label = "incidents"
    verbose_name = _("Incidents")  # インシデント

    def ready(self) -> None:
        # Each part registers its due dates (deadlines.provider) and background tasks when imported.
        from mamori.incidents import appi, portal, reminders, services  # noqa: F401
