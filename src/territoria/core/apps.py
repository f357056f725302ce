from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "territoria.core"
    label = "core"
    verbose_name = "Socle"
