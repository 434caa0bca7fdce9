from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mamori.accounts.models import User
from mamori.accounts.roles import Role
from mamori.pms.models import (
    AuditItem,
    AuditPlan,
    Complaint,
    Control,
    ControlStatus,
    Course,
    Document,
    DocumentVersion,
    ManagementReview,
    RequestStatus,
    SubjectRequest,
)


class ControlForm(forms.ModelForm):
    """What the company says about a requirement; the catalogue text is not editable here."""

    class Meta:
        model = Control
        fields = ["owner", "status", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = User.objects.filter(is_active=True).order_by("username")
        owner.label_from_instance = str  # type: ignore[assignment, method-assign]


class EvidenceForm(forms.Form):
    label = forms.CharField(
        label=_("What it is"), max_length=200, help_text=_("e.g. 個人情報保護規程 第3版, 2026年度 教育記録")
    )
    reference = forms.CharField(label=_("Where it is (link or document number)"), max_length=500, required=False)


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ControlFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *ControlStatus.choices])
    gaps = forms.BooleanField(label=_("Gaps only"), required=False)


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = ["title", "description", "fiscal_year", "due_date", "pass_mark"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
        }


class AttendanceForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Worker"), queryset=User.objects.none())
    completed_on = forms.DateField(label=_("Attended on"), widget=forms.DateInput(attrs={"type": "date"}))
    score = forms.IntegerField(label=_("Test score (%)"), min_value=0, max_value=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from mamori.pms.services_training import workers

        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = workers()
        field.label_from_instance = str  # type: ignore[assignment, method-assign]


class AuditPlanForm(forms.ModelForm):
    class Meta:
        model = AuditPlan
        fields = ["title", "fiscal_year", "scope", "planned_from", "planned_to", "lead_auditor"]
        widgets = {
            "scope": forms.Textarea(attrs={"rows": 3}),
            "planned_from": forms.DateInput(attrs={"type": "date"}),
            "planned_to": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lead_auditor"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(is_active=True, role=Role.AUDIT_MANAGER).order_by("username")
        field.label_from_instance = str  # type: ignore[assignment, method-assign]


class AuditResultForm(forms.ModelForm):
    class Meta:
        model = AuditItem
        fields = ["result", "observed", "evidence_ref"]
        widgets = {"observed": forms.Textarea(attrs={"rows": 4})}


class AuditReportForm(forms.Form):
    report = forms.CharField(
        label=_("Audit report summary"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10000
    )


class ReviewCreateForm(forms.Form):
    period_from = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_to = forms.DateField(label=_("Period until"), widget=forms.DateInput(attrs={"type": "date"}))


class ReviewForm(forms.ModelForm):
    class Meta:
        model = ManagementReview
        fields = ["held_on", "minutes", "decisions"]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}),
            "minutes": forms.Textarea(attrs={"rows": 8}),
            "decisions": forms.Textarea(attrs={"rows": 5}),
        }
        # what JIS Q 15001 asks the review to cover that Mamori cannot gather from its records
        help_texts = {
            "minutes": _(
                "Besides the inputs above, record what was discussed on changes in laws and guidelines, changes "
                "inside and outside the company, and opportunities for improvement."
            ),
            "decisions": _(
                "Decisions on improvements and on any change needed to the PMS, with who does it and by when."
            ),
        }


def _date(label: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}))


class RequestForm(forms.ModelForm):
    class Meta:
        model = SubjectRequest
        fields = [
            "kind",
            "received_on",
            "channel",
            "requester_name",
            "requester_contact",
            "by_agent",
            "details",
            "ledger_entry",
        ]
        widgets = {"received_on": forms.DateInput(attrs={"type": "date"}), "details": forms.Textarea(attrs={"rows": 3})}


class IdentityForm(forms.Form):
    identity_method = forms.CharField(
        label=_("How identity was checked"), max_length=200, help_text=_("e.g. 運転免許証の写し, 登録情報との照合")
    )


class AnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (RequestStatus.RESPONDED, RequestStatus.RESPONDED.label),
            (RequestStatus.REFUSED, RequestStatus.REFUSED.label),
            (RequestStatus.WITHDRAWN, RequestStatus.WITHDRAWN.label),
        ],
    )
    answered_on = _date(_("Answered on"))
    answer = forms.CharField(
        label=_("Answer given (or reasons for refusal)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class ComplaintForm(forms.ModelForm):
    class Meta:
        model = Complaint
        fields = ["kind", "received_on", "channel", "summary", "contact", "case"]
        widgets = {"received_on": forms.DateInput(attrs={"type": "date"}), "summary": forms.Textarea(attrs={"rows": 4})}


class HandlingForm(forms.Form):
    handling = forms.CharField(label=_("How it was handled"), widget=forms.Textarea(attrs={"rows": 4}))
    close = forms.BooleanField(label=_("Close it"), required=False)
    closed_on = forms.DateField(label=_("Closed on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class DocumentForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ["number", "title", "kind", "owner"]


class VersionForm(forms.ModelForm):
    class Meta:
        model = DocumentVersion
        fields = ["version", "summary", "reference", "effective_from", "published_on"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "effective_from": forms.DateInput(attrs={"type": "date"}),
            "published_on": forms.DateInput(attrs={"type": "date"}),
        }
