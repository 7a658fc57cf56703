"""URL root: mounts each part of the site at its prefix.

- /api/v1/: the REST API (``gridgov.api``, which mounts the apps' routers);
- /open311/v2/: the Open311 adapter; /p/: residents' public pages, no sign-in (/p/board/<village
  code>/: a village's public notice board, ``gridgov.decisions.public_urls``; /p/v/<uid>/<hash>/:
  verifying a printed notice by its QR code, ``gridgov.core.verify``); /admin/: superusers only;
- /users/… and /password/: the accounts app, in its own namespace ``accounts``;
- everything else: the web shell (``gridgov.web.urls``: home, sign-in/out, grid node pages,
  search), which also includes the apps' page lists, so their pages keep names in ``web:``.
"""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("gridgov.api.urls")),
    path("open311/v2/", include("gridgov.open311.urls")),
    path("p/v/", include("gridgov.core.verify_urls")),
    path("p/board/", include("gridgov.decisions.public_urls")),
    path("p/", include("gridgov.cases.public_urls")),
    path("c/", include("gridgov.links.card_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("gridgov.accounts.urls")),
    path("", include("gridgov.web.urls")),
]
