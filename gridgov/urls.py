"""URL root: the web UI at /, the admin at /admin/, the REST API at /api/v1/, Open311 at
/open311/v2/, residents' public pages at /p/; users and roles (/users/) and one's own password
(/password/) from the accounts app."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("gridgov.api.urls")),
    path("open311/v2/", include("gridgov.open311.urls")),
    path("p/", include("gridgov.cases.public_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("gridgov.accounts.urls")),
    path("", include("gridgov.web.urls")),
]
