"""Discovery pages: data sources, scans with live progress, scan comparison and reconciliation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.contractors.models import Contractor
from mamori.core.forms import apply_validation_error
from mamori.discovery import services
from mamori.discovery.forms import ArchiveForm, DataSourceForm, GapActionForm
from mamori.discovery.models import DataSource, Scan, ScanFinding, SourceKind
from mamori.ledger.models import LedgerEntry

S, SC, REC = services.SOURCE, services.SCAN, services.RECONCILIATION


def _source(request: HttpRequest, pk: int) -> DataSource:
    return policy.get_visible(request.user, S, DataSource.objects.select_related("contractor"), pk=pk)


def _scan(request: HttpRequest, pk: int) -> Scan:
    return policy.get_visible(request.user, SC, Scan.objects.select_related("source", "job"), pk=pk)


def source_list(request: HttpRequest) -> HttpResponse:
    """Sources in use; archived ones only when asked (``?archived=1``)."""
    policy.check(request.user, Action.VIEW, S)
    archived = request.GET.get("archived") == "1"
    sources = services.visible_sources(request.user, archived=archived).prefetch_related("ledger_entries")
    rows = [(s, services.latest_completed(s)) for s in sources]
    context = {
        "rows": rows,
        "archived": archived,
        "can_add": policy.can(request.user, Action.ADD, S),
        "can_reconcile": policy.can(request.user, Action.VIEW, REC),
    }
    return render(request, "discovery/source_list.html", context)


def _form(request: HttpRequest, instance: DataSource | None = None) -> DataSourceForm:
    return DataSourceForm(
        request.POST if request.method == "POST" else None,
        instance=instance,
        ledger_entries=policy.scope(request.user, "ledger_entry", LedgerEntry.objects.all()),
        contractors=policy.scope(request.user, "contractor", Contractor.objects.all()),
    )


def source_create(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.ADD, S)
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        try:
            source = services.create_source(request.user, form.service_data(), form.cleaned_data["password"])
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Data source added."))
            return redirect("discovery:detail", source.pk)
    return render(request, "discovery/source_form.html", {"form": form, "object": None})


def _errors(form: DataSourceForm, exc: ValidationError) -> None:
    from mamori.core.forms import apply_validation_error

    apply_validation_error(form, exc)


def source_edit(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source(request, pk)
    policy.check(request.user, Action.CHANGE, S, source)
    if source.archived_at is not None:
        messages.error(request, _("This data source is archived; it is no longer changed or scanned."))
        return redirect("discovery:detail", source.pk)
    form = _form(request, source)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_source(
                request.user,
                DataSource.objects.get(pk=source.pk),
                form.service_data(),
                form.cleaned_data["password"],
                form.cleaned_data["clear_password"],
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Data source saved."))
            return redirect("discovery:detail", source.pk)
    return render(request, "discovery/source_form.html", {"form": form, "object": source})


def source_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a source that was never scanned, after a confirmation page; a scanned one is archived instead."""
    source = _source(request, pk)
    policy.check(request.user, Action.DELETE, S, source)
    if request.method == "POST":
        try:
            services.delete_source(request.user, source)  # a hold refuses with 403, naming the case
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("discovery:archive" if not services.may_delete(source) else "discovery:detail", source.pk)
        except ProtectedError:
            messages.error(request, _("This data source is still referred to and cannot be deleted."))
            return redirect("discovery:detail", source.pk)
        messages.success(request, _("Data source deleted."))
        return redirect("discovery:list")
    if not services.may_delete(source):
        return redirect("discovery:archive", source.pk)
    context = {"object": source, "depending_case": services.depending_case(source)}
    return render(request, "discovery/source_delete.html", context)


def source_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """Archive a source: a confirmation page that asks why; the source, its scans and findings stay readable."""
    source = _source(request, pk)
    policy.check(request.user, Action.CHANGE, S, source)
    form = ArchiveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.archive_source(request.user, source, form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field="reason")
        else:
            messages.success(request, _("Data source archived."))
            return redirect("discovery:detail", source.pk)
    context = {
        "object": source,
        "form": form,
        "depending_case": services.depending_case(source),
        "scan_count": source.scans.count(),
    }
    return render(request, "discovery/source_archive.html", context, status=400 if form.errors else 200)


