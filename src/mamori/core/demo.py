"""The demo organisation: an invented Osaka hobby retailer whose online shop runs on a contractor's server,
as in the 2018 card breach Mamori is built around. Loading is idempotent; `mamori demo` loads it once into a new
database (``demo_state``) and leaves it alone afterwards, and ``reset`` starts over with a new database."""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone, translation

from mamori.accounts.models import User
from mamori.accounts.policy import SYSTEM
from mamori.accounts.roles import Role
from mamori.audit import services as audit
from mamori.contractors.demo import load_demo_contractors
from mamori.contractors.models import Contractor
from mamori.core.models import Organisation
from mamori.discovery.demo import load_demo_discovery
from mamori.discovery.models import DataSource
from mamori.env import make_private_dir, make_private_file
from mamori.incidents import services as incident_services
from mamori.incidents.models import CaseAccess, IncidentCase, Playbook
from mamori.ledger.demo import load_demo_ledger
from mamori.ledger.models import LedgerEntry
from mamori.pms.demo import load_demo_pms

DEMO_PASSWORD = "mamori-demo-2018"  # noqa: S105 - published demo credential, printed by `mamori demo`
# Published demo TOTP secret for the roles that must use two-factor; never use in production.
DEMO_TOTP_SECRET = "MAMORIDEMOTWOFACTORSHOPNANIWAJPQ"  # noqa: S105
JST = dt.timezone(dt.timedelta(hours=9))

