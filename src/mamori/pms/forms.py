from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mamori.accounts.models import User
from mamori.pms.models import Control, ControlStatus


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
        owner.label_from_instance = lambda u: u.get_full_name() or u.username  # type: ignore[assignment, method-assign]


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
