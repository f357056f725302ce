"""A computation on a planting zone is masked to the polygon (rule: a cell belongs to the zone
when its centre lies in it): cells outside get no class in the engine, the GeoTIFF (nodata),
the PNG images and tiles (transparent), the GeoPackage and the open data (absent), the sites,
the sensitivity and the statistics. A rectangle computation is unchanged."""

import io

import numpy as np
import pytest
import rasterio
import shapely
from django.urls import reverse
from PIL import Image
from pyproj import Transformer

from territoria.plantabilite import computing, engine, publishing, sites, tiles
from territoria.plantabilite.engine import NODATA_CLASS as N
from territoria.plantabilite.models import Computation, PlantingZone

# A 4 × 4 grid of 5 m cells over (0, 0)–(20, 20); an L-shaped zone: the bottom two rows and
# the top-left 2 × 2 cells (12 cells), the top-right 2 × 2 cells are outside.
GRID = engine.Grid(xmin=0.0, ymax=20.0, ncols=4, nrows=4)
L_ZONE = shapely.Polygon([(0, 0), (20, 0), (20, 10), (10, 10), (10, 20), (0, 20)])
WEIGHTS = {"parcs": 2, "batiments": -5}
FACTORS = {
    # Parks over the whole grid: score +2 → class 1 + ⌊9 × 6/7 + 0.5⌋ = 9 everywhere.
    "parcs": engine.prepare([shapely.box(0, 0, 20, 20)]),
    # A building in the bottom-right cell (inside the zone) and one in the top-right cell
    # (outside: it must not make a class 0 there).
    "batiments": engine.prepare([shapely.box(16, 1, 19, 4), shapely.box(16, 16, 19, 19)]),
}


def test_the_engine_gives_no_class_outside_an_l_shaped_zone():
    result = engine.compute(GRID, FACTORS, WEIGHTS, zone=L_ZONE)
    expected = np.array(
        [[9, 9, N, N], [9, 9, N, N], [9, 9, 9, 9], [9, 9, 9, 0]],
        dtype=np.uint8,
    )
    np.testing.assert_array_equal(result.classes, expected)
    assert np.isnan(result.score[:2, 2:]).all() and not np.isnan(result.score[2:]).any()
    assert not result.blocked[0, 3] and result.blocked[3, 3]
    assert result.cells == 12
    assert result.histogram() == [1, 0, 0, 0, 0, 0, 0, 0, 0, 11, 0]


def test_a_rectangle_computation_is_unchanged():
    rectangle = engine.compute(GRID, FACTORS, WEIGHTS)
    expected = np.full((4, 4), 9, dtype=np.uint8)
    expected[0, 3] = expected[3, 3] = 0
    np.testing.assert_array_equal(rectangle.classes, expected)
    assert rectangle.inside is None and rectangle.cells == 16
    assert rectangle.histogram() == [2, 0, 0, 0, 0, 0, 0, 0, 0, 14, 0]
    # Inside the zone, masking changes nothing.
    masked = engine.compute(GRID, FACTORS, WEIGHTS, zone=L_ZONE)
    inside = masked.inside
    np.testing.assert_array_equal(masked.classes[inside], rectangle.classes[inside])
    np.testing.assert_array_equal(masked.score[inside], rectangle.score[inside])


def test_sites_and_sensitivity_count_only_the_zones_cells():
    masked = engine.compute(GRID, FACTORS, WEIGHTS, zone=L_ZONE)
    rectangle = engine.compute(GRID, FACTORS, WEIGHTS)
    # One site of class 9: 15 cells in the rectangle, 11 in the L (the blocked cell out).
    assert [s["cells"] for s in sites.find_sites(rectangle, min_cells=4)] == [14]
    assert [s["cells"] for s in sites.find_sites(masked, min_cells=4)] == [11]
    # Parks at 0: every open cell goes 9 → 6; 11 of the zone's 12 cells, not 14 of 16.
    report = engine.sensitivity(GRID, masked.shares, WEIGHTS, {"parcs": 0}, masked.inside)
    assert report["cells"] == 12 and report["changed"] == 11
    assert report["changed_share"] == pytest.approx(11 / 12)
    assert report["transitions"] == {"9→6": 11}


X0, Y0 = 652000, 6862000  # the test territory (conftest): 200 m × 200 m in Lambert-93


