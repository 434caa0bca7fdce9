from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "mamori.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")  # バックグラウンド処理
