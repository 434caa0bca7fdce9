"""Letters (mail-merge PDF with Japanese embedded, CSV for a printer), the people who cannot be reached,
bounces, and item 6 of the PPC report."""

from __future__ import annotations

import csv
import io

import pytest
from pypdf import PdfReader

from mamori.accounts.policy import SYSTEM
from mamori.incidents import reports
from mamori.notices import bounces, letters, sending, services
from mamori.notices.models import Campaign, CampaignStatus, Channel, DeliveryStatus
from tests.notices.conftest import FILLED


def _letter_campaign(case) -> Campaign:
    campaign = services.create_campaign(SYSTEM, case, channel=Channel.LETTER)
    services.update_campaign(SYSTEM, campaign, {"facts": FILLED})
    return campaign


@pytest.mark.django_db
def test_the_mail_merge_pdf_has_one_letter_per_person_with_japanese_text_readable(scoped_case):
    # given
    campaign = _letter_campaign(scoped_case)
    rows = list(campaign.deliveries.filter(status=DeliveryStatus.QUEUED).select_related("person", "campaign"))
    # when
    try:
        pdf = letters.letters_pdf(campaign, rows)
    except letters.FontMissing as missing:
        pytest.skip(str(missing))
    # then
    reader = PdfReader(io.BytesIO(pdf))
    assert len(rows) == 4 and len(reader.pages) >= 4
    first = reader.pages[0].extract_text()
    assert "〒530-0001" in first and "山田 太郎0 様" in first and "不正アクセス" in first
    assert "太郎1" not in first  # nobody else's data on a person's letter
    fonts = str(reader.pages[0]["/Resources"]["/Font"])
    assert fonts  # an embedded font (a subset of IPAex Gothic or the configured one)


@pytest.mark.django_db
def test_the_printer_csv_has_postal_code_address_and_name(scoped_case):
    # given
    campaign = _letter_campaign(scoped_case)
    rows = list(campaign.deliveries.filter(status=DeliveryStatus.QUEUED).select_related("person"))
    # when
    table = list(csv.reader(io.StringIO(letters.letters_csv(rows).decode("utf-8-sig"))))
    # then
    assert table[0][:3] == ["postal code", "address", "name"]
    assert ["100-0001", "東京都千代田区1-1", "郵便 のみ"] in [r[:3] for r in table[1:]]
    assert len(table) == 1 + 4  # the person without an address and the one with only an e-mail are not there


@pytest.mark.django_db
def test_people_without_contact_details_are_listed_for_the_substitute_measure(scoped_case):
    # given
    campaign = _letter_campaign(scoped_case)
    # when
    rows = list(services.no_contact(campaign))
    table = letters.no_contact_csv(rows).decode("utf-8-sig")
    # then
    assert [r.person.identity for r in rows] == ["member:90", "email:john@example.com"]
    assert "連絡先 なし" in table


@pytest.mark.django_db
def test_recording_the_posting_marks_the_letters_sent(scoped_case):
    # given
    campaign = _letter_campaign(scoped_case)
    # when
    import datetime as dt

    count = services.record_posting(SYSTEM, campaign, dt.date.today())
    # then
    assert count == 4
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DONE


def test_a_bounce_list_is_read_line_by_line_and_bad_lines_are_named():
    # when
    entries = bounces.parse_list(b"customer1@example.jp, 550 user unknown\n# comment\n<notice.abc@shop.example.jp>\n")
    # then
    assert entries == [("customer1@example.jp", "550 user unknown"), ("<notice.abc@shop.example.jp>", "bounced")]
    with pytest.raises(Exception, match="Line 2"):
        bounces.parse_list(b"ok@example.jp\nnot an address\n")


DSN = b"""From: MAILER-DAEMON@mx.example.jp
To: notice@shop.example.jp
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

This is the mail system.
--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.jp

Final-Recipient: rfc822; customer2@example.jp
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--B
Content-Type: text/rfc822-headers

Message-ID: MSGID
Subject: notice

--B--
"""


@pytest.mark.django_db
def test_a_dsn_marks_the_notice_it_names_bounced(scoped_case, sink):
    # given: a sent campaign
    campaign = services.create_campaign(SYSTEM, scoped_case, channel=Channel.EMAIL, rate_per_minute=60_000)
    services.update_campaign(SYSTEM, campaign, {"facts": FILLED})
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SENDING)
    sending.run(campaign.pk, "test:1:a")
    target = campaign.deliveries.get(address="customer2@example.jp")
    # when
    entries = bounces.parse(DSN.replace(b"MSGID", target.message_id.encode()))
    result = services.import_bounces(SYSTEM, campaign, [*entries, ("nobody@example.jp", "x")])
    # then
    assert result.bounced == 1 and result.not_found == ["nobody@example.jp"]
    target.refresh_from_db()
    assert target.status == DeliveryStatus.BOUNCED and "5.1.1" in target.server_reply
    # and the bounced person is among those for the substitute measure
    assert target in list(services.no_contact(campaign))


@pytest.mark.django_db
def test_item_6_of_the_ppc_report_gives_the_totals_of_each_campaign(scoped_case, sink):
    # given
    campaign = services.create_campaign(SYSTEM, scoped_case, channel=Channel.EMAIL, rate_per_minute=60_000)
    services.update_campaign(SYSTEM, campaign, {"facts": FILLED})
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SENDING)
    sending.run(campaign.pk, "test:1:a")
    # when
    doc = reports.build(scoped_case, "ppc_final", "en")
    # then
    item6 = next(s for s in doc.sections if s.number == 6)
    text = " ".join(item6.paragraphs)
    assert "6 people; sent 4" in text and "no contact details 2" in text
