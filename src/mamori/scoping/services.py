"""Scoping (影響範囲の特定) state changes: one function per change, each checked by the policy and audited.

``preview`` counts and shows a small sample; ``start_scoping`` queues the job ``scoping.run``, whose
``run_scoping`` stores the people in bulk, supersedes earlier versions and hands the count to the case
(``incidents.services.record_persons_affected``: report item 3 本人の数 and the APPI assessment read it).
Every read of the people (page, CSV, preview sample) is audited; the inquiry desk answers only yes/no.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from mamori.accounts import policy
from mamori.accounts.policy import Action, Actor
from mamori.audit import services as audit
from mamori.core import actions
from mamori.scoping import mapping as maps
from mamori.scoping import query, sources
from mamori.scoping.models import AffectedPerson, Preset, Scoping, ScopingStatus

if TYPE_CHECKING:
    from mamori.discovery.models import DataSource
    from mamori.evidence.models import Evidence
    from mamori.incidents.models import IncidentCase

log = logging.getLogger("mamori.scoping")

RESOURCE = "scoping"
INQUIRY = "scoping_inquiry"
CASE = "incident_case"
TASK = "scoping.run"
SAMPLE = 5
STORE_BATCH = 5000
Progress = Callable[[int, str], None]
CSV_COLUMNS = [
    "identity",
    "member_id",
    "name",
    "kana",
    "email",
    "phone",
    "postal_code",
    "address",
    "orders",
    "first_order_at",
    "last_order_at",
]


def current_scoping(case: IncidentCase) -> Scoping | None:
    """The case's current affected list: its latest succeeded scoping that is neither superseded nor archived.

    Card-list matching and notices read the affected people through this (no permission check here: the caller
    has already checked that the actor may see the case)."""
    return (
        Scoping.objects.filter(case=case, status=ScopingStatus.SUCCEEDED, archived_at__isnull=True)
        .order_by("-version")
        .first()
    )


# --------------------------------------------------------------------------------------------------
# What to scope


@dataclass
class Spec:
    """A scoping's definition as typed in: preset (or generic mapping), window, and where to read."""

    preset: str
    window_from: dt.date
    window_to: dt.date
    payment_ids: list[Any] = field(default_factory=list)
    mapping: dict[str, Any] = field(default_factory=dict)  # the generic mapping
    source: DataSource | None = None
    evidence: Evidence | None = None
    url: str = ""  # the console only

    def checked_mapping(self) -> maps.Mapping_:
        if self.window_to < self.window_from:
            raise maps.MappingError(gettext_noop("window: the end date is before the start date"))
        if self.preset in ("eccube2", "eccube4"):
            if not self.payment_ids:
                raise maps.MappingError(
                    gettext_noop("payment_ids: choose at least one payment method (the card payments)")
                )
            return maps.preset(self.preset, self.payment_ids)
        if self.preset != Preset.GENERIC:
            raise maps.MappingError(
                gettext_noop("preset: unknown preset %(name)r (use eccube2, eccube4 or generic)"), name=self.preset
            )
        return maps.parse(self.mapping)


def window_warning(case: IncidentCase, window_from: dt.date | None, window_to: dt.date | None) -> str:
    """A warning (not a refusal) when the window lies outside the case's exposure period: the run would
    replace the case's 本人の数 with a count of other days."""
    start, end = case.exposure_from, case.exposure_to
    if not (window_from and window_to) or not (start or end):
        return ""
    if (end is None or window_from <= end) and (start is None or window_to >= start):
        return ""
    return _(
        "The window does not overlap the case's exposure period (%(from)s – %(to)s): check the dates before "
        "the case's number of affected people is replaced."
    ) % {"from": start or "…", "to": end or "…"}


def _error(exc: Exception) -> ValidationError:
    """A mapping, preset or source problem in the user's language (msgid English, see ``maps.Explained``)."""
    if isinstance(exc, maps.Explained):
        return ValidationError(exc.translated(_))
    return ValidationError(str(exc))


@contextlib.contextmanager
def _opened(spec: Spec) -> Iterator[tuple[sa.Engine, str]]:
    """(read-only engine, sha256 of the preserved copy or "")."""
    if spec.evidence is not None:
        with sources.open_evidence(spec.evidence) as (engine, sha256):
            yield engine, sha256
        return
    if spec.source is not None:
        engine = sources.open_source(spec.source)
    elif spec.url:
        engine = sources.open_url(spec.url)
    else:
        raise sources.SourceProblem(gettext_noop("choose a data source or a preserved copy"))
    try:
        yield engine, ""
    finally:
        engine.dispose()


