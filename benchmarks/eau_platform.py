"""The issue's speed figures measured through the platform's own code paths, each with a
baseline in the same run (`python -m benchmarks.eau --only platform`).

`benchmarks/eau.py` (parts storage and detection) times the reader and the detector alone;
here the same figures go through what a user triggers: `timeseries.import_csv` (checks,
Parquet, the import record), the network page (`jobs.zone_series`, then the whole page with
its SVG charts), the replay job (`jobs.replay_network`: alerts written, progress saved) and
the daily path of the platform (one more day imported, then `jobs.detect_all_networks`,
which continues from the kept detectors; baseline: the full replay it did before).
Baselines: pandas' CSV reader + Parquet without any check (import); the whole year read with
pyarrow and cut in numpy (month chart); the minimum-night-flow method (replay, one day).
A temporary SQLite database; CPU = this process's CPU time.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

WATT_PER_CORE = 15.0


def _energy(cpu_s: float) -> float:
    return round(cpu_s * WATT_PER_CORE / 3600, 5)


def _timed(function, *args, **kwargs):
    started, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started, time.process_time() - cpu


def _p95(values: list[float]) -> float:
    return round(sorted(values)[int(0.95 * len(values)) - 1] * 1000, 1)


def _year_csv(data: Path, path: Path, sensors: int) -> None:
    """A year at 5 minutes for `sensors` sensors, built on L-Town's p227 (as eau.py)."""
    from territoria.eau import scada

    flows = scada.read_csv(data / "SCADA_Flows_2018.csv")
    rng = np.random.default_rng(0)
    base = flows.values["p227"]
    matrix = np.column_stack(
        [
            np.round(base * rng.uniform(0.2, 2.0) + rng.normal(0, 1, len(base)), 2)
            for _ in range(sensors)
        ]
    )
    stamps = np.datetime_as_string(flows.times, unit="s")
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Timestamp", *[f"s{i:03d}" for i in range(sensors)]])
        for stamp, row in zip(stamps, matrix):
            writer.writerow([stamp.replace("T", " "), *row.tolist()])


def run(data: Path, quick: bool) -> dict:
    from benchmarks import setup_django

    with tempfile.TemporaryDirectory(prefix="eau-platform-") as folder:
        setup_django(folder, embedded=True, migrate=True)
        from django.conf import settings
        from django.test.utils import override_settings

        # the page's static files from their sources (no collectstatic manifest here)
        static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        with override_settings(
            STORAGES={**settings.STORAGES, "staticfiles": static}, ALLOWED_HOSTS=["*"]
        ):
            figures = _measure(data, Path(folder), quick)
        figures["load_average_end"] = [round(x, 1) for x in os.getloadavg()]
        return figures


