"""Account actions: sign-in with lockout, two-factor enrolment, user management. Each action checks
permission and writes the audit trail in the same transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Mapping
from functools import cache
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.models import ApiToken, SignInAddress, User
from mamori.accounts.policy import SYSTEM, Action, Actor
from mamori.accounts.roles import Role
from mamori.audit import services as audit
from mamori.audit.context import current_origin
from mamori.core import keys

logger = logging.getLogger("mamori.accounts")

TOTP_ISSUER = "Mamori"


class LoginRefused(Exception):
    """Sign-in refused; the message is safe to show (it never says whether the user name exists)."""


def requires_two_factor(user: User) -> bool:
    return user.role in settings.MAMORI_2FA_REQUIRED_ROLES


def address_attempts() -> int:
    """Failures from one client address, over any accounts, before the address is locked out.

    Several times the per-account limit, so that a few colleagues behind one office address who mistype do
    not lock each other out, while guessing across many accounts from one address still stops quickly.
    """
    return settings.MAMORI_LOCKOUT_ATTEMPTS * 4


@cache
def _dummy_hash(hasher: str) -> str:
    return make_password("mamori-not-a-real-password", hasher=hasher)


def _check_password_constant_time(user: User | None, password: str) -> bool:
    """Run the password hasher exactly once whatever the account's state, so that an unknown name, a
    locked account and a wrong password take the same time (no user enumeration by timing)."""
    if user is None or not user.has_usable_password():
        check_password(password, _dummy_hash(get_hasher().algorithm))
        return False
    return user.check_password(password)


def check_credentials(username: str, password: str) -> User:
    """Return the user for a correct password; count failures per account and per client address, and
    lock after too many in a row.

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
    """(user, reason for refusal or ""), updating the failure counters. Runs inside a transaction.

    Every path hashes the password once before deciding, and none returns before that.
    """
    now = timezone.now()
    user = User.objects.select_for_update().filter(username__iexact=username.strip()).first()
    password_ok = _check_password_constant_time(user, password)
    address = _address_for_update()
    if address is not None and address.is_locked(now):
        return user, f"too many failures from address {address.address}; refused until {_when(address.locked_until)}"
    if user is None:
        return None, "unknown user name" + _count_address_failure(address, now)
    if user.is_locked(now):
        return user, f"account locked until {_when(user.locked_until)}"
    if not password_ok:
        return user, _count_failure(user, "wrong password", now) + _count_address_failure(address, now)
    if not user.is_active or user.access_expired(now):
        return user, "account inactive or access expired"
    # With two-factor the counter is cleared only after the code (check_second_factor): a known password
    # must not buy a fresh series of code guesses.
    if user.failed_logins and not user.has_totp:
        user.failed_logins = 0
        user.save(update_fields=["failed_logins"])
    return user, ""


