"""Public-transport times (issue 17, `culture.transit`): fast enough for a whole département?

    TERRITORIA_SHARED_DATA=../shared/data python -m benchmarks culture_transit

No GTFS feed of a French network is available offline, so the feed is SYNTHETIC: 40 straight
bus lines of 25 stops 600 m apart, each from a random commune's centre (seed 17) towards its
nearest museum (from 3 km behind the centre to 11.4 km ahead), a bus
every 15 minutes each way from 06:00 to 21:00, 2 minutes between stops. Origins: the REAL
centres of the 711 commune outlines of Seine-Maritime; venues: the REAL 1 227 Muséofile
museums. Measured in the same run:
- the tool: `transit.earliest_arrival` (Connection Scan over all origins at once, numpy);
- the baseline: the same scan origin by origin in pure Python (a textbook CSA); the times must
  agree (max difference reported).

Writes benchmarks/results/culture_transit.json.
"""

from __future__ import annotations

import io
import json
import math
import time
import zipfile

import numpy as np

from benchmarks import write_result
from benchmarks.culture_network import _data

LINES, STOPS_PER_LINE, SPACING_KM, HEADWAY_MIN, HOP_MIN = 40, 25, 0.6, 15, 2
SEED = 17


def _feed(c_lat, c_lon, v_lat, v_lon) -> io.BytesIO:
    rng = np.random.default_rng(SEED)
    stops, times, trips = [], [], []
    from territoria.culture import geo

    nearest = geo.distance_matrix_km(c_lat, c_lon, v_lat, v_lon).argmin(axis=1)
    for line in range(LINES):
        # From a random commune's centre towards its nearest museum (and 3 km back).
        i = int(rng.integers(len(c_lat)))
        lat0, lon0 = float(c_lat[i]), float(c_lon[i])
        dy = (v_lat[nearest[i]] - lat0) * 111.195
        dx = (v_lon[nearest[i]] - lon0) * 111.195 * math.cos(math.radians(lat0))
        angle = math.atan2(dy, dx)
        ids = []
        for k in range(STOPS_PER_LINE):
            d = (k - 5) * SPACING_KM
            lat = lat0 + d * math.sin(angle) / 111.195
            lon = lon0 + d * math.cos(angle) / (111.195 * math.cos(math.radians(lat0)))
            ids.append(f"L{line}S{k}")
            stops.append(f"L{line}S{k},{lat:.6f},{lon:.6f}")
        for direction, order in enumerate((ids, ids[::-1])):
            for start in range(6 * 60, 21 * 60, HEADWAY_MIN):
                trip = f"L{line}D{direction}T{start}"
                trips.append(f"L{line},SEM,{trip}")
                for n, stop in enumerate(order):
                    clock = start + n * HOP_MIN
                    t = f"{clock // 60:02d}:{clock % 60:02d}:00"
                    times.append(f"{trip},{t},{t},{stop},{n + 1}")
    files = {
        "stops.txt": "stop_id,stop_lat,stop_lon\n" + "\n".join(stops) + "\n",
        "trips.txt": "route_id,service_id,trip_id\n" + "\n".join(trips) + "\n",
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        + "\n".join(times)
        + "\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
        "start_date,end_date\nSEM,1,1,1,1,1,0,0,20240101,20241231\n",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    buffer.seek(0)
    return buffer


def _scalar_csa(table, o_lat, o_lon, v_lat, v_lon, depart) -> np.ndarray:
    """The baseline: a textbook Connection Scan, one origin at a time, in pure Python."""
    from territoria.culture import geo, transit

    walk = transit.WALK_KMH / 3.6
    limit = depart + transit.MAX_MINUTES * 60
    to_stop = 1000 * geo.distance_matrix_km(o_lat, o_lon, table.stop_lat, table.stop_lon)
    to_venue = 1000 * geo.distance_matrix_km(table.stop_lat, table.stop_lon, v_lat, v_lon)
    direct = 1000 * geo.distance_matrix_km(o_lat, o_lon, v_lat, v_lon)
    dep_time, arr_time = table.dep_time.tolist(), table.arr_time.tolist()
    dep_stop, arr_stop, trip = table.dep_stop.tolist(), table.arr_stop.tolist(), table.trip.tolist()
    venue_stops = [
        (s, [(j, to_venue[s, j] / walk) for j in np.flatnonzero(to_venue[s] <= transit.WALK_MAX_M)])
        for s in range(len(table.stop_lat))
    ]
    venue_stops = [(s, found) for s, found in venue_stops if found]
    result = []
    for i in range(len(o_lat)):
        arrival = [
            depart + d / walk if d <= transit.WALK_MAX_M else math.inf for d in to_stop[i].tolist()
        ]
        boarded = set()
        for c in range(len(dep_time)):
            if dep_time[c] < depart:
                continue
            if dep_time[c] > limit:
                break
            if trip[c] in boarded or arrival[dep_stop[c]] <= dep_time[c]:
                boarded.add(trip[c])
                arrival[arr_stop[c]] = min(arrival[arr_stop[c]], arr_time[c])
        best = min(
            (depart + direct[i, j] / walk for j in np.flatnonzero(direct[i] <= transit.WALK_MAX_M)),
            default=math.inf,
        )
        for s, found in venue_stops:
            for _j, seconds in found:
                best = min(best, arrival[s] + seconds)
        minutes = (best - depart) / 60
        result.append(minutes if minutes <= transit.MAX_MINUTES else math.nan)
    return np.array(result)


def main(argv: list[str] | None = None) -> int:
    from territoria.culture import transit

    c_lat, c_lon, v_lat, v_lon = _data()
    started = time.perf_counter()
    table, summary = transit.read_gtfs(_feed(c_lat, c_lon, v_lat, v_lon), "synthetique.zip")
    read_s = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    answer = transit.earliest_arrival(table, c_lat, c_lon, v_lat, v_lon)
    tool_s, tool_cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    baseline = _scalar_csa(table, c_lat, c_lon, v_lat, v_lon, transit.DEPART)
    base_s = time.perf_counter() - started
    both = ~np.isnan(answer.minutes) & ~np.isnan(baseline)
    figures = {
        "feed": "SYNTHETIC: 40 straight lines × 25 stops from a commune centre towards its nearest "
        "museum, every 15 min each way, 06:00-21:00",
        "stops": summary["stops"],
        "trips_on_reference_day": summary["trips"],
        "connections": summary["connections"],
        "read_feed_seconds": round(read_s, 2),
        "origins_communes_76": len(c_lat),
        "museums": len(v_lat),
        "tool_seconds": round(tool_s, 3),
        "tool_cpu_seconds": round(tool_cpu, 3),
        "target_seconds": 5,
        "baseline_scalar_python_csa_seconds": round(base_s, 2),
        "communes_with_a_time": int((~np.isnan(answer.minutes)).sum()),
        "same_answered_communes": bool(
            np.array_equal(np.isnan(answer.minutes), np.isnan(baseline))
        ),
        "max_difference_minutes_vs_baseline": float(
            np.abs(answer.minutes[both] - baseline[both]).max()
        )
        if both.any()
        else None,
        "reasons": {r: answer.reasons.count(r) for r in set(answer.reasons) if r},
    }
    import os

    figures["load_average_1min"] = round(os.getloadavg()[0], 1)
    write_result("culture_transit", figures)
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
