from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "gridgov.api"
    label = "api"
