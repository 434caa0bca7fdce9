"""The APPI assessment page and panel of a case: parse the form, call ``appi.assess_case``, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mamori.accounts import policy
from mamori.accounts.policy import Action, Actor
from mamori.core.forms import apply_validation_error
from mamori.incidents import appi
from mamori.incidents.forms_appi import AppiFactsForm
from mamori.incidents.models import AppiAssessment, IncidentCase


def decision_view(assessment: AppiAssessment) -> dict[str, Any]:
    """A stored decision as the panel shows it, in the page's language, each conclusion with its basis."""
    decision = assessment.decision
    basis = appi.localized(decision, "basis") or {}
    required = decision["report_required"]
    rows = [
        (_("Report to the PPC"), _("Needed") if required else _("Not needed"), basis.get("report_required")),
        (
            _("Notice to the individuals"),
            _("Needed") if decision["notify_individuals"] else _("Not needed"),
            basis.get("notify_individuals"),
        ),
    ]
    if required:
        span = decision["preliminary_due"]
        rows += [
            (
                _("Preliminary report (about 3–5 days)"),
                f"{span['earliest']} – {span['latest']}",
                basis.get("preliminary_due"),
            ),
            (
                _("Final report (%(days)s days)") % {"days": decision["final_days"]},
                decision["final_due"],
                basis.get("final_due"),
            ),
            (
                _("When to notify the individuals"),
                appi.localized(decision, "notice_timing"),
                basis.get("notify_individuals"),
            ),
        ]
    if decision.get("notify_principal_due"):
        span = decision["notify_principal_due"]
        rows.append(
            (
                _("Notice to the outsourcing company"),
                f"{span['earliest']} – {span['latest']}",
                basis.get("notify_principal_due"),
            )
        )
    return {
        "assessment": assessment,
        "required": required,
        "categories": [
            (c["number"], appi.localized(c, "name"), appi.localized(c, "basis")) for c in decision["category_details"]
        ],
        "exemptions": [(appi.localized(e, "reason"), appi.localized(e, "basis")) for e in decision["exemptions"]],
        "rows": rows,
        "moved": [(m["date"], appi.localized(m, "reason")) for m in decision.get("final_due_moved_from", [])],
        "day_counting": appi.localized(decision, "day_counting"),
        "notes": [appi.localized(n, "text") for n in decision.get("notes", [])],
    }


def panel_context(user: Actor, case: IncidentCase, form: AppiFactsForm | None = None) -> dict[str, Any]:
    can_assess = policy.can(user, Action.ADD, appi.RESOURCE) and policy.can(user, Action.VIEW, "incident_case", case)
    assessments = list(case.assessments.select_related("assessed_by").order_by("-assessed_at", "-pk"))
    if form is None and can_assess:
        form = AppiFactsForm(initial=appi.initial_facts(case))
    return {
        "case": case,
        "form": form if can_assess else None,
        "latest": decision_view(assessments[0]) if assessments else None,
        "earlier": [(a, appi.summary(a.decision)) for a in assessments[1:]],
        "action": reverse("incidents:appi-assess", args=[case.pk]),
    }


@login_required
@require_http_methods(["GET", "POST"])
def assessment_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the assessment and its history; POST: assess again (manager)."""
    case = policy.get_visible(request.user, "incident_case", IncidentCase.objects.all(), pk=pk)
    if request.method != "POST":
        policy.check(request.user, Action.VIEW, appi.RESOURCE)
        return render(request, "incidents/parts/appi_page.html", panel_context(request.user, case))
    policy.check(request.user, Action.ADD, appi.RESOURCE)
    form = AppiFactsForm(request.POST)
    if form.is_valid():
        try:
            appi.assess_case(request.user, case, form.facts())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The APPI assessment was saved."))
            return redirect(reverse("incidents:detail", args=[case.pk]) + "#appi")
    context = panel_context(request.user, case, form)
    return render(request, "incidents/parts/appi_page.html", context, status=400)
