from datetime import timedelta

from django.apps import AppConfig

from territoria.core.modules import NavEntry, SelfDescription, UrlModule
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
    leak_canaries = "territoria.opendata.canaries.plant"
    register_entry = SelfDescription(
        "Analyse des fichiers publiés en données ouvertes",
        purpose=(
            "Publier vite un fichier brut : reconnaître son encodage, son séparateur et le type "
            "de chaque colonne, et signaler les colonnes qui semblent contenir des données "
            "personnelles avant toute publication."
        ),
        data="Les fichiers déposés par les agents (CSV, XLSX, JSON, GeoJSON).",
        algorithm=(
            "Règles explicables, pas d'apprentissage : détection du dialecte et des types par "
            "DuckDB et des règles écrites ; repérage des données personnelles par le nom des "
            "colonnes et des motifs (courriel, téléphone, NIR, IBAN) sur un échantillon ; "
            "la décision reste à l'agent, colonne par colonne."
        ),
        performance=(
            "1 000 000 de lignes (104 Mo) publiées et interrogeables en 25 s, 476 Mo de "
            "mémoire au plus, sur 2 cœurs."
        ),
        energy="10 s de processeur pour ce million de lignes (analyse, conversion Parquet).",
        measured_by="python -m benchmarks.opendata (benchmarks/results/opendata.json)",
        url_name="opendata:catalog",
    )

    def ready(self):
        from territoria.opendata import signals

        signals.connect()
