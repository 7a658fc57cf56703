"""Printed minutes and notices, and the posting of notices (views/prints.py); included by
``urls.py``, so the names are ``web:…``."""

from typing import Any

from django.urls import path

from .views import prints

urlpatterns: list[Any] = [
    path(
        "decisions/meetings/<int:pk>/minutes.pdf",
        prints.decision_minutes,
        name="decision_minutes",
    ),
    path(
        "decisions/notices/<int:pk>/print/",
        prints.decision_notice_print,
        name="decision_notice_print",
    ),
    path(
        "decisions/notices/<int:pk>/print.pdf",
        prints.decision_notice_pdf,
        name="decision_notice_pdf",
    ),
    path(
        "decisions/notices/<int:pk>/posting/",
        prints.decision_notice_posting,
        name="decision_notice_posting",
    ),
]