def _when(moment: dt.datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def _count_failure(user: User, what: str, now: dt.datetime) -> str:
    """Count one failure (wrong password or wrong code) against the account; lock it at the limit."""
    user.failed_logins += 1
    reason = f"{what} ({user.failed_logins} in a row)"
    if user.failed_logins >= settings.MAMORI_LOCKOUT_ATTEMPTS:
        user.locked_until = now + dt.timedelta(minutes=settings.MAMORI_LOCKOUT_MINUTES)
        user.failed_logins = 0
        reason += f"; locked for {settings.MAMORI_LOCKOUT_MINUTES} minutes"
        revoke_all_api_tokens(SYSTEM, user, ApiToken.RevokedReason.LOCKED)
    user.save(update_fields=["failed_logins", "locked_until"])
    return reason


def _address_for_update() -> SignInAddress | None:
    """The failure record of the request's client address (None outside a request: CLI, tests)."""
    ip_address = current_origin().ip_address
    if not ip_address:
        return None
    address, _created = SignInAddress.objects.select_for_update().get_or_create(address=ip_address[:64])
    return address


def _count_address_failure(address: SignInAddress | None, now: dt.datetime) -> str:
    """Count one failure from the address; failures older than the lockout period are forgotten."""
    if address is None:
        return ""
    window = dt.timedelta(minutes=settings.MAMORI_LOCKOUT_MINUTES)
    if address.last_failure_at is None or address.last_failure_at < now - window:
        address.failures = 0
    address.failures += 1
    address.last_failure_at = now
    note = ""
    if address.failures >= address_attempts():
        address.locked_until = now + window
        address.failures = 0
        note = f"; address {address.address} locked for {settings.MAMORI_LOCKOUT_MINUTES} minutes"
    address.save()
    return note


def check_second_factor(user: User, code: str) -> None:
    """Accept the user's two-factor code or raise ``LoginRefused``.

    A wrong code counts toward the same lockout as a wrong password, for the account and for the client
    address, and once either is locked even the right code is refused. The count and the audit entry are
    committed before the refusal is raised.
    """
    with transaction.atomic():
        locked, reason = _assess_code(user, code)
        if reason:
            audit.record(user, "login_failed", user, message=reason)
    if locked:
        raise LoginRefused(_("Too many wrong attempts: the account is locked for a while. Try again later."))
    if reason:
        raise LoginRefused(_("The code is wrong or has already been used."))


def _assess_code(user: User, code: str) -> tuple[bool, str]:
    """(locked, reason for refusal or ""), updating the counters. Runs inside a transaction."""
    now = timezone.now()
    fresh = User.objects.select_for_update().get(pk=user.pk)
    address = _address_for_update()
    if address is not None and address.is_locked(now):
        return True, f"two-factor code refused: too many failures from address {address.address}"
    if fresh.is_locked(now):
        return True, f"two-factor code refused: account locked until {_when(fresh.locked_until)}"
    if not fresh.is_active or fresh.access_expired(now):
        return False, "two-factor code refused: account inactive or access expired"
    if not verify_totp(fresh, code):
        reason = _count_failure(fresh, "wrong two-factor code", now) + _count_address_failure(address, now)
        user.failed_logins, user.locked_until = fresh.failed_logins, fresh.locked_until
        return fresh.is_locked(now), reason
    user.totp_last_step = fresh.totp_last_step
    if fresh.failed_logins:
        User.objects.filter(pk=user.pk).update(failed_logins=0)
        user.failed_logins = 0
    return False, ""


def verify_totp(user: User, code: str) -> bool:
    """Check a six-digit code; each code is accepted once (replay refused). Counts nothing: sign-in goes
    through ``check_second_factor``."""
    try:
        secret = user.totp_key()
    except keys.SecretUnavailable:
        # Encrypted under a key that is gone: no code can match; the manager resets two-factor.
        logger.warning("two-factor secret of user %s cannot be decrypted with the current secrets key", user.pk)
        return False
    if not secret:
        return False
    totp = pyotp.TOTP(secret)
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


def record_logout(user: User) -> None:
    audit.record(user, "logout", user)


def start_totp_enrolment(user: User) -> str:
    """Give the user a new, unconfirmed secret and return the otpauth:// URI for an authenticator app."""
    if not user.totp_confirmed_at:
        user.set_totp_key(pyotp.random_base32())
        user.save(update_fields=["totp_secret"])
    return pyotp.TOTP(user.totp_key()).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def confirm_totp_enrolment(user: User, code: str) -> bool:
    if user.totp_confirmed_at or not verify_totp(user, code):
        return False
    with transaction.atomic():
        user.totp_confirmed_at = timezone.now()
        user.save(update_fields=["totp_confirmed_at"])
        audit.record(user, "two_factor_enabled", user)
    return True


def _is_self(actor: Actor, user: User) -> bool:
    return isinstance(actor, User) and actor.pk == user.pk


def reset_two_factor(actor: Actor, user: User) -> None:
    policy.check(actor, Action.CHANGE, "user", user)
    if _is_self(actor, user):
        # Un-enrolling oneself would drop the second factor without proving the first; another manager does it.
        raise PermissionDenied(
            _("You cannot reset your own two-factor authentication. Ask another protection manager to reset it.")
        )
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(totp_secret="", totp_confirmed_at=None, totp_last_step=0)
        audit.record(actor, "two_factor_reset", user)
        revoke_all_api_tokens(actor, user, ApiToken.RevokedReason.TWO_FACTOR_RESET)


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


def _is_working_manager(user: User, now: dt.datetime) -> bool:
    return bool(user.is_active and user.role == Role.PROTECTION_MANAGER and not user.access_expired(now))


def _check_lockout(actor: Actor, user: User, was_manager: bool) -> None:
    """Nobody locks themselves out, and the organisation keeps at least one active protection manager
    (個人情報保護管理者) reachable through the web and the API: without one, nobody there could manage users."""
    now = timezone.now()
    if _is_self(actor, user) and not user.is_active:
        raise PermissionDenied(_("You cannot deactivate your own account. Ask another protection manager."))
    if not was_manager or _is_working_manager(user, now) or actor is SYSTEM:
        return  # the console operator (SYSTEM) can always make a new manager with `mamori createadmin`
    others = User.objects.select_for_update().filter(role=Role.PROTECTION_MANAGER, is_active=True).exclude(pk=user.pk)
    if not any(not other.access_expired(now) for other in others):
        field = "role" if user.role != Role.PROTECTION_MANAGER else "is_active"
        message = _(
            "This is the last active protection manager: make another user protection manager first, so that "
            "someone can still manage users."
        )
        raise ValidationError({field: ValidationError(message, code="conflict")})


def update_user(actor: Actor, user: User, data: Mapping[str, Any]) -> User:
    policy.check(actor, Action.CHANGE, "user", user)
    with transaction.atomic():
        before = audit.snapshot(user)
        was_active = user.is_active
        was_manager = _is_working_manager(user, timezone.now())
        for key, value in data.items():
            if key in USER_FIELDS:
                setattr(user, key, value)
        _check_lockout(actor, user, was_manager)
        _check_role_links(user)
        user.full_clean()
        user.save()
        audit.record_update(actor, user, before)
        if was_active and not user.is_active:
            revoke_all_api_tokens(actor, user, ApiToken.RevokedReason.DEACTIVATED)
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
        revoke_all_api_tokens(actor, user, ApiToken.RevokedReason.PASSWORD_CHANGED)


# API tokens -------------------------------------------------------------------------------------------

TOKEN_PREFIX = "mamori_"  # noqa: S105 - the visible start of every token, not a secret
TOKEN_MAX_DAYS = 365  # the longest lifetime a user may ask for (or the default, if configured longer)
TOKEN_USE_PRECISION = dt.timedelta(minutes=1)  # last_used_at is written at most once a minute per token


class TokenRefused(Exception):
    """The presented API token cannot be used; the message is safe to show and says why."""


def token_digest(key: str) -> str:
    """The SHA-256 digest stored for a token (see ``ApiToken`` for why a fast hash is right here)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def max_token_days() -> int:
    return max(TOKEN_MAX_DAYS, settings.MAMORI_API_TOKEN_DAYS)


def issue_api_token(actor: Actor, owner: User, name: str = "", days: int | None = None) -> tuple[ApiToken, str]:
    """Create a new token for ``owner`` and return it with its key, which is never stored and never shown
    again. Users create tokens only for themselves."""
    if actor != owner:
        raise PermissionDenied(_("API tokens are created by their owner only."))
    days = settings.MAMORI_API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= max_token_days():
        raise ValidationError({"expires_in_days": _("Choose between 1 and %(max)d days.") % {"max": max_token_days()}})
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken(
        owner=owner,
        name=(name.strip() or _("API token"))[:100],
        prefix=key[: len(TOKEN_PREFIX) + 8],
        digest=token_digest(key),
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    with transaction.atomic():
        token.save()
        audit.record(actor, "api_token_issued", owner, message=_token_note(token))
    return token, key


def _token_note(token: ApiToken) -> str:
    return f"token {token.name!r} ({token.prefix}…), expires {_when(token.expires_at)}"


def visible_api_tokens(actor: Actor) -> QuerySet[ApiToken]:
    """Tokens the actor may see: the manager sees everyone's, every other user only their own."""
    tokens = ApiToken.objects.select_related("owner")
    if policy.can(actor, Action.VIEW, "api_token"):
        return policy.scope(actor, "api_token", tokens)
    if not policy.is_active_user(actor):
        return tokens.none()
    return tokens.filter(owner_id=actor.pk)


def get_api_token(actor: Actor, pk: Any) -> ApiToken:
    """One token the actor may see, or 404 (another user's token does not exist for staff)."""
    try:
        return visible_api_tokens(actor).get(pk=pk)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise policy.NotVisible("No api_token matches the given query.") from None


def revoke_api_token(actor: Actor, token: ApiToken) -> bool:
    """Revoke one token: its owner may, and the manager may revoke anyone's. False if already revoked."""
    own = getattr(actor, "pk", None) == token.owner_id
    if not own:
        policy.check(actor, Action.CHANGE, "api_token", token)
    with transaction.atomic():
        reason = ApiToken.RevokedReason.OWNER if own else ApiToken.RevokedReason.MANAGER
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_reason=reason
        )
        if changed:
            audit.record(actor, "api_token_revoked", token.owner, message=_token_note(token))
    token.refresh_from_db()
    return bool(changed)


