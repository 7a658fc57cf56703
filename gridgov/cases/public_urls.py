"""Public pages for residents under /p/: no account needed."""

from django.urls import path

from .views import public

app_name = "public"
urlpatterns = [
    path("", public.home, name="home"),
    path("report/", public.report, name="report"),
    path("report/groups/", public.groups, name="groups"),
    path("m/<str:token>/", public.track, name="track"),
    path("m/<str:token>/review/", public.track_review, name="track_review"),
    path("m/<str:token>/reopen/", public.track_reopen, name="track_reopen"),
]
