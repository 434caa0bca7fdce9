"""What a column's name says it holds — in English and in the romanised Japanese that Japanese systems use.

Data, not logic: each entry is (type, pattern). Patterns match the whole lower-cased column name after the
common table prefixes (``order_``, ``deliv_``, ``shipping_``, ``customer_``) are removed.
"""

from __future__ import annotations

import re

PREFIXES = ("order_", "deliv_", "delivery_", "shipping_", "customer_", "billing_", "user_", "member_", "cust_")

NAME_HINTS: tuple[tuple[str, str], ...] = (
    (
        "credit_card_number",
        r"(credit_?)?card_?(no|num|number|bango)|cardnumber|creditcard(_?no)?|cc_?(no|num|number)|pan",
    ),
    ("card_security_code", r"cvv2?|cvc2?|cid|security_?code|sec_?(code|cd)|seccode|card_?code|card_?cvv"),
    ("card_expiry", r"(card_?)?exp(ire|iry|iration)?(_?(date|month|year|mm|yy|ym))?|card_?expire?|yuko_?kigen|kigen"),
    (
        "person_name",
        r"name0?[12]|(full_?|first_?|last_?|family_?|given_?)name|kana0?[12]|shimei|sei|mei|furigana|"
        r"kanji_?name|name_?kana|(card_?)?holder(_?name)?",
    ),
    ("phone_number", r"tel0?[1-3]?|tel_?no|phone(_?(no|number))?|mobile(_?phone)?|keitai|denwa(_?bango)?|fax0?[1-3]?"),
    ("email_address", r"e?mail(_?(address|addr|mobile|pc))?|email_?mobile"),
    ("postal_code", r"zip0?[12]?|zip_?code|zipcode|postal(_?code)?|post_?code|yubin(_?bango)?"),
    ("address", r"addr(ess)?0?[1-3]?|jusho|street"),
    ("my_number", r"my_?number|mynumber|kojin_?bango|individual_?number"),
    ("bank_account", r"(bank_?)?account_?(no|number)|koza(_?bango)?|bank_?account"),
    ("drivers_license", r"(drivers?_?)?licen[cs]e_?(no|number)|menkyo(sho)?(_?bango)?"),
    ("passport_number", r"passport(_?(no|number))?|ryoken(_?bango)?"),
)
# Names that look like a hint but hold no personal data (hashes, keys, flags, ids).
NOT_PERSONAL = re.compile(r".*(_id|_flg|_flag|_hash|_salt|_token|_key|_status|_type|_date|_time|_at)$|id|password|salt")

_COMPILED = tuple((kind, re.compile(pattern)) for kind, pattern in NAME_HINTS)


def hinted_type(column: str) -> str | None:
    """The data type the column's name suggests, or None."""
    name = column.strip().lower()
    if NOT_PERSONAL.fullmatch(name):
        return None
    for prefix in PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    for kind, pattern in _COMPILED:
        if pattern.fullmatch(name):
            return kind
    return None
