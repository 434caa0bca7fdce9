"""Reading the audit trail: filtered lists for the UI and CSV, per-record trails, and the verifier's stream."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from mamori.audit import registry
from mamori.audit.models import AuditEntry, ChainHead
from mamori.audit.verify import ROW_FIELDS, SEQ, Head

CHUNK_SIZE = 5000


def read_head(using: str = "default") -> Head | None:
    head = ChainHead.objects.using(using).filter(pk=1).values_list("seq", "hash").first()
    return Head(*head) if head else None


class ChainReader:
    """Streams every entry in ``seq`` order for ``verify_chain``, then reads the chain head.

    Entries appended while the stream runs are fetched before the head is read, so a busy system does
    not look truncated (the head is always moved in the same transaction as the entry it names).
    """

    def __init__(self, using: str = "default", chunk_size: int = CHUNK_SIZE) -> None:
        self.using, self.chunk_size = using, chunk_size
        self._head: Head | None = None

    def count(self) -> int:
        """How many entries there are now (for a progress bar; the stream may find more)."""
        return AuditEntry.objects.using(self.using).count()

    def _rows(self, after: int | None) -> Iterator[tuple[Any, ...]]:
        query = AuditEntry.objects.using(self.using).order_by("seq")
        if after is not None:
            query = query.filter(seq__gt=after)
        # A server-side cursor on PostgreSQL; chunked fetches on SQLite. Memory stays flat either way.
        return query.values_list(*ROW_FIELDS).iterator(chunk_size=self.chunk_size)

    def rows(self) -> Iterator[tuple[Any, ...]]:
        last: int | None = None
        for row in self._rows(None):
            last = row[SEQ]
            yield row
        while True:
            self._head = read_head(self.using)
            if self._head is None or (last is not None and self._head.seq <= last):
                return
            caught_up = False
            for row in self._rows(last):
                last, caught_up = row[SEQ], True
                yield row
            if not caught_up:
                return

    def head(self) -> Head | None:
        return self._head if self._head is not None else read_head(self.using)


def entry_at(seq: int, using: str = "default") -> AuditEntry | None:
    return AuditEntry.objects.using(using).filter(seq=seq).first()


def filter_entries(queryset: QuerySet[AuditEntry], filters: Mapping[str, Any]) -> QuerySet[AuditEntry]:
    """Apply the list filters (the cleaned data of ``AuditFilterForm``); empty values are ignored."""
    conditions = Q()
    if who := filters.get("who"):
        conditions &= Q(actor_username__icontains=who)
    if action := filters.get("action"):
        conditions &= Q(action=action)
    if object_type := filters.get("object_type"):
        conditions &= Q(object_type=object_type)
    if object_id := filters.get("object_id"):
        conditions &= Q(object_id=object_id)
    if date_from := filters.get("date_from"):
        conditions &= Q(created_at__gte=_start_of(date_from))
    if date_to := filters.get("date_to"):
        conditions &= Q(created_at__lt=_start_of(date_to + dt.timedelta(days=1)))
    if text := filters.get("q"):
        conditions &= Q(object_repr__icontains=text) | Q(message__icontains=text)
    return queryset.filter(conditions).order_by("-seq")


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the site's time zone: people filter by their local dates."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def record_trail(queryset: QuerySet[AuditEntry], object_type: str, object_id: str) -> QuerySet[AuditEntry]:
    return queryset.filter(object_type=object_type, object_id=object_id).order_by("-seq")


def actions_in_use() -> list[str]:
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())


def object_types_in_use() -> list[str]:
    types = AuditEntry.objects.exclude(object_type="").order_by("object_type")
    return list(types.values_list("object_type", flat=True).distinct())


def last_seq() -> int:
    return AuditEntry.objects.aggregate(last=Max("seq"))["last"] or 0


def field_changes(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    """``(field, before, after)`` rows of an entry's ``changes`` for display; other shapes shown as one row."""
    changes = entry.changes
    if not isinstance(changes, dict):
        return [("", "", changes)]
    rows = []
    for field, value in sorted(changes.items()):
        if isinstance(value, list) and len(value) == 2:
            rows.append((field, value[0], value[1]))
        else:
            rows.append((field, "", value))
    return rows


CSV_COLUMNS = (
    "seq",
    "created_at",
    "actor_username",
    "actor_role",
    "via",
    "ip_address",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "message",
    "changes",
    "hash",
)


# After the stored values (for tools, unchanged), the same in the reader's language (for people): the
# action's label, the kind of record, the role and the message, translated at export time (see registry).
LABEL_COLUMNS = {
    "action_label": ("action", registry.action_label),
    "record_kind": ("object_type", registry.record_kind),
    "actor_role_label": ("actor_role", registry.role_label),
    "via_label": ("via", registry.via_label),
    "message_text": ("message", registry.translate_message),
}


def csv_rows(queryset: QuerySet[AuditEntry]) -> Iterator[list[str]]:
    yield [*CSV_COLUMNS, *LABEL_COLUMNS]
    for entry in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield [_csv_cell(entry, name) for name in (*CSV_COLUMNS, *LABEL_COLUMNS)]


def _csv_cell(entry: AuditEntry, name: str) -> str:
    if name in LABEL_COLUMNS:
        field, translate = LABEL_COLUMNS[name]
        return _neutralised(translate(getattr(entry, field)))
    value = getattr(entry, name)
    if name == "created_at":
        text = timezone.localtime(value).isoformat()
    elif name == "changes":
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = "" if value is None else str(value)
    return _neutralised(text)


def _neutralised(text: str) -> str:
    # Spreadsheets run cells that start like a formula; a leading apostrophe keeps them as text.
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text
