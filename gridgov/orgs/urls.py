"""Pages of party organizations, party members and self-governance bodies (党组织、党员、自治组织),
mounted by ``web/urls.py`` in the ``web`` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("orgs/", views.orgs, name="orgs"),
    # Before orgs/<code>/, which would otherwise take "report" for a code.
    path("orgs/report/", views.org_report, name="org_report"),
    path("orgs/<str:code>/", views.org_detail, name="org"),
    path("members/", views.members, name="members"),
    path("bodies/<str:code>/", views.body_detail, name="body"),
]
