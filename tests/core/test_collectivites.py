"""The region of an organisation is derived from its SIRET (core/collectivites.py)."""

from pathlib import Path

import pytest

from territoria.core import collectivites
from territoria.core.collectivites import region_of
from territoria.core.models import Organisation, OrganisationType

DECOUPAGE = Path(__file__).resolve().parents[1] / "fixtures" / "registre" / "decoupage"


@pytest.fixture
def decoupage(monkeypatch):
    monkeypatch.setenv("TERRITORIA_DECOUPAGE_DIR", str(DECOUPAGE))
    return DECOUPAGE


@pytest.mark.parametrize(
    ("siret", "name", "region", "how"),
    [
        ("21930051400011", "Ville de Noisy-le-Grand", "Île-de-France", "commune Noisy-le-Grand"),
        ("21750001600019", "Ville de Paris", "Île-de-France", "commune Paris"),
        ("24330031600011", "Bordeaux Métropole", "Nouvelle-Aquitaine", "intercommunalité"),
        # Numbering of bodies registered before 2000: « 2 », kind, département.
        ("22850001300658", "Département de la Vendée", "Pays de la Loire", "Vendée"),
        ("25430088200019", "Syndicat des eaux du brivadois", "Auvergne-Rhône-Alpes", "Haute-Loire"),
        ("23450002300028", "Région Centre-Val de Loire", "Centre-Val de Loire", "Loiret"),
        # A region created in 2016 (SIREN 200…): by its name only.
        ("20005379100014", "Région Occitanie", "Occitanie", "nom de la région"),
    ],
)
def test_region_from_the_siret_or_the_name(decoupage, siret, name, region, how):
    found = region_of(siret, name, folder=decoupage)
    assert found is not None and found.name == region
    assert how in found.how


def test_unknown_bodies_get_no_region(decoupage):
    # A SIREN of 200… absent from the package, with a name that names no region: nothing guessed.
    assert region_of("20003986500106", "Ville de Metz", folder=decoupage) is None
    assert region_of("20005379100014", "Conseil régional", folder=decoupage) is None
    assert region_of("", "Région Occitanie extra", folder=decoupage) is None


def test_without_the_package_nothing_is_derived(tmp_path):
    assert region_of("21930051400011", folder=tmp_path) is None
    assert collectivites.region_names(tmp_path) == []


@pytest.mark.django_db
def test_saving_an_organisation_derives_its_region_whatever_was_typed(decoupage):
    organisation = Organisation.objects.create(
        name="Ville de Noisy-le-Grand",
        siret="219 300 514 00011",
        type=OrganisationType.COMMUNE,
        region="Bretagne",  # typed by hand: replaced by the derived region
    )
    organisation.refresh_from_db()
    assert organisation.region == "Île-de-France"


@pytest.mark.django_db
def test_the_api_does_not_write_the_region(decoupage, moderator):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(moderator)
    response = client.post(
        "/api/registre/organisations/",
        {
            "name": "Bordeaux Métropole",
            "siret": "24330031600011",
            "type": "metropole",
            "region": "Bretagne",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["region"] == "Nouvelle-Aquitaine"
