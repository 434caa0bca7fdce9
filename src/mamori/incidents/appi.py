"""APPI assessments of a case (報告・本人通知の要否の判定): the service, the form's defaults and the due dates.

The rules themselves are plain data in ``appi_rules``; this module stores what they decided for a case, with
the facts and the rules' version, and turns the latest decision into the case's deadlines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import Action, Actor
from mamori.audit import services as audit
from mamori.incidents import appi_rules, deadlines
from mamori.incidents.appi_rules import Facts, FactsError
from mamori.incidents.models import AppiAssessment, IncidentCase, TimelineEvent, TimelineKind

RESOURCE = "appi_assessment"

# The rules module speaks English; users read these (Japanese from the catalogue).
ERROR_MESSAGES = {
    "object": gettext_lazy("Send the facts as a JSON object."),
    "unknown": gettext_lazy("Unknown field."),
    "bool": gettext_lazy("Must be true or false."),
    "required": gettext_lazy("This field is required."),
    "required_encryption": gettext_lazy("Required when the data were under high-level encryption."),
    "required_contractor": gettext_lazy("Required when we are the contractor."),
    "int": gettext_lazy("Must be a whole number."),
    "negative": gettext_lazy("Must be 0 or more."),
    "datetime": gettext_lazy("Enter a date and time in ISO 8601, e.g. 2018-11-06T10:00:00+09:00."),
    "naive": gettext_lazy("Give the time with its UTC offset, e.g. +09:00."),
    "role": gettext_lazy('Must be "principal" or "contractor".'),
}


def validate(raw: object) -> Facts:
    """The facts, or a ValidationError naming each bad field in the user's language."""
    try:
        return appi_rules.parse_facts(raw)
    except FactsError as exc:
        raise ValidationError(
            {field: [str(ERROR_MESSAGES.get(code, message))] for field, (code, message) in exc.errors.items()}
        ) from None


def assess_case(actor: Actor, case: IncidentCase, facts: object) -> AppiAssessment:
    """Assess a case from JSON facts (checked strictly): store the facts, the decision and the rules' version
    with a timeline line, all audited in one transaction."""
    policy.check(actor, Action.VIEW, "incident_case", case)  # 404 for a case the actor may not see
    policy.check(actor, Action.ADD, RESOURCE)
    parsed = validate(facts)
    decision = appi_rules.assess(parsed)
    now = timezone.now()
    user = None if policy.is_system(actor) else actor
    with transaction.atomic():
        assessment = AppiAssessment.objects.create(
            case=case,
            facts=parsed.as_json(),
            decision=decision,
            rules_version=appi_rules.RULES_VERSION,
            assessed_by=user,
            assessed_at=now,
        )
        audit.record_create(actor, assessment)
        event = TimelineEvent.objects.create(
            case=case,
            kind=TimelineKind.SYSTEM,
            occurred_at=now,
            title=summary(decision),
            description=localized(decision, "day_counting"),
            source=_("APPI assessment (rules %(version)s)") % {"version": appi_rules.RULES_VERSION},
            reference=f"appi_assessment:{assessment.pk}",
            recorded_by=user,
        )
        audit.record_create(actor, event)
    return assessment


def summary(decision: Mapping[str, Any]) -> str:
    """One line for the timeline: required or not, and the categories."""
    numbers = "・".join(str(n) for n in decision["categories"]) or "—"
    if decision["report_required"]:
        return _("APPI assessment: report and notice required (categories %(numbers)s)") % {"numbers": numbers}
    return _("APPI assessment: no report required (categories %(numbers)s)") % {"numbers": numbers}


def localized(values: Mapping[str, Any], key: str) -> Any:
    """``key_ja`` when the page is in Japanese and the decision has one, else ``key``."""
    if (get_language() or "ja").startswith("ja") and f"{key}_ja" in values:
        return values[f"{key}_ja"]
    return values.get(key)


def latest(case: IncidentCase) -> AppiAssessment | None:
    return case.assessments.order_by("-assessed_at", "-pk").first()


def initial_facts(case: IncidentCase) -> dict[str, Any]:
    """What the form starts with: the latest assessment's facts, with the case's own clock and count."""
    previous = latest(case)
    facts: dict[str, Any] = dict(previous.facts) if previous else {"role": "principal"}
    facts["aware_at"] = timezone.localtime(case.discovered_at)
    if case.persons_affected is not None:
        facts["persons"] = case.persons_affected
    return facts


# ---------------------------------------------------------------------------------------------------------
# Due dates for the dashboard, the case page and reminders.


def _case_url(case: IncidentCase) -> str:
    return reverse("incidents:detail", args=[case.pk]) + "#appi"


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _deadlines(case: IncidentCase, decision: Mapping[str, Any]) -> Iterator[deadlines.Deadline]:
    basis = localized(decision, "basis") or {}
    key = f"case:{case.pk}:appi"
    url = _case_url(case)
    if decision.get("notify_principal_due"):
        span = decision["notify_principal_due"]
        yield deadlines.Deadline(
            f"{key}:principal_notice",
            case.pk,
            _("Notice to the outsourcing company (contractor)"),
            _date(span["latest"]),
            earliest=_date(span["earliest"]),
            basis=basis.get("notify_principal_due", ""),
            url=url,
        )
    if not decision.get("report_required"):
        return
    span = decision["preliminary_due"]
    yield deadlines.Deadline(
        f"{key}:preliminary",
        case.pk,
        _("Preliminary report to the PPC"),
        _date(span["latest"]),
        earliest=_date(span["earliest"]),
        basis=basis.get("preliminary_due", ""),
        url=url,
    )
    yield deadlines.Deadline(
        f"{key}:final",
        case.pk,
        _("Final report to the PPC"),
        _date(decision["final_due"]),
        basis=f"{basis.get('final_due', '')} — {localized(decision, 'final_due_rule')}",
        url=url,
    )
    # "Promptly" has no number of days; the preliminary report's range is the working target.
    yield deadlines.Deadline(
        f"{key}:notice",
        case.pk,
        _("Notice to the individuals (promptly)"),
        _date(span["latest"]),
        earliest=_date(span["earliest"]),
        basis=f"{basis.get('notify_individuals', '')} — {localized(decision, 'notice_timing')}",
        url=url,
    )


@deadlines.provider
def appi_deadlines(case: IncidentCase) -> Iterable[deadlines.Deadline]:
    """Reports and notices due under the latest assessment of an open case."""
    if case.is_closed or case.archived_at is not None:
        return []
    assessment = latest(case)
    if assessment is None:
        return []
    return list(_deadlines(case, assessment.decision))
