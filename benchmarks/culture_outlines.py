"""Weight of the culture observatory page with simplified commune outlines (coverage_simplify),
against the same page with the full outlines, in the same run.

    OMP_NUM_THREADS=1 python -m benchmarks culture_outlines

For two observatories (the Métropole Rouen Normandie, 71 communes, and the whole
Seine-Maritime, 707 communes) from the real files of shared/data/culture/: the page's bytes
(HTML as served, and gzip-compressed as nginx sends it), the outlines' vertices, and what the
simplification changes — the largest displacement of a border (Hausdorff distance, metres and
pixels of a map fitted to the territory), the largest change of a commune's area, whether the
outlines still form a coverage (no gap, no overlap), and the share of the pixels of a drawing
of all borders (1 px lines, 1280 px wide fitted view, and the same at 4× zoom) that differ.
The "before" page is the same database with `map_geometry` emptied (full outlines drawn).
Then, with the chosen outlines, what the outlines sent once saves (`outlines_sent_once`): the
page as a JavaScript reader gets it (the no-JavaScript SVG map is now a route of its own, in a
<noscript> image), against the same page with that SVG put back inline (the page before), and
what a reader without JavaScript downloads (page + SVG map).
Writes benchmarks/results/culture_outlines.json.
"""

from __future__ import annotations

import gzip
import math
import os
import shutil
import tempfile
import time

from benchmarks import SHARED_DATA, setup_django, write_result

CULTURE = SHARED_DATA / "culture"
ROUEN_METROPOLE = "200023414"
WIDTH_PX = 1280


def _setup(folder: str) -> None:
    setup_django(folder, migrate=True)
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)  # the page as deployed


def _page(client, slug: str) -> tuple[int, int]:
    from django.urls import reverse

    response = client.get(reverse("culture:observatory", args=[slug]), HTTP_HOST="localhost")
    assert response.status_code == 200, response.status_code
    body = response.content
    return len(body), len(gzip.compress(body, 6))


def _delivery(client, slug: str) -> dict:
    """What a reader downloads now that the outlines are sent once, against the page of
    before (the same page with the no-JavaScript SVG put back inline where its <noscript>
    image now is: what the page sent up to this change), in the same run."""
    import re

    from django.urls import reverse

    page = client.get(reverse("culture:observatory", args=[slug]), HTTP_HOST="localhost")
    html = page.content
    image = re.search(rb'<img src="([^"]+)" class="culture-map culture-map-fallback"[^>]*>', html)
    assert image, "no <noscript> map image in the page"
    started = time.perf_counter()
    svg = client.get(image.group(1).decode().replace("&amp;", "&"), HTTP_HOST="localhost")
    svg_seconds = time.perf_counter() - started
    assert svg.status_code == 200, svg.status_code
    inline = svg.content.split(b"?>\n", 1)[-1]  # the SVG element, without its XML prolog
    before = html[: image.start()] + inline + html[image.end() :]
    again = client.get(
        image.group(1).decode().replace("&amp;", "&"),
        HTTP_HOST="localhost",
        HTTP_IF_NONE_MATCH=svg["ETag"],
    )
    geojson = re.search(
        rb'<script id="carte-donnees" type="application/json">(.*?)</script>', html, re.DOTALL
    )

    def sizes(body: bytes) -> dict:
        return {
            "html_kB": round(len(body) / 1000, 1),
            "gzip_kB": round(len(gzip.compress(body, 6)) / 1000, 1),
        }

    now, was = sizes(html), sizes(before)
    no_js = {
        "html_kB": round((len(html) + len(svg.content)) / 1000, 1),
        "gzip_kB": round(
            (len(gzip.compress(html, 6)) + len(gzip.compress(svg.content, 6))) / 1000, 1
        ),
    }
    return {
        "before_page_with_inline_svg": was,
        "after_page_javascript_reader": now,
        "after_page_plus_map_no_javascript_reader": no_js,
        "saved_share_javascript_reader": round(1 - len(html) / len(before), 3),
        "saved_share_gzip_javascript_reader": round(1 - now["gzip_kB"] / was["gzip_kB"], 3),
        "svg_map_kB": sizes(svg.content),
        "interactive_map_geojson_kB": round(len(geojson.group(1)) / 1000, 1) if geojson else None,
        "svg_route_seconds": round(svg_seconds, 3),
        "svg_revalidation_status": again.status_code,
        "svg_cache_control": svg["Cache-Control"],
    }


