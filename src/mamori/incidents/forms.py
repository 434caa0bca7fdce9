from django import forms

from mamori.incidents.models import IncidentCase


class IncidentCaseForm(forms.ModelForm):
    class Meta:
        model = IncidentCase
        fields = ["title", "summary", "status", "discovered_at", "contractor"]
        widgets = {"discovered_at": forms.DateTimeInput(attrs={"type": "datetime-local"})}
