from datetime import timedelta

from django.apps import AppConfig

from territoria.core.periodic import PeriodicTask


class RegistreConfig(AppConfig):
    name = "territoria.registre"
    label = "registre"
    verbose_name = "Registre des systèmes d'IA"
    periodic_tasks = [
        PeriodicTask(
            "remind_overdue_reviews",
            "territoria.registre.services.workflow.remind_overdue_reviews",
            timedelta(days=1),
        ),
        PeriodicTask(
            "recover_import_jobs",
            "territoria.registre.recovery.recover_import_jobs",
            timedelta(minutes=5),
            at_worker_start=True,
        ),
    ]

    # view_restricted: the restricted fields of every record; contribute: document the projects
    # of one's organisation; moderate: publish, send back, archive any record, edit any record.
    capabilities = {
        "agent": frozenset({"registre.view_restricted", "registre.contribute"}),
        "elu": frozenset({"registre.view_restricted"}),
        "moderateur": frozenset(
            {"registre.view_restricted", "registre.contribute", "registre.moderate"}
        ),
        "administrateur": frozenset(
            {"registre.view_restricted", "registre.contribute", "registre.moderate"}
        ),
    }

    # Scopes of API tokens (core/tokens.py): what a program may do in its owner's name.
    api_scopes = {
        "registre:read": "Lire le registre (champs restreints compris, selon vos droits)",
        "registre:write": "Documenter, modifier et faire avancer les projets (selon vos droits)",
    }

    def ready(self):
        from territoria.registre.search import signals  # noqa: F401  (keeps the search index up to date)
