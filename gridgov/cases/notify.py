"""Notifications: the in-app inbox, and an outbound channel (a webhook, e.g. an SMS gateway).

A notification is written in the transaction of the change that causes it, so none is lost or
sent for a change that rolled back; ``gridgov tick`` delivers pending ones through the channel
named by ``GRIDGOV_NOTIFY_CHANNEL`` (a dotted path; the webhook when ``GRIDGOV_NOTIFY_WEBHOOK``
is set; none otherwise). Tests install a fake channel the same way.

A message quotes free text (a new matter's description, a reason): the inbox shows it whole to
its user, who may see the matter; what leaves the platform through the channel (an SMS
gateway, another system) has citizen IDs, mobile and bank card numbers masked
(``core.freetext``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
from collections.abc import Iterable
from typing import Any, Protocol

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from gridgov.cases.permissions import HANDLE_MATTER
from gridgov.core.freetext import mask_free_text
from gridgov.core.permissions import policy_for
from gridgov.core.sqlwrites import WriteBatch, insert_row
from gridgov.grid.models import GridNode

from .models import Delivery, Matter, Notification

MAX_ATTEMPTS = 5


class Channel(Protocol):
    def send(self, payload: dict[str, Any]) -> None:
        """Deliver one message or raise."""


class WebhookChannel:
    """POSTs each message as JSON, signed with HMAC-SHA256 of the body (X-Gridgov-Signature)."""

    def __init__(self, url: str, secret: str = "", timeout: float = 5.0) -> None:
        self.url, self.secret, self.timeout = url, secret, timeout

    def send(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=body, method="POST")
        request.add_header("Content-Type", "application/json; charset=utf-8")
        if self.secret:
            digest = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            request.add_header("X-Gridgov-Signature", "sha256=" + digest)
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            if response.status >= 300:
                raise OSError(f"webhook answered {response.status}")


def outbound_channel() -> Channel | None:
    dotted = getattr(settings, "GRIDGOV_NOTIFY_CHANNEL", "")
    if dotted:
        return import_string(dotted)()
    url = getattr(settings, "GRIDGOV_NOTIFY_WEBHOOK", "")
    if url:
        return WebhookChannel(url, getattr(settings, "GRIDGOV_NOTIFY_WEBHOOK_SECRET", ""))
    return None


def handlers_of(node: GridNode, *, role: str = "", action: str = HANDLE_MATTER) -> list:
    """Users who may act at ``node``: those holding ``role`` there, else anyone there who may,
    else the nearest level above that has someone (a post left empty must not lose a matter)."""
    rows = policy_for(Matter).holders(action, node.code)
    for code in [node.code, *reversed(node.ancestor_codes())]:
        here = [(u, r) for u, c, r in rows if c == code]
        preferred = [u for u, r in here if r == role]
        chosen = preferred or [u for u, _ in here]
        if chosen:
            return sorted(set(chosen))
    return []


def holders_of(matter: Matter) -> list[int]:
    """Who is told about a matter's deadline or supervision: its assignee, else the handlers
    of the level that holds it (by the category's handler role first)."""
    if matter.assignee_id:
        return [matter.assignee_id]
    return handlers_of(matter.handler_node, role=matter.category.handler_role)


def notify(
    *,
    user_ids: Iterable[int],
    matter: Matter | None,
    kind: str,
    text: str,
    batch: WriteBatch | None = None,
) -> int:
    """Write one message per user; with ``batch``, in the statement the batch sends."""
    delivery = Delivery.PENDING if outbound_channel() is not None else Delivery.NONE
    rows = [
        Notification(user_id=uid, matter=matter, kind=kind, text=text[:300], delivery=delivery)
        for uid in sorted(set(user_ids))
    ]
    if batch is not None:
        for row in rows:
            batch.insert(row)
    elif len(rows) == 1:  # the usual case: one handler, one plain INSERT
        insert_row(rows[0])
    else:
        Notification.objects.bulk_create(rows)
    return len(rows)


def notifications_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's messages read (all of them, or ``ids``); returns how many changed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def notifications_deliver(*, limit: int = 200) -> tuple[int, int]:
    """Send pending messages; (sent, failed). Safe when two run at once: each row is claimed by
    a conditional update before it is sent."""
    channel = outbound_channel()
    if channel is None:
        return 0, 0
    sent = failed = 0
    pending = list(
        Notification.objects.filter(delivery=Delivery.PENDING)
        .select_related("user", "matter")
        .order_by("id")[:limit]
    )
    for note in pending:
        claimed = Notification.objects.filter(
            pk=note.pk, delivery=Delivery.PENDING, delivery_attempts=note.delivery_attempts
        ).update(delivery_attempts=F("delivery_attempts") + 1)
        if not claimed:
            continue  # another tick has it
        payload = {
            "id": note.pk,
            "user": note.user.username,
            "kind": note.kind,
            "text": mask_free_text(note.text),
            "matter": note.matter.number if note.matter else None,
        }
        try:
            channel.send(payload)
        except Exception as exc:  # a gateway can fail in any way; the message stays queued
            attempts = note.delivery_attempts + 1
            state = Delivery.FAILED if attempts >= MAX_ATTEMPTS else Delivery.PENDING
            Notification.objects.filter(pk=note.pk).update(
                delivery=state, delivery_error=str(exc)[:300]
            )
            failed += 1
        else:
            Notification.objects.filter(pk=note.pk).update(delivery=Delivery.SENT)
            sent += 1
    return sent, failed
