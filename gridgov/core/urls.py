"""The audit log page (/audit/). No ``app_name``: ``gridgov.web.urls`` includes this list, so
the page keeps its name ``web:audit``."""

from django.urls import path

from . import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit"),
]
