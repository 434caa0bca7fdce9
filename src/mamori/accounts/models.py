"""Accounts: users with one role each (利用者とその役割)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.accounts.roles import Role
from mamori.core import keys

FERNET_PREFIX = "gAAAA"  # every Fernet token starts so (version byte 0x80 and a 2020s timestamp)


def _reveal(stored: str) -> str:
    if stored.startswith(FERNET_PREFIX):
        return keys.decrypt(stored)
    return stored


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
    # Encrypted with the secrets key (mamori.core.keys): a Fernet token, never the base32 secret itself.
    totp_secret = models.CharField(max_length=255, blank=True, editable=False)
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

    def totp_key(self) -> str:
        """The base32 two-factor secret, decrypted. A clear value (written before secrets were encrypted, or
        by old code) is returned as it is: base32 never starts like a Fernet token."""
        return _reveal(self.totp_secret)

    def set_totp_key(self, plain: str) -> None:
        """Store a base32 two-factor secret, encrypted (the caller saves)."""
        self.totp_secret = keys.encrypt(plain)

    def is_locked(self, now: dt.datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())

    def access_expired(self, now: dt.datetime | None = None) -> bool:
        return self.access_expires_at is not None and self.access_expires_at <= (now or timezone.now())


class SignInAddress(models.Model):
    """Recent sign-in failures from one client address, so that guesses spread over many accounts (or many
    second-factor codes) from one address are locked out too. A table rather than the cache: the count must
    be shared by every server process, and the project configures no shared cache."""

    address = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.address

    def is_locked(self, now: dt.datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())


class ApiToken(models.Model):
    """A named API token of one user (APIトークン), shown once when created.

    Only a SHA-256 digest of the token is stored. A slow password hash would add nothing here: the token
    is 32 random bytes (256 bits) made by ``secrets``, so no dictionary or brute force can reach it from its
    digest, while every API request must find its token by digest quickly (an indexed lookup, no per-request
    key stretching). The visible ``prefix`` lets a user tell tokens apart without the secret.
    """

    class RevokedReason(models.TextChoices):
        OWNER = "owner", _("revoked by its owner")
        MANAGER = "manager", _("revoked by the protection manager")
        PASSWORD_CHANGED = "password_changed", _("password changed")
        LOCKED = "locked", _("account locked")
        TWO_FACTOR_RESET = "two_factor_reset", _("two-factor authentication reset")
        DEACTIVATED = "deactivated", _("account deactivated")

    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="api_tokens", editable=False
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=32, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    revoked_reason = models.CharField(
        _("reason for revocation"), max_length=32, choices=RevokedReason.choices, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired()
