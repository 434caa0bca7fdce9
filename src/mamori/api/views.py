"""The OpenAPI 3 schema (/api/schema/) and the Swagger UI page (/api/docs/).

The docs page is served under the site's Content-Security-Policy (script-src 'self'; style-src
'self'): its HTML holds no inline script or style, Swagger UI comes from drf-spectacular-sidecar
under /static/, and its start-up script is a separate same-origin file (``?script``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.html import format_html
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import set_query_parameters
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from mamori.api.permissions import PolicyPermission

DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="{favicon}">
<link rel="stylesheet" href="{css}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{bundle}"></script>
<script src="{preset}"></script>
<script src="{script}"></script>
</body>
</html>
"""


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema, for signed-in users (YAML by default, JSON with ``?format=json``)."""

    permission_classes = [PolicyPermission]

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        # Errors are JSON like everywhere else in the API, not a YAML rendering of the error body.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI. The page itself holds no data and needs no sign-in; the schema it loads does."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    url_name = "api-schema"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response | HttpResponse:
        if request.GET.get("script") is not None:
            return super().get(request, *args, **kwargs)
        script = set_query_parameters(url=request.path, lang=request.GET.get("lang"), script="")
        html = format_html(
            DOCS_PAGE,
            title=self.title or "Mamori API",
            favicon=self._swagger_ui_favicon(),
            css=self._swagger_ui_resource("swagger-ui.css"),
            bundle=self._swagger_ui_resource("swagger-ui-bundle.js"),
            preset=self._swagger_ui_resource("swagger-ui-standalone-preset.js"),
            script=script,
        )
        return HttpResponse(html)

    def _get_schema_auth_names(self) -> list[str]:
        # The page is anonymous, but the schema it loads accepts the API's usual credentials.
        extensions = [
            OpenApiAuthenticationExtension.get_match(klass) for klass in api_settings.DEFAULT_AUTHENTICATION_CLASSES
        ]
        return [str(ext.name) for ext in extensions if ext]
