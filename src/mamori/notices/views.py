"""Pages of the notices to individuals: thin — parse, call the service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.incidents.models import IncidentCase
from mamori.notices import bounces, letters, services
from mamori.notices.forms import BouncesForm, CampaignForm, NewCampaignForm, PostedForm, ReasonForm, SettleForm
from mamori.notices.models import Campaign, Channel, Delivery, DeliveryStatus

RESOURCE = services.RESOURCE
PAGE_SIZE = 50
PDF_PART_SIZE = 500


def _case(request: HttpRequest, case_pk: int) -> IncidentCase:
    case = policy.get_visible(request.user, "incident_case", IncidentCase.objects.all(), pk=case_pk)
    policy.check(request.user, Action.VIEW, RESOURCE)
    return case


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    return policy.get_visible(request.user, RESOURCE, Campaign.objects.select_related("case", "scoping", "job"), pk=pk)


def _delivery(request: HttpRequest, pk: int) -> Delivery:
    visible = policy.scope(request.user, RESOURCE, Campaign.objects.all())
    return policy.get_visible(
        request.user,
        RESOURCE,
        Delivery.objects.filter(campaign__in=visible).select_related("campaign", "person"),
        pk=pk,
    )


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_GET
def case_campaigns(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case(request, case_pk)
    campaigns = [(c, services.totals(c)) for c in case.notice_campaigns.order_by("-created_at")]
    return render(
        request,
        "notices/case.html",
        {
            "case": case,
            "campaigns": campaigns,
            "scoping": services.current_scoping(case),
            "form": NewCampaignForm(),
            "can_add": policy.can(request.user, Action.ADD, RESOURCE),
        },
    )


@login_required
@require_POST
def create(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case(request, case_pk)
    policy.check(request.user, Action.ADD, RESOURCE)
    form = NewCampaignForm(request.POST)
    if form.is_valid():
        try:
            campaign = services.create_campaign(request.user, case, **form.cleaned_data)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Campaign created. Check the texts and fill in the notice items."))
            return redirect("notices:edit", campaign.pk)
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(str(e) for e in errors)}")
    return redirect("notices:case", case.pk)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    status = request.GET.get("status", "")
    rows = campaign.deliveries.select_related("person").order_by("pk")
    if status in DeliveryStatus.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    with transaction.atomic():
        services.record_read(request.user, campaign, "status table page", len(page.object_list))
    can_change = policy.can(request.user, Action.CHANGE, RESOURCE, campaign)
    return render(
        request,
        "notices/detail.html",
        {
            **_progress_context(campaign),
            "page": page,
            "status": status,
            "statuses": DeliveryStatus.choices,
            "query": f"status={status}" if status else "",
            "can_change": can_change,
            "can_export": policy.can(request.user, Action.EXPORT, RESOURCE, campaign),
            "missing": services.missing_items(campaign) if campaign.channel == Channel.EMAIL else [],
            "pdf_parts": _pdf_parts(campaign),
            "bounces_form": BouncesForm(),
            "posted_form": PostedForm(),
            "reason_form": ReasonForm(),
        },
    )


def _pdf_parts(campaign: Campaign) -> list[tuple[int, int, int]]:
    """(part, first letter, last letter) of the mail-merge PDF's parts."""
    if campaign.channel != Channel.LETTER:
        return []
    count = _letter_rows(campaign).count()
    return [(i // PDF_PART_SIZE + 1, i + 1, min(i + PDF_PART_SIZE, count)) for i in range(0, count, PDF_PART_SIZE)]


def _progress_context(campaign: Campaign) -> dict[str, Any]:
    totals = services.totals(campaign)
    return {
        "campaign": campaign,
        "case": campaign.case,
        "totals": totals,
        "counts": [(value, label, totals.get(value)) for value, label in DeliveryStatus.choices],
    }


@login_required
@require_GET
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress box alone, polled by htmx while the campaign is sending."""
    campaign = _campaign(request, pk)
    return render(request, "notices/_progress.html", _progress_context(campaign))


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    policy.check(request.user, Action.CHANGE, RESOURCE, campaign)
    form = CampaignForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_campaign(request.user, campaign, form.changes())
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Saved."))
            return redirect("notices:detail", campaign.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "notices/edit.html", {"campaign": campaign, "case": campaign.case, "form": form}, status=status
    )


def _action(request: HttpRequest, pk: int, func: Any, done: str) -> HttpResponse:
    campaign = _campaign(request, pk)
    policy.check(request.user, Action.CHANGE, RESOURCE, campaign)
    try:
        func(campaign)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, done)
    return redirect("notices:detail", campaign.pk)


@login_required
@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, lambda c: services.start_sending(request.user, c), _("Sending started."))


@login_required
@require_POST
def pause(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, lambda c: services.pause_sending(request.user, c), _("Sending paused."))


@login_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request, pk, lambda c: services.retry_failed(request.user, c), _("The failed notices are queued again.")
    )


@login_required
@require_POST
def posted(request: HttpRequest, pk: int) -> HttpResponse:
    form = PostedForm(request.POST)

    def post(campaign: Campaign) -> None:
        if not form.is_valid():
            raise ValidationError(_("posted on: give a date (YYYY-MM-DD)."))
        services.record_posting(request.user, campaign, form.cleaned_data["posted_on"])

    return _action(request, pk, post, _("The letters are recorded as posted."))


@login_required
@require_POST
def archive(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST)

    def archive_it(campaign: Campaign) -> None:
        if not form.is_valid():
            raise ValidationError(_("Give a reason for archiving."))
        services.archive_campaign(request.user, campaign, form.cleaned_data["reason"])

    return _action(request, pk, archive_it, _("Campaign archived."))


@login_required
@require_POST
def import_bounces(request: HttpRequest, pk: int) -> HttpResponse:
    form = BouncesForm(request.POST, request.FILES)

    def run(campaign: Campaign) -> None:
        if not form.is_valid():
            raise ValidationError([str(e) for errors in form.errors.values() for e in errors])
        upload = form.cleaned_data.get("file")
        data = upload.read(5 * 1024 * 1024 + 1) if upload else form.cleaned_data["addresses"].encode()
        if len(data) > 5 * 1024 * 1024:
            raise ValidationError(_("The file is larger than 5 MB."))
        result = services.import_bounces(request.user, campaign, bounces.parse(data))
        if result.not_found:
            shown = ", ".join(result.not_found[:10])
            messages.warning(request, _("Not found among the sent notices: %(keys)s") % {"keys": shown})
        messages.info(request, _("%(count)d notice(s) marked bounced.") % {"count": result.bounced})

    return _action(request, pk, run, _("Bounces imported."))


@login_required
@require_http_methods(["GET", "POST"])
def delivery(request: HttpRequest, pk: int) -> HttpResponse:
    """One person's notice (preview), its record, and the settling of an unknown or bounced one."""
    row = _delivery(request, pk)
    if request.method == "POST":
        policy.check(request.user, Action.CHANGE, RESOURCE, row.campaign)
        action = request.POST.get("action", "")
        try:
            if action == "settle":
                form = SettleForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Choose what the log says and say what you checked."))
                data = form.cleaned_data
                services.settle_unknown(request.user, row, was_sent=data["outcome"] == "sent", note=data["note"])
            elif action == "bounced":
                services.mark_bounced(request.user, row, request.POST.get("reason", ""))
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            _errors(request, error)
        return redirect("notices:delivery", row.pk)
    subject, body = services.preview(request.user, row)
    return render(
        request,
        "notices/delivery.html",
        {
            "row": row,
            "campaign": row.campaign,
            "case": row.campaign.case,
            "subject": subject,
            "body": body,
            "can_change": policy.can(request.user, Action.CHANGE, RESOURCE, row.campaign),
            "settle_form": SettleForm(),
        },
    )


def _download(request: HttpRequest, pk: int, what: str, build: Any, name: str, content_type: str) -> HttpResponse:
    campaign = _campaign(request, pk)
    policy.check(request.user, Action.EXPORT, RESOURCE, campaign)
    rows, content = build(campaign)
    with transaction.atomic():
        services.record_read(request.user, campaign, what, rows)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _letter_rows(campaign: Campaign) -> Any:
    return campaign.deliveries.filter(status=DeliveryStatus.QUEUED).select_related("person", "campaign").order_by("pk")


def _part(request: HttpRequest) -> int:
    """Which part of the mail-merge PDF (1-based): a PDF takes tens of milliseconds a letter, so thousands of
    letters come as parts of ``PDF_PART_SIZE`` that each finish well within a request."""
    try:
        return max(1, int(request.GET.get("part", "1")))
    except ValueError:
        return 1


@login_required
@require_GET
def letters_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    def build(campaign: Campaign) -> tuple[int, bytes]:
        if campaign.channel != Channel.LETTER:
            raise policy.NotVisible("not a letter campaign")
        start = (part - 1) * PDF_PART_SIZE
        rows = list(_letter_rows(campaign)[start : start + PDF_PART_SIZE])
        if not rows and part > 1:
            raise policy.NotVisible("no such part")
        return len(rows), letters.letters_pdf(campaign, rows)

    part = _part(request)
    try:
        return _download(request, pk, f"letters PDF part {part}", build, f"notices-{pk}-{part}.pdf", "application/pdf")
    except letters.FontMissing as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")


@login_required
@require_GET
def letters_csv(request: HttpRequest, pk: int) -> HttpResponse:
    def build(campaign: Campaign) -> tuple[int, bytes]:
        if campaign.channel != Channel.LETTER:
            raise policy.NotVisible("not a letter campaign")
        rows = list(_letter_rows(campaign))
        return len(rows), letters.letters_csv(rows)

    return _download(request, pk, "letters CSV", build, f"notices-{pk}-print.csv", "text/csv; charset=utf-8")


@login_required
@require_GET
def no_contact_csv(request: HttpRequest, pk: int) -> HttpResponse:
    def build(campaign: Campaign) -> tuple[int, bytes]:
        rows = list(services.no_contact(campaign))
        return len(rows), letters.no_contact_csv(rows)

    return _download(request, pk, "no-contact list", build, f"notices-{pk}-no-contact.csv", "text/csv; charset=utf-8")
