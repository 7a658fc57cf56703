"""Messages that leave the platform (the outbound channel: an SMS gateway, another system) carry
no personal number typed into a matter; the in-app inbox keeps the text whole for its user."""

from __future__ import annotations

import pytest
from django.test import override_settings

from gridgov.cases.models import Notification
from gridgov.cases.notify import notifications_deliver

pytestmark = pytest.mark.django_db

SENT: list[dict] = []


class RecordingChannel:
    def send(self, payload: dict) -> None:
        SENT.append(payload)


@override_settings(
    GRIDGOV_NOTIFY_CHANNEL="gridgov.cases.tests.test_notify_masking.RecordingChannel"
)
def test_outbound_messages_are_masked_the_inbox_is_not(new_matter):
    SENT.clear()
    matter = new_matter(description="王五身份证11010519491231002X，电话13812345678，门口漏水")
    assert notifications_deliver()[0] >= 1
    texts = [p["text"] for p in SENT]
    assert texts and all("110105********002X" in t and "138****5678" in t for t in texts)
    assert not any("11010519491231002X" in t or "13812345678" in t for t in texts)
    assert all(p["matter"] == matter.number for p in SENT)
    inbox = list(Notification.objects.filter(matter=matter).values_list("text", flat=True))
    assert inbox and all("11010519491231002X" in t and "13812345678" in t for t in inbox)
