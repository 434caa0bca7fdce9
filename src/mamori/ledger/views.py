"""Ledger pages: thin views that parse the request, call the services and render."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import ProtectedError, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.contractors.models import Contractor
from mamori.core.forms import apply_validation_error
from mamori.ledger import exporting, importing, services
from mamori.ledger.forms import ImportConfirmForm, ImportUploadForm, LedgerEntryForm, ReviewForm
from mamori.ledger.models import DataCategory, LedgerEntry

R = services.RESOURCE
PAGE_SIZE = 100
PREVIEW_ROWS = 20
IMPORT_SALT = "mamori.ledger.import"
IMPORT_MAX_AGE = 60 * 60  # an upload must be confirmed within the hour
UPLOAD_NAME = re.compile(r"^[0-9a-f]{32}$")


def _entries() -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.prefetch_related("categories", "contractors")


def _filters(request: HttpRequest) -> dict[str, Any]:
    return {
        "department": request.GET.get("department", "").strip(),
        "category": request.GET.get("category", "").strip(),
        "contractor": request.GET.get("contractor", "").strip(),
        "overdue": request.GET.get("overdue") in ("1", "on", "true"),
        "search": request.GET.get("q", "").strip()[:100],
    }


def _filtered(request: HttpRequest) -> QuerySet[LedgerEntry]:
    visible = policy.scope(request.user, R, _entries())
    return services.filter_entries(visible, **_filters(request))


def entry_list(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, R)
    visible = policy.scope(request.user, R, LedgerEntry.objects.all())
    page = Paginator(_filtered(request), PAGE_SIZE).get_page(request.GET.get("page"))
    known = services.visible_contractors(request.user)
    rows = [(e, [c.name for c in e.contractors.all() if c.pk in known]) for e in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "rows": rows,
        "filters": _filters(request),
        "query": query.urlencode(),
        "departments": services.departments(visible),
        "categories": DataCategory.objects.filter(active=True),
        "contractors": sorted(known.items(), key=lambda item: item[1]),
        "today": timezone.localdate(),
        "can_add": policy.can(request.user, Action.ADD, R),
        "can_export": policy.can(request.user, Action.EXPORT, R),
        "can_see_categories": policy.can(request.user, Action.VIEW, services.CATEGORY_RESOURCE),
    }
    return render(request, "ledger/entry_list.html", context)


def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = policy.get_visible(request.user, R, _entries(), pk=pk)
    known = services.visible_contractors(request.user)
    context = {
        "object": entry,
        "shown_contractors": [c for c in entry.contractors.all() if c.pk in known],
        "warnings": services.warnings(entry),
        "can_change": policy.can(request.user, Action.CHANGE, R, entry),
        "can_delete": policy.can(request.user, Action.DELETE, R, entry),
        "review_form": ReviewForm(),
        "revision_count": entry.revisions.count(),
        **_pointing_at(request, entry),
    }
    return render(request, "ledger/entry_detail.html", context)


def _pointing_at(request: HttpRequest, entry: LedgerEntry) -> dict[str, Any]:
    """What points at this entry, for links: its risks and its data sources with what their latest scans found."""
    from mamori.discovery import services as discovery

    risks = entry.risks.filter(archived_at__isnull=True).order_by("stage", "threat", "pk")
    return {
        "entry_risks": policy.scope(request.user, "risk", risks),
        "entry_sources": discovery.findings_for_entry(request.user, entry),
    }


def entry_create(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.ADD, R)
    form = LedgerEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.create_entry(request.user, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("ledger:detail", pk=entry.pk)
    return render(request, "ledger/entry_form.html", {"form": form}, status=400 if form.errors else 200)


def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = policy.get_visible(request.user, R, _entries(), pk=pk)
    policy.check(request.user, Action.CHANGE, R, entry)
    # The form edits a copy so that a rejected submission never touches the record the service sees.
    form = LedgerEntryForm(request.POST or None, instance=LedgerEntry.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_entry(request.user, entry, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("ledger:detail", pk=entry.pk)
    status = 400 if form.errors else 200
    return render(request, "ledger/entry_form.html", {"form": form, "object": entry}, status=status)


def entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = policy.get_visible(request.user, R, LedgerEntry.objects.all(), pk=pk)
    try:
        services.delete_entry(request.user, entry)
    except ProtectedError:
        context = {"status": 409, "title": _("Cannot delete"), "detail": _("Other records still refer to this one.")}
        return render(request, "core/error.html", context, status=409)
    messages.success(request, _("The entry %(ref)s was deleted.") % {"ref": entry.reference})
    return redirect("ledger:list")


def entry_review(request: HttpRequest, pk: int) -> HttpResponse:
    entry = policy.get_visible(request.user, R, LedgerEntry.objects.all(), pk=pk)
    form = ReviewForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    entry = services.mark_reviewed(request.user, entry, note=note)
    messages.success(
        request,
        _("Review recorded. The next review is due on %(day)s.") % {"day": entry.next_review_due},
    )
    return redirect("ledger:detail", pk=entry.pk)


def entry_history(request: HttpRequest, pk: int) -> HttpResponse:
    entry = policy.get_visible(request.user, R, LedgerEntry.objects.all(), pk=pk)
    known = set(services.visible_contractors(request.user).values())
    context = {"object": entry, "history": services.history(entry, known)}
    return render(request, "ledger/entry_history.html", context)


def category_list(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, services.CATEGORY_RESOURCE)
    return render(request, "ledger/category_list.html", {"objects": DataCategory.objects.all()})


# ---------------------------------------------------------------------------------------------- export


def _export(request: HttpRequest, file_format: str) -> HttpResponse:
    policy.check(request.user, Action.EXPORT, R)
    entries = list(exporting.prepared(_filtered(request)))
    services.record_export(request.user, file_format, len(entries))
    stamp = timezone.localdate().strftime("%Y%m%d")
    if file_format == "xlsx":
        body = exporting.to_xlsx(entries)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = exporting.to_csv(entries)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="ledger-{stamp}.{file_format}"'
    return response


def export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")


def export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


# ---------------------------------------------------------------------------------------------- import


def upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "ledger-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _forget_old_uploads(folder: Path) -> None:
    limit = timezone.now().timestamp() - 24 * 3600
    for old in folder.glob("*.upload"):
        if old.stat().st_mtime < limit:
            old.unlink(missing_ok=True)


def _keep_upload(data: bytes) -> str:
    folder = upload_dir()
    _forget_old_uploads(folder)
    name = uuid.uuid4().hex
    (folder / f"{name}.upload").write_bytes(data)
    return name


def _uploaded(request: HttpRequest, token: str) -> tuple[Path, str, bool] | None:
    """The upload a signed token names, if it is this user's, recent and still there."""
    try:
        claim = signing.loads(token, salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(claim, dict) or claim.get("user") != request.user.pk:
        return None
    name = str(claim.get("file", ""))
    path = upload_dir() / f"{name}.upload"
    if not UPLOAD_NAME.match(name) or not path.exists():
        return None
    return path, str(claim.get("filename", ""))[:200], claim.get("update") is True


def import_view(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.ADD, R)
    if request.method == "POST" and "token" in request.POST:
        return _import_commit(request)
    if request.method != "POST":
        return render(request, "ledger/import.html", {"form": ImportUploadForm()})
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "ledger/import.html", {"form": form}, status=400 if form.errors else 200)
    upload = form.cleaned_data["file"]  # within the size and archive limits (ImportUploadForm.clean_file)
    data = upload.read()
    filename = str(upload.name)[:200]
    update = bool(form.cleaned_data["update"])
    started = timezone.now()
    preview = importing.validate_file(data, filename, update=update)
    token = ""
    if preview.ok:
        claim = {"file": _keep_upload(data), "user": request.user.pk, "filename": filename, "update": update}
        token = signing.dumps(claim, salt=IMPORT_SALT)
    return _render_preview(request, preview, token, timezone.now() - started)


