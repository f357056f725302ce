from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "territoria.opendata"
    label = "opendata"
