"""Ledger actions (個人情報管理台帳の登録・変更・見直し・削除・取込).

Each action checks the policy, changes the entry, writes a numbered revision (the entry's history)
and the audit entry, all in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import Action, Actor, is_system
from mamori.audit import services as audit
from mamori.contractors.models import Contractor
from mamori.core.crud import query_id, query_text
from mamori.ledger.models import DataCategory, LedgerEntry, LedgerEntryRevision, one_year_after, review_overdue_q

RESOURCE = "ledger_entry"
CATEGORY_RESOURCE = "data_category"
M2M_FIELDS = ("categories", "contractors")
# The fields a person edits, in the order forms and the API show them.
EDITABLE_FIELDS = (
    "reference",
    "name",
    "department",
    "manager",
    "categories",
    "data_subjects",
    "approximate_count",
    "purposes",
    "acquisition_method",
    "notice_basis",
    "medium",
    "storage_locations",
    "retention_period",
    "disposal_method",
    "access_holders",
    "contractors",
    "third_party_provision",
    "foreign_transfer",
    "retained_personal_data",
    "card_data_retained",
    "last_reviewed",
    "next_review_due",
    "notes",
)
REFERENCE_PREFIX = "PI-"


# ---------------------------------------------------------------------------------------------- catalogue


def load_catalogue() -> int:
    """Create or refresh the shipped data categories (idempotent). Returns the number created."""
    from mamori.ledger.data.catalogue import CATEGORIES

    created = 0
    with transaction.atomic():
        for order, row in enumerate(CATEGORIES, start=1):
            values = {k: v for k, v in row.items() if k != "code"}
            _, made = DataCategory.objects.update_or_create(code=row["code"], defaults={**values, "order": order * 10})
            created += int(made)
        if created:
            audit.record(
                policy.SYSTEM, "create", object_type=CATEGORY_RESOURCE, message=f"catalogue loaded ({created} new)"
            )
    return created


# ---------------------------------------------------------------------------------------------- snapshots


def entry_snapshot(entry: LedgerEntry) -> dict[str, Any]:
    """The entry's values as plain JSON, with data items and contractors by name (for revisions)."""
    values = audit.snapshot(entry)
    for name in ("created_at", "updated_at"):
        values.pop(name, None)
    # Sorted here rather than by the database, whose collation of Japanese text varies by vendor.
    values["categories"] = [c.name for c in sorted(entry.categories.all(), key=lambda c: (c.order, c.name))]
    values["contractors"] = sorted(c.name for c in entry.contractors.all())
    return values


def _actor_user(actor: Actor) -> Any:
    return None if is_system(actor) or not getattr(actor, "pk", None) else actor


def _actor_name(actor: Actor) -> str:
    return "system" if is_system(actor) else str(actor.get_username())


def _write_revision(actor: Actor, entry: LedgerEntry, summary: str) -> LedgerEntryRevision:
    last = entry.revisions.aggregate(n=Max("number"))["n"] or 0
    return LedgerEntryRevision.objects.create(
        entry=entry,
        number=last + 1,
        snapshot=entry_snapshot(entry),
        changed_by=_actor_user(actor),
        changed_by_name=_actor_name(actor),
        summary=summary[:300],
    )


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: Any
    after: Any

    @property
    def before_text(self) -> str:
        return display_value(self.field, self.before)

    @property
    def after_text(self) -> str:
        return display_value(self.field, self.after)


def display_value(name: str, value: Any) -> str:
    """A snapshot value as a person reads it: choice labels, yes/no, lists joined with 、."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if name in M2M_FIELDS:
        return str(value)
    choices = getattr(LedgerEntry._meta.get_field(name), "choices", None)
    if choices:
        return str(dict(choices).get(value, value))
    return str(value)


def _label(name: str) -> str:
    return str(getattr(LedgerEntry._meta.get_field(name), "verbose_name", name))


def revision_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    """What changed between two snapshots, in the order of the model's fields."""
    order = [f.attname for f in LedgerEntry._meta.concrete_fields] + list(M2M_FIELDS)
    changes = []
    for name in order:
        if name in ("id", "created_at", "updated_at") or before.get(name) == after.get(name):
            continue
        changes.append(FieldChange(name, _label(name), before.get(name), after.get(name)))
    return changes


def visible_contractors(actor: Actor) -> dict[int, str]:
    """The contractors the actor may know about (a contractor user: only its own), by id."""
    return dict(policy.scope(actor, "contractor", Contractor.objects.all()).values_list("pk", "name"))


