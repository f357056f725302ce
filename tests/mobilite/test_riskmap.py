"""Accident risk along the road network: accidents snapped onto a geo-referenced SUMO network
(the small Helsinki extract) and a network-constrained kernel density; the page's network
choice follows the network rights; a network without projection is refused in plain words."""

from datetime import date

import pytest
import sumolib
from django.urls import reverse
from sumolib import geomhelper

from territoria.mobilite import network as network_service
from territoria.mobilite import riskmap
from territoria.mobilite.models import Accident, AccidentImport
from tests.mobilite.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def _accidents_on(net_file, organisation=None):
    """Five accidents along the longest street (3 m from its axis, 5 m apart), one at the far
    end of the network, one 300 m off any road, one placed in its commune on the street."""
    net = sumolib.net.readNet(str(net_file))
    edges = [e for e in net.getEdges() if e.getFunction() != "internal"]
    street = max(edges, key=lambda e: e.getLength())
    start = street.getShape()[0]
    far = max(edges, key=lambda e: sum((a - b) ** 2 for a, b in zip(e.getShape()[0], start)))
    points = [
        (*geomhelper.positionAtShapeOffset(street.getShape(), 10 + 5 * k), "gps") for k in range(5)
    ]
    points.append((*far.getShape()[0], "gps"))
    x, y = start
    points.append((x + 300, y + 300, "gps"))  # off the extract (300 m NE of a corner)
    points.append((*geomhelper.positionAtShapeOffset(street.getShape(), 20), "commune"))
    record = AccidentImport.objects.create(
        file_name="synthetique.csv", layout="depuis 2019", organisation=organisation
    )
    rows = []
    for k, (x, y, located) in enumerate(points):
        lon, lat = net.convertXY2LonLat(x + 3, y)
        rows.append(
            Accident.objects.create(
                source=record,
                number=str(k),
                date=date(2024, 5, 1),
                departement="75",
                commune="75056",
                latitude=lat,
                longitude=lon,
                located=located,
                severity=3 if k == 0 else 4,
                hospitalised=1 if k == 0 else 0,
            )
        )
    return street.getID(), rows


@pytest.mark.slow
def test_density_along_the_streets(client, agent, other_agent):
    helsinki = network_service.import_network(
        FIXTURES / "helsinki_small.osm", name="Helsinki", organisation=agent.organisation
    )
    street, rows = _accidents_on(helsinki.net_file, agent.organisation)
    found = riskmap.density(helsinki.net_file, rows)
    # the five on the street and the one at the far end; not the one 300 m away, not the one
    # placed at its commune's point
    assert found["snapped"] == 6
    (zone,) = found["zones"]
    assert zone["accidents"] == 5 and zone["edges"] == [street]
    assert zone["weight"] == 5 + 4 and zone["hospitalised"] == 1
    assert 0 < zone["length_m"] <= 160
    # the density is spread along the road: highest by the accidents, zero 150 m further
    lix = found["lixels"]
    on_street = [d for e, d in zip(lix.edge, found["density"], strict=True) if e == street]
    assert round(max(on_street), 1) == zone["peak_density"]
    assert min(found["density"]) == 0
    client.force_login(agent)
    page = client.get(reverse("mobilite:accidents"), {"reseau": str(helsinki.pk)})
    text = page.content.decode()
    assert "Tronçons à risque le long du réseau" in text
    assert "Réseau Helsinki : 6 accidents à moins de 25 m" in text and street in text
    # another organisation's agent cannot use this network (nor see these accidents)
    client.force_login(other_agent)
    text = client.get(reverse("mobilite:accidents"), {"reseau": str(helsinki.pk)}).content.decode()
    assert "Tronçons à risque le long du réseau" not in text and "Helsinki" not in text


def test_network_without_projection_is_refused(client, agent, grid):
    record = AccidentImport.objects.create(file_name="a.csv", layout="depuis 2019")
    Accident.objects.create(
        source=record, number="1", date=date(2024, 5, 1), departement="75", commune="75056",
        latitude=48.85, longitude=2.35, located="gps",
    )  # fmt: skip
    client.force_login(agent)
    text = client.get(reverse("mobilite:accidents"), {"reseau": str(grid.pk)}).content.decode()
    assert "n&#x27;a pas de géoréférencement" in text
