"""Start-up check: every role an app's permissions.py names is a role accounts knows."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register


@register()
def permission_roles_known(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from gridgov.core.permissions import registered_actions

    from .roles import Role

    return [
        Error(
            f"action {spec.key!r} ({spec.app}) is held by {role!r}, which is no role",
            hint="Name roles with gridgov.accounts.roles.Role.",
            id="gridgov.accounts.E001",
        )
        for spec in registered_actions()
        for role in sorted(spec.held_by - set(Role.values))
    ]
