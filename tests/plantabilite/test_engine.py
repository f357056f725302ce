"""Hand-computable layers: exact shares, scores and classes; agreement with the reference."""

import numpy as np
import pytest
import shapely

from territoria.plantabilite import engine
from territoria.plantabilite.engine import Grid
from territoria.plantabilite.factors import lyon_weights

# A 4 × 4 grid of 5 m cells: x 0…20, y 0…20 (Lambert-93 metres, near the origin).
GRID = Grid.from_bounds(0, 0, 20, 20)


def test_grid_snaps_onto_cell_multiples_and_finds_cells():
    grid = Grid.from_bounds(1, 2, 19, 18)
    assert (grid.xmin, grid.ymax, grid.ncols, grid.nrows) == (0, 20, 4, 4)
    assert grid.cell_at(2.5, 17.5) == (0, 0)
    assert grid.cell_at(19.9, 0.1) == (3, 3)
    assert grid.cell_at(25, 5) is None
    assert grid.cell_center(3, 0) == (2.5, 2.5)


def test_building_square_covers_its_cell_wholly_and_blocks_it():
    building = shapely.box(5, 10, 10, 15)  # exactly cell (row 1, col 1)
    result = engine.compute(GRID, {"batiments": engine.prepare([building])}, lyon_weights())
    assert result.shares_at(1, 1) == {"batiments": 1.0}
    assert result.shares_at(1, 2) == {}
    assert result.score[1, 1] == -5.0
    assert result.classes[1, 1] == 0
    # The neighbours carry nothing: score 0, class 6.
    assert result.classes[0, 0] == 6


def test_half_covered_cell_gets_half_the_weight():
    grass = shapely.box(0, 15, 2.5, 20)  # left half of cell (0, 0)
    result = engine.compute(GRID, {"vegetation_basse": engine.prepare([grass])}, lyon_weights())
    assert result.shares_at(0, 0) == {"vegetation_basse": 0.5}
    assert result.score[0, 0] == pytest.approx(1.5)
    # x = (1.5 + 4) / 7 → 9x = 7.07 → class 1 + 7 = 8
    assert result.classes[0, 0] == 8


def test_two_metre_rule_around_a_gas_pipe():
    # A pipe along y = 12.5 (the middle of row 1), across the whole grid: buffered by 2 m it
    # covers y 10.5…14.5, i.e. 4/5 of each cell of row 1 and nothing else.
    pipe = shapely.LineString([(-10, 12.5), (30, 12.5)])
    geoms = engine.prepare([pipe], buffer_m=2.0)
    result = engine.compute(GRID, {"gaz": geoms}, lyon_weights())
    for col in range(4):
        assert result.shares_at(1, col) == {"gaz": pytest.approx(0.8)}
        assert result.score[1, col] == pytest.approx(-2.4)
        # x = 1.6 / 7 → 9x = 2.06 → class 3
        assert result.classes[1, col] == 3
    assert result.shares_at(0, 0) == {} and result.shares_at(2, 0) == {}


def test_overlapping_features_of_one_factor_are_counted_once_and_factors_add_up():
    parks = engine.prepare([shapely.box(0, 0, 5, 5), shapely.box(0, 0, 5, 5)])
    parking = engine.prepare([shapely.box(0, 0, 5, 2.5)])
    result = engine.compute(GRID, {"parcs": parks, "parkings": parking}, lyon_weights())
    assert result.shares_at(3, 0) == {"parcs": 1.0, "parkings": 0.5}
    assert result.score[3, 0] == pytest.approx(2 - 1)


def test_a_blocking_factor_touching_a_corner_blocks_the_cell():
    corner = shapely.box(9.5, 4.5, 10.5, 5.5)  # a quarter in each of four cells
    result = engine.compute(GRID, {"eau": engine.prepare([corner])}, lyon_weights())
    blocked = {(r, c) for r in range(4) for c in range(4) if result.classes[r, c] == 0}
    assert blocked == {(2, 1), (2, 2), (3, 1), (3, 2)}
    assert result.shares_at(2, 1) == {"eau": pytest.approx(0.01)}


def test_classes_bounds_and_rounding():
    score = np.array([[-9, -4, 0, 3, 9]], dtype=np.float32)
    blocked = np.array([[False, False, False, False, True]])
    assert engine.classes_from_score(score, blocked).tolist() == [[1, 1, 6, 10, 0]]