def shown_snapshot(snapshot: Mapping[str, Any], contractor_names: set[str]) -> dict[str, Any]:
    """A revision snapshot without the names of contractors the reader may not know about."""
    shown = dict(snapshot)
    shown["contractors"] = [n for n in snapshot.get("contractors", []) if n in contractor_names]
    return shown


def history(
    entry: LedgerEntry, contractor_names: set[str] | None = None
) -> list[tuple[LedgerEntryRevision, list[FieldChange]]]:
    """Each revision, newest first, with what it changed compared with the one before.

    ``contractor_names``: the contractors the reader may see; others are left out of every revision.
    """
    revisions = list(entry.revisions.order_by("number"))
    result = []
    previous: Mapping[str, Any] = {}
    for revision in revisions:
        snapshot = (
            revision.snapshot if contractor_names is None else shown_snapshot(revision.snapshot, contractor_names)
        )
        result.append((revision, revision_changes(previous, snapshot)))
        previous = snapshot
    return list(reversed(result))


# ---------------------------------------------------------------------------------------------- rules


def next_reference() -> str:
    """The next free ``PI-0001``-style reference number."""
    numbers = [
        int(ref[len(REFERENCE_PREFIX) :])
        for ref in LedgerEntry.objects.filter(reference__startswith=REFERENCE_PREFIX).values_list(
            "reference", flat=True
        )
        if ref[len(REFERENCE_PREFIX) :].isdigit()
    ]
    return f"{REFERENCE_PREFIX}{max(numbers, default=0) + 1:04d}"


def _apply_review_default(entry: LedgerEntry) -> None:
    # At least yearly (JIS Q 15001): without an explicit date the next review is one year after the last.
    if entry.last_reviewed and not entry.next_review_due:
        entry.next_review_due = one_year_after(entry.last_reviewed)


def _check_duplicate(entry: LedgerEntry) -> None:
    same_name = LedgerEntry.objects.filter(name=entry.name, department=entry.department).exclude(pk=entry.pk)
    if same_name.exists():
        raise ValidationError(
            {
                "name": _("The department already has an entry with this name: %(ref)s.")
                % {"ref": same_name[0].reference}
            }
        )


def _validate_entry(entry: LedgerEntry) -> None:
    errors: dict[str, list[str]] = {}
    if entry.last_reviewed and entry.next_review_due and entry.next_review_due < entry.last_reviewed:
        errors["next_review_due"] = [_("The next review cannot be before the last review.")]
    if errors:
        raise ValidationError(errors)
    entry.full_clean()
    _check_duplicate(entry)


def warnings(entry: LedgerEntry) -> list[str]:
    """Things a protection manager should look at; shown on the entry, never blocking."""
    categories = list(entry.categories.all())
    found = []
    if any(c.never_store for c in categories):
        found.append(_("The card security code must never be stored after authorisation, not even encrypted."))
    if any(c.card_data for c in categories) and not entry.card_data_retained:
        found.append(_("Card data is listed as an item, but the entry declares that card data is not retained."))
    if entry.card_data_retained:
        found.append(_("Card data is retained: the company must comply with PCI DSS."))
    if any(c.special_care for c in categories) and entry.notice_basis != "consent":
        found.append(_("Special-care personal information needs the person's prior consent."))
    if any(c.my_number for c in categories):
        found.append(_("My Number may only be used for the purposes the My Number Act allows."))
    if entry.review_overdue():
        found.append(_("The yearly review is overdue."))
    return found


# ---------------------------------------------------------------------------------------------- actions


