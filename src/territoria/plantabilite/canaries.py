"""Restricted values planted for the leak crawler (tests/security): an operator's restricted
layer, a planting zone, a needs raster, and the concertation on weights (the reason of a
profile version, an operator's agreement) — all for the territory's agents only."""

import shapely

from territoria.core.modules import Canaries


def plant(needle) -> Canaries:
    from territoria.core.models import Organisation, Role, User
    from territoria.plantabilite.factors import lyon_weights
    from territoria.plantabilite.importing import digest
    from territoria.plantabilite.models import (
        Agreement,
        FactorLayer,
        NeedLayer,
        PlantingZone,
        Territory,
        WeightProfile,
    )

    organisation = Organisation.objects.create(
        name="Métropole témoin (plantabilité)", country="NL", identifier="plantabilite-temoin"
    )
    territory = Territory.objects.create(
        name="Territoire témoin",
        slug="territoire-temoin",
        crs="EPSG:2154",
        organisation=organisation,
        xmin=0,
        ymin=0,
        xmax=100,
        ymax=100,
    )
    geoms = [shapely.LineString([(0, 50), (100, 50)])]
    FactorLayer.objects.create(
        territory=territory,
        name=f"Réseau gaz {needle('plantlayer')}",
        factor="gaz",
        buffer_m=2.0,
        owner=f"Opérateur {needle('plantowner')}",
        source_name="gaz.gpkg",
        source_format="GeoPackage",
        source_crs="EPSG:2154",
        restricted=True,
        feature_count=1,
        geometry_wkb=shapely.to_wkb(shapely.GeometryCollection(geoms)),
        digest=digest(geoms, 2.0),
    )
    zone = PlantingZone.objects.create(
        territory=territory,
        name=f"Zone {needle('plantzone')}",
        source="dessinée",
        geometry_wkb=shapely.to_wkb(shapely.MultiPolygon([shapely.box(10, 10, 60, 60)])),
        area_m2=2500.0,
    )
    NeedLayer.objects.create(
        territory=territory,
        kind=NeedLayer.Kind.POPULATION,
        name=f"Population {needle('plantneed')}",
        owner="Insee",
        source_name="population.tif",
        source_crs="EPSG:2154",
        width=10,
        height=10,
        resolution_m=10.0,
        minimum=0.0,
        maximum=100.0,
    )
    profile = WeightProfile(territory=territory, name="Profil négocié", weights=lyon_weights())
    profile.save()
    profile.weights = {**profile.weights, "gaz": -2}
    profile._change_note = f"Réunion {needle('plantmotif')}"
    profile.save()
    Agreement.objects.create(
        profile=profile,
        version=profile.version,
        factors=["gaz"],
        party="Opérateur gaz",
        agreed_on="2026-11-02",
        weights={"gaz": -2},
        note=f"Accord {needle('plantaccord')}",
    )
    reader = User.objects.create_user(
        "plantabilite-lecteur",
        password="motdepasse-test-1",
        role=Role.AGENT,
        organisation=organisation,
    )
    outsider_organisation = Organisation.objects.create(
        name="Autre collectivité (plantabilité)", country="NL", identifier="plantabilite-autre"
    )
    outsider = User.objects.create_user(
        "plantabilite-autre-agent",
        password="motdepasse-test-1",
        role=Role.AGENT,
        organisation=outsider_organisation,
    )
    needles = {
        needle("plantlayer"): "name of a restricted operator layer (plantabilité)",
        needle("plantowner"): "owner of a restricted operator layer (plantabilité)",
        needle("plantzone"): "name of a planting zone (agents only)",
        needle("plantneed"): "name of a needs raster (agents only)",
        needle("plantmotif"): "reason of a weight-profile version (agents only)",
        needle("plantaccord"): "note of an operator's agreement on weights (agents only)",
    }
    return Canaries(
        needles=needles,
        # The witness's positive control covers the operator layer and the concertation; the
        # zone and needs names are planted for the anonymous and outsider crawls.
        proof=[
            needle("plantlayer"),
            needle("plantowner"),
            needle("plantmotif"),
            needle("plantaccord"),
        ],
        witness=reader,
        outsider=outsider,
        witness_seeds=[
            f"/plantabilite/{territory.slug}/couches/",
            f"/plantabilite/{territory.slug}/zones/",
            f"/plantabilite/{territory.slug}/besoins/",
            f"/plantabilite/{territory.slug}/profils/",
        ],
        ids=[territory.slug, str(zone.pk)],
        seeds=["/plantabilite/", f"/plantabilite/{territory.slug}/"],
        must_visit=[
            f"/plantabilite/{territory.slug}/couches/",
            f"/plantabilite/{territory.slug}/zones/",
            f"/plantabilite/{territory.slug}/zones/{zone.pk}/",
            f"/plantabilite/{territory.slug}/besoins/",
            f"/plantabilite/{territory.slug}/profils/",
        ],
    )
