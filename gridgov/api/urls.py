from django.urls import path

from .docs import docs_asset
from .router import api

urlpatterns = [
    # Swagger UI assets for /api/v1/docs, served locally (no CDN): see docs.py.
    path("docs/assets/<str:name>", docs_asset, name="api-docs-asset"),
    path("", api.urls),
]
