"""Request parsers. JSON nested deeper than Python can parse is a parse error, not a server error."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers
from rest_framework.parsers import DataAndFiles


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON parse error - the document is nested too deeply.")) from None


class EmptyFormParser(parsers.BaseParser):
    """An empty form body (what some clients send with a bare POST) reads as an empty body; a form that carries
    fields is refused with 415, as the endpoint takes JSON. Not listed in the schema (``hidden_in_schema``)."""

    media_type = "multipart/form-data"
    hidden_in_schema = True

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        inner = parsers.MultiPartParser().parse(stream, media_type, parser_context)
        if inner.data or inner.files:
            raise exceptions.UnsupportedMediaType(media_type or self.media_type)
        return DataAndFiles(QueryDict(), MultiValueDict())


class EmptyUrlencodedParser(parsers.BaseParser):
    media_type = "application/x-www-form-urlencoded"
    hidden_in_schema = True

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = parsers.FormParser().parse(stream, media_type, parser_context)
        if data:
            raise exceptions.UnsupportedMediaType(media_type or self.media_type)
        return QueryDict()
