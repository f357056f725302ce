"""The IRIS on the observatory's map (platform map component, core/maps.py): coloured by the
distance class to the nearest venue, priority IRIS marked, each with its text; the same map
drawn on the server for readers without JavaScript; the composite index per IRIS by the
commune method; and who sees them."""

import io
import json
import re

import numpy as np
import pytest
from django.urls import reverse

from territoria.culture import access, territory, views
from territoria.culture.models import Iris, Observatory

from .conftest import ROUEN_METROPOLE, VENUES
from .test_iris import IRIS_FILE

COMMUNES = ["76540", "76759", "76350", "76056"]


@pytest.fixture
def rouen(culture_data):
    territory.import_iris(IRIS_FILE)
    return Observatory.objects.create(
        slug="metropole-rouen", name="Métropole Rouen Normandie", epci_code=ROUEN_METROPOLE
    )


def _map_data(html: str) -> dict:
    found = re.search(
        r'<script id="carte-iris-donnees" type="application/json">(.*?)</script>', html, re.DOTALL
    )
    assert found, "the map's GeoJSON is in the page"
    return json.loads(found.group(1))


@pytest.mark.parametrize(
    ("km", "expected"),
    [(0.0, 0), (1.99, 0), (2.0, 1), (4.9, 1), (5.0, 2), (19.9, 3), (20.0, 4), (80, 4)],
)
def test_distance_classes_have_closed_lower_limits(km, expected):
    assert views.iris_distance_class(km) == expected


def test_iris_are_drawn_coloured_by_their_distance_class_with_priority_marked(client, rouen):
    rouen.published = True
    rouen.save()
    html = client.get(reverse("culture:observatory_iris", args=[rouen.slug])).content.decode()
    data = _map_data(html)
    shapes = [f for f in data["features"] if f["geometry"]["type"] != "Point"]
    points = [f for f in data["features"] if f["geometry"]["type"] == "Point"]
    assert len(shapes) == 5  # the métropole's IRIS of the extract
    found = access.iris_access(COMMUNES)
    rows = {r.code: r for r in found["rows"]}
    for feature in shapes:
        code = re.search(r"\((\d{9})\)", feature["properties"]["label"]).group(1)
        km = next(d["km"] for d in rows[code].distances if d["kind"] == "musee")
        # colour = the class of its own distance (independent expectation from the limits)
        k = sum(km >= limit for limit in (2, 5, 10, 20))
        assert (
            feature["properties"]["colour"]
            == ("scale-7", "scale-5", "scale-4", "scale-2", "scale-1")[k]
        )
        # an accessible text: name, commune, distance in French, class, priority reason
        detail = feature["properties"]["detail"]
        assert f"{km:.1f}".replace(".", ",") + " km" in detail and rows[code].commune in detail
        assert ("IRIS prioritaire" in detail) == rows[code].priority
    priority = sorted(code for code, r in rows.items() if r.priority)
    assert priority and len(priority) < 5
    assert (
        sorted(re.search(r"\((\d{9})\)", p["properties"]["label"]).group(1) for p in points)
        == priority
    )
    assert all(p["properties"]["colour"] == "danger" for p in points)
    # The legend, readable without JavaScript, names every class and the priority mark.
    for text in (
        "moins de 2 km",
        "2 à 5 km",
        "5 à 10 km",
        "10 à 20 km",
        "20 km ou plus",
        "IRIS prioritaire",
    ):
        assert text in html
    assert "Rouen ouest (IRIS inventé pour les tests) (765400101)" in html  # the table


def test_outlines_are_simplified_together_not_dropped(client, rouen):
    rouen.published = True
    rouen.save()
    data = _map_data(
        client.get(reverse("culture:observatory_iris", args=[rouen.slug])).content.decode()
    )
    full = sum(len(json.dumps(z.geometry)) for z in Iris.objects.all())
    drawn = sum(
        len(json.dumps(f["geometry"])) for f in data["features"] if f["geometry"]["type"] != "Point"
    )
    assert 0 < drawn <= full


def test_venue_type_chooses_the_distance_drawn(client, rouen):
    from territoria.culture import museums

    museums.import_venues(VENUES)
    rouen.published = True
    rouen.save()
    url = reverse("culture:observatory_iris", args=[rouen.slug])
    html = client.get(url + "?lieu=cinema").content.decode()
    assert "distance au cinéma le plus proche" in html
    found = access.iris_access(COMMUNES)
    west = next(r for r in found["rows"] if r.code == "765400101")
    km = next(d["km"] for d in west.distances if d["kind"] == "cinema")
    detail = next(
        f["properties"]["detail"]
        for f in _map_data(html)["features"]
        if "765400101" in f["properties"]["label"]
    )
    assert detail.startswith("Rouen ouest") and f"{km:.1f}".replace(".", ",") + " km" in detail
    assert "cinéma le plus proche" in detail
    # an unknown type falls back to museums rather than failing
    assert "distance au musée le plus proche" in client.get(url + "?lieu=<x>").content.decode()