ORGANISATION = {
    "name": "有限会社トイボックス浪速",
    "name_en": "Toybox Naniwa Ltd.",
    "representative": "代表取締役 浪速 太郎",
    "address": "大阪府大阪市浪速区日本橋西1-2-3",
}
CONTRACTORS = [
    {
        "name": "株式会社なにわシステムサービス",
        "services": "オンラインショップ(EC-CUBE)のサーバー運用・保守",
        "contact_name": "堺 一郎",
        "contact_email": "support@naniwa-sys.example.jp",
        "contact_phone": "06-6000-1234",
    },
    {
        "name": "株式会社関西ロジスティクス",
        "services": "通販商品の配送(氏名・住所・電話番号を預託)",
        "contact_name": "守口 花子",
        "contact_email": "info@kansai-logi.example.jp",
        "contact_phone": "06-6000-5678",
    },
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: Role
    department: str
    contractor: int | None = None  # index into CONTRACTORS
    investigator: bool = False


USERS = [
    DemoUser("president", "浪速 太郎 (代表取締役)", Role.TOP_MANAGEMENT, "経営"),
    DemoUser("manager", "天満 恵子 (個人情報保護管理者)", Role.PROTECTION_MANAGER, "管理部"),
    DemoUser("auditor", "中之島 健 (監査責任者)", Role.AUDIT_MANAGER, "内部監査室"),
    DemoUser("staff", "難波 翔 (通販担当)", Role.STAFF, "通販事業部"),
    DemoUser("contractor", "堺 一郎 (なにわシステムサービス)", Role.CONTRACTOR, "", contractor=0),
    DemoUser("logistics", "守口 花子 (関西ロジスティクス)", Role.CONTRACTOR, "", contractor=1),
    DemoUser("investigator", "北浜 誠 (フォレンジック調査会社)", Role.INVESTIGATOR, "", investigator=True),
]
CASE = {
    "title": "カード会社からの漏えい懸念の連絡 (オンラインショップ)",
    "summary": "カード会社の不正検知により、オンラインショップからカード情報が"
    "漏えいしている可能性があると連絡を受けた。"
    "サイトを停止し、第三者調査機関による調査を依頼する。委託先には全データの保全を指示すること(削除禁止)。",
    "discovered_at": dt.datetime(2018, 11, 6, 10, 0, tzinfo=JST),
    "detection_source": "card_company",
    "detection_detail": "カード会社の不正検知部門から代表電話に連絡。"
    "当社サイトで決済したカードに不正利用が集中しているとの指摘。",
    "severity": "critical",
    "suspected_breach": True,
    "exposure_from": dt.date(2017, 5, 2),
    "exposure_to": dt.date(2018, 11, 6),
}
CASE_LEDGER_REFERENCES = ("PI-0001", "PI-0002")  # the shop's members and its card payment records
CASE_PLAYBOOK = "card-breach-web-shop"


def load_demo() -> list[tuple[DemoUser, User]]:
    """Create (or bring back to the demo state) the demo organisation, its contractors, users and case."""
    with transaction.atomic():
        if Organisation.current() is None:
            audit.record_create(SYSTEM, Organisation.objects.create(**ORGANISATION))
        contractors = [_contractor(data) for data in CONTRACTORS]
        users = [(spec, _user(spec, contractors)) for spec in USERS]
        entries = load_demo_ledger(contractors)
        source = load_demo_discovery(contractors, entries)
        load_demo_contractors(contractors)
        load_demo_pms()
        incident_services.ensure_playbooks()
        case = _case(contractors[0], entries, source)
        for spec, user in users:
            if spec.investigator:
                _invite(case, user)
    return users


def _case(contractor: Contractor, entries: list[LedgerEntry], source: DataSource | None) -> IncidentCase:
    """The 2018 case as the card company's call opens it: linked to the shop's ledger entries, its database and
    the server contractor, under legal hold, with the card-breach playbook's tasks (in Japanese)."""
    case = IncidentCase.objects.filter(title=CASE["title"]).first()
    if case is not None:
        return case
    playbook = Playbook.objects.filter(key=CASE_PLAYBOOK).first()
    data = {
        **CASE,
        "contractor": contractor,
        "ledger_entries": [e for e in entries if e.reference in CASE_LEDGER_REFERENCES],
        "data_sources": [source] if source is not None else [],
        "playbook": playbook,
    }
    with translation.override("ja"):
        return incident_services.create_case(SYSTEM, data)


def _contractor(data: dict[str, str]) -> Contractor:
    contractor = Contractor.objects.filter(name=data["name"]).first()
    if contractor is None:
        contractor = Contractor.objects.create(**data)
        audit.record_create(SYSTEM, contractor)
    return contractor


def _user(spec: DemoUser, contractors: list[Contractor]) -> User:
    user = User.objects.filter(username=spec.username).first()
    if user is not None:
        return user
    user = User(
        username=spec.username,
        display_name=spec.display_name,
        role=spec.role,
        department=spec.department,
        email=f"{spec.username}@demo.example.jp",
        contractor=contractors[spec.contractor] if spec.contractor is not None else None,
        access_expires_at=timezone.now() + dt.timedelta(days=365) if spec.investigator else None,
    )
    user.set_password(DEMO_PASSWORD)
    if spec.role in (Role.TOP_MANAGEMENT, Role.PROTECTION_MANAGER, Role.AUDIT_MANAGER):
        user.set_totp_key(DEMO_TOTP_SECRET)  # stored encrypted, like every two-factor secret
        user.totp_confirmed_at = timezone.now()
    user.save()
    audit.record_create(SYSTEM, user, message="demo user")
    return user


def _invite(case: IncidentCase, user: User) -> None:
    if not CaseAccess.objects.filter(case=case, user=user).exists():
        access = CaseAccess.objects.create(case=case, user=user, expires_at=timezone.now() + dt.timedelta(days=90))
        audit.record_create(SYSTEM, access)


# ---------------------------------------------------------------------------------------------- loaded once

MARKER_NAME = "demo.json"  # in MAMORI_DATA_DIR: this data folder holds the demo (and `--reset` may start over)
MOVED_ASIDE = "previous-demos"
# What `--reset` moves aside: the database and everything that belongs to its records (files, evidence, the
# audit checkpoint, the demo shop). Kept: the keys, the SECRET_KEY file, collected static files, backups.
RESET_PARTS = (
    "mamori.sqlite3",
    "mamori.sqlite3-wal",
    "mamori.sqlite3-shm",
    "files",
    "evidence",
    "audit",
    "demo",
    "exports",
    "ledger-imports",
    "preserve-tmp",
)


class DemoRefused(Exception):
    """`mamori demo` would touch a database or data folder that is not a demo one."""


class DemoState(enum.Enum):
    EMPTY = "empty"  # a new database: load the demo
    LOADED = "loaded"  # the demo was loaded before: leave its records as the user left them
    FOREIGN = "foreign"  # someone's real data: never add published demo logins to it


def marker_path() -> Path:
    return Path(settings.DATA_DIR) / MARKER_NAME


def demo_state() -> DemoState:
    """Whether the demo is to be loaded. Loaded once: later starts leave what the user changed or deleted.

    The demo organisation in the database says it was loaded (also by a version without the marker file); a
    database with an organisation or users of its own is not the demo's."""
    organisation = Organisation.current()
    if organisation is not None:
        return DemoState.LOADED if organisation.name == ORGANISATION["name"] else DemoState.FOREIGN
    return DemoState.FOREIGN if User.objects.exists() else DemoState.EMPTY


def mark_loaded() -> None:
    """Write the marker: the time and the database, so that `--reset` knows this folder holds a demo."""
    database = settings.DATABASES["default"]
    record = {
        "loaded_at": timezone.now().isoformat(timespec="seconds"),
        "database": f"{database['ENGINE'].rsplit('.', 1)[-1]}:{database.get('NAME', '')}",
    }
    path = marker_path()
    make_private_dir(path.parent)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    path.chmod(0o600)


def loaded_at() -> str:
    try:
        return str(json.loads(marker_path().read_text(encoding="utf-8")).get("loaded_at", ""))
    except (OSError, ValueError, AttributeError):
        return ""


def demo_users() -> list[tuple[DemoUser, User]]:
    """The demo users still there (a user the demo's owner removed stays removed)."""
    found = {u.username: u for u in User.objects.filter(username__in=[spec.username for spec in USERS])}
    return [(spec, found[spec.username]) for spec in USERS if spec.username in found]


def reset() -> Path:
    """Start the demo over: a new database, audit trail and files; the old ones are moved aside, not deleted.

    Deleting the demo's records one by one would be exactly what Mamori forbids: the audit trail is a hash
    chain anchored in a signed checkpoint outside the database, so removed entries would make `mamori audit
    verify` fail, and scans, findings, cases and evidence are never hard-deleted. Starting over therefore
    means a new database with a new chain; the old database, its files and its checkpoint stay together in
    ``previous-demos/<time>/`` (still verifiable with the same keys) until the user deletes that folder.

    Refused unless this data folder holds the demo (the marker file) and the database is its SQLite file:
    a PostgreSQL or MariaDB database is dropped and created again by its administrator, not by Mamori.
    Stop `mamori serve` first: a running server keeps the old database open.
    """
    data_dir = Path(settings.DATA_DIR)
    database = settings.DATABASES["default"]
    name = Path(str(database.get("NAME") or ""))
    if not marker_path().is_file():
        raise DemoRefused(
            f"{data_dir} is not a demo data folder (no {MARKER_NAME}); --reset only starts a demo over. "
            "Point MAMORI_DATA_DIR at the demo's folder."
        )
    if database["ENGINE"] != "django.db.backends.sqlite3" or name.parent.resolve() != data_dir.resolve():
        raise DemoRefused(
            "--reset starts over only the demo's own SQLite database under MAMORI_DATA_DIR; drop and create "
            "this database with its server's tools, then run `mamori demo`."
        )
    connections.close_all()
    target = data_dir / MOVED_ASIDE / timezone.now().strftime("%Y%m%d-%H%M%S")
    make_private_dir(target.parent)
    make_private_dir(target)
    for part in RESET_PARTS:
        if (data_dir / part).exists():
            (data_dir / part).rename(target / part)
    marker_path().rename(target / MARKER_NAME)
    make_private_dir(Path(settings.MEDIA_ROOT))
    make_private_file(name)  # 0600 before SQLite creates it (settings do this at start-up)
    return target
