"""Forms of the discovery pages. The password field is write-only: it is never filled in again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mamori.discovery import services
from mamori.discovery.models import DataSource


class DataSourceForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Database password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again. Leave blank to keep the stored password."),
    )
    clear_password = forms.BooleanField(label=_("Remove the stored password"), required=False)

    class Meta:
        model = DataSource
        fields = ["name", "kind", "location", "ledger_entries", "contractor", "notes"]
        help_texts = {
            "location": _(
                "A folder on the Mamori server (/srv/share/sales), or a database URL without the password "
                "(postgresql://scanner@db.example.jp/shop, sqlite:////var/lib/shop.sqlite3)."
            ),
        }

    def __init__(self, *args: Any, ledger_entries: Any = None, contractors: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if ledger_entries is not None:
            self.fields["ledger_entries"].queryset = ledger_entries  # type: ignore[attr-defined]
        if contractors is not None:
            self.fields["contractor"].queryset = contractors  # type: ignore[attr-defined]
        self.fields["ledger_entries"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, location = data.get("kind"), data.get("location")
        if kind and location:
            try:
                services.validate_location(kind, location)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return data

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class GapActionForm(forms.Form):
    key = forms.CharField(max_length=100)
    action = forms.ChoiceField(choices=[("risk", "risk"), ("nonconformity", "nonconformity")])


class ArchiveForm(forms.Form):
    """Why a record that is evidence leaves the lists (アーカイブの理由): required, kept in the audit trail."""

    reason = forms.CharField(
        label=_("Reason for archiving"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the record and in the audit trail."),
    )
