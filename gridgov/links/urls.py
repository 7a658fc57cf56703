"""Pages of linking households (党员联户); mounted by ``web/urls.py``, so the names are
``web:…`` (no app_name here)."""

from typing import Any

from django.urls import path

from .views import cards, linking

# The link register, linkers, coverage and "my households" (views/linking.py).
_linking: list[Any] = [
    path("links/", linking.links_home, name="links"),
]

# Plans: compute, the draft and its diff, approve, apply (views/plans.py).
_plans: list[Any] = []

# Visits, visit tasks, household events, compliance, appraisals (views/visits.py).
_visits: list[Any] = []

# Contact cards, plaques and the public list (views/cards.py).
_cards: list[Any] = [
    path("links/cards/", cards.link_cards, name="link_cards"),
    path("links/cards/<str:code>/<str:kind>.pdf", cards.link_cards_pdf, name="link_cards_pdf"),
    path("links/cards/<str:code>/revoke/", cards.link_cards_revoke, name="link_cards_revoke"),
]

urlpatterns = [*_linking, *_plans, *_visits, *_cards]
