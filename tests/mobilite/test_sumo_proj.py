"""Touching SUMO in-process leaves the geographic libraries able to read EPSG codes.

eclipse-sumo's package points PROJ_LIB/PROJ_DATA at its own proj.db when imported; rasterio
then refused every EPSG code in the same process (the plantability computation failed after
the mobility tests had imported sumolib). The app imports it once and restores the variables.
"""

import os

from rasterio.crs import CRS

from territoria.mobilite.sumo import environment, sumo_home


def test_sumolib_imported_in_process_leaves_epsg_codes_readable():
    import sumolib  # noqa: F401  (imports eclipse-sumo's package)

    own = str(sumo_home() / "data" / "proj")
    assert os.environ.get("PROJ_DATA") != own and os.environ.get("PROJ_LIB") != own
    assert CRS.from_epsg(2154).to_epsg() == 2154


def test_sumo_programs_still_get_sumo_proj_database():
    assert environment()["PROJ_LIB"] == environment()["PROJ_DATA"]
    assert "PROJ_DATA" in environment()
