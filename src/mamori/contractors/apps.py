from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractorsConfig(AppConfig):
    name = "mamori.contractors"
    label = "contractors"
    verbose_name = _("Contractors")  # 委託先
