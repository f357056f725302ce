"""Accidents without coordinates placed on the street their address names (mobilite.streets):
the addresses as the BAAC files write them (taken from the shared sample), the names as an
OpenStreetMap network carries them, the placement inside the commune's outline on the small
Helsinki extract, the import page, and the weight spread along the street in the network
density."""

import json

import pytest
import sumolib
from django.urls import reverse

from territoria.mobilite import accidents, riskmap
from territoria.mobilite import network as network_service
from territoria.mobilite.models import Accident, AccidentImport
from territoria.mobilite.streets import StreetIndex, names_street, words
from tests.mobilite.conftest import FIXTURES

# around the extract (24.9400–24.9460 E, 60.1680–60.1710 N) and a square 1 km further north
INSIDE = [[24.93, 60.16], [24.96, 60.16], [24.96, 60.18], [24.93, 60.18], [24.93, 60.16]]
ELSEWHERE = [[24.93, 60.19], [24.96, 60.19], [24.96, 60.20], [24.93, 60.20], [24.93, 60.19]]


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("12, R MICHEL DELAROCHE", ["RUE", "MICHEL", "DELAROCHE"]),
        ("CROIX BLANCHE (AVENUE DE", ["CROIX", "BLANCHE", "AVENUE"]),
        ("01, FRANCHET D'ESPEREY M", ["FRANCHET", "ESPEREY", "M"]),
        ("25 AV DU LOUP", ["AVENUE", "LOUP"]),
        ("12 bis, Bd Waldeck Rousseau", ["BOULEVARD", "WALDECK", "ROUSSEAU"]),
        ("Avenue du Maréchal Franchet d'Espèrey", ["AVENUE", "MARECHAL", "FRANCHET", "ESPEREY"]),
    ],
)
def test_words_of_addresses_and_street_names(address, expected):
    assert words(address) == expected


@pytest.mark.parametrize(
    ("address", "street", "same"),
    [
        ("12, R MICHEL DELAROCHE", "Rue Michel Delaroche", True),
        ("CROIX BLANCHE (AVENUE DE", "Avenue de la Croix Blanche", True),  # inverted
        ("01, FRANCHET D'ESPEREY M", "Avenue du Maréchal Franchet d'Espèrey", True),  # cut
        ("12, R MICHEL DELAROCHE", "Avenue Michel Delaroche", False),  # another type
        ("12, R MICHEL DELAROCHE", "Rue Michel Ange", False),
        ("RN 118", "Route Nationale 118", False),  # a road number names no street
        ("R", "Rue de la Paix", False),
        ("", "Rue de la Paix", False),
    ],
)
def test_an_address_names_a_street(address, street, same):
    assert names_street(words(address), set(words(street))) is same


def _outlines(tmp_path):
    path = tmp_path / "communes.geojson"
    features = [
        {"type": "Feature", "properties": {"code": code},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}
        for code, ring in (("99001", INSIDE), ("99002", ELSEWHERE))
    ]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.fixture
def helsinki(agent):
    return network_service.import_network(
        FIXTURES / "helsinki_small.osm", name="Helsinki", organisation=agent.organisation
    )


def _row(number, commune, address):
    return {"number": number, "commune": commune, "address": address, "latitude": None,
            "longitude": None, "located": ""}  # fmt: skip


@pytest.mark.slow
@pytest.mark.django_db
def test_accidents_placed_on_the_street_inside_their_commune(helsinki, tmp_path):
    outlines = accidents.commune_outlines(_outlines(tmp_path))
    rows = [
        _row("1", "99001", "12, KESKUSKATU"),
        _row("2", "99001", "KAIVOKATU"),
        _row("3", "99001", "R INCONNUE"),  # no such street
        _row("4", "99002", "KAIVOKATU"),  # its commune holds no Kaivokatu
        _row("5", "99003", "KAIVOKATU"),  # no outline for its commune
    ]
    assert accidents.locate_by_street(rows, outlines, helsinki.net_file) == 2
    assert [r["located"] for r in rows] == ["voie", "voie", "", "", ""]
    net = sumolib.net.readNet(str(helsinki.net_file))
    for row, name in ((rows[0], "Keskuskatu"), (rows[1], "Kaivokatu")):
        x, y = net.convertLonLat2XY(row["longitude"], row["latitude"])
        near = {e.getName() for e, _d in net.getNeighboringEdges(x, y, r=1.0)}
        assert name in near  # on the street itself, not beside it
    street = StreetIndex(net)
    run = street.run_at(
        "KAIVOKATU", *net.convertLonLat2XY(rows[1]["longitude"], rows[1]["latitude"])
    )
    assert run and {e.getName() for e in run} == {"Kaivokatu"}


