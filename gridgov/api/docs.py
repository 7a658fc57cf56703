"""The API docs page (Swagger UI) served entirely from this server.

django-ninja ships the Swagger UI assets (``ninja/static/ninja``) but only uses them when
"ninja" is in INSTALLED_APPS; otherwise its page loads them from a CDN, which neither an offline
deployment nor the content security policy allows. This page and the small asset view below
serve the packaged files from our own origin, with no inline script (settings go in a JSON data
block that ninja's ``swagger-ui-init.js`` reads).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from ninja.openapi.docs import Swagger

ASSET_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.svg": "image/svg+xml",
    "favicon.png": "image/png",
}


class OfflineSwagger(Swagger):
    template = "api/swagger.html"

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {"swagger_settings": settings, "api": api}
        return render(request, self.template, context)


@require_GET
def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    content_type = ASSETS.get(name)
    if content_type is None:
        raise Http404
    response = FileResponse((ASSET_DIR / name).open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response