def _centres_inside(grid, polygon) -> np.ndarray:
    """The reference: one Shapely point-in-polygon test per cell centre."""
    out = np.zeros(grid.shape, dtype=bool)
    for row in range(grid.nrows):
        for col in range(grid.ncols):
            out[row, col] = polygon.contains(shapely.Point(grid.cell_center(row, col)))
    return out


@pytest.fixture
def zone_computation(client, agent, territory, layers):
    triangle = shapely.Polygon([(X0 + 20, Y0 + 10), (X0 + 120, Y0 + 10), (X0 + 20, Y0 + 160)])
    zone = PlantingZone.objects.create(
        territory=territory,
        name="Triangle",
        source="dessinée",
        geometry_wkb=shapely.to_wkb(shapely.MultiPolygon([triangle])),
        area_m2=triangle.area,
    )
    client.force_login(agent)
    client.post(
        reverse("plantabilite:computations", args=[territory.slug]),
        {"profil": territory.profiles.get().pk, "zone": zone.pk, "publique": "on"},
    )
    computation = Computation.objects.get()
    assert computation.state == "done", computation.error
    return computation, triangle


def test_a_zone_computation_is_masked_in_every_output(client, zone_computation, tmp_path):
    computation, triangle = zone_computation
    assert computation.zone_name == "Triangle"
    result = computing.load(computation)
    grid = result.grid
    expected = _centres_inside(grid, triangle)
    cells = int(expected.sum())
    assert 0 < cells < grid.size // 2 + grid.ncols  # a triangle: about half the rectangle
    np.testing.assert_array_equal(result.inside, expected)
    assert (result.classes[~expected] == N).all() and (result.classes[expected] <= 10).all()

    # Statistics: only the zone's cells.
    assert computation.stats["cells"] == cells and sum(computation.stats["classes"]) == cells
    assert computation.stats["grid_cells"] == grid.size
    page = client.get(computation.get_absolute_url()).content.decode()
    assert "dans la zone « Triangle »" in page

    # GeoTIFF: nodata 255 outside, in both bands.
    with rasterio.open(computation.folder / "plantabilite.tif") as dataset:
        assert dataset.nodata == 255
        band1, band2 = dataset.read(1), dataset.read(2)
        valid = dataset.read_masks(1) > 0
    np.testing.assert_array_equal(valid, expected)
    assert (band1[~expected] == 255).all() and (band2[~expected] == 255).all()
    assert (band1[expected] <= 10).all()

    # The map image: transparent outside.
    image = Image.open(io.BytesIO(computing.png(result.classes))).convert("RGBA")
    alpha = np.asarray(image)[:, :, 3]
    np.testing.assert_array_equal(alpha > 0, expected)

    # A PNG tile: the pixel over a cell outside the triangle is transparent, over a cell inside
    # it is not.
    to_mercator = Transformer.from_crs("EPSG:2154", "EPSG:3857", always_xy=True)
    to_lonlat = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)
    z = 18

    def alpha_at(px, py):
        """The tile pixel over the point (px, py): its alpha."""
        lon, lat = to_lonlat.transform(px, py)
        x, y = tiles.lonlat_to_tile(lon, lat, z)
        tile = Image.open(io.BytesIO(tiles.tile_png(computation, z, x, y))).convert("RGBA")
        xmin, _, xmax, ymax = tiles.tile_bounds(z, x, y)
        step = (xmax - xmin) / 256
        mx, my = to_mercator.transform(px, py)
        return np.asarray(tile)[int((ymax - my) / step), int((mx - xmin) / step), 3]

    outside_point = (X0 + 110, Y0 + 150)  # in the rectangle, beyond the hypotenuse
    inside_point = (X0 + 30, Y0 + 20)
    assert not triangle.contains(shapely.Point(outside_point))
    assert alpha_at(*inside_point) == 255 and alpha_at(*outside_point) == 0

    # GeoPackage: polygons of the zone's cells only.
    import geopandas as gpd

    frame = gpd.read_file(tiles.classes_geopackage(computation))
    assert set(frame["classe"]) <= set(range(11))
    assert frame.area.sum() == pytest.approx(cells * grid.cell**2)

    # The open data: one row per cell of the zone.
    rows, _ = publishing.write_cells_csv(tmp_path / "cellules.csv")
    assert rows == cells

    # A click outside the zone explains nothing.
    assert computing.explain(computation, result, *outside_point, insider=True) is None
    assert computing.explain(computation, result, *inside_point, insider=True) is not None

    # The sensitivity page counts the zone's cells.
    report = engine.sensitivity(grid, result.shares, computation.weights, {"gaz": 0}, result.inside)
    assert report["cells"] == cells