def test_no_javascript_svg_map_draws_every_iris_with_its_text(client, rouen):
    url = reverse("culture:observatory_iris_map", args=[rouen.slug])
    page = reverse("culture:observatory_iris", args=[rouen.slug])
    assert client.get(url).status_code == 404  # a draft: nothing for anonymous readers
    assert client.get(page).status_code == 404
    rouen.published = True
    rouen.save()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
    svg = response.content.decode()
    assert svg.count("<path ") == 5 and "Carte des IRIS" in svg
    assert svg.count('stroke="#b10026"') == sum(
        r.priority for r in access.iris_access(COMMUNES)["rows"]
    )
    assert "Rouen ouest (IRIS inventé pour les tests) (765400101, Rouen)" in svg
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    html = client.get(page).content.decode()
    assert "<noscript>" in html and url in html


def test_page_without_iris_says_none_ship(client, culture_data):
    obs = Observatory.objects.create(slug="r", name="R", epci_code=ROUEN_METROPOLE, published=True)
    html = client.get(reverse("culture:observatory_iris", args=[obs.slug])).content.decode()
    assert "la plateforme ne fournit pas de contours IRIS" in html
    assert client.get(reverse("culture:observatory_iris_map", args=[obs.slug])).status_code == 404


def test_composite_index_per_iris_follows_the_commune_method(rouen):
    result = access.iris_index(COMMUNES)
    assert len(result.rows) == 5
    zones = {z.code: z for z in Iris.objects.all()}
    by_code = {r.code: r for r in result.rows}
    # proximity component: percentile rank of the distance among the IRIS (nearest = 1)
    km = np.array([by_code[c].nearest_km for c in sorted(by_code)])
    order = (-km).argsort().argsort() / (len(km) - 1)
    for code, expected in zip(sorted(by_code), order, strict=True):
        assert by_code[code].scores["proximite"] == pytest.approx(expected)
    weights = access.DEFAULT_WEIGHTS
    for row in result.rows:
        assert row.index == pytest.approx(
            sum(weights[k] * row.scores[k] for k in weights) / sum(weights.values())
        )
        assert row.population == zones[row.code].population
    # priority without indicator = lowest quarter of the IRIS index
    q25 = np.quantile([r.index for r in result.rows], 0.25)
    assert sorted(r.code for r in result.rows if r.priority) == sorted(
        r.code for r in result.rows if r.index <= q25
    )
    # weights are used: proximity only gives the proximity ranks
    only = access.iris_index(COMMUNES, weights={"proximite": 1, "offre": 0, "frequentation": 0})
    assert all(r.index == pytest.approx(r.scores["proximite"]) for r in only.rows)


def test_index_per_iris_crosses_the_iris_level_indicator_not_the_commune_one(rouen):
    values = {
        "765400101": "30",
        "765400102": "25",
        "767590000": "5",
        "763500000": "s",
        "760560000": "40",
    }
    text = "code;indicateur;annee;valeur;source\n" + "".join(
        f"{code};Pauvreté (inventé);2020;{value};inventé\n" for code, value in values.items()
    )
    territory.import_indicators(io.StringIO(text), name="iris.csv")
    result = access.iris_index(COMMUNES, indicator="Pauvreté (inventé)")
    assert result.indicator_median == pytest.approx(27.5)
    by_code = {r.code: r for r in result.rows}
    assert by_code["760560000"].indicator == 40 and by_code["763500000"].indicator is None
    for row in result.rows:
        if row.priority:
            assert row.index <= result.access_q25 and row.indicator > 27.5


def test_iris_page_shows_the_index_table_and_is_linked_from_the_observatory(client, rouen):
    rouen.published = True
    rouen.save()
    html = client.get(reverse("culture:observatory", args=[rouen.slug])).content.decode()
    assert reverse("culture:observatory_iris", args=[rouen.slug]) in html
    page = client.get(
        reverse("culture:observatory_iris", args=[rouen.slug])
        + "?poids_proximite=1&poids_offre=0&poids_frequentation=0"
    ).content.decode()
    assert "Indice composite d'accès par IRIS" in page and "parmi les IRIS du territoire" in page
    import html as h

    text = h.unescape(page)
    assert "proximité (distance au lieu le plus proche) : 1,0" in text
    assert "dynamique de fréquentation des lieux proches : 0,0" in text
