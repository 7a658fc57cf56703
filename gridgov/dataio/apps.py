from django.apps import AppConfig


class DataioConfig(AppConfig):
    name = "gridgov.dataio"
    label = "dataio"
