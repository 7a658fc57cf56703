from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "gridgov.decisions"
    label = "decisions"
    verbose_name = _("重要事项决策")

    def ready(self) -> None:
        # A printed notice's QR code re-renders the notice's text (core.verify).
        from .printing import register

        register()
