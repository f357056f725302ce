from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "territoria.assistant"
    label = "assistant"
    verbose_name = "Assistant"

    def ready(self):
        from django.db.models.signals import post_save

        try:
            from territoria.registre.models import Project
        except ImportError:  # the register app is optional for the assistant
            return
        from territoria.assistant.services.registre_collection import on_project_saved

        post_save.connect(
            on_project_saved, sender=Project, dispatch_uid="assistant-registre-reindex"
        )