def test_shares_and_classes_identical_to_the_shapely_reference_on_awkward_shapes():
    grid = Grid.from_bounds(0, 0, 60, 40)
    rng = np.random.default_rng(7)
    circles = shapely.buffer(shapely.points(rng.uniform(0, 60, (15, 2))), rng.uniform(1, 6, 15))
    pipes = engine.prepare(
        [shapely.LineString([(0, 3), (60, 37)]), shapely.LineString([(10, 40), (25, 0)])], 2.0
    )
    # Slivers thinner than any sub-grid: a 5 cm strip of water along a grid line and another
    # across cells, a 1 cm square — they block the cells they touch, as in the reference.
    slivers = engine.prepare(
        [
            shapely.box(20, 0, 20.05, 40),
            shapely.box(0, 17.48, 60, 17.52),
            shapely.box(42, 31, 42.01, 31.01),
        ]
    )
    layers = {"parcs": engine.prepare(circles), "gaz": pipes, "eau": slivers}
    fast = engine.factor_shares(grid, layers)
    reference = engine.reference_shares(grid, layers)
    for key in layers:
        assert np.abs(fast[key] - reference[key]).max() < 1e-6  # float32 storage
        assert ((fast[key] > 0) == (reference[key] > 0)).all()
    ours = engine.result_from_shares(grid, fast, lyon_weights())
    theirs = engine.result_from_shares(grid, reference, lyon_weights())
    assert (ours.classes == theirs.classes).all() and (ours.score == theirs.score).all()
    # The strip x 20…20.05 blocks column 4 (column 3 only meets it along its edge: no area),
    # the strip y 17.48…17.52 row 4, the square cell (1, 8).
    expected = np.zeros(grid.shape, dtype=bool)
    expected[:, 4] = expected[4, :] = expected[1, 8] = True
    assert (ours.blocked == expected).all()
    # Where the strips cross: 0.05 × 5 + 5 × 0.04 − 0.05 × 0.04 m² of the 25 m² cell.
    assert ours.shares_at(4, 4)["eau"] == pytest.approx((0.25 + 0.2 - 0.002) / 25)


def test_edge_cells_cover_every_cell_an_outline_crosses():
    grid = Grid.from_bounds(0, 0, 100, 100)
    rng = np.random.default_rng(3)
    shapes = shapely.buffer(shapely.points(rng.uniform(0, 100, (40, 2))), rng.uniform(0.1, 15, 40))
    edges = engine.edge_cells(grid, shapes)
    rings = shapely.boundary(shapes)
    for row in range(grid.nrows):
        for col in range(grid.ncols):
            crossed = shapely.intersects(rings, grid.cell_box(row, col)).any()
            assert edges[row, col] or not crossed


def test_sensitivity_counts_the_cells_that_change_class():
    pipe = engine.prepare([shapely.LineString([(-10, 12.5), (30, 12.5)])], 2.0)
    shares = engine.factor_shares(GRID, {"gaz": pipe})
    report = engine.sensitivity(GRID, shares, lyon_weights(), {"gaz": -1})
    # −2.4 → −0.8: class 3 → 5 for the four cells of row 1, nothing else moves.
    assert report["changed"] == 4 and report["up"] == 4
    assert report["transitions"] == {"3→5": 4}


@pytest.mark.slow
def test_factors_computed_side_by_side_give_the_same_shares():
    grid = Grid.from_bounds(0, 0, 60, 40)
    rng = np.random.default_rng(11)
    layers = {
        "parcs": engine.prepare(shapely.buffer(shapely.points(rng.uniform(0, 60, (9, 2))), 4)),
        "gaz": engine.prepare([shapely.LineString([(0, 3), (60, 37)])], 2.0),
        "batiments": engine.prepare([shapely.box(12, 12, 31, 27)]),
    }
    alone = engine.factor_shares(grid, layers, workers=1)
    seen = []
    side_by_side = engine.factor_shares(grid, layers, lambda d, t: seen.append((d, t)), workers=2)
    assert list(side_by_side) == list(layers) and seen[-1] == (3, 3)
    for key in layers:
        assert (alone[key] == side_by_side[key]).all()
