from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def apply_validation_error(form: forms.BaseForm, error: ValidationError, default_field: str | None = None) -> None:
    """Put a service's ValidationError next to the fields it names (or at the top of the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(default_field if default_field in form.fields else None, error.messages)
