"""Where a change comes from (web, API, CLI, job; IP address), carried in a context variable so that
services can record it without every function passing the request along."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    via: str = "system"
    ip_address: str = ""
    user_agent: str = ""


_origin: contextvars.ContextVar[Origin] = contextvars.ContextVar("mamori_audit_origin", default=Origin())  # noqa: B039 - frozen


def current_origin() -> Origin:
    return _origin.get()


@contextlib.contextmanager
def origin(via: str, ip_address: str = "", user_agent: str = "") -> Iterator[Origin]:
    value = Origin(via=via, ip_address=ip_address, user_agent=user_agent[:300])
    token = _origin.set(value)
    try:
        yield value
    finally:
        _origin.reset(token)
