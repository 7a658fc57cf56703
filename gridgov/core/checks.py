"""System checks for deployment settings that protect personal data."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Warning, register


@register(deploy=True)
def data_key_set(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    if not getattr(settings, "DATA_KEY", ""):
        return [
            Warning(
                "GRIDGOV_DATA_KEY is not set: personal data is encrypted with a development key.",
                hint="Generate one with: python -c 'import secrets; print(secrets.token_hex(32))'",
                id="core.W001",
            )
        ]
    return []


@register()
def trusted_proxies_valid(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """A mistyped GRIDGOV_TRUSTED_PROXIES stops the server at start, naming the entry."""
    from django.core.checks import Error
    from django.core.exceptions import ImproperlyConfigured

    from .clientip import trusted_proxies

    try:
        trusted_proxies()
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc), hint="e.g. GRIDGOV_TRUSTED_PROXIES=127.0.0.1,10.0.0.0/8", id="core.E001"
            )
        ]
    return []


@register()
def compiled_reads_django_version(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """``core.compiled`` reuses Django's compiler internals: only on the versions it was tested on."""
    import django
    from django.core.checks import Error

    from .compiled import TESTED_DJANGO

    (low, high), running = TESTED_DJANGO, tuple(django.VERSION[:2])
    if low <= running < high:
        return []
    tested = f"{low[0]}.{low[1]} <= Django < {high[0]}.{high[1]}"
    return [
        Error(
            f"Django {django.get_version()} is not a version gridgov.core.compiled was tested "
            f"on ({tested}): it reuses the SQL compiler's internals.",
            hint="Install the Django of requirements.lock, or test core.compiled on this "
            "version (gridgov/core/tests/test_compiled.py) and widen TESTED_DJANGO.",
            id="core.E002",
        )
    ]
