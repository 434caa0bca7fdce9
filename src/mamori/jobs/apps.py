from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "mamori.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")  # バックグラウンド処理

    def ready(self) -> None:
        # Every app's tasks.py registers its tasks, so job names resolve in web and worker processes alike.
        autodiscover_modules("tasks")
