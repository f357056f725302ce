"""The sea rebuilt from OpenStreetMap coastlines (land on the left, water on the right)."""

import shapely

from territoria.plantabilite.osm import sea_polygons

FRAME = (0.0, 0.0, 10.0, 10.0)


def area(polygons) -> float:
    return float(shapely.area(shapely.union_all(polygons)))


def test_sea_is_on_the_right_of_an_eastward_coastline():
    sea = sea_polygons([shapely.LineString([(0, 5), (10, 5)])], FRAME)
    assert area(sea) == 50.0
    assert shapely.union_all(sea).equals(shapely.box(0, 0, 10, 5))


def test_a_westward_coastline_puts_the_sea_in_the_north():
    sea = sea_polygons([shapely.LineString([(10, 5), (0, 5)])], FRAME)
    assert shapely.union_all(sea).equals(shapely.box(0, 5, 10, 10))


def test_a_coastline_cut_short_of_the_frame_is_joined_to_it():
    # The extract ends 0.1 before the frame: the gap is closed, the bay is still cut off.
    sea = sea_polygons([shapely.LineString([(0.1, 5), (4, 7), (9.9, 5)])], FRAME)
    assert 50.0 < area(sea) < 65.0
    assert shapely.union_all(sea).contains(shapely.Point(5, 6))
    assert not shapely.union_all(sea).contains(shapely.Point(5, 8))


def test_an_island_coastline_keeps_the_island_as_land():
    # An island: a closed way drawn anticlockwise (land on its left, inside).
    island = shapely.LineString([(3, 3), (7, 3), (7, 7), (3, 7), (3, 3)])
    sea = sea_polygons([island], FRAME)
    water = shapely.union_all(sea)
    assert water.contains(shapely.Point(1, 1)) and not water.contains(shapely.Point(5, 5))
    assert area(sea) == 100.0 - 16.0


def test_no_coastline_no_sea():
    assert sea_polygons([], FRAME).size == 0
    outside = shapely.LineString([(20, 20), (30, 20)])
    assert sea_polygons([outside], FRAME).size == 0
