"""The PMS pages say the same thing the same way: chapters by name, an unconfirmed number marked wherever it is
shown, red kept for nonconformities and what is overdue, the same tabs on every page, and demo dates that agree."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from mamori.core.demo import load_demo
from mamori.pms import catalogue
from mamori.pms import services_audits as audits
from mamori.pms.models import AuditPlanStatus, AuditResult, Control, Document, DocumentKind
from tests.pms.helpers import ja, planned_audit

CHAPTERS = {
    "J.1": ("組織の状況", "Context of the organisation"),
    "J.6": ("パフォーマンス評価", "Performance evaluation"),
    "J.9": ("適正管理", "Keeping personal information properly"),
    "J.11": ("苦情及び相談への対応", "Handling complaints and inquiries"),
}


def _badge(page: str, label: str) -> str:
    """The class of the status badge that reads ``label``."""
    found = re.search(rf'<span class="status ?([^"]*)">{re.escape(label)}</span>', page)
    assert found, label
    return found.group(1)


@pytest.mark.django_db
def test_every_chapter_of_the_catalogue_has_a_name_in_both_languages() -> None:
    # given the shipped catalogue
    names = catalogue.chapters()
    # then every chapter its requirements use is named in Japanese and in English, in the data file
    for group in set(Control.objects.values_list("group", flat=True)):
        title_ja, title_en = names[group]
        assert title_ja and title_en and title_ja != title_en
    for group, expected in CHAPTERS.items():
        assert names[group] == expected


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_readiness_chapter_table_names_each_chapter(client_for, president, language) -> None:
    # given top management reads the readiness report in one of the two languages
    client = client_for(president)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    # when the report opens
    page = client.get("/pms/readiness/").content.decode()
    # then each chapter line shows its number and its name in that language
    for group, (title_ja, title_en) in CHAPTERS.items():
        assert f"<tr><td>{group} {title_ja if language == 'ja' else title_en}</td>" in page


@pytest.mark.django_db
def test_the_audit_checklist_marks_unconfirmed_numbers_as_the_requirements_page_does(client_for, auditor) -> None:
    # given requirements whose guideline number is not confirmed (shown by their chapter, e.g. J.9 twice)
    unconfirmed = Control.objects.filter(code="", retired_at__isnull=True).count()
    assert unconfirmed >= 2
    plan = planned_audit(auditor)
    client = client_for(auditor)
    tag = f'<span class="tag">{ja("number not confirmed")}</span>'
    # when the auditor opens the requirements page and the audit's checklist
    requirements = client.get("/pms/requirements/").content.decode()
    checklist = client.get(f"/pms/audits/{plan.pk}/").content.decode()
    # then both mark every such line the same way, so a repeated chapter number is explained
    assert requirements.count(tag) == unconfirmed
    assert checklist.count(tag) == unconfirmed


@pytest.mark.django_db
def test_only_a_nonconformity_is_red_on_the_audit_pages(client_for, auditor) -> None:
    # given an audit under way with a conforming line, an observation and a nonconformity
    plan = planned_audit(auditor)
    items = {i.control.key: i for i in plan.items.select_related("control")}
    audits.record_result(auditor, items["policy"], AuditResult.CONFORMS, "公表を確認", "")
    audits.record_result(auditor, items["contractor-supervision"], AuditResult.OBSERVATION, "条項を改訂中", "")
    audits.record_result(auditor, items["awareness"], AuditResult.NONCONFORMITY, "未受講者あり", "")
    client = client_for(auditor)
    assert plan.__class__.objects.get(pk=plan.pk).status == AuditPlanStatus.IN_PROGRESS
    # when the auditor opens the list and the checklist
    listing = client.get("/pms/audits/").content.decode()
    checklist = client.get(f"/pms/audits/{plan.pk}/").content.decode()
    # then the audit under way is neutral, the observation a caution, and only the nonconformity red
    red = {"status-alert", "status-open"}
    with translation.override("ja"):
        assert _badge(listing, str(AuditPlanStatus.IN_PROGRESS.label)) == ""
        assert _badge(checklist, str(AuditResult.OBSERVATION.label)) == "status-contained"
        assert _badge(checklist, str(AuditResult.NONCONFORMITY.label)) == "status-alert"
        assert _badge(checklist, str(AuditResult.CONFORMS.label)) == "status-ok"
        assert _badge(checklist, str(AuditResult.NOT_CHECKED.label)) not in red


@pytest.mark.django_db
def test_work_under_way_is_not_red_on_the_other_pms_lists(client_for, manager) -> None:
    # given the requirements as installed: none started yet
    client = client_for(manager)
    # when the protection manager opens the requirements and the readiness report
    for path in ("/pms/requirements/", "/pms/readiness/"):
        page = client.get(path).content.decode()
        # then "not started" and "not assigned" are not shown in the nonconformity red
        with translation.override("ja"):
            assert _badge(page, gettext("Not started")) not in {"status-alert", "status-open"}, path
        assert "status-open" not in page, path


@pytest.mark.django_db
def test_the_requirement_pages_carry_the_pms_tabs(client_for, manager) -> None:
    # given a requirement
    control = Control.objects.get(key="policy")
    client = client_for(manager)
    # when the protection manager opens it and its edit page
    for path in (f"/pms/requirements/{control.pk}/", f"/pms/requirements/{control.pk}/edit/"):
        page = client.get(path).content.decode()
        # then the PMS tab bar is there, with the requirements tab as the current one
        assert 'class="subnav"' in page, path
        assert re.search(r'<a href="/pms/requirements/" aria-current="page">', page), path


@pytest.mark.django_db
def test_the_demo_policies_are_in_force_from_the_day_they_were_published() -> None:
    # when the demo is loaded
    load_demo()
    # then the external policy is in force and published on the same 2019 date, not in force from today
    external = Document.objects.get(kind=DocumentKind.EXTERNAL_POLICY).current_version()
    assert external is not None
    assert external.effective_from == external.published_on == dt.date(2019, 4, 1)
    # and the internal policy, set up together with it, dates from the same day
    internal = Document.objects.get(kind=DocumentKind.INTERNAL_POLICY).current_version()
    assert internal is not None and internal.effective_from == dt.date(2019, 4, 1)
    # and no version of any document is published before it is in force
    for document in Document.objects.all():
        for version in document.versions.all():
            if version.published_on and version.effective_from:
                assert version.published_on >= version.effective_from, document.number
