"""Account actions: sign-in with lockout, two-factor enrolment, user management. Each action checks
permission and writes the audit trail in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.models import User
from mamori.accounts.policy import Action, Actor
from mamori.accounts.roles import Role
from mamori.audit import services as audit

TOTP_ISSUER = "Mamori"


class LoginRefused(Exception):
    """Sign-in refused; the message is safe to show (it never says whether the user name exists)."""


def requires_two_factor(user: User) -> bool:
    return user.role in settings.MAMORI_2FA_REQUIRED_ROLES


def check_credentials(username: str, password: str) -> User:
    """Return the user for a correct password; count failures and lock after too many in a row.

    The failure count and the audit entry are committed before the refusal is raised.
    """
    with transaction.atomic():
        user, reason = _assess(username, password)
        if reason:
            audit.record(user, "login_failed", user, username=username, message=reason)
    if reason or user is None:
        raise LoginRefused(_("The user name or password is wrong, or the account is locked."))
    return user


def _assess(username: str, password: str) -> tuple[User | None, str]:
    """(user, reason for refusal or ""), updating the failure counter. Runs inside a transaction."""
    now = timezone.now()
    user = User.objects.select_for_update().filter(username__iexact=username.strip()).first()
    if user is None:
        User().set_password(password)  # same work as a real check, so timing does not reveal names
        return None, "unknown user name"
    if user.is_locked(now):
        return user, f"account locked until {timezone.localtime(user.locked_until):%Y-%m-%d %H:%M}"
    if not user.check_password(password):
        user.failed_logins += 1
        reason = f"wrong password ({user.failed_logins} in a row)"
        if user.failed_logins >= settings.MAMORI_LOCKOUT_ATTEMPTS:
            user.locked_until = now + dt.timedelta(minutes=settings.MAMORI_LOCKOUT_MINUTES)
            user.failed_logins = 0
            reason += f"; locked for {settings.MAMORI_LOCKOUT_MINUTES} minutes"
        user.save(update_fields=["failed_logins", "locked_until"])
        return user, reason
    if not user.is_active or user.access_expired(now):
        return user, "account inactive or access expired"
    if user.failed_logins:
        user.failed_logins = 0
        user.save(update_fields=["failed_logins"])
    return user, ""


def verify_totp(user: User, code: str) -> bool:
    """Check a six-digit code; each code is accepted once (replay refused)."""
    if not user.totp_secret:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    code = "".join(ch for ch in code if ch.isdigit())
    now = timezone.now()
    for drift in (0, -1, 1):
        at = now + dt.timedelta(seconds=30 * drift)
        step = int(at.timestamp()) // 30
        if step > user.totp_last_step and totp.verify(code, for_time=at):
            User.objects.filter(pk=user.pk).update(totp_last_step=step)
            user.totp_last_step = step
            return True
    return False


def record_login(user: User) -> None:
    audit.record(user, "login", user)


def record_second_factor_failure(user: User) -> None:
    audit.record(user, "login_failed", user, message="wrong two-factor code")


def record_logout(user: User) -> None:
    audit.record(user, "logout", user)


def start_totp_enrolment(user: User) -> str:
    """Give the user a new, unconfirmed secret and return the otpauth:// URI for an authenticator app."""
    if not user.totp_confirmed_at:
        user.totp_secret = pyotp.random_base32()
        user.save(update_fields=["totp_secret"])
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def confirm_totp_enrolment(user: User, code: str) -> bool:
    if user.totp_confirmed_at or not verify_totp(user, code):
        return False
    with transaction.atomic():
        user.totp_confirmed_at = timezone.now()
        user.save(update_fields=["totp_confirmed_at"])
        audit.record(user, "two_factor_enabled", user)
    return True


def reset_two_factor(actor: Actor, user: User) -> None:
    policy.check(actor, Action.CHANGE, "user", user)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(totp_secret="", totp_confirmed_at=None, totp_last_step=0)
        audit.record(actor, "two_factor_reset", user)


def unlock(actor: Actor, user: User) -> None:
    policy.check(actor, Action.CHANGE, "user", user)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(locked_until=None, failed_logins=0)
        audit.record(actor, "unlock", user)


USER_FIELDS = (
    "username",
    "display_name",
    "email",
    "department",
    "role",
    "contractor",
    "access_expires_at",
    "is_active",
)


def _check_role_links(user: User) -> None:
    if user.role == Role.CONTRACTOR and user.contractor_id is None:
        raise ValidationError({"contractor": _("A contractor user must belong to a contractor.")})
    if user.role != Role.CONTRACTOR and user.contractor_id is not None:
        raise ValidationError({"contractor": _("Only contractor users belong to a contractor.")})
    if user.role == Role.INVESTIGATOR and user.access_expires_at is None:
        raise ValidationError({"access_expires_at": _("An outside investigator's access must have an end date.")})


def create_user(actor: Actor, data: Mapping[str, Any], password: str) -> User:
    policy.check(actor, Action.ADD, "user")
    user = User(**{k: v for k, v in data.items() if k in USER_FIELDS})
    _check_role_links(user)
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.full_clean()
        user.save()
        audit.record_create(actor, user)
    return user


def update_user(actor: Actor, user: User, data: Mapping[str, Any]) -> User:
    policy.check(actor, Action.CHANGE, "user", user)
    with transaction.atomic():
        before = audit.snapshot(user)
        for key, value in data.items():
            if key in USER_FIELDS:
                setattr(user, key, value)
        _check_role_links(user)
        user.full_clean()
        user.save()
        audit.record_update(actor, user, before)
    return user


def set_password(actor: Actor, user: User, password: str) -> None:
    """Users change their own password; the protection manager may reset anyone's."""
    if actor != user:
        policy.check(actor, Action.CHANGE, "user", user)
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(actor, "password_changed", user)
