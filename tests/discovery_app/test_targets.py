"""Data-source targets are limited to what the administrator allows (MAMORI_SCAN_ALLOW), and Mamori's own
database, data directory and the system folders are refused whatever is allowed."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection

from mamori.accounts.policy import SYSTEM
from mamori.discovery import services
from mamori.discovery.models import DataSource, ScanStatus
from tests.discovery_app.conftest import scan_now


def files(location: str) -> dict[str, str]:
    return {"name": "x", "kind": "files", "location": location}


def database(location: str) -> dict[str, str]:
    return {"name": "x", "kind": "database", "location": location}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (files("/etc"), "MAMORI_SCAN_ALLOW"),
        (files("/root/.ssh"), "MAMORI_SCAN_ALLOW"),
        (database("mysql://root@127.0.0.2/mysql"), "127.0.0.2:3306 is not in the administrator's allow-list"),
        (database("postgresql://scanner@db.example.jp/shop"), "db.example.jp:5432"),
    ],
)
def test_a_place_the_administrator_has_not_allowed_is_refused_with_the_setting_named(db, data, message):
    with pytest.raises(ValidationError, match=message):
        services.create_source(SYSTEM, data)
    assert not DataSource.objects.exists()


def test_in_production_nothing_is_allowed_until_listed(db, settings, tmp_path):
    # given the production default: an empty allow-list
    settings.MAMORI_SCAN_ALLOW = []
    (tmp_path / "share").mkdir()
    # then even a harmless folder and a local database are refused, saying what to set
    for data in (files(str(tmp_path / "share")), database("postgresql://scanner@127.0.0.1/shop")):
        with pytest.raises(ValidationError, match="MAMORI_SCAN_ALLOW"):
            services.create_source(SYSTEM, data)
    # and once the administrator lists them, they are accepted
    settings.MAMORI_SCAN_ALLOW = [str(tmp_path / "share"), "127.0.0.1:5432"]
    services.create_source(SYSTEM, files(str(tmp_path / "share")))
    services.create_source(SYSTEM, database("postgresql://scanner@127.0.0.1/shop"))
    with pytest.raises(ValidationError, match=r"127\.0\.0\.1:5433"):
        services.create_source(SYSTEM, database("postgresql://scanner@127.0.0.1:5433/shop"))


@pytest.mark.parametrize("location", ["/proc/self/environ", "/proc", "/sys/kernel", "/dev/sda", "/"])
def test_system_folders_are_refused_even_when_allowed(db, settings, location):
    settings.MAMORI_SCAN_ALLOW = ["/"]
    with pytest.raises(ValidationError, match=r"system folder|data directory"):
        services.create_source(SYSTEM, files(location))


def test_mamori_data_directory_and_keys_are_refused_even_when_allowed(db, settings, tmp_path):
    data_dir = tmp_path / "data"
    (data_dir / "keys").mkdir(parents=True)
    settings.MAMORI_SCAN_ALLOW = [str(tmp_path)]
    for location in (data_dir, data_dir / "keys", data_dir / "files", tmp_path):
        with pytest.raises(ValidationError, match="data directory"):
            services.create_source(SYSTEM, files(str(location)))
    # but the demo folder under it may be scanned (the demo shop database lives there)
    (data_dir / "demo").mkdir()
    services.create_source(SYSTEM, files(str(data_dir / "demo")))


def test_mamori_own_database_is_refused(db, settings):
    settings.MAMORI_SCAN_ALLOW = ["*", "/"]
    own = connection.settings_dict
    if connection.vendor == "postgresql":
        location = f"postgresql://{own['USER']}@{own['HOST'] or 'localhost'}:{own['PORT'] or 5432}/{own['NAME']}"
        with pytest.raises(ValidationError, match="Mamori's own database"):
            services.create_source(SYSTEM, database(location))
    # and on SQLite its file lives in the data directory, which is refused as a whole
    own_file = django_settings.DATA_DIR / "mamori.sqlite3"
    with pytest.raises(ValidationError, match="never scanned"):
        services.create_source(SYSTEM, database(f"sqlite:///{own_file}"))


def test_links_and_dots_cannot_lead_out_of_an_allowed_folder(db, settings, tmp_path):
    allowed = tmp_path / "share"
    allowed.mkdir()
    (allowed / "etc-link").symlink_to("/etc")
    settings.MAMORI_SCAN_ALLOW = [str(allowed)]
    for location in (f"{allowed}/../..", f"{allowed}/etc-link", f"{allowed}/etc-link/passwd"):
        with pytest.raises(ValidationError, match=r"allow-list|data directory"):
            services.create_source(SYSTEM, files(location))


def test_the_form_names_the_location_and_the_setting(manager, client_for, settings):
    settings.MAMORI_SCAN_ALLOW = []
    response = client_for(manager).post("/discovery/new/", files("/etc"))
    errors = " ".join(response.context["form"].errors["location"])
    assert "/etc" in errors and "MAMORI_SCAN_ALLOW" in errors


def test_a_scan_checks_the_allow_list_again_when_it_runs(internal_source, settings):
    # given a source saved while its folder was allowed
    # when the administrator narrows the allow-list and the scan runs
    settings.MAMORI_SCAN_ALLOW = ["/nowhere"]
    scan = scan_now(internal_source)
    # then the scan fails with the reason and reads nothing
    assert scan.status == ScanStatus.FAILED and "MAMORI_SCAN_ALLOW" in scan.error
    assert scan.items_scanned == 0


def test_file_findings_and_problems_are_relative_to_the_source_folder(internal_source, tmp_path):
    # given a share with a card number in a sub-folder and a link to a file outside the share
    share = tmp_path / "share"
    (share / "sales").mkdir()
    (share / "sales" / "orders.csv").write_text("card\n4111 1111 1111 1111\n", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("card 5555 5555 5555 4444\n", encoding="utf-8")
    (share / "link.txt").symlink_to(outside)
    # when it is scanned
    scan = scan_now(internal_source)
    # then the finding names the file relative to the share, never the server's absolute path
    assert scan.status == ScanStatus.SUCCEEDED, scan.error
    assert [f.path for f in scan.findings.all()] == ["sales/orders.csv"]
    # and the link was skipped and is listed as a problem, also relative
    assert any(p.startswith("link.txt: skipped") for p in scan.problems), scan.problems
    assert str(tmp_path) not in " ".join(scan.problems)
