"""Pages of important matters decided by law (重要事项决策); mounted by ``web/urls.py``, so the
names are ``web:…`` (no app_name here)."""

from typing import Any

from django.urls import path

from . import print_urls
from .views import matters, meetings, notices, reviews, solicitations

# The list and "waiting for me", a new matter, a matter's page and its steps, the overview.
_matters: list[Any] = [
    path("decisions/", matters.matters, name="decisions"),
    path("decisions/new/", matters.matter_new, name="decision_new"),
    path("decisions/kinds/seed/", matters.kinds_seed, name="decision_kinds_seed"),
    path("decisions/overview/", matters.overview, name="decisions_overview"),
    path("decisions/<int:pk>/", matters.matter_detail, name="decision"),
    path("decisions/<int:pk>/act/<slug:action>/", matters.matter_act, name="decision_act"),
]

# Meetings: record the current stage's meeting, a meeting's record and its amendments.
_meetings: list[Any] = [
    path("decisions/stages/<int:pk>/meeting/", meetings.meeting_new, name="decision_meeting_new"),
    path("decisions/meetings/<int:pk>/", meetings.meeting_detail, name="decision_meeting"),
]

# The supervision committee, notices, opinions.
_others: list[Any] = [
    path("decisions/reviews/", reviews.reviews, name="decision_reviews"),
    path("decisions/notices/", notices.notices, name="decision_notices"),
    path("decisions/notices/new/", notices.notice_new, name="decision_notice_new"),
    path(
        "decisions/solicitations/<int:pk>/",
        solicitations.solicitation_detail,
        name="decision_solicitation",
    ),
    path("decisions/opinions/<int:task_pk>/", solicitations.opinion_new, name="decision_opinion"),
]

urlpatterns = [*_matters, *_meetings, *_others, *print_urls.urlpatterns]
