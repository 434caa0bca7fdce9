"""Reading bounces (不達): a plain list of addresses, or delivery status notifications (DSN, RFC 3464).

Each entry is ``(key, reason)`` where the key is an e-mail address or a Message-ID (``<...>``), which
``services.import_bounces`` matches against the campaign's sent deliveries. Bad lines are reported with their
line number; nothing is half-imported (the service writes all matches in one transaction).
"""

from __future__ import annotations

import email
import re
from email import policy
from email.message import Message

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

MAX_LINES = 100_000
_MESSAGE_ID = re.compile(r"<[^<>\s]+@[^<>\s]+>")


def parse(data: bytes) -> list[tuple[str, str]]:
    """A DSN (a message with a ``message/delivery-status`` part), or a list: one address per line, optionally
    followed by a comma or tab and the reason."""
    if b"message/delivery-status" in data[:200_000].lower():
        entries = parse_dsn(data)
        if entries:
            return entries
    return parse_list(data)


def parse_list(data: bytes) -> list[tuple[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The bounce list must be UTF-8 text."), code="encoding") from None
    entries: list[tuple[str, str]] = []
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if number > MAX_LINES:
            raise ValidationError(_("The bounce list has more than %(max)d lines.") % {"max": MAX_LINES})
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, *rest = re.split(r"[,\t]", line, maxsplit=1)
        reason = rest[0] if rest else ""
        key = key.strip().strip('"')
        if not _MESSAGE_ID.fullmatch(key):
            try:
                validate_email(key)
            except ValidationError:
                errors.append(
                    _("Line %(line)d: %(value)s is neither an e-mail address nor a Message-ID.")
                    % {"line": number, "value": key[:80]}
                )
                continue
        entries.append((key, reason.strip().strip('"') or _("bounced")))
    if errors:
        raise ValidationError(errors, code="bad_lines")
    return entries


def parse_dsn(data: bytes) -> list[tuple[str, str]]:
    """The failed recipients of a DSN, keyed by the original Message-ID when the DSN returns the headers."""
    message = email.message_from_bytes(data, policy=policy.compat32)
    original_id = _original_message_id(message)
    entries: list[tuple[str, str]] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in _status_blocks(part):
            action = (block.get("Action") or "").strip().lower()
            if action != "failed":  # "delayed" is not a bounce yet
                continue
            recipient = (block.get("Final-Recipient") or block.get("Original-Recipient") or "").split(";", 1)[-1]
            reason = " ".join(filter(None, [block.get("Status", ""), block.get("Diagnostic-Code", "")])).strip()
            key = original_id or recipient.strip()
            if key:
                entries.append((key, reason or _("bounced")))
    return entries


def _status_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):  # the email package parses each field group as a message of headers
        return [p for p in payload if isinstance(p, Message)][1:] or [p for p in payload if isinstance(p, Message)]
    text = payload if isinstance(payload, str) else ""
    groups = [g for g in re.split(r"\r?\n\r?\n", text) if g.strip()]
    return [email.message_from_string(g) for g in groups[1:]]


def _original_message_id(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() in ("text/rfc822-headers", "message/rfc822"):
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                value = payload[0].get("Message-ID", "")
            else:
                match = re.search(r"^Message-ID:\s*(<[^>]+>)", str(payload), re.IGNORECASE | re.MULTILINE)
                value = match.group(1) if match else ""
            if value:
                return str(value).strip()
    return ""
