"""Who is acting, from where, in which request: read by the audit log and by services.

Set by the web middleware, the API, and by commands and importers through ``actor_context``,
so that writes outside a web request are attributed too (unlike a request-only contextvar).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


class Source:
    WEB = "web"
    API = "api"
    CLI = "cli"
    IMPORT = "import"
    SYSTEM = "system"


@dataclass(frozen=True)
class ActorContext:
    user: Any = None
    source: str = Source.SYSTEM
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    ip: str = ""


_current: ContextVar[ActorContext | None] = ContextVar("gridgov_actor", default=None)


def current_actor() -> ActorContext:
    ctx = _current.get()
    return ctx if ctx is not None else ActorContext()


@contextlib.contextmanager
def actor_context(
    *, user: Any = None, source: str, request_id: str | None = None, ip: str = ""
) -> Iterator[ActorContext]:
    ctx = ActorContext(user=user, source=source, request_id=request_id or uuid.uuid4().hex, ip=ip)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
