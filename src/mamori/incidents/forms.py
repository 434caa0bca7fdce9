from typing import Any

from django import forms

from mamori.accounts import policy
from mamori.contractors.models import Contractor
from mamori.incidents.models import IncidentCase


class IncidentCaseForm(forms.ModelForm):
    class Meta:
        model = IncidentCase
        fields = ["title", "summary", "status", "discovered_at", "contractor"]
        widgets = {"discovered_at": forms.DateTimeInput(attrs={"type": "datetime-local"})}

    def limit_to(self, user: Any) -> None:
        """Offer only contractors the user may see; a contractor user's report is always its own company's."""
        if policy.is_contractor_user(user):
            del self.fields["contractor"]
            return
        field = self.fields["contractor"]
        field.queryset = policy.scope(user, "contractor", Contractor.objects.all())  # type: ignore[attr-defined]
