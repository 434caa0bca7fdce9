"""Forms of the contractor portal, the preservation notice, investigator invitations and the case-file export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.incidents import portal
from mamori.incidents.models import TaskStatus


class ReportForm(forms.Form):
    """A contractor user's report of a suspected incident (委託先からの事故報告)."""

    title = forms.CharField(
        label=_("What happened, in a few words"),
        max_length=200,
        help_text=_("For example: a card company warned that card data may have leaked from the web shop."),
    )
    summary = forms.CharField(
        label=_("What you know so far"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Systems and data concerned, since when, what you have done. Do not enter card numbers."),
    )
    learned_at = forms.DateTimeField(
        label=_("When you learned of it"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty if it is now. The client's deadlines start when it receives this report."),
    )
    detection_detail = forms.CharField(
        label=_("How you found out"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("What it is"), max_length=500, required=False)


class TaskUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=portal.MAX_NOTE, widget=forms.Textarea(attrs={"rows": 3})
    )


class PreservationNoticeForm(forms.Form):
    text = forms.CharField(label=_("Notice"), widget=forms.Textarea(attrs={"rows": 12}))


class InviteForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Investigator"), queryset=portal.invitable_investigators())
    until = forms.DateField(label=_("Access until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = portal.invitable_investigators()  # type: ignore[attr-defined]
        self.fields["until"].initial = timezone.localdate() + dt.timedelta(days=30)


class ExportForm(forms.Form):
    include_files = forms.BooleanField(label=_("Include the evidence files"), required=False)
