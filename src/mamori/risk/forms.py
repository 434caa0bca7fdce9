"""Forms for the risk pages. Choices that depend on the matrix or on what the user may see are set per
request; the services check the same rules again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mamori.accounts import policy
from mamori.accounts.models import User
from mamori.accounts.roles import INTERNAL_ROLES
from mamori.ledger.models import LedgerEntry
from mamori.risk import catalogue
from mamori.risk.models import (
    MAX_LEVELS,
    Band,
    Nonconformity,
    NonconformityStatus,
    Risk,
    RiskMatrix,
    RiskStatus,
    SafetyMeasure,
    Stage,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def visible_entries(user: Any) -> QuerySet[LedgerEntry]:
    return policy.scope(user, "ledger_entry", LedgerEntry.objects.order_by("reference"))


def possible_owners() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=INTERNAL_ROLES).order_by("username")


def _level_field(label: Any, choices: list[tuple[int, str]]) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("", _("Not assessed")), *choices],
        coerce=int,
        empty_value=None,
        required=False,
    )


class RiskForm(forms.ModelForm):
    class Meta:
        model = Risk
        fields = [
            "ledger_entry",
            "stage",
            "threat",
            "description",
            "likelihood",
            "impact",
            "existing_measures",
            "measures_note",
            "related_rules",
            "residual_likelihood",
            "residual_impact",
            "treatment",
            "treatment_plan",
            "owner",
            "due_date",
            "status",
            "evidence_ref",
        ]
        widgets = {
            "existing_measures": forms.CheckboxSelectMultiple,
            "due_date": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "measures_note": forms.Textarea(attrs={"rows": 3}),
            "treatment_plan": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any, matrix: RiskMatrix, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["ledger_entry"].queryset = visible_entries(user)  # type: ignore[attr-defined]
        fields["owner"].queryset = possible_owners()  # type: ignore[attr-defined]
        fields["existing_measures"].queryset = SafetyMeasure.objects.all()  # type: ignore[attr-defined]
        fields["threat"].choices = catalogue.threat_choices()  # type: ignore[attr-defined]
        for name, label, choices in (
            ("likelihood", _("Likelihood"), matrix.likelihood_choices()),
            ("impact", _("Impact"), matrix.impact_choices()),
            ("residual_likelihood", _("Residual likelihood"), matrix.likelihood_choices()),
            ("residual_impact", _("Residual impact"), matrix.impact_choices()),
        ):
            fields[name] = _level_field(label, choices)
        if not (self.instance.pk and self.instance.status == RiskStatus.ACCEPTED):
            # Acceptance is its own action by the protection manager, never a status picked in the form.
            fields["status"].choices = [c for c in RiskStatus.choices if c[0] != RiskStatus.ACCEPTED]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for likelihood, impact in (("likelihood", "impact"), ("residual_likelihood", "residual_impact")):
            if likelihood in self.errors or impact in self.errors:
                continue
            if (cleaned.get(likelihood) is None) != (cleaned.get(impact) is None):
                missing = impact if cleaned.get(impact) is None else likelihood
                self.add_error(missing, _("Give both likelihood and impact, or neither."))
        return cleaned


class AcceptForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for accepting"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the residual risk is above the tolerance."),
    )


class GenerateForm(forms.Form):
    ledger_entry = forms.ModelChoiceField(label=_("Ledger entry"), queryset=LedgerEntry.objects.none())
    threats = forms.MultipleChoiceField(label=_("Threats"), widget=forms.CheckboxSelectMultiple, choices=[])

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ledger_entry"].queryset = visible_entries(user)  # type: ignore[attr-defined]
        self.fields["threats"].choices = catalogue.threat_choices()  # type: ignore[attr-defined]


LEVELS_HELP = _("One level per line, lowest first, as “Japanese | English”. Between 2 and 9 levels.")


def _levels_to_text(labels: list[dict[str, str]]) -> str:
    return "\n".join(f"{x.get('ja', '')} | {x.get('en', '')}".strip(" |") for x in labels)


def _text_to_levels(text: str) -> list[dict[str, str]]:
    levels = []
    for line in text.splitlines():
        if not line.strip():
            continue
        ja, _sep, en = line.partition("|")
        levels.append({"ja": ja.strip()[:100], "en": (en.strip() or ja.strip())[:100]})
    if not 2 <= len(levels) <= MAX_LEVELS:
        raise ValidationError(_("Give between 2 and %(max)d levels, one per line.") % {"max": MAX_LEVELS})
    return levels


class MatrixForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    likelihood_labels = forms.CharField(
        label=_("Likelihood levels"), widget=forms.Textarea(attrs={"rows": 5}), help_text=LEVELS_HELP
    )
    impact_labels = forms.CharField(
        label=_("Impact levels"), widget=forms.Textarea(attrs={"rows": 5}), help_text=LEVELS_HELP
    )
    medium_from = forms.IntegerField(label=_("Medium band from score"), min_value=1, max_value=81)
    high_from = forms.IntegerField(label=_("High band from score"), min_value=1, max_value=81)
    tolerance = forms.IntegerField(
        label=_("Tolerance"),
        min_value=1,
        max_value=81,
        help_text=_("Risks scoring above this need treatment, or a reason when the manager accepts them."),
    )

    @classmethod
    def for_matrix(cls, matrix: RiskMatrix, data: Any = None) -> MatrixForm:
        initial = {
            "name": matrix.name,
            "likelihood_labels": _levels_to_text(matrix.likelihood_labels),
            "impact_labels": _levels_to_text(matrix.impact_labels),
            "medium_from": matrix.medium_from,
            "high_from": matrix.high_from,
            "tolerance": matrix.tolerance,
        }
        return cls(data, initial=initial)

    def clean_likelihood_labels(self) -> list[dict[str, str]]:
        return _text_to_levels(self.cleaned_data["likelihood_labels"])

    def clean_impact_labels(self) -> list[dict[str, str]]:
        return _text_to_levels(self.cleaned_data["impact_labels"])


class NonconformityForm(forms.ModelForm):
    class Meta:
        model = Nonconformity
        fields = [
            "title",
            "description",
            "detected_at",
            "source",
            "evidence_ref",
            "status",
            "cause",
            "corrective_action",
            "owner",
            "due_date",
        ]
        widgets = {
            "detected_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "due_date": DATE,
            "cause": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = possible_owners()  # type: ignore[attr-defined]
        # Closing is its own step with the effectiveness check (services.close_nonconformity).
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [(v, label) for v, label in NonconformityStatus.choices if v != NonconformityStatus.CLOSED]


class CloseForm(forms.Form):
    effectiveness = forms.CharField(
        label=_("Effectiveness check"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_(
            "How you confirmed the action worked, e.g. the next scan no longer finds the data, records checked."
        ),
    )


class RiskFilterForm(forms.Form):
    """The list filters; invalid values are ignored rather than refused, as in any search box."""

    band = forms.ChoiceField(label=_("Band"), required=False, choices=[("", _("All")), *Band.choices])
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("All")), *Stage.choices])
    entry = forms.ModelChoiceField(
        label=_("Ledger entry"), required=False, queryset=LedgerEntry.objects.none(), empty_label=_("All")
    )
    owner = forms.ModelChoiceField(label=_("Owner"), required=False, queryset=User.objects.none(), empty_label=_("All"))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    basis = forms.ChoiceField(
        label=_("Score"),
        required=False,
        choices=[("residual", _("Residual risk")), ("inherent", _("Inherent risk"))],
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = visible_entries(user)  # type: ignore[attr-defined]
        self.fields["owner"].queryset = possible_owners()  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        if not self.is_valid():
            return {key: value for key, value in self.cleaned_data.items() if key not in self.errors}
        return dict(self.cleaned_data)
