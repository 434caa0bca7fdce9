"""The audit-trail filter form (GET parameters of the list and the CSV export)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mamori.audit import queries, registry


class OpenChoiceField(forms.ChoiceField):
    """A select of the values in use that also accepts others (a link from elsewhere, an action not yet seen):
    a filter that matches nothing shows an empty list, not an error."""

    def valid_value(self, value: str) -> bool:
        return len(value) <= 100 and "\x00" not in value  # a NUL character: no database text holds one


class AuditFilterForm(forms.Form):
    who = forms.CharField(label=_("Who"), required=False, max_length=150)
    action = OpenChoiceField(label=_("Action"), required=False)
    object_type = OpenChoiceField(label=_("Record type"), required=False)
    object_id = forms.CharField(label=_("Record id"), required=False, max_length=64)
    date_from = forms.DateField(label=_("Date from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Date to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(label=_("Text in record or message"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        # Codes stay the values (links and the API use them); people read the translated labels.
        actions = registry.choices(queries.actions_in_use())
        kinds = sorted(((t, registry.record_kind(t)) for t in queries.object_types_in_use()), key=lambda c: c[1])
        self.fields["action"].choices = every + actions  # type: ignore[attr-defined]
        self.fields["object_type"].choices = every + kinds  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def describe(self) -> str:
        """The filters in use, for the export's audit entry (``who=staff, action=login``)."""
        if not self.is_bound or not self.is_valid():
            return ""
        used = [f"{name}={value}" for name, value in self.cleaned_data.items() if value not in (None, "")]
        return ", ".join(used)
