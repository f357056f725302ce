from django.apps import AppConfig


class RegistreConfig(AppConfig):
    name = "territoria.registre"
    label = "registre"
    verbose_name = "Registre des systèmes d'IA"

    def ready(self):
        from territoria.registre.search import signals  # noqa: F401  (keeps the search index up to date)
