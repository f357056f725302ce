from datetime import timedelta

from django.apps import AppConfig

from territoria.core.modules import NavEntry, UrlModule
from territoria.core.periodic import PeriodicTask


class OpendataConfig(AppConfig):
    name = "territoria.opendata"
    label = "opendata"
    verbose_name = "Données ouvertes"
    periodic_tasks = [
        PeriodicTask(
            "recover_versions",
            "territoria.opendata.recovery.recover_versions",
            timedelta(minutes=5),
            at_worker_start=True,
        ),
    ]

    # publish: create datasets and publish versions for one's organisation (an administrator
    # also holds core.platform_admin: any organisation).
    capabilities = {
        "agent": frozenset({"opendata.publish"}),
        "administrateur": frozenset({"opendata.publish"}),
    }

    # Scopes of API tokens (core/tokens.py): a read key gets its own rate limit, nothing more.
    api_scopes = {
        "opendata:read": "Interroger et télécharger les données publiées",
        "opendata:write": "Créer des jeux de données et publier (selon vos droits)",
    }

    # The module contract (core/modules.py). The datasets other modules publish are declared
    # by them (`datasets`) and kept up to date here (module_datasets.py, signals.py).
    navigation = [NavEntry("Données ouvertes", "opendata:catalog", order=30)]
    urls = [UrlModule("territoria.opendata.urls")]  # its paths carry "donnees/" and "api/opendata/"

    def ready(self):
        from territoria.opendata import signals

        signals.connect()
