"""The organisation that runs this Mamori installation (one per installation)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """The company (事業者) whose personal-information protection management system Mamori supports."""

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    representative = models.CharField(_("representative"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> Organisation | None:
        return cls.objects.order_by("pk").first()
