from django.apps import AppConfig


class RegistreConfig(AppConfig):
    name = "territoria.registre"
    label = "registre"
    verbose_name = "Registre des systèmes d'IA"
