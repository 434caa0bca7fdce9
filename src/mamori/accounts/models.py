"""Accounts: users with one role each (利用者とその役割)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.accounts.roles import Role


class User(AbstractUser):
    """A person who signs in to Mamori. The role decides what the person may see and do (see policy.py).

    Contractor users belong to one contractor (委託先) and see only its records. Outside investigators
    (外部調査員) see only the incident cases they are invited to, and their access ends at
    ``access_expires_at``.
    """

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.STAFF)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    contractor = models.ForeignKey(
        "contractors.Contractor",
        verbose_name=_("contractor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    access_expires_at = models.DateTimeField(_("access expires at"), null=True, blank=True)
    totp_secret = models.CharField(max_length=64, blank=True, editable=False)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    totp_last_step = models.BigIntegerField(default=0, editable=False)  # refuses replay of a used code
    failed_logins = models.PositiveIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def has_totp(self) -> bool:
        return bool(self.totp_secret and self.totp_confirmed_at)

    def is_locked(self, now: dt.datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())

    def access_expired(self, now: dt.datetime | None = None) -> bool:
        return self.access_expires_at is not None and self.access_expires_at <= (now or timezone.now())