@contextlib.contextmanager
def read_only(engine: sa.Engine) -> Iterator[sa.Connection]:
    with engine.connect() as conn, conn.begin():
        query.begin_read_only(conn)
        yield conn


def _check_spec_access(actor: Actor, case: IncidentCase, spec: Spec) -> None:
    """The source must be one the actor sees; a preserved copy must be this case's and the actor may open such
    copies (they may hold card data: only the manager and invited investigators may)."""
    from mamori.discovery.models import DataSource

    if spec.source is not None:
        policy.get_visible(actor, "data_source", DataSource.objects.all(), pk=spec.source.pk)
    if spec.evidence is not None:
        if spec.evidence.case_id != case.pk:
            raise ValidationError(_("This preserved copy belongs to another case."))
        if Action.READ_PRESERVED not in policy.allowed(actor, "evidence"):
            raise PermissionDenied(_("Your role may not open preserved copies."))


# --------------------------------------------------------------------------------------------------
# Payment methods and preview


def payment_methods(actor: Actor, case: IncidentCase, spec: Spec) -> list[query.Payment]:
    """The shop's payment methods (dtb_payment), for choosing the card payments."""
    policy.check(actor, Action.VIEW, CASE, case)
    policy.check(actor, Action.ADD, RESOURCE)
    _check_spec_access(actor, case, spec)
    try:
        with _opened(spec) as (engine, _sha), read_only(engine) as conn:
            return query.payments(conn, spec.preset, spec.window_from, spec.window_to)
    except (maps.MappingError, sources.SourceProblem) as exc:
        raise _error(exc) from None
    except sa.exc.SQLAlchemyError as exc:
        raise ValidationError(_("The database refused the query: %(reason)s") % {"reason": _reason(exc)}) from None


@dataclass
class Preview:
    people: int
    orders: int
    sample: list[query.Person]
    mapping: dict[str, Any]
    excluded: list[str]


def preview(actor: Actor, case: IncidentCase, spec: Spec) -> Preview:
    """The count and a small sample before running (audited: the sample shows people's names)."""
    policy.check(actor, Action.VIEW, CASE, case)
    policy.check(actor, Action.ADD, RESOURCE)
    _check_spec_access(actor, case, spec)
    try:
        checked = spec.checked_mapping()
        with _opened(spec) as (engine, _sha), read_only(engine) as conn:
            bound = maps.bind(conn, checked, spec.preset)
            people, orders, sample = query.preview(conn, bound, spec.window_from, spec.window_to, SAMPLE)
    except (maps.MappingError, sources.SourceProblem) as exc:
        raise _error(exc) from None
    except sa.exc.SQLAlchemyError as exc:
        raise ValidationError(_("The database refused the query: %(reason)s") % {"reason": _reason(exc)}) from None
    with transaction.atomic():
        audit.record(
            actor,
            "scoping_previewed",
            case,
            message=f"{people} people, {orders} orders; sample of {len(sample)} shown",
        )
    return Preview(people, orders, sample, checked.as_json(), [_(x) for x in checked.excluded])


def _reason(exc: sa.exc.SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig if orig is not None else exc).strip().splitlines()[0][:300]


# --------------------------------------------------------------------------------------------------
# Running


def _user(actor: Actor) -> Any:
    return None if policy.is_system(actor) or not getattr(actor, "pk", None) else actor


def start_scoping(actor: Actor, case: IncidentCase, spec: Spec, note: str = "") -> Scoping:
    """Queue a new version of the case's scoping as the background job ``scoping.run``."""
    from mamori.jobs.services import submit

    policy.check(actor, Action.VIEW, CASE, case)
    policy.check(actor, Action.ADD, RESOURCE)
    if case.archived_at is not None:
        raise ValidationError(_("This case is archived; archived cases are kept as they are."))
    _check_spec_access(actor, case, spec)
    try:
        checked = spec.checked_mapping()
    except maps.MappingError as exc:
        raise _error(exc) from None
    with transaction.atomic():
        type(case).objects.select_for_update().filter(pk=case.pk).first()  # one version number at a time
        last = Scoping.objects.filter(case=case).order_by("-version").values_list("version", flat=True).first()
        scoping = Scoping.objects.create(
            case=case,
            version=(last or 0) + 1,
            preset=spec.preset,
            mapping=checked.as_json(),
            window_from=spec.window_from,
            window_to=spec.window_to,
            source=spec.source,
            evidence=spec.evidence,
            note=note.strip(),
            created_by=_user(actor),
        )
        scoping.job = submit(actor, TASK, {"scoping_id": scoping.pk}, max_attempts=1)
        scoping.save(update_fields=["job"])
        audit.record_create(actor, scoping)
    return scoping


