"""Sign-in takes the same time for an unknown name, a locked account and a wrong password, so that timing does
not tell an attacker which user names exist (a locked account used to answer ~18x faster than an unknown name)."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from typing import Any

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, MD5PasswordHasher
from django.utils import timezone

from mamori.accounts import services
from mamori.accounts.models import User
from mamori.accounts.roles import Role

pytestmark = pytest.mark.django_db
WRONG = "not-the-password-at-all"
ATTEMPTS = 5


class CountingHasher(MD5PasswordHasher):
    """A fast hasher that counts how often any password is hashed (encoded or verified)."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password: str, salt: str) -> str:
        type(self).calls += 1
        return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        # MD5PasswordHasher.verify calls encode: count verify as one hash, not two.
        before = type(self).calls
        result = super().verify(password, encoded)
        type(self).calls = before + 1
        return result


class LighterArgon2Hasher(Argon2PasswordHasher):
    """Argon2 with less memory than the production default, so that the test takes seconds, while hashing
    still costs much more than the database work of a sign-in (as on a server)."""

    algorithm = "argon2_light"
    memory_cost = 16 * 1024
    parallelism = 2


def _user(username: str, **extra: Any) -> User:
    user = User(username=username, role=Role.STAFF, **extra)
    user.set_password("the-right-password-123")
    user.save()
    return user


def _attempt(username: str) -> None:
    try:
        services.check_credentials(username, WRONG)
    except services.LoginRefused:
        return
    raise AssertionError("a wrong password was accepted")


@pytest.fixture
def accounts() -> dict[str, str]:
    _user("known")
    _user("locked", locked_until=timezone.now() + dt.timedelta(hours=1))
    _user("inactive", is_active=False)
    return {"unknown": "nobody-by-this-name", "locked": "locked", "wrong password": "known", "inactive": "inactive"}


def test_the_password_hasher_runs_exactly_once_whatever_the_account(settings, accounts):
    # given
    settings.PASSWORD_HASHERS = [f"{CountingHasher.__module__}.CountingHasher"]
    for name in accounts.values():
        User.objects.filter(username=name).update(failed_logins=0)
        user = User.objects.filter(username=name).first()
        if user:
            user.set_password("the-right-password-123")
            user.save()
    _attempt("warm-up")  # the dummy hash for unknown names is made once per process
    runs = {}
    for case, name in accounts.items():
        # when
        CountingHasher.calls = 0
        _attempt(name)
        runs[case] = CountingHasher.calls
    # then
    assert runs == {"unknown": 1, "locked": 1, "wrong password": 1, "inactive": 1}


@pytest.mark.slow
def test_unknown_locked_and_wrong_password_answers_take_about_the_same_time(settings, accounts):
    # given: an Argon2 hasher, so that hashing dominates as it does on a server
    settings.PASSWORD_HASHERS = [f"{LighterArgon2Hasher.__module__}.LighterArgon2Hasher"]
    settings.MAMORI_LOCKOUT_ATTEMPTS = 1000  # five wrong passwords must not lock "known" during the measurement
    for name in ("known", "locked"):
        user = User.objects.get(username=name)
        user.set_password("the-right-password-123")
        user.save()
    _attempt("warm-up")
    cases = {k: v for k, v in accounts.items() if k != "inactive"}
    timings: dict[str, list[float]] = {case: [] for case in cases}
    # when: interleaved, so that a busy moment on the machine hits every case alike
    for _ in range(ATTEMPTS):
        for case, name in cases.items():
            started = time.perf_counter()
            _attempt(name)
            timings[case].append(time.perf_counter() - started)
    # then
    medians = {case: statistics.median(values) for case, values in timings.items()}
    assert max(medians.values()) < 3 * min(medians.values()), medians