def revoke_all_api_tokens(actor: Actor, user: User, reason: ApiToken.RevokedReason) -> int:
    """Revoke every live token of ``user`` after a state change that must end them (password changed,
    account locked, two-factor reset, deactivated); audited when any was live."""
    with transaction.atomic():
        count = ApiToken.objects.filter(owner=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_reason=reason
        )
        if count:
            audit.record(actor, "api_tokens_revoked", user, message=f"{count} token(s) revoked: {reason.label}")
    return count


def authenticate_api_token(key: str) -> tuple[User, ApiToken]:
    """The user and token for a presented key, or ``TokenRefused`` with the reason."""
    token = ApiToken.objects.select_related("owner").filter(digest=token_digest(key)).first()
    if token is None:
        raise TokenRefused(_("Invalid token."))
    now = timezone.now()
    user = token.owner
    if token.revoked_at is not None:
        raise TokenRefused(_("This token has been revoked; request a new one."))
    if token.is_expired(now):
        raise TokenRefused(_("This token has expired; request a new one."))
    if not user.is_active or user.access_expired(now):
        raise TokenRefused(_("This account is inactive or its access period has ended."))
    if user.is_locked(now):
        raise TokenRefused(_("This account is locked after too many failed sign-ins."))
    if requires_two_factor(user) and not user.has_totp:
        # Two-factor was reset without the tokens being revoked (e.g. directly in the database).
        raise TokenRefused(_("Set up two-factor authentication, then request a new token."))
    if token.last_used_at is None or token.last_used_at < now - TOKEN_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return user, token
