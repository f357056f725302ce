"""Culture observatory (issue 17): reproduction of the national attendance totals, speed of the
access computation against a pure-Python baseline, and the impact estimator's bias and
coverage against two baselines (naive before/after, clustered normal interval), on simulated
panels and on the real attendance series; then the real 2016 evaluation of Rouen's museums.

    python -m benchmarks.culture [--sims 2000] [--real-sims 1000]
    python -m benchmarks.culture --only rouen   # the import and the Rouen evaluation only

Runs on a throw-away data folder and the full files of shared/data/culture/ (SOURCE.md), with
the npm package @etalab/decoupage-administratif from node_modules/. Writes
benchmarks/results/culture.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import tempfile
import time
from collections import defaultdict

from benchmarks import SHARED_DATA, setup_django, write_result

CULTURE = SHARED_DATA / "culture"
ROUEN = ["7654005", "7654006", "7654010"]  # Beaux-Arts, Le Secq des Tournelles, Céramique


def _independent_totals() -> tuple[dict, dict]:
    """Totals per year and per (département label, year), read with the csv module only."""
    by_year, by_dep = defaultdict(int), defaultdict(int)
    with (CULTURE / "frequentation-des-musees-de-france.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            value = int(row["total"] or 0)
            by_year[int(row["annee"])] += value
            by_dep[(row["departements"], int(row["annee"]))] += value
    return dict(by_year), dict(by_dep)


def totals_check() -> dict:
    from territoria.culture import reporting
    from territoria.culture.museums import DepartementFinder

    by_year, by_dep = _independent_totals()
    computed_year = {y: v["total"] for y, v in reporting.totals_by_year().items()}
    computed_dep = reporting.totals_by_departement_year()
    finder = DepartementFinder.build()
    merged = defaultdict(int)
    for (label, year), value in by_dep.items():
        merged[(finder.code(label), year)] += value
    mismatches = [
        key for key, value in merged.items() if computed_dep.get(key[0], {}).get(key[1], 0) != value
    ]
    return {
        "years": len(by_year),
        "year_totals_equal": computed_year == by_year,
        "departement_year_cells": len(merged),
        "departement_year_mismatches": len(mismatches),
        "national_total_2016": by_year.get(2016),
    }


def access_speed() -> dict:
    import numpy as np

    from territoria.culture import access, geo
    from territoria.culture.models import Commune, Venue

    features = json.loads((CULTURE / "communes-76-seine-maritime.geojson").read_text())["features"]
    centres = [geo.area_and_centroid(f["geometry"]) for f in features]
    c_lat = np.array([c[1] for c in centres])
    c_lon = np.array([c[2] for c in centres])
    venues = list(Venue.objects.filter(latitude__isnull=False).values_list("latitude", "longitude"))
    v_lat = np.array([v[0] for v in venues])
    v_lon = np.array([v[1] for v in venues])
    started = time.perf_counter()
    fast, _, within, _ = access.nearest_and_counts(c_lat, c_lon, v_lat, v_lon, access.RADIUS_KM)
    vectorised = time.perf_counter() - started
    started = time.perf_counter()
    slow = access.nearest_loop(c_lat, c_lon, v_lat, v_lon)
    loop = time.perf_counter() - started
    communes = list(Commune.objects.filter(departement="76"))
    started = time.perf_counter()
    result = access.compute_access(communes)
    full = time.perf_counter() - started
    return {
        "communes_outlines": len(features),
        "museums": len(venues),
        "vectorised_seconds": round(vectorised, 4),
        "baseline_python_loop_seconds": round(loop, 3),
        "speed_up": round(loop / vectorised, 1),
        "max_difference_km": float(np.abs(fast - np.array(slow)).max()),
        "target_seconds": 5,
        "full_indicators_707_communes_seconds": round(full, 3),
        "median_nearest_km_76": round(float(np.median(fast)), 2),
        "communes_beyond_10km": int((fast > 10).sum()),
        "communes_without_museum_within_15km": int((within == 0).sum()),
        "priorities_access_only": len(result.priorities),
    }


def estimator_checks(sims: int, real_sims: int) -> dict:
    import numpy as np

    from territoria.culture import evaluation

    started = time.perf_counter()
    parametric = evaluation.simulate_parametric(sims=sims, draws=500, seed=7)
    parametric_one = evaluation.simulate_parametric(sims=sims // 2, n_treated=1, draws=500, seed=8)
    panel = evaluation.load_panel(2008, 2018)
    outside = np.array([d != "76" for d in panel.departements])
    y = panel.y[outside]
    real = evaluation.simulate_on_panel(y, n_pre=8, sims=real_sims, effect=0.2, draws=500, seed=9)
    null = evaluation.simulate_on_panel(y, n_pre=8, sims=real_sims, effect=0.0, draws=500, seed=10)
    return {
        "parametric_3_treated": parametric,
        "parametric_1_treated": parametric_one,
        "real_series_3_treated_effect_0.2": real,
        "real_series_no_effect_false_positive_rate": round(1 - null["placebo_coverage_95"], 3),
        "seconds": round(time.perf_counter() - started, 2),
    }


def rouen_2016() -> dict:
    from territoria.culture import evaluation

    variants = {
        "beaux_arts_secq_ceramique_2008_2018": (ROUEN, 2008, 2016, 2018),
        "same_until_2017_(2018_figures_flagged)": (ROUEN, 2008, 2016, 2017),
        "without_beaux_arts_(festival_years)": (ROUEN[1:], 2008, 2016, 2018),
    }
    found = {}
    for name, (refs, first, start, last) in variants.items():
        started = time.perf_counter()
        r = evaluation.evaluate(refs, first, start, last)
        found[name] = {
            "did_effect_pct": round(r["did"]["effect_pct"], 1),
            "did_ci95_pct": [round(r["did"]["low_pct"], 1), round(r["did"]["high_pct"], 1)],
            "placebo_p": round(r["did"]["p"], 4),
            "synthetic_effect_pct": round(r["synthetic_control"]["effect_pct"], 1),
            "synthetic_ci95_pct": [
                round(r["synthetic_control"]["low_pct"], 1),
                round(r["synthetic_control"]["high_pct"], 1),
            ],
            # kept (shown) when its pre-action fit is not worse than 90 % of the placebos'
            "synthetic_kept": r["synthetic_control"]["available"],
            "synthetic_fit_share_of_placebos_better": round(
                r["synthetic_control"]["fit_share_better"], 3
            ),
            "baseline_naive_before_after_pct": round(r["baseline_naive_before_after_pct"], 1),
            "pretrend_p": round(r["event_study"]["pretrend_p"], 3),
            "event_study_beta": dict(
                zip(
                    r["event_study"]["years"],
                    [round(b, 3) for b in r["event_study"]["beta"]],
                    strict=True,
                )
            ),
            "controls": r["controls"],
            "seconds": round(time.perf_counter() - started, 2),
        }
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.culture")
    parser.add_argument("--sims", type=int, default=2000)
    parser.add_argument("--real-sims", type=int, default=1000)
    parser.add_argument(
        "--only",
        choices=["rouen"],
        help="rouen: the import and the 2016 evaluation only (benchmarks/results/culture_rouen.json)",
    )
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="territoria-bench-culture-")
    try:
        setup_django(folder, migrate=True)
        from territoria.culture import reporting, services

        load = [round(x, 2) for x in os.getloadavg()]
        started = time.perf_counter()
        imported = services.import_folder(CULTURE)
        import_seconds = time.perf_counter() - started
        if args.only == "rouen":
            figures = {
                "command": "python -m benchmarks.culture --only rouen",
                "load_average_at_start": load,
                "import_seconds": round(import_seconds, 2),
                "rouen_2016": rouen_2016(),
            }
            path = write_result("culture_rouen", figures)
            print(json.dumps(figures, indent=1, ensure_ascii=False, default=str)[:6000])
            print(f"→ {path}")
            return 0
        figures = {
            "command": f"python -m benchmarks.culture --sims {args.sims} --real-sims {args.real_sims}",
            "load_average_at_start": load,
            "import": {"seconds": round(import_seconds, 2), "files": imported},
            "quality": reporting.quality_summary(),
            "totals": totals_check(),
            "access": access_speed(),
            "estimator": estimator_checks(args.sims, args.real_sims),
            "rouen_2016": rouen_2016(),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    path = write_result("culture", figures)
    print(json.dumps(figures, indent=1, ensure_ascii=False, default=str)[:6000])
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
