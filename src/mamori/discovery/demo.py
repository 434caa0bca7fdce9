"""The demo's online-shop database: an EC-CUBE 2.x-shaped SQLite file with card data planted in it.

The shop's ledger entries declare that card data is not retained (非保持); a scan of this database finds
card numbers and security codes in ``dtb_order.memo02`` and ``plg_card_log`` — the contradiction the
reconciliation page shows in one click.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.db import transaction

from mamori.accounts.policy import SYSTEM
from mamori.audit import services as audit
from mamori.contractors.models import Contractor
from mamori.discovery.models import DataSource, SourceKind
from mamori.ledger.models import LedgerEntry

SOURCE_NAME = "ECサイト データベース (EC-CUBE)"
SHOP_REFERENCES = ("PI-0001", "PI-0002")


def shop_db_path() -> Path:
    return Path(settings.DATA_DIR) / "demo" / "shop.sqlite3"


def build_demo_shop(path: Path | None = None) -> Path:
    from mamori.discovery.shopdb import build_shop_db

    target = path or shop_db_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    build_shop_db(f"sqlite:///{target}", flavour="eccube2", customers=60, orders=120)
    return target


def load_demo_discovery(contractors: Sequence[Contractor], ledger_entries: Sequence[LedgerEntry]) -> DataSource | None:
    """Create the demo shop database and register it as a data source run by the server contractor.

    Needs SQLAlchemy (the ``db`` extra); without it the demo simply has no data source.
    """
    path = shop_db_path()
    if not path.is_file():
        try:
            build_demo_shop(path)
        except ImportError:
            return None
    with transaction.atomic():
        source = DataSource.objects.filter(name=SOURCE_NAME).first()
        if source is None:
            source = DataSource.objects.create(
                name=SOURCE_NAME,
                kind=SourceKind.DATABASE,
                location=f"sqlite:///{path}",
                contractor=contractors[0] if contractors else None,
                notes="EC-CUBE 2.13 の本番データベースの複製(デモ用)。保守はサーバー保守委託先。",
            )
            source.ledger_entries.set([e for e in ledger_entries if e.reference in SHOP_REFERENCES])
            audit.record_create(SYSTEM, source)
    return source
