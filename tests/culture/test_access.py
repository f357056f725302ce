"""Access per commune: distances, offer, the composite index and its weights, priorities."""

import math

import numpy as np
import pytest

from territoria.culture import access, geo, territory
from territoria.culture.models import Commune

from .conftest import INDICATORS, ROUEN_METROPOLE


def test_distance_matrix_matches_a_known_distance():
    # Rouen cathedral → Le Havre town hall: about 76 km as the crow flies.
    d = geo.distance_matrix_km(
        np.array([49.4404]), np.array([1.0951]), np.array([49.4944]), np.array([0.1079])
    )
    assert 70 < d[0, 0] < 80


def test_vectorised_nearest_equals_the_loop_baseline():
    rng = np.random.default_rng(3)
    c_lat, c_lon = rng.uniform(49, 50, 40), rng.uniform(0, 2, 40)
    v_lat, v_lon = rng.uniform(48.5, 50.5, 30), rng.uniform(-0.5, 2.5, 30)
    fast, _, _, _ = access.nearest_and_counts(c_lat, c_lon, v_lat, v_lon, 15)
    assert np.allclose(fast, access.nearest_loop(c_lat, c_lon, v_lat, v_lon))


def _rouen():
    return list(Commune.objects.filter(epci_code=ROUEN_METROPOLE))


def test_access_of_the_metropole_rouen_communes(culture_data):
    result = access.compute_access(_rouen())
    rows = {row.code: row for row in result.rows}
    assert len(rows) == 71
    rouen = rows["76540"]
    assert rouen.nearest_km < 1.5 and rouen.venues_within >= 8
    assert math.isclose(rouen.road_km, rouen.nearest_km * access.DETOUR)
    far = max(result.rows, key=lambda row: row.nearest_km)
    assert far.nearest_km > 5 and far.scores["proximite"] == 0.0
    assert [row.rank for row in result.rows] == list(range(1, 72))
    assert all(0 <= row.index <= 1 for row in result.rows)
    # Without a social indicator, priorities are the lowest quarter of access, said so.
    assert len(result.priorities) == sum(1 for row in result.rows if row.index <= result.access_q25)
    assert any("Aucun indicateur social" in note for note in result.notes)


def test_weights_change_the_ranking_and_bad_weights_fall_back(culture_data):
    proximity_only = access.compute_access(
        _rouen(), weights={"proximite": 1, "offre": 0, "frequentation": 0}
    )
    offer_only = access.compute_access(
        _rouen(), weights={"proximite": 0, "offre": 1, "frequentation": 0}
    )
    assert [r.code for r in proximity_only.rows] != [r.code for r in offer_only.rows]
    top = proximity_only.rows[0]
    assert top.index == pytest.approx(top.scores["proximite"])
    assert access.clean_weights({"proximite": "-3", "offre": "abc"}) == access.DEFAULT_WEIGHTS
    assert (
        access.clean_weights({"proximite": 0, "offre": 0, "frequentation": 0})
        == access.DEFAULT_WEIGHTS
    )


def test_priority_areas_cross_low_access_with_the_indicator_and_explain_it(culture_data):
    territory.import_indicators(INDICATORS)
    name = "Taux de pauvreté (exemple inventé)"
    result = access.compute_access(_rouen(), indicator=name, direction="haut")
    assert result.indicator_year == 2020  # the latest year
    for row in result.priorities:
        assert row.index <= result.access_q25 and row.indicator > result.indicator_median
        assert "quart le plus faible" in row.reason and name in row.reason
    low_but_favourable = [
        r
        for r in result.rows
        if r.index <= result.access_q25
        and r.indicator is not None
        and r.indicator <= result.indicator_median
    ]
    assert all(not r.priority for r in low_but_favourable)
    correlation = access.correlation(result)
    assert correlation["n"] == 70  # 71 communes, one secret value left out
    assert -1 <= correlation["rho"] <= 1 and 0 < correlation["p"] <= 1
    assert any("erreur écologique" in caveat for caveat in correlation["caveats"])


def test_spearman_detects_a_monotone_link_and_not_noise():
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    assert access.spearman(x, np.exp(x), permutations=500)["rho"] == pytest.approx(1.0)
    assert access.spearman(x, rng.normal(size=60), permutations=500)["p"] > 0.01


def _square(x0, y0, size=0.01, steps=20):
    """A square outline with many vertices on each side (straight: all removable)."""
    side = [i * size / steps for i in range(steps)]
    ring = (
        [[x0 + d, y0] for d in side]
        + [[x0 + size, y0 + d] for d in side]
        + [[x0 + size - d, y0 + size] for d in side]
        + [[x0, y0 + size - d] for d in side]
    )
    ring = [[round(x, 6), round(y, 6)] for x, y in ring]  # neighbours share exact vertices
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def test_outlines_are_simplified_together_and_keep_one_shared_border():
    import shapely
    from shapely.geometry import shape

    out = geo.simplify_coverage({"a": _square(0, 49), "b": _square(0.01, 49)})
    shapes = [shape(out["a"]), shape(out["b"])]
    assert all(shapely.get_num_coordinates(s) < 20 for s in shapes)  # 81 vertices each before
    assert shapely.coverage_is_valid(shapes)  # no gap, no overlap between the two
    assert abs(shapes[0].area - 1e-4) < 1e-9


def test_overlapping_outlines_are_not_simplified():
    out = geo.simplify_coverage({"a": _square(0, 49), "b": _square(0.005, 49)})
    assert out == {"a": None, "b": None}  # the map keeps the full outlines


def test_imported_communes_carry_a_lighter_outline_for_the_map(culture_data):
    import shapely
    from shapely.geometry import shape

    communes = list(Commune.objects.filter(epci_code=ROUEN_METROPOLE))
    assert communes and all(c.map_geometry for c in communes)
    full = sum(shapely.get_num_coordinates(shape(c.geometry)) for c in communes)
    light = sum(shapely.get_num_coordinates(shape(c.map_outline)) for c in communes)
    assert light < full
    assert shapely.coverage_is_valid([shape(c.map_outline) for c in communes])
    for commune in communes:  # the figures still come from the full outline
        area, _lat, _lon = geo.area_and_centroid(commune.geometry)
        assert commune.area_km2 == pytest.approx(area)