def _render_preview(request: HttpRequest, preview: importing.Preview, token: str, took: dt.timedelta) -> HttpResponse:
    names = dict(DataCategory.objects.values_list("pk", "name"))
    contractors = dict(Contractor.objects.values_list("pk", "name"))
    sample = [
        {
            "row": e.row,
            "values": e.values,
            "update": e.update_pk is not None,
            "categories": [names[c] for c in e.categories],
            "contractors": [contractors[c] for c in e.contractors],
        }
        for e in preview.entries[:PREVIEW_ROWS]
    ]
    context = {
        "preview": preview,
        "sample": sample,
        "confirm": ImportConfirmForm(initial={"token": token}) if token else None,
        "form": ImportUploadForm(),
        "seconds": round(took.total_seconds(), 1),
    }
    return render(request, "ledger/import_preview.html", context, status=200 if preview.ok else 400)


def _import_commit(request: HttpRequest) -> HttpResponse:
    found = _uploaded(request, request.POST.get("token", ""))
    if found is None:
        problem = _("The upload has expired or is not yours. Upload the file again.")
        return render(request, "ledger/import.html", {"form": ImportUploadForm(), "problem": problem}, status=400)
    path, filename, update = found
    started = timezone.now()
    # Checked again: the ledger may have changed since the preview, and the browser is not trusted.
    preview = importing.validate_file(path.read_bytes(), filename, update=update)
    if not preview.ok:
        return _render_preview(request, preview, "", timezone.now() - started)
    try:
        count = services.import_entries(request.user, preview.entries, filename)
    except ValidationError as error:
        preview.errors.append(importing.CellError(None, "", " ".join(error.messages)))
        return _render_preview(request, preview, "", timezone.now() - started)
    path.unlink(missing_ok=True)
    messages.success(
        request,
        ngettext("%(count)d entry was imported.", "%(count)d entries were imported.", count) % {"count": count},
    )
    return redirect("ledger:list")
