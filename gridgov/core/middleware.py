"""Puts the signed-in user and a request id into the actor context for every web request."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from .clientip import client_address
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
            ip=client_address(request),
        ) as ctx:
            request.request_id = ctx.request_id  # type: ignore[attr-defined]
            response = self.get_response(request)
        response["X-Request-ID"] = ctx.request_id
        return response


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the user chose another language (the language cookie set at /i18n/).

    Django's LocaleMiddleware follows the browser's Accept-Language; cadres' phones and office
    PCs often send English, and the product is Chinese by default.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class SecurityHeadersMiddleware:
    """Content-Security-Policy and the other headers Django does not set itself.

    Pages load scripts, styles and images from this site only (front-end libraries are served
    as static files), plus map tiles from ``GRIDGOV_TILE_URL``'s host when one is configured.
    Nothing may frame the site. The API's offline Swagger page needs inline styles.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        tiles = _origin(getattr(settings, "TILE_URL", ""))
        self.policy = "; ".join(
            [
                "default-src 'self'",
                "script-src 'self'",
                "style-src 'self'",
                f"img-src 'self' data: blob:{' ' + tiles if tiles else ''}",
                "font-src 'self' data:",
                "connect-src 'self'",
                "object-src 'none'",
                "base-uri 'self'",
                "form-action 'self'",
                "frame-ancestors 'none'",
            ]
        )
        self.docs_policy = self.policy.replace(
            "style-src 'self'", "style-src 'self' 'unsafe-inline'"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        docs = request.path.startswith("/api/") and request.path.rstrip("/").endswith("/docs")
        response.setdefault("Content-Security-Policy", self.docs_policy if docs else self.policy)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), payment=(), usb=()")
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            # Pages with residents' data are not kept by browsers or shared caches.
            response.setdefault("Cache-Control", "no-store")
        return response


def _origin(url: str) -> str:
    """``https://tiles.example.org/{z}/{x}/{y}.png`` → ``https://tiles.example.org``."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}.", ""))
    if not parts.scheme or not parts.netloc:
        return ""
    host = parts.netloc if "{s}" not in url else "*." + parts.netloc
    return f"{parts.scheme}://{host}"


class NulRefusedMiddleware:
    """Refuse a NUL character in the path, the query string or a form field with a 400.

    No text of ours may hold one, PostgreSQL text cannot store it (it would be a 500 deep in a
    query), and SQLite would keep it silently. JSON bodies are checked by their schemas.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            "\x00" in request.path
            or "\x00" in request.META.get("QUERY_STRING", "")
            or _has_nul(request.GET)
        ):
            return _nul_refused(request)
        content_type = request.META.get("CONTENT_TYPE", "")
        form = content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
        if request.method == "POST" and form and _has_nul(request.POST):
            return _nul_refused(request)
        return self.get_response(request)


def _has_nul(data: QueryDict) -> bool:
    return any("\x00" in value for values in data.lists() for value in values[1]) or any(
        "\x00" in key for key in data
    )


def _nul_refused(request: HttpRequest) -> HttpResponse:
    message = translation.gettext("请求中含有空字符（NUL），无法处理")
    if request.path.startswith("/api/"):  # the API's error body (api.errors.ErrorOut)
        return JsonResponse(
            {"detail": message}, status=400, json_dumps_params={"ensure_ascii": False}
        )
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