def _spec_of(scoping: Scoping) -> Spec:
    return Spec(
        preset=scoping.preset,
        window_from=scoping.window_from,
        window_to=scoping.window_to,
        payment_ids=list(scoping.mapping.get("payment_ids") or []),
        mapping=dict(scoping.mapping),
        source=scoping.source,
        evidence=scoping.evidence,
    )


def run_scoping(scoping_id: int, progress: Progress | None = None) -> Scoping:
    """Run a queued scoping (called by the job): the people in bulk, or the error as one line."""
    scoping = Scoping.objects.select_related("case", "source", "evidence").get(pk=scoping_id)
    report = progress or (lambda percent, message: None)
    Scoping.objects.filter(pk=scoping.pk).update(status=ScopingStatus.RUNNING, started_at=timezone.now(), error="")
    try:
        mapping = maps.parse(scoping.mapping)
        spec = _spec_of(scoping)
        with _opened(spec) as (engine, sha256), read_only(engine) as conn:
            report(5, "counting")
            bound = maps.bind(conn, mapping, scoping.preset)
            report(10, "aggregating in the database")
            with transaction.atomic():
                AffectedPerson.objects.filter(scoping=scoping).delete()  # a rerun of the same job starts over
                people, orders = _store_people(scoping, conn, bound)
                report(90, f"{people} people stored")
                _finish(scoping, people, orders, sha256)
    except (maps.MappingError, sources.SourceProblem, sa.exc.SQLAlchemyError, ValueError) as exc:
        message = _reason(exc) if isinstance(exc, sa.exc.SQLAlchemyError) else str(exc).splitlines()[0][:500]
        message = _scrub(message, scoping.source)
        log.warning("scoping: %s failed: %s", scoping.pk, message)
        fail_scoping(scoping.pk, message, _detail(exc, scoping.source))
    scoping.refresh_from_db()
    return scoping


def _finish(scoping: Scoping, people: int, orders: int, sha256: str) -> None:
    from mamori.incidents import services as incidents

    now = timezone.now()
    later = Scoping.objects.filter(
        case=scoping.case, version__gt=scoping.version, status=ScopingStatus.SUCCEEDED, archived_at__isnull=True
    ).exists()
    Scoping.objects.filter(pk=scoping.pk).update(
        status=ScopingStatus.SUPERSEDED if later else ScopingStatus.SUCCEEDED,
        people_count=people,
        orders_count=orders,
        evidence_sha256=sha256,
        finished_at=now,
    )
    if later:
        return
    Scoping.objects.filter(case=scoping.case, version__lt=scoping.version, status=ScopingStatus.SUCCEEDED).update(
        status=ScopingStatus.SUPERSEDED
    )
    scoping.refresh_from_db()
    actor = scoping.created_by or policy.SYSTEM
    audit.record(
        actor,
        "scoping_succeeded",
        scoping,
        changes={"people_count": [None, people], "orders_count": [None, orders]},
        message=f"SHA-256 of the preserved copy: {sha256}" if sha256 else "",
    )
    if scoping.case.archived_at is None:
        incidents.record_persons_affected(
            policy.SYSTEM, scoping.case, people, _("Scoping version %(version)d") % {"version": scoping.version}
        )


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value, timezone.get_default_timezone())


def _rows(scoping_id: int, people: Iterable[query.Person]) -> Iterator[tuple[Any, ...]]:
    for p in people:
        yield (
            scoping_id,
            p.identity,
            p.member_id,
            p.name,
            p.kana,
            p.email,
            p.phone,
            p.postal_code,
            p.address,
            p.orders,
            _aware(p.first_order_at),
            _aware(p.last_order_at),
        )


_FIELDS = [
    "scoping_id",
    "identity",
    "member_id",
    "name",
    "kana",
    "email",
    "phone",
    "postal_code",
    "address",
    "orders",
    "first_order_at",
    "last_order_at",
]


