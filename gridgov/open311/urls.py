"""Open311 GeoReport v2 endpoints under /open311/v2/ (see ``views`` for the decisions).

Each resource takes its format as a suffix (``.xml`` or ``.json``); the suffix is matched
loosely here and checked by the view, so that ``services.html`` answers the spec's 404 error
document instead of Django's page. Any other path under /open311/v2/ answers 404 the same way.
``service/{code}`` (singular) is the path the ``open311`` 1.1 client calls for a definition.
"""

from django.urls import re_path

from . import views

app_name = "open311"

FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[^/]+)" + FMT, views.service_definition, name="service"),
    re_path(r"^service/(?P<code>[^/]+)" + FMT, views.service_definition, name="service_v1"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+)" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+)" + FMT, views.token, name="token"),
    re_path(r"^(?P<path>.*)$", views.not_found, name="not_found"),
]
