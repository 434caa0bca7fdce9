"""What a notice to an individual may say, as data (本人への通知に記載できる事項).

規則 Art. 10 lets the notice carry items 1, 2, 4, 5 and 9 of the report list (概要, 個人データの項目, 原因,
二次被害又はそのおそれの有無及びその内容, その他参考となる事項). A template names what it prints through
``{placeholder}``s; only those below are allowed. Everything else is refused with the reason — the items the
rules keep out of a notice (本人の数, 本人への対応, 公表, 再発防止策), and any field of the affected list
beyond the addressee's own name: a notice goes to thousands of people and must never carry anybody else's data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Placeholder:
    name: str
    label: Any  # a lazy translation
    item: int | None = None  # the item of 規則 Art. 8(1) it carries (None: letterhead, not an item)
    per_person: bool = False  # filled from the addressee's own record
    multiline: bool = False


ALLOWED: dict[str, Placeholder] = {
    p.name: p
    for p in [
        Placeholder("name", gettext_lazy("The addressee's own name"), per_person=True),
        Placeholder("company", gettext_lazy("Our company name")),
        Placeholder("date", gettext_lazy("Date of the notice")),
        Placeholder("summary", gettext_lazy("Item 1: outline of the event (概要)"), item=1, multiline=True),
        Placeholder("data_items", gettext_lazy("Item 2: kinds of personal data involved"), item=2, multiline=True),
        Placeholder("cause", gettext_lazy("Item 4: cause (原因)"), item=4, multiline=True),
        Placeholder(
            "secondary_harm",
            gettext_lazy("Item 5: whether there is or may be secondary damage, and what it is"),
            item=5,
            multiline=True,
        ),
        Placeholder("other", gettext_lazy("Item 9: other reference matters"), item=9, multiline=True),
        Placeholder("contact", gettext_lazy("Item 9: the inquiry desk"), item=9, multiline=True),
    ]
}

# The case-level placeholders a campaign stores per language (the rest are filled per person or per day).
FACTS = [name for name, p in ALLOWED.items() if not p.per_person and name != "date"]

# Known names that must not appear, and why: a clearer message than "unknown placeholder".
REFUSED: dict[str, Any] = {  # name -> why (lazy text)
    "persons": gettext_lazy("item 3 (number of persons) is not part of a notice to individuals"),
    "persons_count": gettext_lazy("item 3 (number of persons) is not part of a notice to individuals"),
    "response": gettext_lazy("item 6 (what was done for the individuals) is not part of a notice to individuals"),
    "public": gettext_lazy("item 7 (public announcement) is not part of a notice to individuals"),
    "measures": gettext_lazy("item 8 (measures against recurrence) is not part of a notice to individuals"),
    "prevention": gettext_lazy("item 8 (measures against recurrence) is not part of a notice to individuals"),
    "email": gettext_lazy("contact details are used to deliver the notice, not printed in it"),
    "phone": gettext_lazy("contact details are used to deliver the notice, not printed in it"),
    "address": gettext_lazy("the postal address is printed by the letter layout, not the text"),
    "postal_code": gettext_lazy("the postal address is printed by the letter layout, not the text"),
    "member_id": gettext_lazy("identifiers from the shop database are not part of the notice"),
    "identity": gettext_lazy("identifiers from the shop database are not part of the notice"),
    "kana": gettext_lazy("only the addressee's name may be printed"),
    "orders": gettext_lazy("order details are not part of the notice"),
    "first_order_at": gettext_lazy("order details are not part of the notice"),
    "last_order_at": gettext_lazy("order details are not part of the notice"),
    "people": gettext_lazy("other people's data must never be in a notice"),
    "affected": gettext_lazy("other people's data must never be in a notice"),
    "case_title": gettext_lazy("the case's internal text may name other people"),
    "case_summary": gettext_lazy("the case's internal text may name other people"),
    "timeline": gettext_lazy("the case's internal text may name other people"),
}

TOKEN = re.compile(r"\{([^{}]*)\}")


def used(text: str) -> list[str]:
    """The placeholder names a text uses, in order of first use."""
    names: list[str] = []
    for match in TOKEN.finditer(text):
        if match.group(1) not in names:
            names.append(match.group(1))
    return names


def problems(text: str, field: str) -> list[str]:
    """What is wrong with one template text: refused or unknown placeholders, stray braces (with the line)."""
    found: list[str] = []
    for number, line in enumerate(text.splitlines() or [""], 1):
        for match in TOKEN.finditer(line):
            name = match.group(1).strip()
            where = {"field": field, "line": number, "name": name}
            if name in ALLOWED:
                continue
            if name in REFUSED:
                found.append(
                    _("%(field)s, line %(line)d: {%(name)s} is not allowed: %(why)s.") % {**where, "why": REFUSED[name]}
                )
            else:
                found.append(
                    _("%(field)s, line %(line)d: {%(name)s} is not a known item. Allowed: %(allowed)s.")
                    % {**where, "allowed": ", ".join(f"{{{n}}}" for n in ALLOWED)}
                )
        if "{" in TOKEN.sub("", line) or "}" in TOKEN.sub("", line):
            found.append(
                _("%(field)s, line %(line)d: a brace without its pair; placeholders look like {summary}.")
                % {"field": field, "line": number}
            )
    return found


def check_texts(texts: Mapping[str, Mapping[str, str]], languages: list[str]) -> None:
    """Refuse (``ValidationError``) texts that use anything but the allowed items, or miss a language."""
    errors: list[str] = []
    for lang in languages:
        entry = texts.get(lang) or {}
        for part in ("subject", "body"):
            value = entry.get(part, "")
            label = f"{lang}/{part}"
            if not value.strip():
                errors.append(_("%(field)s is empty.") % {"field": label})
                continue
            errors += problems(value, label)
    if errors:
        raise ValidationError(errors, code="bad_template")


def render(text: str, values: Mapping[str, str]) -> str:
    """Fill the placeholders of a checked text; only allowed names are ever looked up."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name not in ALLOWED:  # a text is checked before it is stored; never print what was refused
            raise ValidationError(_("{%(name)s} is not allowed in a notice.") % {"name": name}, code="bad_template")
        return str(values.get(name, ""))

    return TOKEN.sub(fill, text)
