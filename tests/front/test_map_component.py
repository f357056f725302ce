"""The map contract (core/maps.py): what views hand to `{% territoria_map %}` and what it renders."""

import json

from django.template import Context, Template

from territoria.core.maps import MapLink, MapPoint, as_feature_collection


def test_points_and_mappings_become_one_geojson_shape_and_points_without_coordinates_are_dropped():
    collection = as_feature_collection(
        [
            MapPoint(49.1, 6.2, "Metz", "Commune", (MapLink("Projet", "/registre/1/"),)),
            {"lat": 45.76, "lon": 4.84, "label": "Kiosque", "extra": "ignored"},
            {"lat": None, "lon": 4.84, "label": "No latitude"},
            {"lat": True, "lon": 4.84, "label": "A boolean is not a coordinate"},
        ]
    )
    assert collection["type"] == "FeatureCollection"
    assert [f["geometry"]["coordinates"] for f in collection["features"]] == [
        [6.2, 49.1],
        [4.84, 45.76],
    ]
    assert [f["properties"] for f in collection["features"]] == [
        {
            "label": "Metz",
            "detail": "Commune",
            "links": [{"text": "Projet", "url": "/registre/1/"}],
        },
        {"label": "Kiosque", "detail": "", "links": []},
    ]


def test_the_tag_renders_a_hidden_region_its_data_and_the_configured_tiles(settings):
    settings.TERRITORIA_MAP_TILE_URL = "https://tuiles.example.fr/{z}/{x}/{y}.png"
    html = Template(
        '{% load maps %}{% territoria_map "carte" points label="Carte (liste ci-dessous)" %}'
    ).render(Context({"points": [{"lat": 1.0, "lon": 2.0, "label": "</script><b>x</b>"}]}))
    assert 'id="carte"' in html and 'role="region"' in html and " hidden>" in html
    assert 'aria-label="Carte (liste ci-dessous)"' in html
    assert 'data-tile-url="https://tuiles.example.fr/{z}/{x}/{y}.png"' in html
    assert "data-cluster" not in html and "markercluster" not in html
    assert "</script><b>" not in html  # json_script escapes the label inside the JSON
    data = html.split('<script id="carte-donnees" type="application/json">')[1]
    label = json.loads(data.split("</script>")[0])["features"][0]["properties"]["label"]
    assert label == "</script><b>x</b>"
    assert html.count("territoria/map.js") == 1


def test_lines_and_areas_keep_their_geometry_and_palette_colour_and_bad_ones_are_dropped():
    from territoria.core.maps import MapShape, sequential_colour

    line = {"type": "LineString", "coordinates": [[4.8, 45.7], [4.9, 45.8]]}
    square = {"type": "Polygon", "coordinates": [[[4, 45], [5, 45], [5, 46], [4, 45]]]}
    collection = as_feature_collection(
        [
            MapShape(line, "Conduite P-12", colour="danger"),
            MapShape(square, "Commune", colour=sequential_colour(12.5, [5, 10, 20])),
            {"geometry": {"type": "Polygon", "coordinates": [[["x", 1]]]}, "label": "bad"},
            {"geometry": {"type": "LineString", "coordinates": [[400, 1], [1, 1]]}, "label": "bad"},
            {"geometry": {"type": "GeometryCollection", "geometries": []}, "label": "bad"},
        ]
    )
    assert [f["properties"]["label"] for f in collection["features"]] == [
        "Conduite P-12",
        "Commune",
    ]
    assert [f["properties"]["colour"] for f in collection["features"]] == ["danger", "scale-3"]
    assert collection["features"][0]["geometry"] == line


def test_colours_must_be_palette_tokens_and_the_legend_is_text_under_the_map():
    import pytest

    from territoria.core.maps import LegendEntry, MapShape

    with pytest.raises(ValueError, match="couleur"):
        as_feature_collection(
            [MapShape({"type": "Point", "coordinates": [1, 2]}, "x", colour="red")]
        )
    html = Template(
        '{% load maps %}{% territoria_map "carte" points label="Carte" legend=legend %}'
    ).render(
        Context(
            {"points": [], "legend": [LegendEntry("scale-1", "Faible <i>"), ("scale-7", "Fort")]}
        )
    )
    assert '<span class="swatch swatch-scale-1" aria-hidden="true"></span> Faible &lt;i&gt;' in html
    assert "swatch-scale-7" in html


def test_a_page_may_hold_several_maps_and_loads_the_scripts_once(settings):
    settings.TERRITORIA_MAP_TILE_URL = ""
    html = Template(
        "{% load maps %}"
        '{% territoria_map "carte-a" points label="Première carte" %}'
        '{% territoria_map "carte-b" points label="Deuxième carte" cluster=True %}'
        '{% territoria_map "carte-c" points label="Troisième carte" cluster=True %}'
    ).render(Context({"points": [{"lat": 1.0, "lon": 2.0, "label": "Point"}]}))
    for map_id in ("carte-a", "carte-b", "carte-c"):
        assert f'id="{map_id}"' in html and f'<script id="{map_id}-donnees"' in html
    assert html.count("vendor/leaflet/leaflet.js") == 1
    assert html.count("vendor/leaflet/leaflet.css") == 1
    assert html.count("territoria/map.js") == 1
    # markercluster comes with the first map that clusters, not before
    assert html.count("leaflet.markercluster.js") == 1
    assert html.index("leaflet.markercluster.js") > html.index('id="carte-b"')
    # a second render (another response) writes them again
    assert (
        Template('{% load maps %}{% territoria_map "x" p label="x" %}')
        .render(Context({"p": []}))
        .count("territoria/map.js")
        == 1
    )
