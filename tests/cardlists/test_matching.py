"""Matching a list against a shop database (memo02 of EC-CUBE 2.x), stored findings, preserved copies and the
affected list of the case's current scoping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from mamori.accounts.policy import SYSTEM
from mamori.cardlists import services
from mamori.cardlists.models import CardList, CardMatch, MatchKind, RunStatus
from mamori.core import keys
from mamori.discovery import fingerprints
from mamori.discovery.engine.masking import mask_card, pan_fingerprint
from mamori.discovery.models import DataSource, Scan, ScanFinding, ScanStatus, SourceKind
from mamori.evidence import services as evidence_services
from mamori.evidence import storage
from mamori.scoping import mapping
from mamori.scoping.models import AffectedPerson, Scoping, ScopingStatus
from tests.cardlists.conftest import CARDS, build_eccube2, csv_bytes, grouped, received
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db


@pytest.fixture
def card_list(manager, server_case) -> CardList:
    """The card company's list: CARDS[0..4] (CARDS[5] is in no list)."""
    rows = [["カード番号", "利用日"]] + [[grouped(c), "2018-05-10"] for c in CARDS[:5]]
    return services.import_list(
        manager, server_case, data=csv_bytes(rows), file_name="jcb.csv", received_from="JCB", received_at=received()
    )


def make_scoping(case, *, source=None, evidence=None, identities=("member:101", "email:guest@example.jp")) -> Scoping:
    scoping = Scoping.objects.create(
        case=case,
        version=1,
        preset="eccube2",
        mapping=mapping.eccube2([1]).as_json(),
        window_from=dt.date(2018, 1, 1),
        window_to=dt.date(2018, 6, 30),
        source=source,
        evidence=evidence,
        status=ScopingStatus.SUCCEEDED,
        people_count=len(identities),
    )
    for identity in identities:
        AffectedPerson.objects.create(scoping=scoping, identity=identity, name="山田 太郎", orders=1)
    return scoping


def run(manager, card_list, **kwargs):
    started = services.start_matching(manager, card_list, **kwargs)
    assert started.status == RunStatus.QUEUED and started.job is not None
    return services.run_matching(started.pk)


def by_mask(done) -> dict[str, list[CardMatch]]:
    out: dict[str, list[CardMatch]] = {}
    for match in done.matches.select_related("entry", "person"):
        out.setdefault(match.entry.mask, []).append(match)
    return out


def test_a_shop_database_is_read_again_and_matches_link_to_affected_people(manager, card_list, shop_source):
    # given: the case's current affected list was computed from the same shop database
    scoping = make_scoping(card_list.case, source=shop_source)
    # when
    done = run(manager, card_list, sources=[shop_source], include_findings=False)
    # then: CARDS[0] (member 101), [1] (guest) and [4] (member 102) are in memo02; [2], [3] nowhere
    found = by_mask(done)
    assert set(found) == {mask_card(CARDS[0]), mask_card(CARDS[1]), mask_card(CARDS[4])}
    member = found[mask_card(CARDS[0])][0]
    assert member.kind == MatchKind.SOURCE and member.location == "dtb_order.memo02"
    assert member.row_key == "order_id=1" and member.identity == "member:101", done.notes
    assert member.person == scoping.people.get(identity="member:101")
    guest = found[mask_card(CARDS[1])][0]
    assert guest.person == scoping.people.get(identity="email:guest@example.jp")
    # member 102 is not in the affected list: said so, not hidden
    missing = found[mask_card(CARDS[4])][0]
    assert missing.person is None and "not in the affected list" in missing.person_note
    assert (done.status, done.matched_entries, done.people_linked) == (RunStatus.SUCCEEDED, 3, 2)
    assert done.scoping == scoping


def test_without_a_scoping_the_matches_say_no_person_can_be_named(manager, card_list, shop_source):
    done = run(manager, card_list, sources=[shop_source], include_findings=False)
    assert done.matches_count == 3
    assert all(m.person is None and "no affected list" in m.person_note for m in done.matches.all())


