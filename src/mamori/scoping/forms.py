"""Forms of the scoping pages: the definition (preset, where to read, window, card payments or a mapping),
archiving a version, and the inquiry desk's lookup."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mamori.scoping.models import Preset


def _choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class DefineForm(forms.Form):
    preset = forms.ChoiceField(label=_("Shop software"), choices=Preset.choices, initial=Preset.ECCUBE2)
    source = forms.TypedChoiceField(label=_("Data source"), coerce=int, required=False, empty_value=None)
    evidence = forms.TypedChoiceField(
        label=_("Or a preserved copy"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_(
            "When the live database was changed or wiped: the copy is decrypted to a private temporary file, "
            "read and deleted; its SHA-256 is recorded with the result."
        ),
    )
    window_from = forms.DateField(label=_("Exposure from"), widget=forms.DateInput(attrs={"type": "date"}))
    window_to = forms.DateField(label=_("Exposure until"), widget=forms.DateInput(attrs={"type": "date"}))
    payment_ids = forms.MultipleChoiceField(
        label=_("Card payment methods"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Load the shop's payment methods, then tick the card payments."),
    )
    mapping = forms.CharField(
        label=_("Mapping (any schema)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_(
            'JSON: {"table": "orders", "date_column": "ordered_at", "member_column": "customer_id", '
            '"email_column": "email", "filters": [{"column": "status", "op": "ne", "value": "cancelled"}], '
            '"contact": {"name": ["name"], "email": ["email"]}}. Only existing columns are accepted.'
        ),
    )
    note = forms.CharField(label=_("Note (why this version)"), required=False, max_length=2000)

    def __init__(self, *args: Any, sources: list[Any], copies: list[Any], payments: list[Any], **kw: Any) -> None:
        super().__init__(*args, **kw)
        _choices(self, "source", [("", "—"), *[(s.pk, s.name) for s in sources]])
        _choices(self, "evidence", [("", "—"), *[(e.pk, f"{e.name} ({e.sha256[:12]}…)") for e in copies]])
        _choices(self, "payment_ids", [(str(p.id), payment_label(p)) for p in payments])

    def clean_mapping(self) -> dict[str, Any]:
        text = (self.cleaned_data.get("mapping") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(_("Not valid JSON: %(error)s") % {"error": exc}) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The mapping must be a JSON object."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("source")) == bool(data.get("evidence")):
            raise forms.ValidationError(_("Choose either a data source or a preserved copy."))
        if data.get("window_from") and data.get("window_to") and data["window_to"] < data["window_from"]:
            self.add_error("window_to", _("The end of the window is before its start."))
        return data


def payment_label(payment: Any) -> str:
    """「5 クレジットカード (削除済み) — 42 orders in the window」 with the module/class as secondary text."""
    deleted = format_html(' <span class="status status-off">{}</span>', _("deleted")) if payment.deleted else ""
    orders = ""
    if payment.orders is not None:
        counted = ngettext("%(n)d order in the window", "%(n)d orders in the window", payment.orders) % {
            "n": payment.orders
        }
        orders = format_html(" — {}", counted)
    detail = format_html(' <span class="muted small">{}</span>', payment.detail) if payment.detail else ""
    return format_html("{} {}{}{}{}", payment.id, payment.name, deleted, orders, detail)


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class InquiryForm(forms.Form):
    email = forms.CharField(label=_("E-mail address"), required=False, max_length=320)
    member_id = forms.CharField(label=_("Member id"), required=False, max_length=64)
    case = forms.TypedChoiceField(label=_("Case"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, cases: list[Any], **kw: Any) -> None:
        super().__init__(*args, **kw)
        _choices(self, "case", [("", _("Every open case")), *[(c.pk, c.title) for c in cases]])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool((data.get("email") or "").strip()) == bool((data.get("member_id") or "").strip()):
            raise forms.ValidationError(_("Give either an e-mail address or a member id."))
        return data
