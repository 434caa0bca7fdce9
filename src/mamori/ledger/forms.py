from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from mamori.contractors.models import Contractor
from mamori.core import uploads
from mamori.ledger.models import DataCategory, LedgerEntry
from mamori.ledger.services import EDITABLE_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class LedgerEntryForm(forms.ModelForm):
    categories = forms.ModelMultipleChoiceField(
        queryset=DataCategory.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Data items"),
    )
    contractors = forms.ModelMultipleChoiceField(
        queryset=Contractor.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Contractors"),
    )

    class Meta:
        model = LedgerEntry
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "last_reviewed": DateInput(),
            "next_review_due": DateInput(),
            "purposes": forms.Textarea(attrs={"rows": 3}),
            "storage_locations": forms.Textarea(attrs={"rows": 2}),
            "access_holders": forms.Textarea(attrs={"rows": 2}),
            "third_party_provision": forms.Textarea(attrs={"rows": 2}),
            "foreign_transfer": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "reference": _("Leave empty to number the entry automatically (PI-0001 ...)."),
            "third_party_provision": _("Leave empty when the data is not given to third parties."),
            "foreign_transfer": _("Leave empty when the data does not leave Japan."),
            "next_review_due": _("Leave empty for one year after the last review."),
            "card_data_retained": _("Leave unticked when card data is not stored (非保持)."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reference"].required = False

    def validate_unique(self) -> None:
        # The service decides about duplicates, so that the UI, the API and the importer agree.
        pass


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Ledger file (XLSX or CSV)"),
        help_text=_("The first sheet, or a sheet named 個人情報管理台帳, with Japanese column headers."),
    )

    update = forms.BooleanField(
        label=_("Update entries that already exist"),
        help_text=_(
            "Rows whose reference number (管理番号) is already in the ledger update that entry. "
            "Otherwise such rows are errors and only new entries are added."
        ),
        required=False,
    )

    def clean_file(self) -> Any:
        """Size and archive limits checked on the uploaded file itself, before it is read into memory."""
        upload = self.cleaned_data["file"]
        check_uploaded_file(upload)
        return upload


def check_uploaded_file(upload: UploadedFile) -> None:
    """Raise ``UploadRefused`` (a ValidationError) for an upload over the limits (mamori.core.uploads)."""
    upload.seek(0)
    try:
        uploads.check_upload(upload.file)  # type: ignore[arg-type]
    finally:
        upload.seek(0)


class ImportConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Review note"), max_length=200, required=False)
