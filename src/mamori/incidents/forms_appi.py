"""The facts of an APPI assessment as a form (the case page's 報告要否の判定)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mamori.incidents.appi_rules import BOOL_FIELDS


class AppiFactsForm(forms.Form):
    aware_at = forms.DateTimeField(
        label=_("Learned of it at"),
        help_text=_("When any department of the company learned of it (Japan time). Day 1 of every period."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    persons = forms.IntegerField(
        label=_("Number of persons"),
        min_value=0,
        help_text=_("Persons whose data leaked or may have leaked; more than 1,000 is category 4."),
    )
    special_care = forms.BooleanField(
        label=_("Special-care personal information is involved (health, criminal record, creed, race ...)"),
        required=False,
    )
    property_damage_risk = forms.BooleanField(
        label=_("Misuse could cause property damage (card numbers, net-banking IDs and passwords ...)"),
        required=False,
    )
    improper_purpose = forms.BooleanField(
        label=_("It may have been caused by an act with an improper purpose (unauthorised access, malware, insider)"),
        required=False,
    )
    data_being_obtained = forms.BooleanField(
        label=_("Only data we were still obtaining are involved (web skimming of a form's input)"),
        help_text=_("Counts for category 3 only (from 2024-04-01)."),
        required=False,
    )
    high_level_encryption = forms.BooleanField(
        label=_("The data were protected by high-level encryption or equivalent measures"), required=False
    )
    key_compromised = forms.BooleanField(label=_("The decryption key leaked too, or may have"), required=False)
    pseudonymised = forms.BooleanField(label=_("Only pseudonymised information is involved"), required=False)
    role = forms.ChoiceField(
        label=_("Our role"),
        choices=[
            ("principal", _("We handle the data ourselves or outsourced it (outsourcing company)")),
            ("contractor", _("We handle the data as a contractor of another company")),
        ],
        widget=forms.RadioSelect,
        initial="principal",
    )
    notified_principal = forms.BooleanField(
        label=_("As the contractor, we have promptly notified the outsourcing company"), required=False
    )

    def facts(self) -> dict[str, Any]:
        """The cleaned values as the rules' JSON facts (strict types, the time with its offset)."""
        data = self.cleaned_data
        facts: dict[str, Any] = {name: bool(data.get(name)) for name in BOOL_FIELDS}
        facts |= {"aware_at": data["aware_at"].isoformat(), "persons": data["persons"], "role": data["role"]}
        return facts