def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source(request, pk)
    scans = policy.scope(request.user, SC, source.scans.all())[:50]
    active = source.archived_at is None
    can_test = active and policy.can(request.user, Action.TEST_CONNECTION, S, source)
    can_change = active and policy.can(request.user, Action.CHANGE, S, source)
    deletable = services.may_delete(source)
    context = {
        "object": source,
        "scans": scans,
        "entries": policy.scope(request.user, "ledger_entry", source.ledger_entries.all()),
        "can_change": can_change,
        "can_delete": active and deletable and policy.can(request.user, Action.DELETE, S, source),
        "can_archive": can_change and not deletable,
        "can_test": can_test,
        "connection_test": services.latest_connection_test(source) if can_test else None,
        "can_scan": active and policy.can(request.user, Action.ADD, SC),
        "can_reconcile": active and policy.can(request.user, Action.VIEW, REC),
        "records": _records_shown(request, source) if policy.can(request.user, Action.VIEW, REC) else [],
    }
    return render(request, "discovery/source_detail.html", context)


def _records_shown(request: HttpRequest, source: DataSource) -> list[Any]:
    """What reconciliation recorded for this source (risks, nonconformities): what points at it."""
    return list(source.gap_records.select_related("risk", "nonconformity", "resolved_by").order_by("-pk")[:50])


