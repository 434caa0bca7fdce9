from django import forms

from mamori.contractors.models import Contractor


class ContractorForm(forms.ModelForm):
    class Meta:
        model = Contractor
        fields = [
            "name",
            "corporate_number",
            "services",
            "contact_name",
            "contact_email",
            "contact_phone",
            "active",
        ]
