"""Puts the signed-in user and a request id into the actor context for every web request."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .context import Source, actor_context


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        source = Source.API if request.path.startswith("/api/") else Source.WEB
        user = getattr(request, "user", None)
        with actor_context(
            user=user if user is not None and user.is_authenticated else None,
            source=source,
            ip=request.META.get("REMOTE_ADDR", ""),
        ) as ctx:
            request.request_id = ctx.request_id  # type: ignore[attr-defined]
            response = self.get_response(request)
        response["X-Request-ID"] = ctx.request_id
        return response
