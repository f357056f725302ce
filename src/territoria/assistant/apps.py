from datetime import timedelta

from django.apps import AppConfig

from territoria.core.periodic import PeriodicTask


class AssistantConfig(AppConfig):
    name = "territoria.assistant"
    label = "assistant"
    verbose_name = "Assistant"
    periodic_tasks = [
        PeriodicTask(
            "purge_old_exchanges",
            "territoria.assistant.services.traceability.purge_expired",
            timedelta(days=1),
        ),
        PeriodicTask(
            "recover_ingestion",
            "territoria.assistant.recovery.recover_ingestion",
            timedelta(minutes=5),
            at_worker_start=True,
        ),
    ]

    # manage: the collections of one's organisation (documents, hand-off requests);
    # view_log: the journal of every exchange.
    capabilities = {
        "agent": frozenset({"assistant.manage"}),
        "moderateur": frozenset({"assistant.manage"}),
        "administrateur": frozenset({"assistant.manage", "assistant.view_log"}),
    }

    # Scopes of API tokens (core/tokens.py).
    api_scopes = {
        "assistant:read": "Chercher dans les collections lisibles",
        "assistant:write": "Poser des questions, gérer les collections (selon vos droits)",
    }

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