def _store_people(scoping: Scoping, conn: sa.Connection, bound: maps.Bound) -> tuple[int, int]:
    """PostgreSQL to PostgreSQL: the shop's COPY output straight into Mamori's COPY input (no Python object per
    person: ten million orders in seconds). Otherwise the people stream through Python in batches."""
    window = (scoping.window_from, scoping.window_to)
    if connection.vendor == "postgresql" and conn.dialect.name == "postgresql":
        return _copy_store(scoping, query.pg_copy_blocks(conn, bound, *window, scoping.pk))
    return _store(scoping, query.people(conn, bound, *window, ordered=False))


def _copy_store(scoping: Scoping, blocks: Iterable[bytes]) -> tuple[int, int]:
    table = AffectedPerson._meta.db_table
    with connection.cursor() as cursor:
        # The shop's times without a zone are the shop's local time (Japan): read them as TIME_ZONE.
        cursor.execute("SELECT set_config('TimeZone', %s, true)", [settings.TIME_ZONE])
        with cursor.cursor.copy(f"COPY {table} ({', '.join(_FIELDS)}) FROM STDIN") as copy:
            for block in blocks:
                copy.write(block)
    totals = AffectedPerson.objects.filter(scoping=scoping).aggregate(n=Count("pk"), orders=Sum("orders"))
    return int(totals["n"] or 0), int(totals["orders"] or 0)


def _store(scoping: Scoping, people: Iterable[query.Person]) -> tuple[int, int]:
    """Store the people in bulk (COPY on PostgreSQL, batched inserts elsewhere): (people, orders)."""
    counted = [0, 0]

    def counting() -> Iterator[tuple[Any, ...]]:
        for row in _rows(scoping.pk, people):
            counted[0] += 1
            counted[1] += row[9]
            yield row

    if connection.vendor == "postgresql":
        table = AffectedPerson._meta.db_table
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3
            with raw.copy(f"COPY {table} ({', '.join(_FIELDS)}) FROM STDIN") as copy:
                for row in counting():
                    copy.write_row(row)
    else:
        batch: list[AffectedPerson] = []
        for row in counting():
            batch.append(AffectedPerson(**dict(zip(_FIELDS, row, strict=True))))
            if len(batch) >= STORE_BATCH:
                AffectedPerson.objects.bulk_create(batch)
                batch = []
        if batch:
            AffectedPerson.objects.bulk_create(batch)
    return counted[0], counted[1]


def _scrub(message: str, source: DataSource | None) -> str:
    if source is None or not source.encrypted_secret:
        return message
    from mamori.discovery import secrets

    try:
        password = secrets.decrypt(source.encrypted_secret)
    except secrets.SecretUnavailable:
        return message
    return message.replace(password, "********") if password else message


def _detail(exc: Exception, source: Any) -> dict[str, Any]:
    """A told problem as msgid and values (a password never among them), for the page to translate."""
    if not isinstance(exc, maps.Explained):
        return {}
    return {"msgid": exc.msgid, "params": {key: _stored(value, source) for key, value in exc.params.items()}}


def _stored(value: Any, source: Any) -> Any:
    """A message value as JSON keeps it: numbers as they are (``%(n)d``), anything else as scrubbed text."""
    if isinstance(value, int | float | bool) or value is None:
        return value
    return _scrub(str(value), source)[:500]


def fail_scoping(scoping_id: object, reason: str, detail: dict[str, Any] | None = None) -> bool:
    """Mark a queued or running scoping failed with ``reason`` (the job ended without finishing it)."""
    try:
        pk = int(str(scoping_id))
    except ValueError:
        return False
    return bool(
        Scoping.objects.filter(pk=pk, status__in=(ScopingStatus.QUEUED, ScopingStatus.RUNNING)).update(
            status=ScopingStatus.FAILED, finished_at=timezone.now(), error=reason[:2000], error_detail=detail or {}
        )
    )


def fail_orphaned() -> int:
    """At start-up: scopings whose job is finished (or gone) but which still say queued/running."""
    from mamori.jobs.models import FINISHED

    stuck = Scoping.objects.filter(status__in=(ScopingStatus.QUEUED, ScopingStatus.RUNNING))
    count = 0
    for scoping in stuck.select_related("job"):
        if scoping.job is None or scoping.job.status in FINISHED:
            reason = gettext_noop("the job ended without finishing the scoping")
            count += fail_scoping(scoping.pk, reason, {"msgid": reason})
    return count


# --------------------------------------------------------------------------------------------------
# Reading


def for_case(actor: Actor, case: IncidentCase) -> QuerySet[Scoping]:
    policy.check(actor, Action.VIEW, CASE, case)
    return policy.scope(actor, RESOURCE, Scoping.objects.filter(case=case)).select_related(
        "source", "evidence", "created_by"
    )


