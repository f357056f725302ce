from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "territoria.opendata"
    label = "opendata"
    verbose_name = "Données ouvertes"

    def ready(self):
        from territoria.opendata import signals

        signals.connect()
