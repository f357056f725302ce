import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from territoria.plantabilite.demo import create_territory
from territoria.plantabilite.importing import import_file
from territoria.plantabilite.models import Computation

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plantabilite"


@pytest.fixture
def territory(organisation):
    # 200 m × 200 m in Paris, Lambert-93.
    territory = create_territory("Quartier témoin", "quartier-temoin", "EPSG:2154", organisation)
    territory.xmin, territory.ymin, territory.xmax, territory.ymax = (
        652000,
        6862000,
        652200,
        6862200,
    )
    territory.save()
    return territory


@pytest.fixture
def fixture_file(tmp_path):
    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copy(FIXTURES / name, target)
        return target

    return copy


@pytest.fixture
def layers(territory, fixture_file, agent):
    gas = import_file(
        territory,
        fixture_file("gaz_lambert93.geojson"),
        name="Conduites GRDF-témoin",
        factor="gaz",
        owner="Opérateur-gaz-témoin",
        restricted=True,
        imported_by=agent,
    )
    parks = import_file(
        territory,
        fixture_file("parcs_noeud_papillon.csv"),
        name="Parcs",
        factor="parcs",
        owner="Ville",
        declared_crs="EPSG:2154",
    )
    return gas, parks


@pytest.fixture
def computed(client, agent, territory, layers):
    client.force_login(agent)
    profile = territory.profiles.get()
    response = client.post(
        reverse("plantabilite:computations", args=[territory.slug]),
        {"profil": profile.pk, "publique": "on"},
    )
    computation = Computation.objects.get()
    assert response.status_code == 302 and response.url == computation.get_absolute_url()
    client.logout()
    return computation
