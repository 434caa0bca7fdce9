"""Declared audit actions (監査証跡の操作の種類): every action the trail may record, with its translated label.

Each app declares its actions in ``<app>/audit_actions.py``, as zulip declares its audit-log event types and
wagtail its registered log actions::

    from django.utils.translation import gettext_lazy as _

    ACTIONS = {"import": _("Import"), "export": _("Export")}
    # optional: how to read the English messages the app stores, at render time (see translate_message)
    MESSAGES = {r"ledger (?P<format>\\w+) \\((?P<count>\\d+) entries\\)": _("ledger %(format)s (%(count)s entries)")}
    # optional: names of record kinds that are not models (object_type values such as "backup")
    RECORD_KINDS = {"backup": _("backup")}

The modules are collected when Django starts (``AuditConfig.ready``). ``services.record`` refuses an action
nobody declared: a typo would otherwise write an entry that no filter, label or report knows.

Stored entries are never changed (the hash chain covers them); everything here translates at render time.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps
from django.utils.translation import gettext as _

MODULE = "audit_actions"
_DEPTH = 5  # how deep message parameters are themselves translated ("wrong password" inside a sign-in failure)


class UndeclaredAuditAction(ValueError):
    """``record`` was asked for an action no app declared in its ``audit_actions.py``."""


@dataclass
class _Registry:
    actions: dict[str, Any] = field(default_factory=dict)  # code → lazy label
    owners: dict[str, str] = field(default_factory=dict)  # code → app label that declared it first
    conflicts: list[str] = field(default_factory=list)  # the same code declared with different labels
    messages: list[tuple[re.Pattern[str], Any]] = field(default_factory=list)
    record_kinds: dict[str, Any] = field(default_factory=dict)


_registry: _Registry | None = None
_lock = threading.Lock()


def declare(
    app_label: str,
    actions: Mapping[str, Any],
    messages: Mapping[str, Any] | None = None,
    record_kinds: Mapping[str, Any] | None = None,
    *,
    into: _Registry | None = None,
) -> None:
    """Add one app's declarations. The same code may be declared by several apps with the same label."""
    registry = into if into is not None else _loaded()
    for code, label in actions.items():
        known = registry.actions.get(code)
        if known is not None and _msgid(known) != _msgid(label):
            registry.conflicts.append(
                f"{code!r}: {registry.owners[code]} says {_msgid(known)!r}, {app_label} says {_msgid(label)!r}"
            )
            continue
        registry.actions.setdefault(code, label)
        registry.owners.setdefault(code, app_label)
    for pattern, template in (messages or {}).items():
        registry.messages.append((re.compile(pattern, re.S), template))
    registry.record_kinds.update(record_kinds or {})


def _msgid(label: Any) -> str:
    """The untranslated text of a lazy label (``_proxy____args`` holds gettext_lazy's argument)."""
    args = getattr(label, "_proxy____args", None)
    return str(args[0]) if args else str(label)


def _collect() -> _Registry:
    registry = _Registry()
    for config in apps.get_app_configs():
        name = f"{config.name}.{MODULE}"
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        declare(
            config.label,
            getattr(module, "ACTIONS", {}),
            getattr(module, "MESSAGES", None),
            getattr(module, "RECORD_KINDS", None),
            into=registry,
        )
    return registry


def _loaded() -> _Registry:
    global _registry
    if _registry is None:
        with _lock:
            if _registry is None:
                _registry = _collect()
    return _registry


def load() -> None:
    """Collect every app's ``audit_actions`` (called from ``AuditConfig.ready``; later calls do nothing)."""
    _loaded()


# ------------------------------------------------------------------------------------------------ actions


def is_declared(action: str) -> bool:
    return action in _loaded().actions


def require(action: str) -> None:
    """Refuse an action no app declared; called by ``services.record`` before anything is written."""
    if not is_declared(action):
        raise UndeclaredAuditAction(
            f"audit action {action!r} is not declared: add it with a translated label to ACTIONS in "
            f"<app>/{MODULE}.py of the app that records it"
        )