def _raster(shapes, box, width: int):
    """The borders of `shapes` drawn 1 px wide into a width-pixel image fitted to `box`."""
    from PIL import Image, ImageDraw

    min_lon, min_lat, max_lon, max_lat = box
    cos_lat = math.cos(math.radians((min_lat + max_lat) / 2))
    scale = width / ((max_lon - min_lon) * cos_lat)
    height = int((max_lat - min_lat) * scale) + 1
    image = Image.new("1", (width, height), 0)
    draw = ImageDraw.Draw(image)
    for shape in shapes:
        polygons = getattr(shape, "geoms", [shape])
        for polygon in polygons:
            for ring in [polygon.exterior, *polygon.interiors]:
                points = [
                    ((x - min_lon) * cos_lat * scale, (max_lat - y) * scale) for x, y in ring.coords
                ]
                draw.line(points, fill=1, width=1)
    return image


def _differing_pixels(before, after) -> dict:
    """Strict: pixels drawn in one image and not the other. Visible: pixels of one drawing more
    than one pixel away from every pixel of the other (a border moved by more than 1 px)."""
    import numpy as np
    from PIL import ImageFilter

    a, b = np.asarray(before, dtype=bool), np.asarray(after, dtype=bool)
    near_a = np.asarray(before.convert("L").filter(ImageFilter.MaxFilter(3))) > 0
    near_b = np.asarray(after.convert("L").filter(ImageFilter.MaxFilter(3))) > 0
    drawn = int(a.sum())
    differ = int((a != b).sum())
    visible = int((b & ~near_a).sum() + (a & ~near_b).sum())
    return {
        "border_pixels_full": drawn,
        "pixels_differing": differ,
        "pixels_more_than_1px_away": visible,
        "share_more_than_1px_away": round(visible / drawn, 4) if drawn else 0.0,
    }


