"""The public verification page of printed notices, under /p/v/: no account needed."""

from django.urls import path, re_path

from . import verify_views

app_name = "verify"
urlpatterns = [
    path("<str:uid>/<str:short>/", verify_views.verify_page, name="page"),
    # A cut-off or mangled link gets the same "unknown" page, not the site's bare 404. Only
    # paths ending in "/": a link that lost its last slash is still redirected (APPEND_SLASH).
    re_path(r"^(?:.*/)?$", verify_views.verify_unknown, name="unknown"),
]
