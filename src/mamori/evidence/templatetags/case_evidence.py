"""The evidence panel of a case page: the case's evidence with hashes, the legal hold and its release, and the
forms to add a file or a preservation record. Also ``held_by`` for other pages (the data-source page)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Model
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.evidence import holds, services
from mamori.evidence.forms import ReasonForm, RecordForm, UploadForm
from mamori.incidents import hold
from mamori.incidents.models import IncidentCase

register = template.Library()


def panel_context(user: Any, case: IncidentCase) -> dict[str, Any]:
    rows = list(services.for_case(user, case))
    return {
        "case": case,
        "rows": [(e, services.human_size(e.size)) for e in rows],
        "can_add": policy.can(user, Action.ADD, services.RESOURCE),
        "can_release": policy.can(user, Action.RELEASE_HOLD, "incident_case", case),
        "can_place": policy.can(user, Action.CHANGE, "incident_case", case),
        "pending": hold.pending_release(case),
        "user_pk": getattr(user, "pk", None),
        "upload_form": UploadForm(),
        "record_form": RecordForm(),
        "reason_form": ReasonForm(),
        "max_size": services.human_size(services.max_bytes()),
    }


@register.simple_tag(takes_context=True)
def evidence_panel(context: template.Context, case: IncidentCase) -> SafeString:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not policy.can(user, Action.VIEW, services.RESOURCE):
        return SafeString("")
    return SafeString(render_to_string("evidence/_panel.html", panel_context(user, case), request=request))


@register.simple_tag
def held_by(obj: Model) -> IncidentCase | None:
    """The case under legal hold that protects ``obj`` (a data source, a scan), or None:
    ``{% held_by object as holding_case %}``."""
    return holds.holding_case(obj)
