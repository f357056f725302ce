from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "territoria.search"
    label = "search"

    def ready(self):
        from territoria.search import indexing

        indexing.connect()  # the content types the modules declare (core/modules.py)
