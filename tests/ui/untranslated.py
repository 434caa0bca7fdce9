"""What counts as English inside the Japanese interface: the stored codes of the project's choices, audit
actions, job kinds, roles and record kinds (``credit_card_number``, ``login``, ``discovery.scan``,
``ledger.ledgerentry``) showing up in the text a user reads. Shared by the every-page test and the browser walk.

Only known codes are looked for, so a customer's own data (a column called ``memo02``) is never flagged; the
names users sign in with are left out too (the demo's ``staff`` is a user name as well as a role code).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from functools import cache

from django.apps import apps
from django.db import models
from django.utils import translation

# Text inside these elements is not read as interface text: scripts and styles are not shown; <code> and
# <pre> show identifiers on purpose (hashes, commands, column names).
_HIDDEN = re.compile(r"<(script|style|code|pre|textarea)\b[^>]*>.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TOKEN = re.compile(r"(?<![\w./:@-])[a-z][a-z0-9]*(?:[._][a-z0-9]+)*(?![\w/:@-])")


def _choice_classes(base: type = models.Choices) -> Iterator[type[models.Choices]]:
    for sub in base.__subclasses__():
        if sub.__module__.startswith("mamori."):
            yield sub
        yield from _choice_classes(sub)


def choice_classes() -> list[type[models.Choices]]:
    apps.get_models()  # every models module imported, so every choice class defined
    return sorted(set(_choice_classes()), key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _is_code(value: str) -> bool:
    """A value that only a program would write: lower-case ASCII, one word or joined by ``_`` / ``.``."""
    return bool(re.fullmatch(r"[a-z][a-z0-9]*(?:[._][a-z0-9]+)*", value))


@cache
def known_codes() -> dict[str, str]:
    """code → where it comes from, for every stored code a page could leak."""
    from mamori.audit import registry
    from mamori.jobs import registry as jobs

    codes: dict[str, str] = {}

    def add(values: Iterable[object], where: str) -> None:
        for value in values:
            if isinstance(value, str) and _is_code(value):
                codes.setdefault(value, where)

    for cls in choice_classes():
        add(cls.values, f"{cls.__module__}.{cls.__qualname__}")
    for model in apps.get_models():
        if not model.__module__.startswith("mamori."):
            continue
        add([model._meta.label_lower], "model label")
        for field in model._meta.concrete_fields:
            if field.choices:
                add((value for value, _ in field.flatchoices), f"{model._meta.label}.{field.name}")
    add(registry.actions(), "audit action")
    add(jobs.names(), "job kind")
    add(["system"], "audit role")
    return codes


# Codes that are also ordinary words of the English the Japanese pages legitimately contain (product and
# standard names); none is a code a user would need translated when it appears alone.
NOT_CODES = frozenset({"mamori", "api", "csv", "xlsx", "pdf", "docx", "zip", "json", "sha256", "htmx"})


def text_nodes(page: str) -> list[str]:
    """The pieces of text a reader sees, one per run of text between tags."""
    text = _COMMENT.sub(" ", page)
    text = _HIDDEN.sub(" ", text)
    return [node for node in (html.unescape(n).strip() for n in _TAG.split(text)) if node]


def visible_text(page: str) -> str:
    return " ".join(text_nodes(page))


def untranslated_codes(page: str, usernames: Iterable[str] = ()) -> list[str]:
    """The known codes in a page's visible text, with their origin (``login (audit action)``).

    A code joined by ``_`` or ``.`` (``credit_card_number``, ``discovery.scan``) counts wherever it stands; a
    one-word code (``critical``, ``login``) only when it is all the text of its element (``<td>login</td>``),
    since the English of a message not yet translated holds such words too ("Internal audit").
    """
    known = known_codes()
    skip = NOT_CODES | set(usernames)
    found = []
    for node in text_nodes(page):
        for token in _TOKEN.findall(node):
            if token not in known or token in skip:
                continue
            if "_" in token or "." in token or _alone(node, token):
                found.append(f"{token} ({known[token]})")
    return sorted(set(found))


def _alone(node: str, token: str) -> bool:
    """The code is all the text, or all but punctuation (``(login)``, ``login:``) or a count."""
    return re.sub(r"[\s()\[\]:,.…/\-0-9]+", "", node.replace(token, "", 1)) == ""


def duplicate_labels(language: str = "ja") -> list[str]:
    """Choice lists in which two choices read the same in ``language``."""
    problems = []
    with translation.override(language):
        for cls in choice_classes():
            labels = [str(label) for label in cls.labels]
            for label in sorted({label for label in labels if labels.count(label) > 1}):
                same = [value for value, text in zip(cls.values, labels, strict=True) if text == label]
                problems.append(f"{cls.__module__}.{cls.__qualname__}: {same} all read {label!r}")
    return problems