def _compare(communes, simplified: dict) -> dict:
    import shapely
    from shapely.geometry import shape

    from territoria.culture import geo

    # A commune nouvelle's parts are compared as one shape (the map now draws it as one:
    # the former communes' inner borders are no longer drawn, which is not a loss of precision).
    full = [shape(c.geometry) for c in communes]
    full = [x if x.is_valid else shapely.union_all(shapely.get_parts(x)) for x in full]
    short = [shape(simplified[c.code] or c.geometry) for c in communes]
    min_lon, min_lat, max_lon, max_lat = geo.bounds(c.geometry for c in communes)
    cos_lat = math.cos(math.radians((min_lat + max_lat) / 2))
    km_wide = (max_lon - min_lon) * cos_lat * geo.KM_PER_DEGREE
    metres_per_px = km_wide * 1000 / WIDTH_PX
    displacement_m = [
        shapely.hausdorff_distance(
            shapely.affinity.scale(a, cos_lat, 1, origin=(0, 0)),
            shapely.affinity.scale(b, cos_lat, 1, origin=(0, 0)),
        )
        * geo.KM_PER_DEGREE
        * 1000
        for a, b in zip(full, short, strict=True)
    ]
    area_change = [abs(a.area - b.area) / a.area for a, b in zip(full, short, strict=True)]
    box = (min_lon, min_lat, max_lon, max_lat)
    zoom_box = (
        min_lon + (max_lon - min_lon) * 3 / 8,
        min_lat + (max_lat - min_lat) * 3 / 8,
        min_lon + (max_lon - min_lon) * 5 / 8,
        min_lat + (max_lat - min_lat) * 5 / 8,
    )
    fitted = _differing_pixels(_raster(full, box, WIDTH_PX), _raster(short, box, WIDTH_PX))
    zoomed = _differing_pixels(
        _raster(full, zoom_box, WIDTH_PX), _raster(short, zoom_box, WIDTH_PX)
    )
    worst = max(range(len(communes)), key=lambda i: displacement_m[i])
    worst_commune = f"{communes[worst].name} ({communes[worst].code})"
    displacement_m.sort()
    return {
        "communes": len(communes),
        "vertices_full": int(sum(shapely.get_num_coordinates(full))),
        "vertices_simplified": int(sum(shapely.get_num_coordinates(short))),
        "territory_width_km": round(km_wide, 1),
        "metres_per_pixel_fitted_1280px": round(metres_per_px, 1),
        "displacement_m": {
            "max": round(displacement_m[-1], 1),
            "max_at": worst_commune,
            "median": round(displacement_m[len(displacement_m) // 2], 1),
            "max_in_pixels_fitted": round(displacement_m[-1] / metres_per_px, 2),
            "max_in_pixels_at_4x_zoom": round(4 * displacement_m[-1] / metres_per_px, 2),
        },
        "area_change_max_share": round(max(area_change), 4),
        "still_a_coverage": bool(shapely.coverage_is_valid(short)),
        "raster_fitted_1280px": fitted,
        "raster_zoom_4x_centre_1280px": zoomed,
    }


def main(argv: list[str] | None = None) -> int:
    folder = tempfile.mkdtemp(prefix="territoria-bench-outlines-")
    try:
        _setup(folder)
        from django.test import Client

        from territoria.culture import geo, services
        from territoria.culture.models import Commune, Observatory

        load = [round(x, 2) for x in os.getloadavg()]
        started = time.perf_counter()
        services.import_folder(CULTURE)  # communes (69, 76), museums, attendance
        import_with = time.perf_counter() - started
        communes = list(Commune.objects.filter(departement="76"))
        started = time.process_time()
        geo.simplify_coverage({c.code: c.geometry for c in communes})
        simplify_cpu = time.process_time() - started
        Observatory.objects.create(
            slug="rouen",
            name="Métropole Rouen Normandie",
            epci_code=ROUEN_METROPOLE,
            published=True,
        )
        Observatory.objects.create(
            slug="seine-maritime", name="Seine-Maritime", departement="76", published=True
        )
        client = Client()
        rouen = [c for c in communes if c.epci_code == ROUEN_METROPOLE]
        variants = {
            "full": None,
            "tolerance_0.0005": 0.0005,
            f"tolerance_{geo.MAP_TOLERANCE_DEG} (chosen)": geo.MAP_TOLERANCE_DEG,
        }
        pages, outlines = {}, {}
        for variant, tolerance in variants.items():
            if tolerance is None:
                simplified = dict.fromkeys(c.code for c in communes)
            else:
                simplified = geo.simplify_coverage(
                    {c.code: c.geometry for c in communes}, tolerance=tolerance
                )
            for commune in communes:
                commune.map_geometry = simplified[commune.code]
            Commune.objects.bulk_update(communes, ["map_geometry"], batch_size=200)
            pages[variant] = {slug: _page(client, slug) for slug in ("rouen", "seine-maritime")}
            if tolerance is not None:
                outlines[variant] = {
                    "rouen": _compare(rouen, simplified),
                    "seine-maritime": _compare(communes, simplified),
                }
        # The chosen outlines are in place (last variant): the page without the inline SVG.
        delivery = {slug: _delivery(client, slug) for slug in ("rouen", "seine-maritime")}
        full = pages["full"]
        figures = {
            "command": "OMP_NUM_THREADS=1 python -m benchmarks culture_outlines",
            "load_average_at_start": load,
            "chosen_tolerance_degrees": geo.MAP_TOLERANCE_DEG,
            "import_folder_seconds_with_simplification": round(import_with, 2),
            "simplify_76_cpu_seconds": round(simplify_cpu, 3),
            "pages_kB": {
                variant: {
                    slug: {
                        "html_kB": round(size / 1000, 1),
                        "gzip_kB": round(zipped / 1000, 1),
                        "saved_share": round(1 - size / full[slug][0], 3),
                        "saved_share_gzip": round(1 - zipped / full[slug][1], 3),
                    }
                    for slug, (size, zipped) in by_slug.items()
                }
                for variant, by_slug in pages.items()
            },
            "outlines": outlines,
            "outlines_sent_once": delivery,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    path = write_result("culture_outlines", figures)
    import json

    print(json.dumps(figures, indent=1, ensure_ascii=False))
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
