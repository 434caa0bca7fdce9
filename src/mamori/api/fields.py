"""Field rules every API serializer follows, installed once for all of them (``install()``).

- Text is text: in a JSON body a text field takes a JSON string only (``{"title": 0}`` is refused, not stored
  as "0"). Form and multipart bodies carry only strings anyway and are left as they are.
- Date-times are between the years 1900 and 9999 (``MIN_YEAR``/``MAX_YEAR``), in the request and in filters,
  and are always written as RFC 3339 with a whole-minute offset (Asia/Tokyo ``+09:00``, or ``Z``). Before 1888
  Tokyo kept local mean time (+09:18:59), which no RFC 3339 client can read; nothing here is that old.

These are rules of the whole API rather than of one serializer, so new apps get them without doing anything:
DRF's own ``CharField`` and ``DateTimeField`` (which every serializer field for text and time derives from)
are adjusted when ``mamori.api`` is first imported, before any serializer validates a request.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

MIN_YEAR = 1900
MAX_YEAR = 9999
# The same bound as a JSON Schema pattern (the schema's date-times carry it, so clients can see it).
DATE_TIME_PATTERN = r"^(19|[2-9][0-9])[0-9]{2}-"
YEAR_MESSAGE = _("Give a date and time between the years %(min)d and %(max)d.")
TEXT_MESSAGE = _("Not valid text: send a string.")
ID_MESSAGE = _("Give a record id: a whole number from 1 to %(max)d.")
MAX_ID = 2**63 - 1  # as mamori.core.crud.MAX_ID (not imported: this module loads before the apps)

_YEAR = re.compile(r"^\s*([0-9]{4})-")


def _from_json(field: serializers.Field) -> bool:
    """Whether the request body this field belongs to was JSON (form and multipart bodies are QueryDicts)."""
    root = field.root
    data = getattr(root, "initial_data", None)
    return data is not None and not isinstance(data, QueryDict)


def year_in_range(value: dt.datetime) -> bool:
    """Both the wall-clock year and the UTC year, so that neither Tokyo nor UTC output leaves the range."""
    years = {value.year}
    if value.tzinfo is not None:
        try:
            years.add(value.astimezone(dt.UTC).year)
        except OverflowError:
            return False
    return all(MIN_YEAR <= year <= MAX_YEAR for year in years)


def year_text_in_range(value: str) -> bool:
    match = _YEAR.match(value)
    return match is None or MIN_YEAR <= int(match.group(1)) <= MAX_YEAR


_related_run_validation = serializers.RelatedField.run_validation
_pk_to_internal = serializers.PrimaryKeyRelatedField.to_internal_value
_char_to_internal = serializers.CharField.to_internal_value
_datetime_to_internal = serializers.DateTimeField.to_internal_value
_datetime_to_representation = serializers.DateTimeField.to_representation


def _strict_char(self: serializers.CharField, data: Any) -> str:
    if not isinstance(data, str) and _from_json(self):
        raise serializers.ValidationError(str(TEXT_MESSAGE), code="invalid")
    return _char_to_internal(self, data)


def _related_no_empty_text(self: serializers.RelatedField[Any, Any, Any], data: Any = serializers.empty) -> Any:
    # DRF reads "" as null for a relation (a form's empty select); in JSON, null is null and "" is not an id.
    if isinstance(data, str) and data == "" and _from_json(self):
        raise serializers.ValidationError(str(ID_MESSAGE % {"max": MAX_ID}), code="invalid")
    return _related_run_validation(self, data)


def _bounded_pk(self: serializers.PrimaryKeyRelatedField[Any], data: Any) -> Any:
    # An id outside 1…2⁶³−1 is malformed (400), not a record that happens not to exist (409).
    if isinstance(data, int) and not isinstance(data, bool) and not 1 <= data <= MAX_ID:
        raise serializers.ValidationError(str(ID_MESSAGE % {"max": MAX_ID}), code="invalid")
    return _pk_to_internal(self, data)


def _bounded_datetime(self: serializers.DateTimeField, value: Any) -> dt.datetime:
    if isinstance(value, str) and not year_text_in_range(value):
        raise serializers.ValidationError(str(YEAR_MESSAGE % {"min": MIN_YEAR, "max": MAX_YEAR}), code="date_range")
    parsed = _datetime_to_internal(self, value)
    if not year_in_range(parsed):
        raise serializers.ValidationError(str(YEAR_MESSAGE % {"min": MIN_YEAR, "max": MAX_YEAR}), code="date_range")
    return parsed


def rfc3339(value: dt.datetime) -> str:
    """ISO 8601 as RFC 3339 allows it: an offset of whole minutes (UTC where the local offset has seconds)."""
    offset = value.utcoffset()
    if offset is not None and offset.seconds % 60:
        value = value.astimezone(dt.UTC)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _rfc3339_datetime(self: serializers.DateTimeField, value: Any) -> Any:
    if not value or not isinstance(value, dt.datetime):
        return _datetime_to_representation(self, value)
    output_format = getattr(self, "format", serializers.empty)
    if output_format is not serializers.empty and output_format is not None and output_format != "iso-8601":
        return _datetime_to_representation(self, value)
    if output_format is None:
        return value
    return rfc3339(self.enforce_timezone(value))


def install() -> None:
    """Put the rules above into DRF's field classes (idempotent)."""
    serializers.RelatedField.run_validation = _related_no_empty_text  # type: ignore[method-assign,assignment]
    serializers.PrimaryKeyRelatedField.to_internal_value = _bounded_pk  # type: ignore[method-assign,assignment]
    serializers.CharField.to_internal_value = _strict_char  # type: ignore[method-assign,assignment]
    serializers.DateTimeField.to_internal_value = _bounded_datetime  # type: ignore[method-assign]
    serializers.DateTimeField.to_representation = _rfc3339_datetime  # type: ignore[method-assign,assignment]
