"""Forms of the notice pages: new campaign, texts and items, bounces, posting, settling, archiving."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.notices import placeholders
from mamori.notices.defaults import LANGS
from mamori.notices.models import Campaign, Channel, LanguageMode
from mamori.notices.services import MAX_BATCH, MAX_RATE_PER_MINUTE

LANG_NAMES = {"ja": _("Japanese"), "en": _("English")}


class NewCampaignForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    language_mode = forms.ChoiceField(label=_("Language"), choices=LanguageMode.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    rate_per_minute = forms.IntegerField(
        label=_("Messages per minute"), min_value=1, max_value=MAX_RATE_PER_MINUTE, initial=600
    )
    batch_size = forms.IntegerField(label=_("Batch size"), min_value=1, max_value=MAX_BATCH, initial=100)


class CampaignForm(forms.Form):
    """Title and pace, then per language the subject, the body and the notice items its placeholders print."""

    title = forms.CharField(label=_("Title"), max_length=200)
    rate_per_minute = forms.IntegerField(label=_("Messages per minute"), min_value=1, max_value=MAX_RATE_PER_MINUTE)
    batch_size = forms.IntegerField(label=_("Batch size"), min_value=1, max_value=MAX_BATCH)

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        initial = {
            "title": campaign.title,
            "rate_per_minute": campaign.rate_per_minute,
            "batch_size": campaign.batch_size,
        }
        for lang in LANGS:
            text = (campaign.texts or {}).get(lang) or {}
            facts = (campaign.facts or {}).get(lang) or {}
            initial[f"{lang}_subject"] = text.get("subject", "")
            initial[f"{lang}_body"] = text.get("body", "")
            for name in placeholders.FACTS:
                initial[f"{lang}_{name}"] = facts.get(name, "")
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.texts_locked = campaign.status != "draft"
        for lang in LANGS:
            language = LANG_NAMES[lang]
            self.fields[f"{lang}_subject"] = forms.CharField(label=_("Subject (%s)") % language, max_length=300)
            self.fields[f"{lang}_body"] = forms.CharField(
                label=_("Body (%s)") % language, widget=forms.Textarea(attrs={"rows": 18})
            )
            for name in placeholders.FACTS:
                spec = placeholders.ALLOWED[name]
                widget = forms.Textarea(attrs={"rows": 3}) if spec.multiline else forms.TextInput()
                self.fields[f"{lang}_{name}"] = forms.CharField(
                    label=f"{{{name}}} {spec.label} ({language})", widget=widget, required=False
                )
        if self.texts_locked:
            for name, field in self.fields.items():
                if name[:3] in ("ja_", "en_"):
                    field.disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for lang in LANGS:
            for part in ("subject", "body"):
                key = f"{lang}_{part}"
                for problem in placeholders.problems(data.get(key) or "", key):
                    self.add_error(key, problem)
        return data

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes: dict[str, Any] = {k: data[k] for k in ("title", "rate_per_minute", "batch_size")}
        if not self.texts_locked:
            changes["texts"] = {
                lang: {"subject": data[f"{lang}_subject"], "body": data[f"{lang}_body"].replace("\r\n", "\n")}
                for lang in LANGS
            }
            changes["facts"] = {
                lang: {name: (data[f"{lang}_{name}"] or "").replace("\r\n", "\n") for name in placeholders.FACTS}
                for lang in LANGS
            }
        return changes


class BouncesForm(forms.Form):
    file = forms.FileField(
        label=_("Bounce list or DSN"),
        required=False,
        help_text=_(
            "A text file with one address (or Message-ID) per line, optionally followed by a comma and the "
            "reason; or a delivery status notification (.eml) returned by the mail server."
        ),
    )
    addresses = forms.CharField(label=_("Or paste addresses"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("file") and not (data.get("addresses") or "").strip():
            raise forms.ValidationError(_("Choose a file or paste at least one address."))
        return data


class PostedForm(forms.Form):
    posted_on = forms.DateField(
        label=_("Posted on"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )


class SettleForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What the mail server's log says"),
        choices=[("sent", _("It was accepted: record as sent")), ("resend", _("It is not there: send it again"))],
    )
    note = forms.CharField(label=_("What you checked"), max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
