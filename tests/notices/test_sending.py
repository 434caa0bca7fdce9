"""Sending e-mail notices to a real SMTP server on localhost: each person once, whatever fails on the way."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections import Counter

import pytest

from mamori.accounts.policy import SYSTEM
from mamori.jobs.backends import get_backend
from mamori.jobs.models import Job
from mamori.jobs.worker import Worker
from mamori.notices import sending, services
from mamori.notices.models import Campaign, CampaignStatus, Channel, DeliveryStatus
from tests.notices.conftest import FILLED, make_people, make_scoping


def _ready(case, **pace) -> Campaign:
    campaign = services.create_campaign(SYSTEM, case, channel=Channel.EMAIL, rate_per_minute=60_000, **pace)
    services.update_campaign(SYSTEM, campaign, {"facts": FILLED})
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SENDING)
    campaign.refresh_from_db()
    return campaign


def _statuses(campaign) -> Counter:
    return Counter(campaign.deliveries.values_list("status", flat=True))


def _dead_owner() -> str:
    """The lease name of a worker process of this machine that has exited (a crashed sender)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return f"{socket.gethostname()}:{child.pid}:crashed"


@pytest.mark.django_db
def test_each_person_with_an_address_gets_one_message_with_the_recorded_message_id(scoped_case, sink):
    # given
    campaign = _ready(scoped_case)
    # when
    result = sending.run(campaign.pk, "test:1:a")
    # then
    assert result.finished and result.sent == 4
    sent = campaign.deliveries.filter(status=DeliveryStatus.SENT)
    assert sorted(sent.values_list("message_id", flat=True)) == sorted(sink.handler.ids())
    assert all(d.sent_at and d.server_reply.startswith("250") for d in sent)
    assert _statuses(campaign)[DeliveryStatus.NO_CONTACT] == 2  # no e-mail address: listed for the substitute measure
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DONE


@pytest.mark.django_db
def test_the_notice_is_in_the_persons_language_and_names_only_them(scoped_case, sink):
    # given
    campaign = _ready(scoped_case)
    # when
    sending.run(campaign.pk, "test:1:a")
    # then
    by_address = {m["to"][0]: m["message"] for m in sink.handler.messages}
    japanese = by_address["customer1@example.jp"]
    body = japanese.get_payload(decode=True).decode(japanese.get_content_charset())
    assert "山田 太郎1 様" in body and "不正アクセス" in body
    assert "太郎0" not in body and "太郎2" not in body and "customer" not in body
    english = by_address["john@example.com"]
    text = english.get_payload(decode=True).decode(english.get_content_charset())
    assert text.startswith("Dear John Smith,") and "unauthorised access" in text


@pytest.mark.django_db
def test_a_server_that_refuses_mid_batch_leaves_failed_ones_that_a_retry_sends_once(scoped_case, sink):
    # given: the server accepts two messages, then answers 451 to the others
    campaign = _ready(scoped_case)
    sink.handler.reject_after = 2
    # when
    sending.run(campaign.pk, "test:1:a")
    # then
    assert _statuses(campaign)[DeliveryStatus.FAILED] == 2
    assert "451" in campaign.deliveries.filter(status=DeliveryStatus.FAILED).first().server_reply
    # when: the server recovers and the manager retries the failed ones only
    sink.handler.reject_after = None
    assert services.retry_failed(SYSTEM, campaign) == 2
    Worker(get_backend("embedded")).run(burst=True)
    # then
    assert _statuses(campaign)[DeliveryStatus.SENT] == 4
    assert len(sink.handler.ids()) == len(set(sink.handler.ids())) == 4


@pytest.mark.django_db
def test_a_connection_closed_before_the_reply_marks_that_message_unknown_and_a_restart_does_not_resend_it(
    scoped_case, sink
):
    # given: the server keeps the second message but closes the connection before saying so
    campaign = _ready(scoped_case)
    sink.handler.drop_after = 1
    # when
    first = sending.run(campaign.pk, "test:1:a")
    again = sending.run(campaign.pk, "test:1:b")  # a restart of the job
    # then
    assert first.unknown == 1 and first.sent == 3 and again.sent == 0
    unknown = campaign.deliveries.get(status=DeliveryStatus.UNKNOWN)
    assert unknown.message_id in sink.handler.ids()  # it did arrive: resending would have notified twice
    ids = sink.handler.ids()
    assert len(ids) == len(set(ids)) == 4


