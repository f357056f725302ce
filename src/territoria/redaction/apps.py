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

# The writing tools (drafts, minutes, summaries, plain language) are built on the assistant's
# foundations and go to the same people: those who manage their organisation's collections.
# Reusing the assistant's capability keeps one rule for "agents of an organisation who use the
# AI tools" (declared in assistant/apps.py: agent, moderator, administrator).
USE = "assistant.manage"


class RedactionConfig(AppConfig):
    name = "territoria.redaction"
    label = "redaction"
    verbose_name = "Aide à la rédaction"
    default_auto_field = "django.db.models.BigAutoField"

    navigation = [
        NavEntry("Délibérations", "redaction:deliberations", order=30),
        NavEntry("Rédaction", "redaction:index", capability=USE, order=31),
    ]
    home_sections = [
        HomeSection(
            "redaction/_home_section.html",
            context="territoria.redaction.views.home_context",
            order=30,
        )
    ]
    urls = [UrlModule("territoria.redaction.urls")]  # its paths carry "redaction/"
    search_documents = [
        SearchDocumentType(
            "redaction.deliberation",
            model="redaction.Deliberation",
            indexer="territoria.redaction.search.deliberation_indexer",
            title="Délibérations publiées",
        )
    ]
    assistant_sources = [
        AssistantSource(
            "deliberations",
            "Recueil des délibérations publiées",
            namespace="redaction.deliberations",
            description="Les délibérations publiées en open data (format SCDL) importées ici.",
        )
    ]
    datasets = [
        PublishedDataset(
            key="redaction-deliberations",
            slug="deliberations-adoptees",
            title="Délibérations adoptées (rédigées avec Territoria)",
            description=(
                "Les délibérations adoptées de la collectivité, rédigées avec l'aide à la "
                "rédaction, au format SCDL « Délibérations » (schema.data.gouv.fr)."
            ),
            writer="territoria.redaction.opendata.write_adopted_csv",
            watch=("redaction.ActDraft",),
            resource_slug="deliberations-scdl",
            resource_title="Délibérations (SCDL)",
            table_name="deliberations_adoptees",
            keywords=("délibérations", "SCDL", "actes administratifs"),
            theme="GOVE",
        )
    ]
    leak_canaries = "territoria.redaction.canaries.plant"
    # Figures: benchmarks/results/redaction.json (python -m benchmarks.redaction), see docs/redaction.md.
    register_entry = SelfDescription(
        "Aide à la rédaction (délibérations, comptes rendus, synthèses, langage clair)",
        purpose=(
            "Aider les agents à rédiger : délibérations pré-remplies à partir des délibérations "
            "publiées les plus proches (citées), comptes rendus de réunion, synthèses, et "
            "rapport de lisibilité en langage clair. L'agent relit, modifie et décide."
        ),
        data=(
            "Délibérations publiées en open data au format SCDL et leurs textes ; les notes, "
            "documents et lettres que l'agent fournit (gardés pour lui seul, jamais publiés)."
        ),
        algorithm=(
            "Sans modèle de langue : extraction (recherche lexicale et sémantique fusionnée, "
            "phrases porteuses de décisions et d'actions, résumé par centralité), lexique de "
            "mots administratifs et indice de Kandel et Moles. Avec un modèle local compatible "
            "OpenAI : rédaction à partir de la source seule, chaque phrase vérifiée (chiffres, "
            "dates, noms, références juridiques présents dans la source), sinon écartée."
        ),
        performance=(
            "Mesuré sur le jeu d'essai (benchmarks/results/redaction.json) : précision@5 du code "
            "de matière des délibérations similaires 0,50 en recherche fusionnée (0,44 sur la "
            "collectivité mise de côté ; hasard 0,05, plafond 0,64) ; erreurs piégées détectées "
            "par les vérifications : 52/52 et 37/37 (mise de côté), contre 23/52 et 19/37 pour la "
            "vérification de l'assistant, aucune fausse alerte ; 8 remplacements du lexique sur "
            "11 gardent le sens (jugés à la main)."
        ),
        energy=(
            "Mode extractif : quelques millisecondes de processeur par document (énergie "
            "estimée et journalisée pour chaque travail et chaque projet : de l'ordre de "
            "0,00001 Wh par document en mode extractif)."
        ),
        measured_by=(
            "python -m benchmarks.redaction (benchmarks/results/redaction.json), ou "
            "territoria redaction eval --set tests/fixtures/redaction"
        ),
        url_name="redaction:deliberations",
    )
