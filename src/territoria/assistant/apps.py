from datetime import timedelta

from django.apps import AppConfig

from territoria.core.modules import NavEntry, UrlModule
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

    # The module contract (core/modules.py). The assistant's collections come from uploads and
    # from the sources other modules declare (`assistant_sources`, services/module_sources.py).
    navigation = [NavEntry("Assistant", "assistant:chat", order=20)]
    urls = [
        UrlModule("territoria.assistant.urls")
    ]  # its paths carry "assistant/" and "api/assistant/"

    def ready(self):
        from django.db.models.signals import post_migrate

        from territoria.assistant.services.module_sources import sync_source_collections

        post_migrate.connect(
            sync_source_collections, sender=self, dispatch_uid="assistant-module-sources"
        )