@pytest.mark.django_db
def test_a_sender_that_crashed_after_handing_over_a_message_leaves_it_unknown_never_queued(
    scoped_case, sink, monkeypatch
):
    # given: the process dies after the server accepted the 2nd message, before writing it down
    campaign = _ready(scoped_case)
    crashed = _dead_owner()
    real_record = sending.record
    calls = {"n": 0}

    def power_cut(delivery, owner, outcome):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("power cut")
        return real_record(delivery, owner, outcome)

    monkeypatch.setattr(sending, "record", power_cut)
    with pytest.raises(KeyboardInterrupt):
        sending.run(campaign.pk, crashed)
    monkeypatch.setattr(sending, "record", real_record)
    assert _statuses(campaign)[DeliveryStatus.SENDING] == 1
    # when: the job runs again in a new worker
    result = sending.run(campaign.pk, "test:2:new")
    # then
    assert result.settled_unknown == 1
    assert _statuses(campaign)[DeliveryStatus.UNKNOWN] == 1
    assert _statuses(campaign)[DeliveryStatus.SENT] == 3
    ids = sink.handler.ids()
    assert len(ids) == len(set(ids)) == 4
    # and a person who checked the server log settles it as sent
    unknown = campaign.deliveries.get(status=DeliveryStatus.UNKNOWN)
    services.settle_unknown(SYSTEM, unknown, was_sent=True, note="postfix log: status=sent")
    assert services.totals(campaign).get(DeliveryStatus.SENT) == 4


@pytest.mark.django_db
def test_an_unreachable_server_fails_the_attempt_without_claiming_anything(scoped_case, sink):
    # given
    campaign = _ready(scoped_case)
    sink.stop()
    # when
    with pytest.raises(OSError):
        sending.run(campaign.pk, "test:1:a")
    # then
    assert _statuses(campaign)[DeliveryStatus.QUEUED] == 4
    # when: the server is back
    sink.start()
    sending.run(campaign.pk, "test:1:b")
    # then
    assert _statuses(campaign)[DeliveryStatus.SENT] == 4


@pytest.mark.django_db
def test_the_rate_limit_is_respected(server_case, sink):
    # given: 6 people at 600 a minute, i.e. one every 0.1 s
    make_people(make_scoping(server_case), 6)
    campaign = _ready(server_case)
    Campaign.objects.filter(pk=campaign.pk).update(rate_per_minute=600, batch_size=4)
    # when
    started = time.monotonic()
    sending.run(campaign.pk, "test:1:a")
    elapsed = time.monotonic() - started
    # then: five intervals between six messages
    assert len(sink.handler.ids()) == 6
    assert elapsed >= 0.5


@pytest.mark.django_db
def test_sending_runs_as_a_background_job_and_finishes_the_campaign(scoped_case, sink):
    # given
    campaign = services.create_campaign(SYSTEM, scoped_case, channel=Channel.EMAIL, rate_per_minute=60_000)
    services.update_campaign(SYSTEM, campaign, {"facts": FILLED})
    # when
    services.start_sending(SYSTEM, campaign)
    Worker(get_backend("embedded")).run(burst=True)
    # then
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DONE
    assert Job.objects.get(pk=campaign.job_id).result["sent"] == 4
    assert len(sink.handler.ids()) == 4


@pytest.mark.django_db
def test_a_second_campaign_by_the_same_channel_does_not_notify_people_reached_already(scoped_case, sink):
    # given
    first = _ready(scoped_case)
    sending.run(first.pk, "test:1:a")
    # when
    second = services.create_campaign(SYSTEM, scoped_case, channel=Channel.EMAIL)
    # then
    assert second.already_notified == 4
    assert not second.deliveries.filter(status=DeliveryStatus.QUEUED).exists()


@pytest.mark.django_db
def test_sending_is_refused_while_a_notice_item_is_still_to_be_filled_in(scoped_case):
    # given: the items drafted from a case that knows little
    campaign = services.create_campaign(SYSTEM, scoped_case, channel=Channel.EMAIL)
    # when / then
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="contact"):
        services.start_sending(SYSTEM, campaign)


@pytest.mark.django_db
def test_a_job_that_runs_out_of_attempts_pauses_the_campaign_with_the_reason(scoped_case, sink):
    # given: the mail server is gone for good
    campaign = services.create_campaign(SYSTEM, scoped_case, channel=Channel.EMAIL, rate_per_minute=60_000)
    services.update_campaign(SYSTEM, campaign, {"facts": FILLED})
    campaign = services.start_sending(SYSTEM, campaign)
    Job.objects.filter(pk=campaign.job_id).update(max_attempts=1)
    sink.stop()
    # when
    Worker(get_backend("embedded")).run(burst=True)
    # then
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED and "Connection refused" in campaign.last_error
    assert _statuses(campaign)[DeliveryStatus.QUEUED] == 4  # nothing claimed, nothing lost
    # when: the server is back and the manager resumes
    sink.start()
    services.start_sending(SYSTEM, campaign)
    Worker(get_backend("embedded")).run(burst=True)
    # then
    assert _statuses(campaign)[DeliveryStatus.SENT] == 4 and len(set(sink.handler.ids())) == 4
