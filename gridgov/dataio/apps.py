from django.apps import AppConfig


class DataioConfig(AppConfig):
    name = "gridgov.dataio"
    label = "dataio"

    def ready(self) -> None:
        from .registry import autodiscover

        autodiscover()
