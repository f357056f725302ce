"""Errors of the plantability imports, and reading a CRS the way they all do (no Django here:
the engine, zones and needs functions stay usable from the benchmarks)."""

from __future__ import annotations

from pyproj import CRS
from pyproj.exceptions import CRSError


class LayerError(Exception):
    """What is wrong with a file, in French, for the person who imports it."""


def parse_crs(text: str, where: str = "") -> CRS:
    try:
        return CRS.from_user_input(text.strip())
    except (CRSError, TypeError, ValueError):
        raise LayerError(
            f"{where}système de coordonnées « {text} » inconnu : donnez un code EPSG, "
            "par exemple EPSG:2154 (Lambert-93) ou EPSG:4326 (longitude/latitude WGS 84)."
        ) from None
