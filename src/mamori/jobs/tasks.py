"""Built-in tasks: e-mail, and two trivial tasks for checking that workers run."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from mamori.jobs.context import JobContext
from mamori.jobs.registry import task


def _check_mail(args: Mapping[str, Any]) -> None:
    recipients = args.get("recipients")
    if not isinstance(recipients, list) or not recipients:
        raise ValidationError(_("mail.send needs a non-empty list of recipients."), code="no_recipients")
    for address in recipients:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                _("mail.send: %(address)s is not a valid e-mail address."),
                code="bad_recipient",
                params={"address": address},
            ) from None


@task("mail.send", validate=_check_mail)
def send_mail(
    ctx: JobContext,
    *,
    subject: str,
    body: str,
    recipients: list[str],
    html_body: str = "",
    from_email: str = "",
    reply_to: list[str] | None = None,
) -> dict[str, Any]:
    """Send one message to ``recipients`` through the EMAIL_* settings (SMTP in production)."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        reply_to=reply_to or None,
    )
    if html_body:
        message.attach_alternative(html_body, "text/html")
    sent = message.send(fail_silently=False)
    return {"sent": sent, "recipients": len(recipients)}


@task("system.noop", max_attempts=1)
def noop(ctx: JobContext, **kwargs: Any) -> dict[str, Any]:
    """Does nothing and returns its arguments: shows that a worker is running."""
    return dict(kwargs)


@task("system.sleep", max_attempts=1)
def sleep(ctx: JobContext, *, seconds: float = 1.0, steps: int = 10) -> dict[str, Any]:
    """Sleeps, reporting progress; stops early when the worker shuts down."""
    steps = max(1, steps)
    for step in range(steps):
        ctx.progress(step * 100 // steps, _("Step %(step)d of %(steps)d") % {"step": step + 1, "steps": steps})
        time.sleep(seconds / steps)
    return {"slept": seconds}
