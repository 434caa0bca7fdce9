"""Contractors (委託先): companies that handle personal data on the company's behalf."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.jp import cn as corporate_number


def validate_corporate_number(value: str) -> None:
    if value and not corporate_number.is_valid(value):
        raise ValidationError(_("Enter a valid 13-digit corporate number (法人番号)."))


class Contractor(models.Model):
    """A contractor (委託先). Its users see only the records that belong to it."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    corporate_number = models.CharField(
        _("corporate number"), max_length=13, blank=True, validators=[validate_corporate_number]
    )
    services = models.TextField(_("services entrusted"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contractor")
        verbose_name_plural = _("contractors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
