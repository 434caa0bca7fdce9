"""Handing one message to the SMTP server, and telling exactly how far it got (SMTP送信).

Django's mail backend says only "sent" or raises; a notice needs more: whether the server *may* have accepted
the message. The SMTP steps are taken one by one so that each failure falls into one of four outcomes:

- ``Sent``: the server answered 250 to the message data. It has the message.
- ``Refused``: the server answered with an error code (to MAIL, RCPT or the data). It does not have it.
- ``NotStarted``: the connection broke before the message data was sent. It does not have it.
- ``Lost``: the connection broke while or after the data was sent, before the server's answer came. It may
  have the message — the one case where resending could notify a person twice (see docs/notices.md).

Connection settings are Django's ``EMAIL_*`` settings (from the environment, see docs/configuration.md).
"""

from __future__ import annotations

import contextlib
import io
import smtplib
import ssl
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import Message

from django.conf import settings


@dataclass(frozen=True)
class Sent:
    reply: str


@dataclass(frozen=True)
class Refused:
    code: int
    reply: str

    @property
    def permanent(self) -> bool:
        return self.code >= 500


@dataclass(frozen=True)
class NotStarted:
    reason: str


@dataclass(frozen=True)
class Lost:
    reason: str


Outcome = Sent | Refused | NotStarted | Lost


def connect() -> smtplib.SMTP:
    """A connection to the configured server: SSL, or STARTTLS when asked, and login when a user is set."""
    host, port = settings.EMAIL_HOST, int(settings.EMAIL_PORT)
    timeout = float(getattr(settings, "EMAIL_TIMEOUT", 10) or 10)
    conn: smtplib.SMTP
    if getattr(settings, "EMAIL_USE_SSL", False):
        conn = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = smtplib.SMTP(host, port, timeout=timeout)
        if getattr(settings, "EMAIL_USE_TLS", False):
            conn.starttls(context=ssl.create_default_context())
    conn.ehlo_or_helo_if_needed()  # mail() does not greet by itself, unlike sendmail()
    if settings.EMAIL_HOST_USER:
        conn.login(settings.EMAIL_HOST_USER, str(settings.EMAIL_HOST_PASSWORD))
    return conn


def close(conn: smtplib.SMTP | None) -> None:
    if conn is None:
        return
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()


def _text(reply: bytes | str) -> str:
    return (reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply)[:400]


def send(conn: smtplib.SMTP, sender: str, recipient: str, message: Message) -> Outcome:
    """Send one message on an open connection; never raises for a mail-level problem."""
    data = wire_bytes(message)
    try:
        code, reply = conn.mail(sender)
        if code != 250:
            _reset(conn)
            return Refused(code, f"MAIL: {code} {_text(reply)}")
        code, reply = conn.rcpt(recipient)
        if code not in (250, 251):
            _reset(conn)
            return Refused(code, f"RCPT: {code} {_text(reply)}")
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        return NotStarted(f"{type(exc).__name__}: {exc}")
    except smtplib.SMTPResponseException as exc:
        return Refused(exc.smtp_code, f"{exc.smtp_code} {_text(exc.smtp_error)}")
    try:
        code, reply = conn.data(data)
    except smtplib.SMTPDataError as exc:
        # Raised for the answer to the DATA command itself (before any content went) — nothing was accepted.
        _reset(conn)
        return Refused(exc.smtp_code, f"DATA: {exc.smtp_code} {_text(exc.smtp_error)}")
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as exc:
        return Lost(f"{type(exc).__name__}: {exc}")
    if code != 250:
        return Refused(code, f"{code} {_text(reply)}")
    return Sent(f"{code} {_text(reply)}")


def wire_bytes(message: Message) -> bytes:
    """The message with CRLF line ends: smtplib dot-stuffs bytes but leaves their line ends alone, and a server
    reads a body with bare LFs as one overlong line ("500 Line too long")."""
    out = io.BytesIO()
    BytesGenerator(out, mangle_from_=False).flatten(message, linesep="\r\n")
    return out.getvalue()


def _reset(conn: smtplib.SMTP) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        conn.rset()
