"""One person's notice: the language, the filled-in subject and body, the e-mail message (通知文の作成)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from email.message import Message
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from mamori.notices import placeholders
from mamori.notices.models import Campaign, Delivery, LanguageMode

if TYPE_CHECKING:
    from mamori.scoping.models import AffectedPerson

# Hiragana, katakana and CJK ideographs: a name written with any of them gets the Japanese notice.
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
NAME_FALLBACK = {"ja": "お客様", "en": "Customer"}


def language_for(campaign: Campaign, person: AffectedPerson) -> str:
    """Fixed by the campaign, or per person: English only for a name in Latin letters with no kana reading and
    no Japanese address (the shop's data has no language field; a Japanese shop writes Japanese by default)."""
    if campaign.language_mode != LanguageMode.PER_PERSON:
        return str(campaign.language_mode)
    japanese = any(_JAPANESE.search(value or "") for value in (person.name, person.kana, person.address))
    return "ja" if japanese or not (person.name or "").strip() else "en"


def new_message_id() -> str:
    """Fixed once per delivery, before any attempt: every try of the same notice carries the same Message-ID."""
    return f"<notice.{uuid.uuid4().hex}@{sender_domain()}>"


def sender_domain() -> str:
    return str(settings.DEFAULT_FROM_EMAIL).rpartition("@")[2].strip("> ") or "localhost"


def format_date(day: dt.date, lang: str) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if lang == "ja" else day.strftime("%d %B %Y").lstrip("0")


def values_for(campaign: Campaign, person: AffectedPerson, lang: str, day: dt.date | None = None) -> dict[str, str]:
    """The placeholder values: the case-level items in ``lang``, the addressee's own name and the date."""
    facts = dict((campaign.facts or {}).get(lang) or {})
    values = {name: str(facts.get(name, "")) for name in placeholders.FACTS}
    values["name"] = (person.name or "").strip() or NAME_FALLBACK[lang]
    values["date"] = format_date(day or timezone.localdate(), lang)
    return values


def render(campaign: Campaign, person: AffectedPerson, lang: str, day: dt.date | None = None) -> tuple[str, str]:
    """Subject and body of one person's notice."""
    text = (campaign.texts or {}).get(lang) or {}
    values = values_for(campaign, person, lang, day)
    subject = placeholders.render(text.get("subject", ""), values)
    return " ".join(subject.split()), placeholders.render(text.get("body", ""), values)


def email_message(delivery: Delivery) -> Message:
    """The MIME message for an e-mail delivery, with its fixed Message-ID."""
    subject, body = render(delivery.campaign, delivery.person, delivery.language)
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.address],
        headers={"Message-ID": delivery.message_id},
    )
    return message.message()