def visible(actor: Actor, pk: Any) -> Scoping:
    scoping = policy.get_visible(actor, RESOURCE, Scoping.objects.select_related("case", "source", "evidence"), pk=pk)
    policy.check(actor, Action.VIEW, CASE, scoping.case)
    return scoping


def people_of(actor: Actor, scoping: Scoping, where: str, search: str = "") -> QuerySet[AffectedPerson]:
    """The people of a scoping (audited: a sensitive read). ``search`` narrows by identity, name or e-mail."""
    policy.check(actor, Action.VIEW, RESOURCE, scoping)
    rows = scoping.people.all().order_by("pk")
    if search:
        text = search.strip()
        rows = rows.filter(Q(identity__icontains=text) | Q(name__icontains=text) | Q(email__icontains=text.lower()))
    with transaction.atomic():
        audit.record(actor, "scoping_people_viewed", scoping, message=where[:200])
    return rows


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        shown = timezone.localtime(value) if timezone.is_aware(value) else value
        return shown.strftime("%Y-%m-%d %H:%M:%S")
    text = str(value)
    # A cell starting with = + - @ would run as a formula when the CSV is opened in Excel.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(actor: Actor, scoping: Scoping) -> Iterator[bytes]:
    """The people as CSV (UTF-8 with BOM, for Excel); the export is audited before the first byte."""
    policy.check(actor, Action.EXPORT, RESOURCE, scoping)
    with transaction.atomic():
        audit.record(actor, "scoping_exported", scoping, message=f"{scoping.people_count or 0} people, CSV")
    return csv_lines(scoping.people.order_by("pk").values_list(*CSV_COLUMNS).iterator(chunk_size=5000))


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff".encode() + buffer.getvalue().encode("utf-8")
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_csv_cell(v) for v in row])
        yield buffer.getvalue().encode("utf-8")


def archive_scoping(actor: Actor, scoping: Scoping, reason: str) -> Scoping:
    """Archive a version with a reason (results are evidence: never deleted). An archived current version
    stops being current; the case's count is not changed here (re-run or edit the case)."""
    return actions.archive_record(
        actor,
        RESOURCE,
        scoping,
        reason,
        audit_action="scoping_archived",
        no_reason=_("Say why this version is archived."),
        already=_("This version is already archived."),
    )


# --------------------------------------------------------------------------------------------------
# Inquiry desk (問い合わせ窓口): is this person in a case's current affected list? yes/no only


@dataclass
class InquiryAnswer:
    found: bool
    cases: list[IncidentCase]


def normalise_email(text: str) -> str:
    return "".join(text.split()).replace("\u3000", "").lower()


def _masked(kind: str, value: str) -> str:
    if kind == "email" and "@" in value:
        local, domain = value.split("@", 1)
        return f"{local[:2]}***@{domain}"
    return value[:2] + "***" if len(value) > 2 else "***"


def inquiry(actor: Actor, *, email: str = "", member_id: str = "", case: IncidentCase | None = None) -> InquiryAnswer:
    """Whether a person (by e-mail or member id) is in the current affected list of ``case`` — or of any open
    case when none is given. Only yes/no and the case are answered; every lookup is recorded (the query masked)."""
    from mamori.incidents.models import IncidentCase

    policy.check(actor, Action.VIEW, INQUIRY)
    email = normalise_email(email or "")
    member_id = (member_id or "").strip()
    if bool(email) == bool(member_id):
        raise ValidationError(_("Give either an e-mail address or a member id."))
    if email and "@" not in email:
        raise ValidationError({"email": _("This is not an e-mail address.")})
    cases = [case] if case is not None else list(IncidentCase.objects.filter(archived_at__isnull=True))
    found = []
    for each in cases:
        current = current_scoping(each)
        if current is None:
            continue
        people = current.people.all()
        if email:
            hit = people.filter(Q(identity=f"email:{email}") | Q(email__iexact=email)).exists()
        else:
            hit = people.filter(member_id=member_id).exists()
        if hit:
            found.append(each)
    kind, value = ("email", email) if email else ("member_id", member_id)
    with transaction.atomic():
        audit.record(
            actor,
            "scoping_inquiry",
            case,
            object_type="" if case is not None else "incidents.incidentcase",
            message=f"{kind} {_masked(kind, value)}: {'found' if found else 'not found'}"
            + (f" in case(s) {', '.join(str(c.pk) for c in found)}" if found else ""),
        )
    return InquiryAnswer(bool(found), found)