def actions() -> list[str]:
    return sorted(_loaded().actions)


def conflicts() -> list[str]:
    return list(_loaded().conflicts)


def action_label(action: str) -> str:
    """The translated label of an action; an undeclared one (an entry older than its declaration) as stored."""
    label = _loaded().actions.get(action)
    return str(label) if label is not None else action


def choices(codes: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """``(code, label)`` for the given actions (all declared ones by default), sorted by label."""
    return sorted(((c, action_label(c)) for c in (actions() if codes is None else codes)), key=lambda c: c[1])


# ------------------------------------------------------------------------------------------- record kinds


def record_kind(object_type: str) -> str:
    """What kind of record an entry is about, translated: a model's verbose name for ``app.model``
    (``ledger.ledgerentry`` → 台帳項目), a declared name for other kinds, a policy resource's
    model (``ledger_entry``) by its name; anything else as stored."""
    if not object_type:
        return ""
    declared = _loaded().record_kinds.get(object_type)
    if declared is not None:
        return str(declared)
    model = _model_for(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def _model_for(object_type: str) -> Any:
    if "." in object_type:
        try:
            return apps.get_model(object_type)
        except (LookupError, ValueError):
            return None
    return _models_by_resource_name().get(object_type)


def _models_by_resource_name() -> dict[str, Any]:
    """``ledger_entry`` → LedgerEntry: policy resources are named after their model in snake case."""
    return {re.sub(r"(?<!^)(?=[A-Z])", "_", m.__name__).lower(): m for m in apps.get_models()}


def field_label(object_type: str, name: str) -> str:
    """A changed field's translated name (``risk_owner_id`` → リスク所有者), or the name as stored."""
    model = _model_for(object_type)
    if model is None:
        return name
    for candidate in model._meta.concrete_fields:
        if name in (candidate.name, candidate.attname):
            return str(candidate.verbose_name)
    return name


def value_label(object_type: str, name: str, value: Any) -> Any:
    """A changed field's stored choice code as its translated label (``in_progress`` → 対応中); other values
    unchanged."""
    model = _model_for(object_type)
    if model is None or not isinstance(value, str):
        return value
    for candidate in model._meta.concrete_fields:
        if name in (candidate.name, candidate.attname) and candidate.choices:
            return str(dict(candidate.flatchoices).get(value, value))
    return value


# ---------------------------------------------------------------------------------------------- messages


def translate_message(message: str, depth: int = _DEPTH) -> str:
    """A stored English message in the reader's language, where an app declared its pattern; its parameters
    are translated the same way (a sign-in failure's reason). Unknown messages are shown as stored."""
    if not message or depth <= 0:
        return message
    for pattern, template in _loaded().messages:
        match = pattern.fullmatch(message)
        if match is not None:
            params = {k: translate_message(v or "", depth - 1) for k, v in match.groupdict().items()}
            return str(template) % params
    return message


# ------------------------------------------------------------------------------------------ roles and via


def role_label(role: str) -> str:
    """A stored role code translated (``protection_manager`` → 個人情報保護管理者; ``system`` → システム)."""
    from mamori.accounts.roles import Role

    if not role:
        return ""
    if role == "system":
        return _("System")
    try:
        return str(Role(role).label)
    except ValueError:
        return role


def via_label(via: str) -> str:
    """Where an entry came from, translated (``web`` → 画面, ``cli`` → コンソール)."""
    labels = {
        "web": _("Web"),
        "api": _("API"),
        "cli": _("Console"),
        "job": _("Background job"),
        "system": _("System"),  # no request, console or job around the call (start-up, tests)
    }
    return labels.get(via, via)


def actor_label(username: str, role: str) -> str:
    """Who, as people read it: the console and background jobs as システム, visitors as 未ログインの利用者."""
    if role == "system" and username == "system":
        return _("System")
    if not role and username == "anonymous":
        return _("Anonymous visitor")
    return username
