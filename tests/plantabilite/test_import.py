"""Importing real GIS files: formats, CRS, repairs, refusals that write nothing."""

import geopandas as gpd
import pytest
import shapely

from territoria.plantabilite.importing import LayerError, geometries, import_file
from territoria.plantabilite.models import FactorLayer


def _import(territory, path, **kw):
    defaults = {"name": "couche", "factor": "parcs", "owner": "Ville"}
    return import_file(territory, path, **{**defaults, **kw})


def test_geojson_with_declared_crs_is_kept_in_lambert93(territory, fixture_file):
    layer = _import(territory, fixture_file("gaz_lambert93.geojson"), factor="gaz", restricted=True)
    assert layer.buffer_m == 2.0  # the network rule, by default
    assert layer.source_crs == "EPSG:2154"
    (pipe,) = geometries(layer)
    assert pipe.equals(shapely.LineString([(652000, 6862012.5), (652100, 6862012.5)]))


def test_geopackage_in_another_crs_is_reprojected(territory, tmp_path):
    square = shapely.box(652100, 6862100, 652110, 6862110)
    frame = gpd.GeoDataFrame({"n": [1]}, geometry=[square], crs="EPSG:2154").to_crs(3857)
    path = tmp_path / "parcs.gpkg"
    frame.to_file(path, driver="GPKG")
    layer = _import(territory, path)
    assert layer.source_format == "GeoPackage" and "3857" in layer.source_crs
    (back,) = geometries(layer)
    assert back.area == pytest.approx(100, rel=1e-3)
    assert back.centroid.distance(square.centroid) < 0.01


def test_shapefile_without_prj_asks_for_a_crs_then_accepts_it(territory, tmp_path):
    frame = gpd.GeoDataFrame(geometry=[shapely.box(652000, 6862000, 652005, 6862005)])
    path = tmp_path / "batiments.shp"
    frame.to_file(path)
    with pytest.raises(LayerError, match="système de coordonnées"):
        _import(territory, path, factor="batiments")
    assert not FactorLayer.objects.exists()
    layer = _import(territory, path, factor="batiments", declared_crs="EPSG:2154")
    assert layer.feature_count == 1


def test_unknown_crs_is_refused_in_plain_words(territory, fixture_file):
    with pytest.raises(LayerError, match="« EPSG:999999 » inconnu"):
        _import(territory, fixture_file("gaz_lambert93.geojson"), declared_crs="EPSG:999999")


def test_self_intersection_is_repaired_and_reported(territory, fixture_file):
    layer = _import(territory, fixture_file("parcs_noeud_papillon.csv"), declared_crs="EPSG:2154")
    assert layer.repaired_count == 1
    assert "objet n° 1" in layer.report and "Self-intersection" in layer.report
    assert all(g.is_valid for g in geometries(layer))


def test_broken_wkt_names_the_line_and_the_column_and_writes_nothing(territory, fixture_file):
    with pytest.raises(LayerError, match="Ligne 3, colonne « wkt »"):
        _import(territory, fixture_file("parcs_wkt_casse.csv"), declared_crs="EPSG:2154")
    assert not FactorLayer.objects.exists()


def test_layer_outside_the_territory_is_refused(territory, fixture_file):
    # Paris in longitude/latitude read as if it were Lambert-93: somewhere near (2, 48) metres.
    with pytest.raises(LayerError, match="hors du territoire"):
        _import(territory, fixture_file("batiments_wgs84.geojson"), declared_crs="EPSG:2154")


def test_unsupported_format_and_enormous_file(territory, tmp_path, monkeypatch):
    path = tmp_path / "couche.dxf"
    path.write_text("0\nEOF\n")
    with pytest.raises(LayerError, match="non pris en charge"):
        _import(territory, path)
    from territoria.plantabilite import importing

    monkeypatch.setattr(importing, "MAX_BYTES", 10)
    big = tmp_path / "gros.geojson"
    big.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(LayerError, match="limite"):
        _import(territory, big)


def test_weight_outside_the_range_is_refused():
    from territoria.plantabilite.factors import check_weight

    with pytest.raises(ValueError, match="hors de l'intervalle"):
        check_weight("gaz", -6)
    with pytest.raises(ValueError, match="hors de l'intervalle"):
        check_weight("parcs", 4)
    assert check_weight("parcs", "2") == 2
