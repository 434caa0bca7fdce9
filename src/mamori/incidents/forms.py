"""Forms of the case pages. Choices (contractors, ledger entries, data sources, owners) are limited to what
the user may see; the services check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mamori.accounts import policy
from mamori.accounts.models import User
from mamori.accounts.policy import Action
from mamori.contractors.models import Contractor
from mamori.discovery.models import DataSource
from mamori.incidents.models import (
    CaseStatus,
    CaseTask,
    IncidentCase,
    Playbook,
    PlaybookStep,
    TaskStatus,
    TimelineEvent,
    TimelineKind,
)
from mamori.ledger.models import LedgerEntry

LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IncidentCaseForm(forms.ModelForm):
    """Open or edit a case. The learned-at time is entered in Asia/Tokyo (the site's time zone)."""

    playbook = forms.ModelChoiceField(
        label=_("playbook"),
        queryset=Playbook.objects.filter(active=True),
        required=False,
        help_text=_("Its steps become the first tasks, each due the given days after you learned of it."),
    )

    class Meta:
        model = IncidentCase
        fields = [
            "title",
            "detection_source",
            "detection_detail",
            "discovered_at",
            "severity",
            "suspected_breach",
            "summary",
            "contractor",
            "ledger_entries",
            "data_sources",
            "exposure_from",
            "exposure_to",
            "persons_affected",
        ]
        widgets = {
            "discovered_at": LOCAL_DATETIME,
            "exposure_from": DATE,
            "exposure_to": DATE,
            "ledger_entries": forms.SelectMultiple(attrs={"size": 6}),
            "data_sources": forms.SelectMultiple(attrs={"size": 6}),
        }
        help_texts = {
            "discovered_at": _("When the company learned of it (Asia/Tokyo). Every legal deadline counts from here."),
            "suspected_breach": _(
                "A suspected breach is placed under legal hold at once: its evidence cannot be deleted."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["playbook"]  # a playbook is applied from the case page once the case exists

    def limit_to(self, user: Any) -> None:
        """Offer only records the user may see; a contractor user's report is always its own company's."""
        if policy.is_contractor_user(user):
            for name in ("contractor", "playbook"):
                self.fields.pop(name, None)
        else:
            field = self.fields["contractor"]
            field.queryset = policy.scope(user, "contractor", Contractor.objects.all())  # type: ignore[attr-defined]
            if "playbook" in self.fields and not policy.can(user, Action.VIEW, "playbook"):
                del self.fields["playbook"]
        self.fields["ledger_entries"].queryset = policy.scope(  # type: ignore[attr-defined]
            user, "ledger_entry", LedgerEntry.objects.all()
        )
        self.fields["data_sources"].queryset = policy.scope(  # type: ignore[attr-defined]
            user, "data_source", DataSource.objects.all()
        )


class MoveForm(forms.Form):
    status = forms.ChoiceField(label=_("move to stage"), choices=CaseStatus.choices)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    close_with_open_tasks = forms.BooleanField(label=_("close even though tasks are still open"), required=False)


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=_("reason for archiving"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class TimelineForm(forms.ModelForm):
    kind = forms.ChoiceField(
        label=_("kind"), choices=[(k, v) for k, v in TimelineKind.choices if k != TimelineKind.SYSTEM]
    )
    occurred_at = forms.DateTimeField(label=_("happened at"), widget=LOCAL_DATETIME, required=False)

    class Meta:
        model = TimelineEvent
        fields = ["kind", "occurred_at", "title", "description", "source"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"source": _("Who or what this comes from (a call, a log file, a report).")}


def _owner_choices(user: Any, case: IncidentCase) -> Any:
    """Active users who can see the case; a contractor user is offered only itself."""
    if policy.is_contractor_user(user):
        return User.objects.filter(pk=user.pk)
    users = User.objects.filter(is_active=True).order_by("username")
    return users.filter(pk__in=[u.pk for u in users if policy.can(u, Action.VIEW, "incident_case", case)])


class TaskForm(forms.ModelForm):
    class Meta:
        model = CaseTask
        fields = ["title", "description", "owner", "due_date"]
        widgets = {"due_date": DATE, "description": forms.Textarea(attrs={"rows": 2})}

    def limit_to(self, user: Any, case: IncidentCase) -> None:
        self.fields["owner"].queryset = _owner_choices(user, case)  # type: ignore[attr-defined]


class TaskChangeForm(forms.Form):
    """One change of a task from the case page: its status (with a reason to cancel), owner or due date."""

    status = forms.ChoiceField(label=_("status"), choices=TaskStatus.choices, required=False)
    reason = forms.CharField(label=_("reason"), required=False, max_length=1000)
    owner = forms.ModelChoiceField(label=_("owner"), queryset=User.objects.none(), required=False)
    due_date = forms.DateField(label=_("due"), widget=DATE, required=False)

    def limit_to(self, user: Any, case: IncidentCase) -> None:
        self.fields["owner"].queryset = _owner_choices(user, case)  # type: ignore[attr-defined]


class ApplyPlaybookForm(forms.Form):
    playbook = forms.ModelChoiceField(label=_("playbook"), queryset=Playbook.objects.filter(active=True))


class PlaybookForm(forms.ModelForm):
    class Meta:
        model = Playbook
        fields = ["key", "name_ja", "name_en", "description_ja", "description_en", "active"]
        widgets = {
            "description_ja": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
        }


class PlaybookStepForm(forms.ModelForm):
    class Meta:
        model = PlaybookStep
        fields = ["order", "title_ja", "title_en", "description_ja", "description_en", "due_days"]
        widgets = {
            "description_ja": forms.Textarea(attrs={"rows": 2}),
            "description_en": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"due_days": _("Days after the company learned of the incident; empty: no due date.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False  # a new step goes last
