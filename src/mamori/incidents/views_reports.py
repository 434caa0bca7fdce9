"""Downloads of the report drafts: GET /incidents/<pk>/reports/<kind>.<fmt>[?lang=en]."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mamori.accounts import policy
from mamori.incidents import reports
from mamori.incidents.models import IncidentCase


@login_required
@require_GET
def download(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    # A case the user may not know exists is 404 before anything else is said about it.
    case = policy.get_visible(request.user, reports.RESOURCE, IncidentCase.objects.select_related("contractor"), pk=pk)
    if kind not in reports.KINDS or fmt not in reports.FORMATS:
        raise Http404(_("There is no such report draft."))
    lang = request.GET.get("lang", "ja")
    if lang not in reports.LANGS:
        return _plain(_("lang: choose ja or en."), 400)
    try:
        name, content = reports.export_report(request.user, case, kind, fmt, lang)
    except reports.FontMissing as error:
        return _plain(_("The PDF cannot be made on this server: %(reason)s") % {"reason": error}, 503)
    response = HttpResponse(content, content_type=reports.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"  # a draft names the case: keep it out of shared caches
    return response


def _plain(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