@pytest.mark.slow
@pytest.mark.django_db
def test_import_page_places_on_the_street_and_density_spreads_along_it(
    client, agent, helsinki, tmp_path
):
    main = tmp_path / "caracteristiques.csv"
    header = '"Accident_Id";"jour";"mois";"an";"hrmn";"lum";"dep";"com";"agg";"int";"atm";"col";"adr";"lat";"long"'
    lines = [header] + [
        f'"2023000000{k}";"{k + 1}";"3";"2023";"08:30";"1";"99";"99001";"2";"1";"1";"2";"{k}, MIKONKATU";"";""'
        for k in range(3)
    ]
    main.write_text("\n".join(lines) + "\n", encoding="utf-8")
    client.force_login(agent)
    with main.open("rb") as carac, _outlines(tmp_path).open("rb") as communes:
        page = client.post(
            reverse("mobilite:accidents_import"),
            {"caracteristiques": carac, "communes": communes, "reseau": str(helsinki.pk)},
            follow=True,
        )
    text = page.content.decode()
    record = AccidentImport.objects.get()
    assert record.by_street == 3 and record.by_commune == 0 and record.geocoded == 0
    assert "3 placés sur leur voie" in text
    rows = list(Accident.objects.filter(source=record))
    assert not accidents.hotspots(rows, 300)  # where along the street is unknown: no point zone
    found = riskmap.density(helsinki.net_file, rows)
    assert found["along_street"] == 3 and found["snapped"] == 3
    lix = found["lixels"]
    net = sumolib.net.readNet(str(helsinki.net_file))
    mikonkatu = {edge.getID() for edge in StreetIndex(net).edges_by_name["Mikonkatu"]}
    kept = [i for i, e in enumerate(lix.edge) if e in mikonkatu]
    length_km = sum(riskmap._distances(lix.shape[i])[-1] for i in kept) / 1000
    # the same density all along the street: three slight accidents (weight 1) over its length
    assert {round(float(found["density"][i]), 6) for i in kept} == {round(3 / length_km, 6)}
    assert not found["zones"]  # below the density of 3 slight accidents at one point
    Accident.objects.filter(source=record).update(severity=2, killed=1)  # three killed
    found = riskmap.density(helsinki.net_file, list(Accident.objects.filter(source=record)))
    (zone,) = found["zones"]
    assert zone["accidents"] == 3 and zone["killed"] == 3
    assert set(zone["edges"]) <= mikonkatu


@pytest.mark.django_db
def test_a_network_without_commune_outlines_is_refused(client, agent, grid):
    client.force_login(agent)
    page = _import_with_network(client, grid)
    assert "joignez aussi les contours des communes" in page.content.decode()
    assert not AccidentImport.objects.exists()


@pytest.mark.django_db
def test_another_organisations_network_cannot_be_used(client, agent, other_agent):
    theirs = network_service.import_network(
        FIXTURES / "grid3.net.xml", name="Grille", organisation=agent.organisation
    )
    client.force_login(other_agent)
    page = _import_with_network(client, theirs)
    assert "pas accessible" in page.content.decode()
    assert not AccidentImport.objects.exists()


def _import_with_network(client, network):
    """The import page with the sample's accidents and a network, without commune outlines."""
    with (FIXTURES / "baac_new.csv").open("rb") as carac:
        return client.post(
            reverse("mobilite:accidents_import"),
            {"caracteristiques": carac, "reseau": str(network.pk)},
            follow=True,
        )
