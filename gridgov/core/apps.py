from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gridgov.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401  (registers system checks)
            jobs,  # noqa: F401  (its retention rules)
            workdays,  # noqa: F401  (its rule, and the signals that refresh its cache)
        )
        from .permissions import registered_actions

        registered_actions()  # every app's permissions.py, before the first request asks