def test_a_card_in_another_table_cannot_be_linked_and_says_so(manager, card_list, shop_db, shop_source):
    # given: a card number in an access log table of the shop, which the scoping does not read
    import sqlite3

    conn = sqlite3.connect(shop_db)
    conn.execute("CREATE TABLE mdl_log (id INTEGER PRIMARY KEY, line TEXT)")
    conn.execute("INSERT INTO mdl_log VALUES (1, ?)", (f"auth ok card={CARDS[2]}",))
    conn.commit()
    conn.close()
    make_scoping(card_list.case, source=shop_source)
    # when: no scan has named the card columns, so every text column is read
    done = run(manager, card_list, sources=[shop_source], include_findings=False)
    # then
    log_match = by_mask(done)[mask_card(CARDS[2])][0]
    assert log_match.location == "mdl_log.line" and log_match.person is None
    assert "not in the scoping's table dtb_order" in log_match.person_note
    assert any("every text column" in note for note in done.notes)


def test_only_the_columns_a_scan_found_are_read_again(manager, card_list, shop_db, shop_source):
    # given: a scan found cards in dtb_order.memo02 only
    scan = Scan.objects.create(source=shop_source, status=ScanStatus.SUCCEEDED)
    ScanFinding.objects.create(
        scan=scan, type="credit_card_number", table="dtb_order", column="memo02", severity="critical", data_class="x"
    )
    import sqlite3

    conn = sqlite3.connect(shop_db)
    conn.execute("CREATE TABLE mdl_log (id INTEGER PRIMARY KEY, line TEXT)")
    conn.execute("INSERT INTO mdl_log VALUES (1, ?)", (f"auth ok card={CARDS[2]}",))
    conn.commit()
    conn.close()
    # when
    done = run(manager, card_list, sources=[shop_source], include_findings=False)
    # then
    assert {m.location for m in done.matches.all()} == {"dtb_order.memo02"}


def test_stored_findings_match_by_their_fingerprints(manager, card_list, shop_source):
    # given: an earlier scan fingerprinted CARDS[3] in a log file and CARDS[5] (not on the list)
    key, cost = keys.fingerprint_key(), fingerprints.cost()
    scan = Scan.objects.create(source=shop_source, status=ScanStatus.SUCCEEDED)
    ScanFinding.objects.create(
        scan=scan,
        type="credit_card_number",
        path="/var/log/shop/payment.log",
        examples=[mask_card(CARDS[3]), mask_card(CARDS[5])],
        card_fingerprints=[pan_fingerprint(key, CARDS[3], cost), pan_fingerprint(key, CARDS[5], cost)],
        severity="critical",
        data_class="card",
    )
    # when
    done = run(manager, card_list, include_findings=True)
    # then
    assert [(m.entry.mask, m.kind, m.location) for m in done.matches.select_related("entry")] == [
        (mask_card(CARDS[3]), MatchKind.FINDING, "/var/log/shop/payment.log")
    ]


def test_a_file_source_is_read_again(manager, card_list, allowed):
    # given
    (allowed / "logs").mkdir()
    (allowed / "logs" / "payment.log").write_text(f"2018-05-10 auth card={CARDS[1]} ok\nnothing here\n")
    source = DataSource.objects.create(name="logs", kind=SourceKind.FILES, location=str(allowed / "logs"))
    # when
    done = run(manager, card_list, sources=[source], include_findings=False)
    # then
    assert [(m.entry.mask, m.location.endswith("payment.log:1")) for m in done.matches.select_related("entry")] == [
        (mask_card(CARDS[1]), True)
    ]


def _preserve(case, data: bytes, name: str):
    blob = storage.write_stream([data], encrypt=True)
    return evidence_services.add_preserved_copy(SYSTEM, case, name=name, blob=blob, description="test copy")


