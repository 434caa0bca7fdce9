"""Every page renders in Japanese and English, forms are accessible, and nothing loads from elsewhere."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mamori.accounts.models import User
from mamori.contractors.models import Contractor
from mamori.core.navigation import AREAS
from mamori.incidents.models import IncidentCase
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def in_language(client: Client, language: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, "page has no <h1>"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


@pytest.fixture
def pages(manager: User, server_co: Contractor, server_case: IncidentCase) -> dict[str, tuple[str, str, str]]:
    """URL → (Japanese heading, English heading) for every page the manager can open."""
    return {
        "dashboard": (reverse("core:dashboard"), "ダッシュボード", "Dashboard"),
        "contractors": (reverse("contractors:list"), "委託先", "Contractors"),
        "contractor": (reverse("contractors:detail", args=[server_co.pk]), server_co.name, server_co.name),
        "contractor_new": (reverse("contractors:create"), "委託先の登録", "Add contractor"),
        "contractor_edit": (reverse("contractors:edit", args=[server_co.pk]), "委託先の編集", "Edit contractor"),
        "cases": (reverse("incidents:list"), "インシデント事案", "Incident cases"),
        "case": (reverse("incidents:detail", args=[server_case.pk]), server_case.title, server_case.title),
        "case_new": (reverse("incidents:create"), "インシデントを報告", "Report an incident"),
        "case_edit": (reverse("incidents:edit", args=[server_case.pk]), "インシデント事案の編集", "Edit incident case"),
        "users": (reverse("accounts:user_list"), "利用者", "Users"),
        "user": (reverse("accounts:user_detail", args=[manager.pk]), "manager", "manager"),
        "user_new": (reverse("accounts:user_create"), "利用者の追加", "Add user"),
        "user_edit": (reverse("accounts:user_edit", args=[manager.pk]), "利用者の編集", "Edit user"),
        "password": (reverse("accounts:password_change"), "パスワード変更", "Change password"),
    }


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_page_renders_for_the_manager_with_its_heading_in_the_chosen_language(
    client_for: Callable[[User], Client], manager: User, pages: dict[str, tuple[str, str, str]], language: str
) -> None:
    # given the manager, signed in, with the language chosen by the switch
    client = in_language(client_for(manager), language)
    for name, (url, heading_ja, heading_en) in pages.items():
        # when the page is opened
        response = client.get(url)
        # then it renders, in that language
        assert response.status_code == 200, name
        html = response.content.decode()
        assert f'<html lang="{language}">' in html, name
        assert (heading_ja if language == "ja" else heading_en) in h1(html), name


def test_a_first_visit_is_in_japanese_whatever_the_browser_asks_for() -> None:
    # given a browser that prefers English and has not used the switch
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    # when it opens the sign-in page
    html = client.get(reverse("accounts:login")).content.decode()
    # then the page is Japanese, and the switch offers English
    assert h1(html) == "ログイン"
    assert 'name="language" value="en"' in html


def test_the_language_switch_posts_to_set_language_and_the_next_page_is_english() -> None:
    # given the Japanese sign-in page
    client = Client()
    html = client.get(reverse("accounts:login")).content.decode()
    assert f'action="{reverse("set_language")}" method="post"' in html
    # when the English button is pressed
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("accounts:login")})
    # then the user goes back to the page, now in English
    assert response.status_code == 302
    assert h1(client.get(response["Location"]).content.decode()) == "Sign in"


def test_the_sign_in_page_labels_every_input() -> None:
    # when the sign-in page is shown
    html = Client().get(reverse("accounts:login")).content.decode()
    # then each visible input has a label pointing at it, and a required marker
    for field_id in ("id_username", "id_password"):
        assert f'<label for="{field_id}">' in html
        assert f'id="{field_id}"' in html
    assert html.count('class="req"') == 2


def test_a_bad_contractor_form_shows_each_error_next_to_its_field(
    client_for: Callable[[User], Client], manager: User
) -> None:
    # given the manager on the new-contractor form
    client = in_language(client_for(manager), "en")
    # when the form is sent without a name and with a wrong corporate number
    response = client.post(reverse("contractors:create"), {"name": "", "corporate_number": "123"})
    # then it is refused with a summary that screen readers announce, and each error sits by its field
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary" role="alert"' in html
    assert '<a href="#id_name">' in html
    name_field = re.search(r'<div class="field has-error field-text">.*?</div>', html, re.S)
    assert name_field and "This field is required." in name_field.group(0)
    assert 'id="id_name_error"' in html
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*aria-describedby="id_name_error"', html)
    assert "13-digit corporate number" in html


def test_the_pages_load_nothing_from_other_sites_and_use_no_inline_script_or_style(
    client_for: Callable[[User], Client], manager: User, pages: dict[str, tuple[str, str, str]]
) -> None:
    # given the manager and every page, plus the sign-in page
    client = client_for(manager)
    htmls = [Client().get(reverse("accounts:login")).content.decode()]
    htmls += [client.get(url).content.decode() for url, _, _ in pages.values()]
    for html in htmls:
        # then no asset comes from a CDN or another host, and nothing inline breaks the CSP
        assert not re.search(r"(src|href)=\"[^\"]*cdn", html, re.I)
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert " style=" not in html and "<style" not in html


def test_the_vendored_htmx_and_its_licence_are_served_from_this_site(
    client_for: Callable[[User], Client], manager: User
) -> None:
    # given the layout
    html = client_for(manager).get(reverse("core:dashboard")).content.decode()
    # then htmx is loaded from our static files and its licence lies next to it
    assert 'src="/static/mamori/htmx.min.js"' in html
    static = settings.STATICFILES_DIRS[0] / "mamori"
    assert (static / "htmx.min.js").stat().st_size > 10_000
    assert "Zero-Clause BSD" in (static / "htmx.LICENSE.txt").read_text()


def test_the_menu_shows_every_area_to_the_manager_and_marks_the_current_one(
    client_for: Callable[[User], Client], manager: User
) -> None:
    # when the manager opens the contractors list
    html = client_for(manager).get(reverse("contractors:list")).content.decode()
    # then every area is in the menu (but the contractors' own portal), planned ones marked, and the current one
    # has aria-current
    nav = re.search(r'<nav class="sidenav".*?</nav>', html, re.S)
    assert nav
    with translation.override("ja"):
        labels = [str(area.label) for area in AREAS if not area.contractors_only]
        portal = [str(area.label) for area in AREAS if area.contractors_only]
    assert portal and not any(label in nav.group(0) for label in portal)
    for label in labels:
        assert label in nav.group(0)
    assert nav.group(0).count("準備中") == sum(1 for a in AREAS if not a.available)
    assert re.search(r'href="/contractors/" aria-current="page"', nav.group(0))


def test_every_planned_area_says_what_will_be_there_in_both_languages(
    client_for: Callable[[User], Client], manager: User
) -> None:
    # given the areas still being built (the list shrinks as areas are finished)
    client = client_for(manager)
    for area in [a for a in AREAS if not a.available]:
        for language in ("ja", "en"):
            # when the manager opens one
            response = in_language(client, language).get(reverse("core:area", args=[area.key]))
            # then it is titled with the area's name and describes what it will hold
            assert response.status_code == 200
            html = response.content.decode()
            with translation.override(language):
                assert h1(html).startswith(str(area.label))
                assert str(area.description) in html


def test_the_dashboard_shows_cards_by_role(
    client_for: Callable[[User], Client],
    manager: User,
    staff: User,
    alice_contractor: User,
    server_case: IncidentCase,
) -> None:
    # when the manager, a staff member and a contractor user open the dashboard
    manager_html = client_for(manager).get("/").content.decode()
    staff_html = client_for(staff).get("/").content.decode()
    contractor_html = client_for(alice_contractor).get("/").content.decode()
    # then the manager sees the open cases, the ledger reviews due, the risk heat map, the overdue list (training
    # and internal audit among it), the scan findings chart and the readiness card
    for title in ("対応中のインシデント事案", "見直し時期の台帳項目", "リスクのヒートマップ"):
        assert title in manager_html
    for card in ('id="overdue-card"', 'id="findings-card"', 'id="readiness-card"'):
        assert card in manager_html
    assert 'data-overdue="training"' in manager_html and 'data-overdue="internal_audit"' in manager_html
    assert server_case.title in manager_html
    # staff see their training in the overdue list but not the readiness report or the ledger reviews;
    # contractor users see only their cases
    assert 'data-overdue="training"' in staff_html and 'id="readiness-card"' not in staff_html
    assert "見直し時期の台帳項目" not in staff_html
    assert "対応中のインシデント事案" in contractor_html and 'id="overdue-card"' not in contractor_html
    assert "利用者" not in re.search(r"<nav.*?</nav>", contractor_html, re.S).group(0)  # type: ignore[union-attr]


def test_logout_is_a_post_form(client_for: Callable[[User], Client], manager: User) -> None:
    # when a signed-in page is shown
    html = client_for(manager).get("/").content.decode()
    # then signing out is a form that posts, never a link
    assert re.search(rf'<form action="{reverse("accounts:logout")}" method="post"', html)
    assert f'href="{reverse("accounts:logout")}"' not in html


@pytest.mark.parametrize("role_user", ["president", "manager", "auditor", "staff", "alice_contractor", "investigator"])
def test_every_role_gets_a_dashboard_and_a_menu_fit_for_it(
    client_for: Callable[[User], Client], role_user: str, request: pytest.FixtureRequest, invited: object
) -> None:
    # given a signed-in user of each role
    user: User = request.getfixturevalue(role_user)
    # when the dashboard opens
    response = client_for(user).get(reverse("core:dashboard"))
    # then it renders, and the overdue list with the training line (for internal roles) is not shown to outsiders
    assert response.status_code == 200
    html = response.content.decode()
    assert h1(html) == "ダッシュボード"
    internal = role_user not in ("alice_contractor", "investigator")
    assert ('id="overdue-card"' in html and 'data-overdue="training"' in html) is internal
    assert '<h2 id="card-planned-' not in html  # every area the dashboard summarises is built


def test_an_unknown_record_shows_the_not_found_page_in_the_layout(
    client_for: Callable[[User], Client], manager: User
) -> None:
    # when the manager opens a contractor that does not exist
    response = client_for(manager).get(reverse("contractors:detail", args=[999_999]))
    # then the error page keeps the layout and says what happened in Japanese
    assert response.status_code == 404
    html = response.content.decode()
    assert "見つかりません" in h1(html)
    assert 'class="sidenav"' in html


def test_the_two_factor_setup_page_shows_the_code_to_scan_and_a_labelled_field(
    client_for: Callable[[User], Client], president: User
) -> None:
    # when top management, who must use two-factor, opens the set-up page
    html = client_for(president).get(reverse("accounts:two_factor_setup")).content.decode()
    # then the QR code, the key to type by hand and the labelled code field are there
    assert h1(html) == "二要素認証の設定"
    assert "<svg" in html and 'class="secret"' in html
    assert '<label for="id_code">' in html


def test_the_two_factor_step_after_the_password_has_a_labelled_field(manager: User) -> None:
    # given a manager with two-factor turned on
    manager.totp_secret = "JBSWY3DPEHPK3PXP"
    manager.totp_confirmed_at = manager.date_joined
    manager.save()
    client = Client()
    # when the password is right
    response = client.post(reverse("accounts:login"), {"username": "manager", "password": PASSWORD})
    # then the second step asks for the code, with a label
    assert response["Location"] == reverse("accounts:two_factor_verify")
    html = client.get(response["Location"]).content.decode()
    assert h1(html) == "二要素認証"
    assert '<label for="id_code">' in html


def test_the_mandatory_two_factor_setup_hides_the_menu_whose_links_would_bounce(
    client_for: Callable[[User], Client], president: User, staff: User
) -> None:
    # when top management (who must use two-factor) and staff (who may) open the set-up page
    required = client_for(president).get(reverse("accounts:two_factor_setup")).content.decode()
    optional = client_for(staff).get(reverse("accounts:two_factor_setup")).content.decode()
    # then only the optional set-up keeps the menu
    assert 'class="sidenav"' not in required
    assert 'class="sidenav"' in optional
