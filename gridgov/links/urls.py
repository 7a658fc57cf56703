"""Pages of linking households (党员联户); mounted by ``web/urls.py``, so the names are
``web:…`` (no app_name here)."""

from typing import Any

from django.urls import path

from .views import cards, linking, plans, visits

# The link register, linkers, coverage and "my households" (views/linking.py).
_linking: list[Any] = [
    path("links/", linking.links_home, name="links"),
    path("links/register/", linking.link_register, name="link_register"),
    path("links/register/new/", linking.link_new, name="link_new"),
    path("links/register/<int:pk>/end/", linking.link_end_view, name="link_end"),
    path("links/linkers/", linking.linkers, name="linkers"),
    path("links/linkers/new/", linking.linker_new, name="linker_new"),
    path("links/linkers/<int:pk>/", linking.linker_detail, name="linker"),
    path("links/map/", linking.link_map, name="link_map"),
]

# Plans: compute, the draft and its diff, approve, apply (views/plans.py).
_plans: list[Any] = [
    path("links/plans/", plans.link_plans, name="link_plans"),
    path("links/plans/<int:pk>/", plans.link_plan, name="link_plan"),
    path("links/plans/<int:pk>/approve/", plans.link_plan_approve, name="link_plan_approve"),
    path("links/plans/<int:pk>/apply/", plans.link_plan_apply, name="link_plan_apply"),
    path("links/plans/<int:pk>/discard/", plans.link_plan_discard, name="link_plan_discard"),
]

# Visits, visit tasks, household events, compliance, appraisals (views/visits.py).
_visits: list[Any] = [
    path("links/visits/", visits.links_visits, name="links_visits"),
    path("links/visits/new/", visits.visit_new, name="visit_new"),
    path("links/visits/<int:visit_id>/", visits.visit_detail, name="visit_detail"),
    path("links/visits/<int:visit_id>/matter/", visits.visit_matter, name="visit_matter"),
    path("links/visits/<int:visit_id>/photo/", visits.visit_photo, name="visit_photo"),
    path("links/visits/tasks/", visits.visit_tasks, name="visit_tasks"),
    path("links/visits/events/new/", visits.household_event_new, name="household_event_new"),
    path("links/visits/compliance/", visits.links_compliance, name="links_compliance"),
    path("links/visits/appraisals/", visits.appraisals, name="appraisals"),
    path("links/visits/appraisals/new/", visits.appraisal_new, name="appraisal_new"),
]

# Contact cards, plaques and the public list (views/cards.py).
_cards: list[Any] = [
    path("links/cards/", cards.link_cards, name="link_cards"),
    path("links/cards/<str:code>/<str:kind>.pdf", cards.link_cards_pdf, name="link_cards_pdf"),
    path("links/cards/<str:code>/revoke/", cards.link_cards_revoke, name="link_cards_revoke"),
]

urlpatterns = [*_linking, *_plans, *_visits, *_cards]
