"""System checks for deployment settings that protect personal data."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def data_key_set(app_configs, **kwargs):
    if not getattr(settings, "DATA_KEY", ""):
        return [
            Warning(
                "GRIDGOV_DATA_KEY is not set: personal data is encrypted with a development key.",
                hint="Generate one with: python -c 'import secrets; print(secrets.token_hex(32))'",
                id="core.W001",
            )
        ]
    return []
