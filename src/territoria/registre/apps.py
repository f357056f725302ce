from datetime import timedelta

from django.apps import AppConfig

from territoria.core.modules import (
    AssistantSource,
    HomeSection,
    NavEntry,
    PublishedDataset,
    SearchDocumentType,
    SelfDescription,
    UrlModule,
)
from territoria.core.periodic import PeriodicTask

# Capabilities (core/roles.py) this app grants below; the search documents' access tokens are made of them.
READ_RESTRICTED = "registre.view_restricted"
MODERATE = "registre.moderate"
MANAGE_ORGANISATIONS = "registre.manage_organisations"  # create and edit organisations


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

    # The module contract (core/modules.py, docs/adr/0002-module-contract.md).
    navigation = [
        NavEntry("Registre des IA", "registre:list", order=10),
        NavEntry("Carte", "registre:map", order=11),
        NavEntry("Tableau de bord", "registre:dashboard", order=12),
        NavEntry("Mon espace", "registre:account", menu="account", order=10),
        NavEntry(
            "Modération", "registre:moderation", capability=MODERATE, menu="account", order=11
        ),
    ]
    home_sections = [
        HomeSection(
            "registre/_home_section.html",
            context="territoria.registre.home.home_context",
            stylesheets=("registre/registre.css",),
            order=10,
        )
    ]
    urls = [
        UrlModule("territoria.registre.urls")
    ]  # its paths carry "registre/" and "api/registre/"
    search_documents = [
        SearchDocumentType(
            "registre.project",
            model="registre.Project",
            indexer="territoria.registre.discovery.documents.project_indexer",
            title="Projets du registre",
        )
    ]
    datasets = [
        PublishedDataset(
            key="registre-ia",
            slug="registre-des-systemes-d-ia",
            title="Registre des systèmes d'IA des collectivités",
            description=(
                "Partie publique du registre des systèmes d'intelligence artificielle utilisés "
                "par les collectivités (Bibliothèque d'IA territoriales) : projets publiés, champs "
                "publics uniquement. Mis à jour automatiquement à chaque publication."
            ),
            writer="territoria.registre.exports.opendata.write_public_register_csv",
            watch=("registre.Project",),
            resource_slug="projets-publies",
            resource_title="Projets publiés",
            table_name="registre_ia",
            keywords=(
                "intelligence artificielle",
                "registre",
                "algorithmes publics",
                "transparence",
            ),
            theme="GOVE",
            frequency="continuous",
        )
    ]
    assistant_sources = [
        AssistantSource(
            "registre",
            "Registre des IA territoriales",
            namespace="registre",
            description="Les projets d'IA des collectivités publiés dans le registre.",
        )
    ]
    leak_canaries = "territoria.registre.canaries.plant"
    register_entry = SelfDescription(
        "Recherche du registre (plein texte et sémantique)",
        purpose=(
            "Retrouver les projets d'IA du registre à partir de mots ou d'une question en "
            "langage courant, avec filtres, projets similaires et suggestions d'orthographe."
        ),
        data=(
            "Les champs des fiches du registre que le lecteur a le droit de lire (les champs "
            "restreints ne sont cherchés que pour les agents) ; aucune donnée personnelle."
        ),
        algorithm=(
            "Recherche plein texte en français (accents, élisions, racinisation) fusionnée par "
            "rang réciproque avec une recherche sémantique (vecteurs multilingual-e5-small, "
            "modèle local, seuil de similarité 0,815 et marge 0,03 réglés sur des requêtes "
            "jugées) ; correction des fautes par la distance d'édition (rapidfuzz)."
        ),
        performance=(
            "Sur la moitié des requêtes jugées non utilisée pour le réglage : rappel@5 0,969 et "
            "MRR 1,0 en recherche mixte, contre 0,865 et 1,0 en plein texte seul ; page de "
            "liste p95 128 ms pour 224 fiches sur 2 cœurs chargés."
        ),
        energy=(
            "Calcul des vecteurs : environ 2 s de processeur par fiche, une fois à "
            "l'enregistrement ; une recherche : quelques millisecondes de processeur."
        ),
        measured_by=(
            "python -m benchmarks.heldout --articles 6 (benchmarks/results/heldout.json), "
            "python -m benchmarks.registre (benchmarks/results/registre.json)"
        ),
        url_name="registre:search",
    )

    # view_restricted: the restricted fields of every record; contribute: document the projects
    # of one's organisation; moderate: publish, send back, archive any record, edit any record.
    capabilities = {
        "agent": frozenset({READ_RESTRICTED, "registre.contribute"}),
        "elu": frozenset({READ_RESTRICTED}),
        "moderateur": frozenset(
            {READ_RESTRICTED, "registre.contribute", MODERATE, MANAGE_ORGANISATIONS}
        ),
        "administrateur": frozenset(
            {READ_RESTRICTED, "registre.contribute", MODERATE, MANAGE_ORGANISATIONS}
        ),
    }

    # Scopes of API tokens (core/tokens.py): what a program may do in its owner's name.
    api_scopes = {
        "registre:read": "Lire le registre (champs restreints compris, selon vos droits)",
        "registre:write": "Documenter, modifier et faire avancer les projets (selon vos droits)",
    }

    def ready(self):
        from territoria.registre.discovery import signals  # noqa: F401  (organisation changes)
