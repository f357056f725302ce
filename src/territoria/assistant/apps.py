from datetime import timedelta

from django.apps import AppConfig

from territoria.core.modules import NavEntry, SelfDescription, UrlModule
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

    # manage: contribute to the collections of one's organisation (add documents, answer
    # hand-off requests); manage_collections: the organisation's managers create, rename, set
    # the access of and delete its collections and documents (moderators and administrators
    # who belong to the organisation); view_log: the journal of every exchange.
    # Scoped to the user's organisation by assistant/permissions.py.
    capabilities = {
        "agent": frozenset({"assistant.manage"}),
        "moderateur": frozenset({"assistant.manage", "assistant.manage_collections"}),
        "administrateur": frozenset(
            {"assistant.manage", "assistant.manage_collections", "assistant.view_log"}
        ),
    }

    # Scopes of API tokens (core/tokens.py).
    api_scopes = {
        "assistant:read": "Chercher dans les collections lisibles",
        "assistant:write": "Poser des questions, gérer les collections (selon vos droits)",
    }

    # The module contract (core/modules.py). The assistant's collections come from uploads and
    # from the sources other modules declare (`assistant_sources`, services/module_sources.py).
    navigation = [
        NavEntry("Assistant", "assistant:chat", order=20),
        # The inbox of questions passed to a human, with the number waiting for this agent.
        NavEntry(
            "Demandes reçues",
            "assistant:handoffs",
            capability="assistant.manage",
            menu="account",
            order=20,
            count="territoria.assistant.services.handoffs.open_count",
            count_label="à traiter",
        ),
    ]
    urls = [
        UrlModule("territoria.assistant.urls")
    ]  # its paths carry "assistant/" and "api/assistant/"
    leak_canaries = "territoria.assistant.canaries.plant"
    register_entry = SelfDescription(
        "Assistant interne hors ligne",
        purpose=(
            "Répondre aux questions des agents et des habitants à partir des documents de la "
            "collectivité (procédures, règlements, délibérations, FAQ), avec des citations, et "
            "passer la main à un agent quand la réponse n'est pas sûre."
        ),
        data=(
            "Les documents déposés dans les collections, lus selon les droits de chaque "
            "collection ; les questions sont journalisées avec masquage des données personnelles "
            "et purgées après la durée de conservation."
        ),
        algorithm=(
            "Recherche des passages : plein texte en français et vecteurs multilingual-e5-small "
            "(locaux), fusionnés ; réponse extractive citant les passages, ou générée par un "
            "modèle de langue local (serveur compatible OpenAI) dont chaque phrase doit être "
            "appuyée par un passage cité ; abstention quand le meilleur passage ne se détache "
            "pas assez des autres (seuil réglé sur la moitié de réglage seulement)."
        ),
        performance=(
            "Sur la moitié de PIAF réservée (185 questions) : rappel des réponses 0,697 "
            "(0,519 avant), rappel des citations 0,832 (0,616), 4,3 % d'abstentions (33 %) ; "
            "MRR@10 de la recherche 0,977."
        ),
        energy=(
            "Estimée pour chaque question à partir du temps de processeur "
            "(ASSISTANT_WATTS_PER_CORE) et affichée sous la réponse : de l'ordre de 0,0002 Wh "
            "par question en réponse extractive."
        ),
        measured_by=(
            "python -m benchmarks.assistant_answers (benchmarks/results/assistant_answers.json)"
        ),
        url_name="assistant:chat",
    )

    def ready(self):
        from django.db.models.signals import post_migrate

        from territoria.assistant.services.module_sources import sync_source_collections

        post_migrate.connect(
            sync_source_collections, sender=self, dispatch_uid="assistant-module-sources"
        )
