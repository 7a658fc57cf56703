"""Pages of linking households (党员联户); mounted by ``web/urls.py``, so the names are
``web:…`` (no app_name here)."""

from typing import Any

from django.urls import path

from .views import linking, plans

# The link register, linkers, coverage and "my households" (views/linking.py).
_linking: list[Any] = [
    path("links/", linking.links_home, name="links"),
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
_visits: list[Any] = []

# Contact cards, plaques and the public list (views/cards.py).
_cards: list[Any] = []

urlpatterns = [*_linking, *_plans, *_visits, *_cards]