def _measure(data: Path, folder: Path, quick: bool) -> dict:
    import pandas as pd
    import pyarrow.parquet as pq
    from django.test import Client

    from territoria.core.models import Role, User
    from territoria.eau import detection, evaluation, jobs, network, scada, timeseries
    from territoria.eau.models import Alert, Job, Network, Zone

    figures: dict = {}
    # 1. a year of 5-minute data for 100 sensors, through the app's import
    sensors = 20 if quick else 100
    year_csv = folder / "annee.csv"
    _year_csv(data, year_csv, sensors)
    synthetic = Network.objects.create(name="Synthétique", source_name="aucun")
    zone = Zone.objects.create(
        network=synthetic, code="A", balance={"s000": 1, "s001": 1, "s002": -1}
    )
    record, import_s, import_cpu = _timed(
        lambda: timeseries.import_csv(synthetic, year_csv, "annee.csv")
    )

    def naive():
        frame = pd.read_csv(year_csv)
        frame.to_parquet(folder / "naive.parquet", compression="zstd")

    _, naive_s, naive_cpu = _timed(naive)
    figures["import_year_100_sensors"] = {
        "sensors": sensors,
        "rows": record.rows,
        "csv_mb": round(year_csv.stat().st_size / 1e6, 1),
        "app_import_s": round(import_s, 2),
        "app_import_cpu_s": round(import_cpu, 2),
        "baseline_pandas_to_parquet_no_checks_s": round(naive_s, 2),
        "baseline_pandas_to_parquet_no_checks_cpu_s": round(naive_cpu, 2),
        "target_s": 10,
    }
    # 2. a zone's chart for a month: the data of the page, then the whole page
    months = [dt.datetime(2018, m, 1) for m in range(1, 13)]
    app, app_cpu, baseline, page_times, page_cpu = [], [], [], [], []
    agent = User.objects.create_user("banc", password="motdepasse-banc-1", role=Role.AGENT)
    agent.is_superuser = True  # sees every network (the synthetic one has no organisation)
    agent.save()
    client = Client()
    client.force_login(agent)
    parquet = record.parquet
    for i in range(40):
        start = months[i % 12]
        end = (start + dt.timedelta(days=32)).replace(day=1)
        _, seconds, cpu = _timed(jobs.zone_series, synthetic, zone, start, end)
        app.append(seconds)
        app_cpu.append(cpu)

        def whole_year(start, end):
            table = pq.read_table(parquet, columns=["ts", "s000", "s001", "s002"])
            times = table.column("ts").to_numpy().astype("datetime64[s]")
            keep = (times >= np.datetime64(start)) & (times < np.datetime64(end))
            flow = sum(
                table.column(name).to_numpy()[keep] * sign
                for name, sign in (("s000", 1), ("s001", 1), ("s002", -1))
            )
            return detection.hourly_means(times[keep], flow)

        _, seconds, _ = _timed(whole_year, start, end)
        baseline.append(seconds)
        url = f"/eau/reseaux/{synthetic.pk}/?mois={start:%Y-%m}"
        response, seconds, cpu = _timed(client.get, url)
        assert response.status_code == 200, response.status_code
        page_times.append(seconds)
        page_cpu.append(cpu)
    figures["month_chart"] = {
        "months": 40,
        "app_zone_series_p95_ms": _p95(app),
        "app_zone_series_p50_ms": round(statistics.median(app) * 1000, 1),
        "app_zone_series_cpu_p95_ms": _p95(app_cpu),
        "baseline_whole_year_pyarrow_p95_ms": _p95(baseline),
        "network_page_with_charts_p95_ms": _p95(page_times),
        "network_page_with_charts_cpu_p95_ms": _p95(page_cpu),
        "target_p95_ms": 100,
    }
    synthetic.delete()  # the daily path below must replay L-Town only
    # 3. L-Town in the app: model, 2018–2019 flows, 2019 level; the replay job
    ltown = network.import_network(data / "L-TOWN.inp", name="L-Town")
    for name in ("SCADA_Flows_2018.csv", "SCADA_Flows_2019.csv", "SCADA_Levels_2019.csv"):
        timeseries.import_csv(ltown, data / name, name)
    job = Job.objects.create(kind="replay", network=ltown)
    _, replay_s, replay_cpu = _timed(lambda: jobs.replay_network(job))
    job.refresh_from_db()
    # the same two years in memory, the method and the night-flow baseline, same run
    flows = {year: scada.read_csv(data / f"SCADA_Flows_{year}.csv") for year in ("2018", "2019")}
    levels = scada.read_csv(data / "SCADA_Levels_2019.csv")
    zone_2019 = detection.ltown_zone_flows(flows["2019"], levels)
    profiles = evaluation.profiles_from(zone_2019, detection.ltown_zone_flows(flows["2018"]))
    memory = {}
    for method, params in (
        ("cusum", detection.Params()),
        ("night_flow", detection.Params(baseline_m3h=20.0)),
    ):
        alerts, seconds, cpu = _timed(
            detection.replay,
            zone_2019,
            profiles if method == "cusum" else {},
            params,
            method=method,
        )
        memory[method] = {
            "seconds": round(seconds, 3),
            "cpu_s": round(cpu, 3),
            "alerts": len(alerts),
        }
    figures["replay"] = {
        "app_job_days": job.result["days"],
        "app_job_alerts": job.result["alerts"],
        "app_job_s": round(replay_s, 2),
        "app_job_cpu_s": round(replay_cpu, 2),
        "app_job_energy_wh": _energy(replay_cpu),
        "in_memory_year_2019": memory,
        "target_year_s": 120,
    }
    # 4. one day of every zone, streaming, after the year's state: the method and baseline
    one_day = {}
    for method, params in (
        ("cusum", detection.Params()),
        ("night_flow", detection.Params(baseline_m3h=20.0)),
    ):
        detectors = {
            code: detection.ZoneDetector(code, profiles.get(code), params, daily=daily)
            if method == "cusum"
            else detection.NightFlowBaseline(code, params.baseline_m3h, daily=daily)
            for code, (_, _, daily) in zone_2019.items()
        }
        for code, (times, hourly, _) in zone_2019.items():
            for when, value in zip(times[:-24], hourly[:-24]):
                detectors[code].push(when, value)

        def last_day(detectors):
            for code, (times, hourly, _) in zone_2019.items():
                for when, value in zip(times[-24:], hourly[-24:]):
                    detectors[code].push(when, value)

        _, seconds, cpu = _timed(last_day, detectors)
        one_day[method] = {"seconds": round(seconds, 5), "cpu_s": round(cpu, 5)}
    # the platform's daily path: one more day of flows imported, then the periodic
    # detection, which replays the network's whole stored history (no detector state kept)
    day = folder / "jour.csv"
    flows_2019 = flows["2019"]
    last = flows_2019.times[-1].astype("datetime64[s]").item()
    with day.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Timestamp", "p227", "p235", "PUMP_1"])
        for step in range(1, 289):
            row = len(flows_2019.times) - 289 + step
            writer.writerow(
                [
                    f"{last + dt.timedelta(minutes=5 * step):%Y-%m-%d %H:%M:%S}",
                    *(f"{flows_2019.values[s][row]:.2f}" for s in ("p227", "p235", "PUMP_1")),
                ]
            )

    def daily_path():
        timeseries.import_csv(ltown, day, "jour.csv")
        return jobs.detect_all_networks()

    def alert_set():
        return set(
            Alert.objects.filter(network=ltown).values_list(
                "zone", "raised_at", "start_estimate", "flow_m3h"
            )
        )

    replayed, daily_s, daily_cpu = _timed(daily_path)
    resumed = Job.objects.filter(network=ltown, kind="replay").first().result
    after_daily = alert_set()
    # baseline, same run: what the periodic detection did before (a full replay of history)
    full = Job.objects.create(kind="replay", network=ltown)
    _, full_s, full_cpu = _timed(jobs.replay_network, full)
    figures["one_day_all_zones"] = {
        "in_memory_streaming": one_day,
        "app_daily_path_import_and_periodic_detection_s": round(daily_s, 2),
        "app_daily_path_cpu_s": round(daily_cpu, 2),
        "app_daily_path_resumed": resumed["resumed"],
        "app_daily_path_days_pushed": resumed["days"],
        "app_daily_path_networks": replayed,
        "baseline_full_replay_of_the_history_s": round(full_s, 2),
        "baseline_full_replay_of_the_history_cpu_s": round(full_cpu, 2),
        "same_alerts_as_the_full_replay": alert_set() == after_daily,
        "note": "the periodic detection continues from the detectors kept by the last replay "
        "(jobs._resumable) when only later measures were added",
        "target_s": 1,
    }
    figures["load_note"] = (
        "wall times on a 2-core machine shared with other jobs; *_cpu_s is the CPU time of "
        "this process"
    )
    return figures
