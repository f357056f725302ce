"""The Helsinki demonstration: territory, OpenStreetMap layers, Lyon's profile, one computation."""

from territoria.plantabilite.factors import lyon_weights
from territoria.plantabilite.models import Computation, Territory, WeightProfile

LYON_PROFILE = "Profil de Lyon"


def create_territory(name: str, slug: str, crs: str, organisation=None) -> Territory:
    territory, _ = Territory.objects.get_or_create(
        slug=slug, defaults={"name": name, "crs": crs, "organisation": organisation}
    )
    WeightProfile.objects.get_or_create(
        territory=territory,
        name=LYON_PROFILE,
        defaults={
            "weights": lyon_weights(),
            "description": "Poids du calque de plantabilité de la Métropole de Lyon "
            "(DatAgora, Erasme), convenus avec les gestionnaires de réseaux.",
        },
    )
    return territory


def load_helsinki(organisation=None, user=None) -> Computation:
    from territoria.plantabilite.computing import run
    from territoria.plantabilite.importing import import_osm
    from territoria.plantabilite.osm import helsinki_extract

    territory = create_territory("Helsinki (centre)", "helsinki", "EPSG:3067", organisation)
    if not territory.layers.exists():
        import_osm(territory, helsinki_extract(), imported_by=user)
        territory.refresh_from_db()
    profile = territory.profiles.get(name=LYON_PROFILE)
    computation = Computation.objects.create(
        territory=territory,
        profile=profile,
        weights=profile.weights,
        profile_version=profile.version,
        xmin=territory.xmin,
        ymin=territory.ymin,
        xmax=territory.xmax,
        ymax=territory.ymax,
        requested_by=user,
    )
    return run(computation)
