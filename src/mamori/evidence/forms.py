"""Forms of the evidence pages: what a user types; the services decide and record."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"), allow_empty_file=True)
    name = forms.CharField(
        label=_("Name"), max_length=255, required=False, help_text=_("Leave empty to use the file's name.")
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(
        label=_("Why it is added"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class RecordForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255, help_text=_("e.g. Disk image of the web server"))
    location = forms.CharField(
        label=_("Where it is kept"), max_length=300, help_text=_("e.g. The contractor's safe, Osaka office")
    )
    held_by = forms.CharField(label=_("Held by"), max_length=200, help_text=_("e.g. Naniwa System Service, Mr. Sato"))
    sha256 = forms.CharField(
        label=_("SHA-256 reported by the holder"),
        max_length=64,
        required=False,
        help_text=_("64 hexadecimal digits, as the holder reported them."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class TransferForm(ReasonForm):
    location = forms.CharField(label=_("Where it is kept now"), max_length=300)
    held_by = forms.CharField(label=_("Held by now"), max_length=200)
