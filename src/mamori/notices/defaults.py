"""The shipped notice templates (e-mail and letter, Japanese and English) and the notice items drafted from the case.

The items come from the case's report draft of the notice to individuals (``incidents.reports``), which is built
only from fields that identify nobody; whatever the case does not know stays as the report's placeholder, and a
campaign cannot start until every placeholder has been filled in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mamori.incidents.reports import texts as report_texts

if TYPE_CHECKING:
    from mamori.incidents.models import IncidentCase

LANGS = ("ja", "en")

_EMAIL_JA = """{name} 様

{company}でございます。
このたび、お客様の個人情報が漏えいした可能性があることが判明いたしました。
多大なるご迷惑とご心配をおかけしますことを、深くお詫び申し上げます。

1. 概要
{summary}

2. 漏えい等が発生し、又は発生したおそれがある個人データの項目
{data_items}

3. 原因
{cause}

4. 二次被害又はそのおそれの有無及びその内容
{secondary_harm}

5. その他参考となる事項
{other}

【お問い合わせ窓口】
{contact}

{date}
{company}
"""

_EMAIL_EN = """Dear {name},

This is {company}. We have learned that your personal data may have leaked.
We sincerely apologise for the trouble and concern this causes you.

1. Outline of the event
{summary}

2. Personal data involved
{data_items}

3. Cause
{cause}

4. Secondary damage, actual or possible, and what it is
{secondary_harm}

5. Other matters
{other}

Enquiries:
{contact}

{date}
{company}
"""

_LETTER_JA = _EMAIL_JA.replace("{company}でございます。\n", "")
_LETTER_EN = _EMAIL_EN.replace("This is {company}. ", "")

TEMPLATES: dict[str, dict[str, dict[str, str]]] = {
    "email": {
        "ja": {
            "subject": "【重要】個人情報の漏えい（のおそれ）に関するお知らせとお詫び（{company}）",
            "body": _EMAIL_JA,
        },
        "en": {"subject": "Important: your personal data may have leaked ({company})", "body": _EMAIL_EN},
    },
    "letter": {
        "ja": {"subject": "個人情報の漏えい（のおそれ）に関するお知らせとお詫び", "body": _LETTER_JA},
        "en": {"subject": "Notice and apology: your personal data may have leaked", "body": _LETTER_EN},
    },
}


def placeholder_marks() -> list[str]:
    """The report's "to be filled in" marks, which must not reach anybody."""
    return [report_texts.JA["placeholder"], report_texts.EN["placeholder"]]


def drafted_facts(case: IncidentCase) -> dict[str, dict[str, str]]:
    """The notice items of the case in both languages, from the report draft of the notice to individuals."""
    from mamori.core.models import Organisation
    from mamori.incidents import reports

    facts: dict[str, dict[str, str]] = {}
    organisation = Organisation.objects.first()
    for lang in LANGS:
        doc = reports.build(case, "individual_notice", lang)
        bodies = ["\n".join(section.paragraphs) for section in doc.sections]
        summary, data_items, cause, harm, other = (bodies + [""] * 5)[:5]
        other_lines = [line for line in other.splitlines() if line and not _is_contact_line(line)]
        company = ""
        if organisation is not None:
            company = organisation.name if lang == "ja" else (getattr(organisation, "name_en", "") or organisation.name)
        facts[lang] = {
            "company": company or doc.placeholder,
            "summary": summary,
            "data_items": data_items,
            "cause": cause,
            "secondary_harm": harm,
            "other": "\n".join(other_lines),
            "contact": doc.placeholder,
        }
    return facts


def _is_contact_line(line: str) -> bool:
    prefixes = (report_texts.JA["notice_contact_line"], report_texts.EN["notice_contact_line"])
    return any(line.startswith(p.split("{", 1)[0]) for p in prefixes)
