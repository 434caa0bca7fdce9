"""Forms of the contractor pages: the register, selection evaluation, contracts and their checklist,
sub-contractors, reviews, archiving."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mamori.contractors import checklist
from mamori.contractors.models import Contract, Contractor, ReviewResult, SelectionCriterion, SubContractor

DATE = forms.DateInput(attrs={"type": "date"})


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
            "handles_card_data",
            "handles_special_care",
            "active",
        ]


SCORE_CHOICES = [(str(n), str(n)) for n in range(checklist.MAX_SCORE + 1)]


class EvaluationForm(forms.Form):
    """One score (0–5) and a note per criterion in use, the threshold and the date."""

    evaluated_on = forms.DateField(label=_("Evaluated on"), widget=DATE)
    pass_percent = forms.IntegerField(
        label=_("Pass threshold (%)"), min_value=1, max_value=100, initial=checklist.DEFAULT_PASS_PERCENT
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, criteria: list[SelectionCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for c in criteria:
            self.fields[f"score_{c.pk}"] = forms.TypedChoiceField(
                label=f"{c.name} (×{c.weight})", choices=SCORE_CHOICES, coerce=int
            )
            self.fields[f"note_{c.pk}"] = forms.CharField(label=_("Note"), required=False, max_length=300)

    def scores(self) -> dict[int, tuple[int, str]]:
        data = self.cleaned_data
        return {c.pk: (data[f"score_{c.pk}"], data.get(f"note_{c.pk}", "")) for c in self.criteria}

    def score_rows(self) -> list[tuple[SelectionCriterion, forms.BoundField, forms.BoundField]]:
        return [(c, self[f"score_{c.pk}"], self[f"note_{c.pk}"]) for c in self.criteria]


class ContractForm(forms.ModelForm):
    """The contract's facts and, per checklist item, whether it is there and in which clause."""

    class Meta:
        model = Contract
        fields = [
            "title",
            "reference",
            "signed_on",
            "starts_on",
            "ends_on",
            "notice_hours",
            "log_retention_days",
            "document_location",
            "notes",
        ]
        widgets = {"signed_on": DATE, "starts_on": DATE, "ends_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.checklist if self.instance and self.instance.pk else {}
        for key, (_ja, label) in checklist.ALL_ITEMS.items():
            value = current.get(key) or {}
            self.fields[f"present_{key}"] = forms.BooleanField(
                label=label, required=False, initial=bool(value.get("present"))
            )
            self.fields[f"clause_{key}"] = forms.CharField(
                label=_("Clause"), required=False, max_length=100, initial=value.get("clause", "")
            )

    def base_fields_list(self) -> list[forms.BoundField]:
        return [self[name] for name in self.Meta.fields]

    def item_rows(self, keys: dict[str, Any]) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(key, self[f"present_{key}"], self[f"clause_{key}"]) for key in keys]

    def required_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return self.item_rows(checklist.REQUIRED_ITEMS)

    def incident_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return self.item_rows(checklist.INCIDENT_CLAUSES)

    def values(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["checklist"] = {
            key: {"present": self.cleaned_data[f"present_{key}"], "clause": self.cleaned_data[f"clause_{key}"]}
            for key in checklist.ALL_ITEMS
        }
        return data


class CriterionForm(forms.ModelForm):
    class Meta:
        model = SelectionCriterion
        fields = ["name", "name_en", "weight", "order", "active"]


class SubContractorForm(forms.ModelForm):
    class Meta:
        model = SubContractor
        fields = ["name", "services", "data_handled"]


class ReviewScheduleForm(forms.Form):
    due_on = forms.DateField(label=_("Due on"), widget=DATE)


class ReviewCompleteForm(forms.Form):
    done_on = forms.DateField(label=_("Done on"), widget=DATE)
    result = forms.ChoiceField(label=_("Result"), choices=ReviewResult.choices)
    findings = forms.CharField(label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    next_due_on = forms.DateField(label=_("Next review due on"), required=False, widget=DATE)


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