def _split(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    plain = {k: v for k, v in data.items() if k not in M2M_FIELDS}
    related = {k: list(v) for k, v in data.items() if k in M2M_FIELDS and v is not None}
    return plain, related


def create_entry(actor: Actor, data: Mapping[str, Any]) -> LedgerEntry:
    policy.check(actor, Action.ADD, RESOURCE)
    plain, related = _split(data)
    with transaction.atomic():
        entry = LedgerEntry(**plain)
        if not entry.reference:
            entry.reference = next_reference()
        _apply_review_default(entry)
        _validate_entry(entry)
        entry.save()
        for name, values in related.items():
            getattr(entry, name).set(values)
        revision = _write_revision(actor, entry, _("Created"))
        audit.record(actor, "create", entry, changes=audit.diff({}, revision.snapshot))
    return entry


def update_entry(actor: Actor, entry: LedgerEntry, data: Mapping[str, Any], summary: str = "") -> LedgerEntry:
    policy.check(actor, Action.CHANGE, RESOURCE, entry)
    plain, related = _split(data)
    with transaction.atomic():
        entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
        before = entry_snapshot(entry)
        if (
            "last_reviewed" in plain
            and plain["last_reviewed"] != entry.last_reviewed
            and not plain.get("next_review_due")
        ):
            plain["next_review_due"] = None  # recomputed from the new review date
        for name, value in plain.items():
            setattr(entry, name, value)
        if not entry.reference:
            entry.reference = before["reference"]
        _apply_review_default(entry)
        _validate_entry(entry)
        entry.save()
        for name, values in related.items():
            getattr(entry, name).set(values)
        after = entry_snapshot(entry)
        changes = audit.diff(before, after)
        if changes:
            labels = ", ".join(c.label for c in revision_changes(before, after))
            _write_revision(actor, entry, summary or _("Changed: %(fields)s") % {"fields": labels})
            audit.record(actor, "update", entry, changes=changes, message=summary)
    return entry


def mark_reviewed(actor: Actor, entry: LedgerEntry, on: dt.date | None = None, note: str = "") -> LedgerEntry:
    """Record the yearly review: last review today (or ``on``), next one a year later."""
    policy.check(actor, Action.CHANGE, RESOURCE, entry)
    day = on or timezone.localdate()
    summary = _("Reviewed on %(day)s") % {"day": day.isoformat()}
    if note:
        summary = f"{summary}: {note}"
    return update_entry(actor, entry, {"last_reviewed": day, "next_review_due": one_year_after(day)}, summary)


def delete_entry(actor: Actor, entry: LedgerEntry) -> None:
    policy.check(actor, Action.DELETE, RESOURCE, entry)
    with transaction.atomic():
        before = entry_snapshot(entry)
        audit.record(actor, "delete", entry, changes=audit.diff(before, {}))
        entry.delete()


def record_export(actor: Actor, file_format: str, count: int) -> None:
    """Check and audit an export of the ledger."""
    policy.check(actor, Action.EXPORT, RESOURCE)
    audit.record(actor, "export", object_type=RESOURCE, message=f"ledger {file_format} ({count} entries)")


# ---------------------------------------------------------------------------------------------- import


@dataclass
class NewEntry:
    """One validated row of an import: the entry's fields plus its related records.

    ``update_pk``: the existing entry this row updates (import in update mode), else a new entry.
    ``columns``: the fields the file has columns for; an update leaves the others as they are.
    """

    row: int
    values: dict[str, Any]
    categories: list[int] = field(default_factory=list)
    contractors: list[int] = field(default_factory=list)
    update_pk: int | None = None
    columns: frozenset[str] = frozenset()


class DuplicateInDatabase(ValidationError):
    """Rows that clash with entries saved since the preview (raised inside the import transaction)."""


def existing_keys() -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Reference numbers and (name, department) pairs already in the ledger, with the entry ids."""
    rows = LedgerEntry.objects.values_list("pk", "reference", "name", "department")
    refs = {ref: pk for pk, ref, _name, _dept in rows}
    pairs = {(name, dept): pk for pk, _ref, name, dept in rows}
    return refs, pairs


def import_entries(actor: Actor, rows: Sequence[NewEntry], source: str) -> int:
    """Save all the rows or none: one transaction, bulk writes, a revision for each new or changed entry.

    The import gets one audit entry naming the file, the new entries and, per updated entry, the fields
    that changed (the values are in the entries' revisions).
    """
    new = [r for r in rows if r.update_pk is None]
    changed = [r for r in rows if r.update_pk is not None]
    policy.check(actor, Action.ADD, RESOURCE)
    if changed:
        policy.check(actor, Action.CHANGE, RESOURCE)
    with transaction.atomic():
        _refuse_clashes(rows)
        names = _Names()
        created = _create_all(actor, new, source, names)
        updated = _update_all(actor, changed, source, names)
        audit.record(
            actor,
            "import",
            object_type=RESOURCE,
            message=f"ledger import from {source} ({len(rows)} entries: {len(created)} new, {len(updated)} updated)",
            changes={"created": [e.reference for e in created], "updated": updated},
        )
    return len(rows)


class _Names:
    """Category and contractor names, so that revision snapshots can be built without a query per entry."""

    def __init__(self) -> None:
        self.catalogue = {c.pk: c for c in DataCategory.objects.all()}
        self.contractors = dict(Contractor.objects.values_list("pk", "name"))

    def snapshot(self, entry: LedgerEntry, categories: Iterable[int], contractors: Iterable[int]) -> dict[str, Any]:
        # Same content and order as entry_snapshot, so that later diffs show only real changes.
        snap = audit.snapshot(entry)
        for name in ("created_at", "updated_at"):
            snap.pop(name, None)
        chosen = sorted((self.catalogue[c] for c in categories), key=lambda c: (c.order, c.name))
        snap["categories"] = [c.name for c in chosen]
        snap["contractors"] = sorted(self.contractors[c] for c in contractors)
        return snap


def _chunks(items: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    # Keeps IN lists short enough for SQLite's limit on query parameters.
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _create_all(actor: Actor, rows: Sequence[NewEntry], source: str, names: _Names) -> list[LedgerEntry]:
    if not rows:
        return []
    next_number = int(next_reference()[len(REFERENCE_PREFIX) :])
    entries = []
    for item in rows:
        entry = LedgerEntry(**item.values)
        if not entry.reference:
            entry.reference = f"{REFERENCE_PREFIX}{next_number:04d}"
            next_number += 1
        _apply_review_default(entry)
        entries.append(entry)
    LedgerEntry.objects.bulk_create(entries, batch_size=500)
    entries = _reloaded(entries)
    _link(entries, rows)
    summary = (_("Imported from %(source)s") % {"source": source})[:300]
    revisions = [
        _revision(actor, entry, 1, names.snapshot(entry, item.categories, item.contractors), summary)
        for entry, item in zip(entries, rows, strict=True)
    ]
    LedgerEntryRevision.objects.bulk_create(revisions, batch_size=500)
    return entries


def _revision(actor: Actor, entry: LedgerEntry, number: int, snap: dict[str, Any], summary: str) -> LedgerEntryRevision:
    return LedgerEntryRevision(
        entry=entry,
        number=number,
        snapshot=snap,
        changed_by=_actor_user(actor),
        changed_by_name=_actor_name(actor),
        changed_at=timezone.now(),
        summary=summary,
    )


def _links(through: Any, column: str, ids: Sequence[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {pk: [] for pk in ids}
    for chunk in _chunks(ids):
        for entry_id, other in through.objects.filter(ledgerentry_id__in=chunk).values_list("ledgerentry_id", column):
            found[entry_id].append(other)
    return found


def _update_all(actor: Actor, rows: Sequence[NewEntry], source: str, names: _Names) -> dict[str, list[str]]:
    """Update existing entries in bulk; only entries whose values change get written and a revision."""
    if not rows:
        return {}
    ids = [r.update_pk for r in rows if r.update_pk is not None]
    entries: dict[int, LedgerEntry] = {}
    for chunk in _chunks(ids):
        entries.update(LedgerEntry.objects.select_for_update().in_bulk(list(chunk)))
    category_links = LedgerEntry.categories.through
    contractor_links = LedgerEntry.contractors.through
    categories = _links(category_links, "datacategory_id", ids)
    contractors = _links(contractor_links, "contractor_id", ids)
    changed: list[tuple[LedgerEntry, dict[str, Any], list[str]]] = []
    for item in rows:
        entry = entries[item.update_pk]  # type: ignore[index]
        before = names.snapshot(entry, categories[entry.pk], contractors[entry.pk])
        for name, value in item.values.items():
            if name != "reference" and name in item.columns:
                setattr(entry, name, value)
        _apply_review_default(entry)
        if "categories" in item.columns:
            categories[entry.pk] = item.categories
        if "contractors" in item.columns:
            contractors[entry.pk] = item.contractors
        after = names.snapshot(entry, categories[entry.pk], contractors[entry.pk])
        fields = sorted(audit.diff(before, after))
        if fields:
            changed.append((entry, after, fields))
    _save_changed(actor, changed, categories, contractors, source)
    return {entry.reference: fields for entry, _after, fields in changed}


def _replace_links(through: Any, column: str, ids: Sequence[int], links: dict[int, list[int]]) -> None:
    for chunk in _chunks(ids):
        through.objects.filter(ledgerentry_id__in=chunk).delete()
    through.objects.bulk_create(
        [through(ledgerentry_id=pk, **{column: other}) for pk in ids for other in links[pk]], batch_size=2000
    )


def _save_changed(
    actor: Actor,
    changed: list[tuple[LedgerEntry, dict[str, Any], list[str]]],
    categories: dict[int, list[int]],
    contractors: dict[int, list[int]],
    source: str,
) -> None:
    if not changed:
        return
    now = timezone.now()
    entries = [entry for entry, _after, _fields in changed]
    for entry in entries:
        entry.updated_at = now
    plain = [f.name for f in LedgerEntry._meta.concrete_fields if f.name not in ("id", "reference", "created_at")]
    for entry in entries:
        # One UPDATE per entry: Django's bulk_update builds CASE expressions that grow with fields × rows.
        entry.save(update_fields=plain)
    ids = [e.pk for e in entries]
    _replace_links(LedgerEntry.categories.through, "datacategory_id", ids, categories)
    _replace_links(LedgerEntry.contractors.through, "contractor_id", ids, contractors)
    latest: dict[int, int] = {}
    for chunk in _chunks(ids):
        numbers = LedgerEntryRevision.objects.filter(entry_id__in=chunk).values("entry_id").annotate(n=Max("number"))
        latest.update({row["entry_id"]: row["n"] for row in numbers})
    summary = (_("Updated by import from %(source)s") % {"source": source})[:300]
    revisions = [_revision(actor, e, latest.get(e.pk, 0) + 1, after, summary) for e, after, _fields in changed]
    LedgerEntryRevision.objects.bulk_create(revisions, batch_size=500)


def _refuse_clashes(rows: Sequence[NewEntry]) -> None:
    refs, pairs = existing_keys()
    known = set(refs.values())
    clashes = []
    for item in rows:
        pair = (item.values.get("name"), item.values.get("department"))
        if item.update_pk is None:
            clash = item.values.get("reference") in refs or pair in pairs
        else:
            clash = item.update_pk not in known or pairs.get(pair, item.update_pk) != item.update_pk  # type: ignore[arg-type]
        if clash:
            clashes.append(item.row)
    if clashes:
        raise DuplicateInDatabase(
            _("Rows %(rows)s clash with entries saved or deleted since the preview; nothing was imported.")
            % {"rows": ", ".join(str(r) for r in clashes[:20])}
        )


def _reloaded(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    # Databases without RETURNING leave pks unset after bulk_create; fetch them by reference.
    if all(e.pk for e in entries):
        return entries
    by_ref = LedgerEntry.objects.in_bulk([e.reference for e in entries], field_name="reference")
    return [by_ref[e.reference] for e in entries]


def _link(entries: list[LedgerEntry], rows: Sequence[NewEntry]) -> None:
    category_links = LedgerEntry.categories.through
    contractor_links = LedgerEntry.contractors.through
    category_rows = [
        category_links(ledgerentry_id=e.pk, datacategory_id=c)
        for e, item in zip(entries, rows, strict=True)
        for c in item.categories
    ]
    contractor_rows = [
        contractor_links(ledgerentry_id=e.pk, contractor_id=c)
        for e, item in zip(entries, rows, strict=True)
        for c in item.contractors
    ]
    category_links.objects.bulk_create(category_rows, batch_size=2000)
    contractor_links.objects.bulk_create(contractor_rows, batch_size=2000)


# ---------------------------------------------------------------------------------------------- queries


def visible_entries(actor: Actor) -> QuerySet[LedgerEntry]:
    return policy.scope(actor, RESOURCE, LedgerEntry.objects.all())


def filter_entries(
    queryset: QuerySet[LedgerEntry],
    *,
    department: str = "",
    category: str = "",
    contractor: str = "",
    overdue: bool = False,
    search: str = "",
    today: dt.date | None = None,
) -> QuerySet[LedgerEntry]:
    """The list filters; values come straight from the query string, so bad ones match nothing."""
    if any(query_text(value) is None for value in (department, category, search)):
        return queryset.none()  # a NUL character: no database text holds one
    if department:
        queryset = queryset.filter(department=department)
    if category:
        queryset = queryset.filter(pk__in=LedgerEntry.objects.filter(categories__code=category).values("pk"))
    if contractor:
        contractor_id = query_id(contractor)
        if contractor_id is None:  # not an id, or beyond what a database id holds
            return queryset.none()
        queryset = queryset.filter(pk__in=LedgerEntry.objects.filter(contractors=contractor_id).values("pk"))
    if overdue:
        queryset = queryset.filter(review_overdue_q(today))
    if search:
        queryset = queryset.filter(
            Q(reference__icontains=search)
            | Q(name__icontains=search)
            | Q(purposes__icontains=search)
            | Q(data_subjects__icontains=search)
            | Q(manager__icontains=search)
        )
    return queryset


def departments(queryset: QuerySet[LedgerEntry]) -> list[str]:
    return sorted(set(queryset.values_list("department", flat=True)))


def categories_by_ids(ids: Iterable[int]) -> list[DataCategory]:
    return list(DataCategory.objects.filter(pk__in=list(ids)))
