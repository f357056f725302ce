from django.apps import AppConfig

from territoria.core.modules import (
    HomeSection,
    NavEntry,
    PublishedDataset,
    RecordPanel,
    SearchDocumentType,
    SelfDescription,
    UrlModule,
)

VIEW_RESTRICTED = "catalogue.view_restricted"
CONTRIBUTE = "catalogue.contribute"
CURATE = "catalogue.curate"


class CatalogueConfig(AppConfig):
    name = "territoria.catalogue"
    label = "catalogue"
    verbose_name = "Catalogue des solutions d'IA"
    default_auto_field = "django.db.models.BigAutoField"

    api_scopes = {
        "catalogue:read": "Lire le catalogue, les expérimentations et les idées (selon vos droits)",
        "catalogue:write": "Ajouter et modifier des solutions, les noter sur la grille, "
        "proposer et trier des idées (selon vos droits)",
    }

    navigation = [
        NavEntry("Catalogue des solutions", "catalogue:index", order=20),
        NavEntry(
            "Importer au catalogue", "catalogue:import", capability=CURATE, menu="account", order=20
        ),
    ]
    home_sections = [
        HomeSection(
            "catalogue/_home_section.html",
            context="territoria.catalogue.views.home_context",
            order=20,
        )
    ]
    record_panels = [
        RecordPanel(
            "catalogue/_record_panel.html",
            context="territoria.catalogue.panels.record_panel",
            order=30,
        )
    ]
    urls = [
        UrlModule("territoria.catalogue.urls", prefix="catalogue/"),
        UrlModule("territoria.catalogue.api", prefix="api/catalogue/"),
    ]
    search_documents = [
        SearchDocumentType(
            "catalogue.solution",
            model="catalogue.Solution",
            indexer="territoria.catalogue.search.solution_indexer",
            title="Solutions du catalogue",
        )
    ]
    datasets = [
        PublishedDataset(
            key="catalogue-solutions-ia",
            slug="catalogue-des-solutions-d-ia",
            title="Catalogue des solutions d'IA pour les collectivités",
            description=(
                "Solutions d'IA (logiciels libres, services, fonctions d'IA des logiciels métier) "
                "décrites pour les collectivités : licence, hébergement, souveraineté, fonctions, "
                "domaines, note publique de la grille de sélection. Champs publics uniquement."
            ),
            writer="territoria.catalogue.exports.write_public_catalogue_csv",
            watch=("catalogue.Solution", "catalogue.Evaluation"),
            resource_slug="solutions",
            resource_title="Solutions",
            table_name="catalogue_solutions_ia",
            keywords=("intelligence artificielle", "catalogue", "logiciel libre", "souveraineté"),
        )
    ]
    register_entry = SelfDescription(
        "Catalogue des solutions d’IA et guide de choix",
        purpose=(
            "Aider une collectivité à choisir une solution d'IA pour un besoin, à l'évaluer sur "
            "une grille à six critères (valeur ajoutée, innovation, adéquation, souveraineté, "
            "cadre juridique, environnement), à l'expérimenter et à la reproduire ailleurs."
        ),
        data=(
            "44 solutions réelles décrites d'après leur documentation publique "
            "(catalogue/data/solutions.csv) ; évaluations des agents ; 63 besoins réels tirés "
            "du registre de la Bibliothèque d'IA territoriales, de l'Algoritmeregister "
            "néerlandais et de l'ATRS britannique pour l'évaluation."
        ),
        algorithm=(
            "Filtres explicites (sensibilité des données contre hébergement, budget contre "
            "modèle de prix), puis classement : fonctions d'IA reconnues dans le besoin par un "
            "lexique (français, anglais, néerlandais), similarité TF-IDF, domaine, note de la "
            "grille. Chaque proposition donne ses raisons. Aucun modèle appris."
        ),
        performance=(
            "Sur 25 besoins réels tenus à l'écart du réglage : au moins une solution pertinente "
            "parmi les 3 proposées pour 92 % des besoins (MRR 0,90), contre 68 % (MRR 0,58) "
            "pour la simple correspondance de mots ; sur les 63 besoins : 90 % contre 54 % "
            "(python -m benchmarks catalogue ; benchmarks/results/catalogue.json)."
        ),
        energy=(
            "Environ 4 ms de processeur pour classer les 44 solutions pour un besoin "
            "(693 classements du banc ≈ 45 J, estimation à 15 W par cœur occupé) ; aucun "
            "modèle ni accélérateur. Les plongements e5, mesurés en comparaison, coûtent "
            "≈ 9 s de processeur par lot de 25 à 38 besoins."
        ),
        measured_by=(
            "python -m benchmarks catalogue (benchmarks/results/catalogue.json) ; "
            "territoria catalogue eval --split test"
        ),
        url_name="catalogue:guide",
    )
    capabilities = {
        "agent": frozenset({VIEW_RESTRICTED, CONTRIBUTE}),
        "elu": frozenset({VIEW_RESTRICTED}),
        "moderateur": frozenset({VIEW_RESTRICTED, CONTRIBUTE, CURATE}),
        "administrateur": frozenset({VIEW_RESTRICTED, CONTRIBUTE, CURATE}),
    }
    leak_canaries = "territoria.catalogue.canaries.plant"