def source_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a connection test and return at once; the page polls its result (no web thread waits on a target)."""
    source = _source(request, pk)
    started = services.start_connection_test(request.user, source)
    if started.already_running:
        messages.info(request, _("A connection test of this data source is already under way."))
    else:
        messages.success(request, _("Connection test queued; the result appears below."))
    return redirect("discovery:detail", source.pk)


def source_test_status(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source(request, pk)
    policy.check(request.user, Action.TEST_CONNECTION, S, source)
    test = services.latest_connection_test(source, request.GET.get("job"))
    return render(request, "discovery/_connection_test.html", {"object": source, "connection_test": test})


def scan_start(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source(request, pk)
    try:
        scan = services.start_scan(request.user, source)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("discovery:detail", source.pk)
    messages.success(request, _("Scan queued."))
    return redirect("discovery:scan", scan.pk)


def _previous(scan: Scan) -> Scan | None:
    return Scan.objects.filter(source_id=scan.source_id, pk__lt=scan.pk, status="succeeded").order_by("-pk").first()


def scan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scan = _scan(request, pk)
    if scan.is_finished:
        services.record_findings_read(request.user, scan, "page")
    show_all = request.GET.get("all") == "1"
    findings, hidden = services.shown_findings(scan, show_all)
    # Matched on the column name alone (EC-CUBE's tel01..03, zip02): folded apart, said to be name-only.
    recorded = services.recorded_for_findings(request.user, scan)
    for f in findings:
        f.recorded_items = recorded.get(f.pk, [])  # type: ignore[attr-defined]
    context = {
        "scan": scan,
        "findings": [f for f in findings if not f.name_only],
        "name_only": [f for f in findings if f.name_only],
        "hidden": hidden,
        "show_all": show_all,
        "is_files": scan.source.kind == SourceKind.FILES,
        "files_with_findings": scan.findings.filter(table="").order_by().values("path").distinct().count(),
        "threshold": services.shown_confidence(),
        "previous": _previous(scan),
    }
    return render(request, "discovery/scan_detail.html", context)


LOCATIONS_PER_PAGE = 50


def finding_locations(request: HttpRequest, pk: int, finding: int) -> HttpResponse:
    """Every stored location of one finding, 50 a page: the htmx fragment under the finding's row, or a page
    of its own when followed without JavaScript."""
    scan = _scan(request, pk)
    inline = bool(request.headers.get("HX-Request"))
    if inline and request.GET.get("close") == "1":  # fold the list away again: nothing is read
        return HttpResponse(f'<tr id="locations-{finding}" hidden></tr>')
    page_number = request.GET.get("page", "1")
    try:
        item, locations = services.finding_locations(request.user, scan, finding, f"page, page {page_number[:10]}")
    except ScanFinding.DoesNotExist:
        raise Http404("No finding matches the given query.") from None
    page = Paginator(locations, LOCATIONS_PER_PAGE).get_page(page_number)
    context = {
        "scan": scan,
        "finding": item,
        "page": page,
        "stored": page.paginator.count,
        "more": max(0, item.rows_matched - page.paginator.count) if item.is_file else 0,
    }
    return render(request, f"discovery/{'_' if inline else ''}finding_locations.html", context)


def scan_progress(request: HttpRequest, pk: int) -> HttpResponse:
    scan = _scan(request, pk)
    response = render(request, "discovery/_scan_progress.html", {"scan": scan})
    if scan.is_finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # show the findings once the scan is done
    return response


def scan_diff(request: HttpRequest, pk: int) -> HttpResponse:
    scan = _scan(request, pk)
    base_id = request.GET.get("base", "")
    if base_id:
        if not base_id.isdigit():
            raise Http404("No scan matches the given query.")
        base = _scan(request, int(base_id))
        if base.source_id != scan.source_id:
            raise Http404("No scan matches the given query.")
    else:
        base = _previous(scan)  # type: ignore[assignment]
        if base is None:
            raise Http404("No earlier scan to compare with.")
    diff = services.diff_scans(base, scan)
    services.record_findings_read(request.user, scan, f"comparison with scan {base.pk}")
    return render(request, "discovery/scan_diff.html", {"scan": scan, "base": base, "diff": diff})


def reconciliation(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    policy.check(request.user, Action.VIEW, REC)
    source = _source(request, pk) if pk is not None else None
    sources = [source] if source is not None else list(services.visible_sources(request.user))
    gaps = services.reconcile(source, sources=sources)
    context: dict[str, Any] = {
        "source": source,
        "gaps": gaps,
        "resolved": services.resolved_records(sources),
        "can_act": policy.can(request.user, Action.ADD, REC) and (source is None or source.archived_at is None),
    }
    return render(request, "discovery/reconciliation.html", context)


def gap_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a gap as a risk or nonconformity; a second press opens the record made the first time."""
    source = _source(request, pk)
    policy.check(request.user, Action.ADD, REC)
    form = GapActionForm(request.POST)
    back = request.POST.get("back") == "all"
    target = reverse("discovery:reconciliation") if back else reverse("discovery:source-reconciliation", args=[pk])
    if not form.is_valid():
        messages.error(request, _("Choose a gap and what to record for it."))
        return redirect(target)
    try:
        gap = services.find_gap(source, form.cleaned_data["key"])
        if form.cleaned_data["action"] == "risk" and not gap.always_nonconformity:
            recorded = services.gap_to_risk(request.user, gap)
            if recorded.created:
                messages.success(request, _("Risk recorded."))
            else:
                messages.info(request, _("A risk is already recorded for this gap; here it is."))
            return redirect("risk:detail", recorded.item.pk)
        recorded = services.gap_to_nonconformity(request.user, gap)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(target)
    if not recorded.created:
        messages.info(request, _("A nonconformity is already recorded for this gap; here it is."))
        return redirect("risk:nc_detail", recorded.item.pk)
    messages.success(request, _("Nonconformity recorded: %(title)s") % {"title": recorded.item.title})
    return redirect(target)


def evidence(request: HttpRequest) -> HttpResponse:
    """Follow an evidence reference ("scan:12/finding:34") from a risk or nonconformity back to the scan."""
    ref = request.GET.get("ref", "")
    parts = dict(part.split(":", 1) for part in ref.split("/") if part.count(":") == 1)
    scan_id, finding_id = parts.get("scan", ""), parts.get("finding", "")
    if not scan_id.isdigit():
        raise Http404("No scan matches the given query.")
    scan = _scan(request, int(scan_id))
    anchor = f"#finding-{finding_id}" if finding_id.isdigit() else ""
    return redirect(reverse("discovery:scan", args=[scan.pk]) + anchor)