def test_a_preserved_copy_is_decrypted_read_and_deleted_with_its_hash_recorded(manager, card_list, tmp_path, settings):
    # given: the shop database was wiped; only the preserved copy remains (as in 2018)
    path = tmp_path / "copy.sqlite3"
    build_eccube2(path, [(7, 101, "taro@example.jp", CARDS[0]), (8, 0, "Guest@Example.jp ", CARDS[1])])
    copy = _preserve(card_list.case, path.read_bytes(), "eccube-2018-07-01.sqlite3")
    scoping = make_scoping(card_list.case, evidence=copy)
    # when
    done = run(manager, card_list, evidence=[copy], include_findings=False)
    # then
    found = by_mask(done)
    assert set(found) == {mask_card(CARDS[0]), mask_card(CARDS[1])}
    match = found[mask_card(CARDS[0])][0]
    assert match.kind == MatchKind.EVIDENCE and match.evidence == copy and match.evidence_sha256 == copy.sha256
    assert match.person == scoping.people.get(identity="member:101")
    assert found[mask_card(CARDS[1])][0].person == scoping.people.get(identity="email:guest@example.jp")
    # the decrypted temporary copy is gone, and the read is in the chain of custody
    assert not any(services.temp_root().iterdir()) if services.temp_root().exists() else True
    assert copy.custody_events.filter(action="viewed").exists()


def test_a_preserved_file_copy_is_read_with_the_engines_readers(manager, card_list):
    copy = _preserve(card_list.case, f"order 5 paid with {CARDS[4]}\n".encode(), "payment.log")
    done = run(manager, card_list, evidence=[copy], include_findings=False)
    assert [m.entry.mask for m in done.matches.select_related("entry")] == [mask_card(CARDS[4])]
    assert done.matches.get().person_note  # a file line names no person


def test_a_source_that_cannot_be_read_is_noted_and_the_rest_still_matched(manager, card_list, shop_source, allowed):
    gone = DataSource.objects.create(name="gone", kind=SourceKind.DATABASE, location=f"sqlite:///{allowed}/none.db")
    done = run(manager, card_list, sources=[gone, shop_source], include_findings=False)
    assert done.status == RunStatus.SUCCEEDED and done.matches_count == 3
    assert any("gone could not be read" in note for note in done.notes)


def test_the_job_is_registered_and_a_failed_job_fails_the_run(manager, card_list):
    from mamori.jobs import registry

    started = services.start_matching(manager, card_list, include_findings=True)
    registry.job_ended("cardlists.match", {"run_id": started.pk}, "worker died")
    started.refresh_from_db()
    assert started.status == RunStatus.FAILED and started.error == "worker died"


# --------------------------------------------------------------------------------------------------
# PostgreSQL


PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def pg_shop(settings) -> Iterator[str]:
    name = "cardlists_shop_test"
    try:
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
    except Exception as exc:
        skip_or_fail(f"PostgreSQL not available: {type(exc).__name__}")
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE dtb_order (order_id INTEGER PRIMARY KEY, customer_id INTEGER, order_email TEXT, "
                "payment_id INTEGER, status SMALLINT, del_flg SMALLINT, create_date TIMESTAMP, memo02 TEXT)"
            )
        )
        rows = [(1, 101, "taro@example.jp", CARDS[0]), (2, 0, "GUEST@example.jp", CARDS[1]), (3, 104, "x@y.jp", None)]
        for order_id, customer, email, card in rows:
            memo = f'a:1:{{s:7:"card_no";s:16:"{card}";}}' if card else None
            conn.execute(
                sa.text("INSERT INTO dtb_order VALUES (:o, :c, :e, 1, 1, 0, '2018-05-10', :m)"),
                {"o": order_id, "c": customer, "e": email, "m": memo},
            )
    engine.dispose()
    settings.MAMORI_SCAN_ALLOW = ["127.0.0.1:5432"]
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_a_postgresql_shop_database_is_matched_with_people(manager, card_list, pg_shop):
    # given
    source = DataSource.objects.create(name="shop (PostgreSQL)", kind=SourceKind.DATABASE, location=pg_shop)
    scoping = make_scoping(card_list.case, source=source)
    # when
    done = run(manager, card_list, sources=[source], include_findings=False)
    # then
    found = by_mask(done)
    assert set(found) == {mask_card(CARDS[0]), mask_card(CARDS[1])}
    assert found[mask_card(CARDS[0])][0].person == scoping.people.get(identity="member:101")
    assert found[mask_card(CARDS[1])][0].person == scoping.people.get(identity="email:guest@example.jp")
