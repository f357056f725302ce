"""Detector counts: a CSV of any step → checked, stored as Parquet, queried with DuckDB (charts
per detector); the calibration of the demand on the counts with SUMO's routeSampler.py and
the GEH statistic per counted section."""

from __future__ import annotations

import math
import shutil
import time
import unicodedata
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from territoria.mobilite import sumo
from territoria.mobilite.models import CountImport, Job, JobStatus, Network

COLUMNS = {
    "detector": ("detecteur", "detector", "section", "capteur", "station"),
    "timestamp": ("horodatage", "timestamp", "date", "datetime", "heure"),
    "vehicles": ("vehicules", "vehicles", "debit", "count", "comptage"),
    "speed": ("vitesse", "speed"),
    "occupancy": ("taux_occupation", "occupation", "occupancy", "taux d'occupation"),
}
NAMES = {
    "detector": "detecteur",
    "timestamp": "horodatage",
    "vehicles": "vehicules",
    "speed": "vitesse",
    "occupancy": "taux_occupation",
}
STUCK_INTERVALS = 12  # the same non-zero count 12 times running: a stuck detector
MAX_ERRORS = 5


class CountsError(Exception):
    pass


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return text.strip().lower().replace(" ", "_")


def _connect():
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    return con


def import_counts(network: Network, path: Path, file_name: str = "") -> CountImport:
    """Check every line, then store: all or nothing. Errors name the line and the field."""
    name = file_name or Path(path).name
    edges = {e[0] for e in network.elements.get("edges", [])}
    con, summary = load_csv(path, name, edges)
    with transaction.atomic():
        record = CountImport.objects.create(
            network=network,
            file_name=name,
            rows=summary["rows"],
            detectors=summary["detectors"],
            step_minutes=summary["step_minutes"],
            first_time=timezone.make_aware(summary["first"]),  # counts are in local time
            last_time=timezone.make_aware(summary["last"]),
            warnings=summary["warnings"],
        )
        write_parquet(con, record.parquet)
    return record


def write_parquet(con, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partiel")
    con.execute(f"COPY clean TO '{partial}' (FORMAT parquet)")
    partial.replace(target)


def load_csv(path: Path, name: str, edges: set[str]):
    """(DuckDB connection holding the checked table `clean`, summary) of a counts CSV."""
    con = _connect()
    literal = "'" + str(path).replace("'", "''") + "'"
    try:
        # A view: the file is read in parallel by each query, without line numbers; the line
        # numbers are computed only when a check fails (one extra pass, to name the lines).
        con.execute(
            f"CREATE VIEW src AS SELECT * FROM read_csv({literal}, all_varchar = true, header = true)"
        )
        found = [row[0] for row in con.execute("DESCRIBE src").fetchall()]
    except Exception as error:  # duckdb raises its own classes: one message for all
        raise CountsError(
            f"{name} : fichier CSV illisible ({str(error).splitlines()[0]})."
        ) from error
    columns = {}
    for key, aliases in COLUMNS.items():
        match = next((c for c in found if _plain(c) in {_plain(a) for a in aliases}), None)
        if match:
            columns[key] = match
    missing = [NAMES[k] for k in ("detector", "timestamp", "vehicles") if k not in columns]
    if missing:
        raise CountsError(
            f"{name} : colonne(s) {', '.join('« ' + m + ' »' for m in missing)} absente(s) "
            f"(colonnes trouvées : {', '.join(found)})."
        )

    def q(key):
        return '"' + columns[key].replace('"', '""') + '"'

    ts = f"COALESCE(TRY_CAST({q('timestamp')} AS TIMESTAMP), TRY_STRPTIME({q('timestamp')}, ['%d/%m/%Y %H:%M', '%d/%m/%Y %H:%M:%S']))"
    number = "TRY_CAST(REPLACE({}, ',', '.') AS DOUBLE)"
    checks = [
        ("timestamp", f"{ts} IS NULL", "horodatage illisible"),
        ("detector", f"COALESCE(TRIM({q('detector')}), '') = ''", "détecteur vide"),
        (
            "vehicles",
            (
                f"{q('vehicles')} IS NOT NULL AND TRIM({q('vehicles')}) <> '' AND "
                f"({number.format(q('vehicles'))} IS NULL OR {number.format(q('vehicles'))} < 0 OR "
                f"{number.format(q('vehicles'))} > 20000 OR {number.format(q('vehicles'))} <> "
                f"FLOOR({number.format(q('vehicles'))}))"
            ),
            "nombre de véhicules impossible",
        ),
    ]
    if "speed" in columns:
        s = number.format(q("speed"))
        checks.append(
            (
                "speed",
                f"{q('speed')} IS NOT NULL AND TRIM({q('speed')}) <> '' AND ({s} IS NULL OR {s} < 0 OR {s} > 250)",
                "vitesse impossible (0 à 250 km/h)",
            )
        )
    if "occupancy" in columns:
        o = number.format(q("occupancy"))
        checks.append(
            (
                "occupancy",
                f"{q('occupancy')} IS NOT NULL AND TRIM({q('occupancy')}) <> '' AND ({o} IS NULL OR {o} < 0 OR {o} > 100)",
                "taux d'occupation impossible (0 à 100 %)",
            )
        )
    errors = []
    failing = con.execute(
        "SELECT " + ", ".join(f"count(*) FILTER (WHERE {c})" for _, c, _ in checks) + " FROM src"
    ).fetchone()
    if any(failing):
        con.execute("CREATE TABLE raw AS SELECT *, row_number() OVER () + 1 AS _line FROM src")
    for (key, condition, label), count in zip(checks, failing):
        if not count:
            continue
        for line, value in con.execute(
            f"SELECT _line, {q(key)} FROM raw WHERE {condition} ORDER BY _line LIMIT {MAX_ERRORS}"
        ).fetchall():
            errors.append(
                (line, f"{name}, ligne {line}, champ « {columns[key]} » : {label} ({value!r}).")
            )
    if errors:
        errors.sort()
        raise CountsError(" ".join(text for _, text in errors[:MAX_ERRORS]))
    speed = number.format(q("speed")) if "speed" in columns else "NULL"
    occupancy = number.format(q("occupancy")) if "occupancy" in columns else "NULL"
    con.execute(
        f"""CREATE TABLE clean AS SELECT TRIM({q('detector')}) AS detector, {ts} AS ts,
        CAST({number.format(q('vehicles'))} AS INTEGER) AS vehicles,
        CAST({speed} AS DOUBLE) AS speed, CAST({occupancy} AS DOUBLE) AS occupancy
        FROM src ORDER BY detector, ts"""
    )  # fmt: skip
    rows, first, last = con.execute("SELECT count(*), min(ts), max(ts) FROM clean").fetchone()
    if not rows:
        raise CountsError(f"{name} : aucun comptage.")
    duplicates = con.execute(
        "SELECT detector, ts FROM clean GROUP BY ALL HAVING count(*) > 1 LIMIT 1"
    ).fetchone()
    if duplicates:
        raise CountsError(
            f"{name} : le détecteur « {duplicates[0]} » a deux comptages à {duplicates[1]:%d/%m/%Y %H:%M}."
        )
    step = con.execute(
        "SELECT median(d) FROM (SELECT epoch(ts) - epoch(lag(ts) OVER (PARTITION BY detector ORDER BY ts)) AS d FROM clean) WHERE d > 0"
    ).fetchone()[0]
    step_minutes = max(1, round((step or 3600) / 60))
    warnings = _warnings(con, step_minutes, edges)
    detectors = [
        r[0] for r in con.execute("SELECT DISTINCT detector FROM clean ORDER BY 1").fetchall()
    ]
    summary = {
        "rows": rows,
        "first": first,
        "last": last,
        "step_minutes": step_minutes,
        "warnings": warnings,
        "detectors": detectors,
    }
    return con, summary


def _warnings(con, step_minutes: int, edges: set[str]) -> list[str]:
    """Gaps, missing values, stuck detectors, detectors that are no edge of the network."""
    warnings = []
    gaps = con.execute(
        f"""SELECT detector, sum(CAST(d / {step_minutes * 60} AS INTEGER) - 1) FROM (
        SELECT detector, epoch(ts) - epoch(lag(ts) OVER (PARTITION BY detector ORDER BY ts)) AS d
        FROM clean) WHERE d > {step_minutes * 60 * 1.5} GROUP BY 1 ORDER BY 2 DESC"""
    ).fetchall()  # fmt: skip
    for detector, missing in gaps[:5]:
        warnings.append(
            f"détecteur {detector} : {missing} intervalle(s) de {step_minutes} min manquant(s) (trous)."
        )
    for detector, empty in con.execute(
        "SELECT detector, count(*) FROM clean WHERE vehicles IS NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 5"
    ).fetchall():
        warnings.append(f"détecteur {detector} : {empty} valeur(s) vide(s).")
    stuck = con.execute(
        f"""SELECT detector, max(n), any_value(v) FROM (
          SELECT detector, grp, any_value(vehicles) AS v, count(*) AS n FROM (
            SELECT detector, vehicles, sum(change) OVER (PARTITION BY detector ORDER BY ts) AS grp FROM (
              SELECT detector, ts, vehicles,
                CASE WHEN vehicles IS NOT DISTINCT FROM lag(vehicles) OVER (PARTITION BY detector ORDER BY ts)
                THEN 0 ELSE 1 END AS change FROM clean))
          WHERE vehicles > 0 GROUP BY detector, grp)
        WHERE n >= {STUCK_INTERVALS} GROUP BY detector ORDER BY 2 DESC LIMIT 5"""
    ).fetchall()  # fmt: skip
    for detector, run, value in stuck:
        warnings.append(
            f"détecteur {detector} bloqué ? la même valeur ({value}) {run} fois de suite."
        )
    unknown = [
        r[0]
        for r in con.execute("SELECT DISTINCT detector FROM clean ORDER BY 1").fetchall()
        if r[0] not in edges
    ]
    if unknown:
        warnings.append(
            f"{len(unknown)} détecteur(s) sans tronçon du réseau du même nom (non utilisés pour le "
            f"calage) : {', '.join(unknown[:5])}{'…' if len(unknown) > 5 else ''}."
        )
    return warnings


def _files(network: Network) -> list[str]:
    return [str(i.parquet) for i in network.count_imports.all() if i.parquet.exists()]


def detector_chart(network: Network, detector: str, month: str | None) -> dict | None:
    """Hourly vehicles of one detector over one month (DuckDB on the Parquet files)."""
    from territoria.core.charts import LineChart, Series

    files = _files(network)
    if not files:
        return None
    con = _connect()
    last = con.execute(
        "SELECT max(ts) FROM read_parquet(?) WHERE detector = ?", [files, detector]
    ).fetchone()[0]
    if last is None:
        return None
    try:
        start = datetime.strptime(month or "", "%Y-%m")
    except ValueError:
        start = last.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    rows = hourly_rows(con, files, detector, start, end)
    chart = LineChart(
        f"Véhicules par heure, détecteur {detector} ({start:%m/%Y})",
        [Series("Véhicules comptés", [(h, None if v is None else int(v)) for h, v in rows])],
        x_label="heure",
        y_label="véhicules / h",
        summary=f"{len(rows)} heures comptées ; maximum {max((v or 0) for _, v in rows) if rows else 0} véhicules par heure.",
    )
    return {"chart": chart, "month": start.strftime("%Y-%m")}


def hourly_rows(con, files: list[str], detector: str, start, end) -> list[tuple]:
    """(hour, vehicles) of one detector between start and end."""
    return con.execute(
        "SELECT date_trunc('hour', ts) AS h, sum(vehicles) FROM read_parquet(?) "
        "WHERE detector = ? AND ts >= ? AND ts < ? GROUP BY h ORDER BY h",
        [files, detector, start, end],
    ).fetchall()


def counted_hour(network: Network, hour: int) -> dict[str, float]:
    """Mean vehicles per hour of each detector named after an edge, at `hour`, over the days."""
    edges = {e[0] for e in network.elements.get("edges", [])}
    return counted_hour_files(_files(network), edges, hour)


def counted_hour_files(files: list[str], edges: set[str], hour: int) -> dict[str, float]:
    con = _connect()
    rows = con.execute(
        "SELECT detector, avg(v) FROM (SELECT detector, CAST(ts AS DATE) d, sum(vehicles) v "
        "FROM read_parquet(?) WHERE hour(ts) = ? GROUP BY 1, 2) GROUP BY 1",
        [files, hour],
    ).fetchall()
    return {d: float(v) for d, v in rows if d in edges and v is not None}


def geh(simulated: float, counted: float) -> float:
    """GEH = sqrt(2 (M - C)² / (M + C)), hourly volumes."""
    if simulated + counted == 0:
        return 0.0
    return math.sqrt(2 * (simulated - counted) ** 2 / (simulated + counted))


def _simulate_hour(net: Path, routes: Path, folder: Path, tag: str) -> dict[str, float]:
    out = folder / f"{tag}.edges.xml"
    add = folder / f"{tag}.add.xml"
    add.write_text(
        f'<additional><edgeData id="{tag}" file="{out.name}" begin="0" end="3600"/></additional>'
    )
    sumo.run(
        ["sumo", "-n", str(net), "-r", str(routes), "-a", str(add), "--begin", "0", "--end",
         "3600", "--no-step-log", "--no-warnings", "--ignore-route-errors", "--duration-log.disable",
         "--time-to-teleport", "300"],
        cwd=folder,
    )  # fmt: skip
    return {
        e.get("id"): float(e.get("entered", 0) or 0)
        for interval in ET.parse(out).getroot().iter("interval")
        for e in interval.iter("edge")
    }


def _table(counted: dict[str, float], simulated: dict[str, float]) -> tuple[list, dict]:
    values = {e: geh(simulated.get(e, 0.0), c) for e, c in counted.items()}
    share = 100 * sum(v < 5 for v in values.values()) / max(len(values), 1)
    return values, {
        "share_geh5": round(share, 1),
        "mean_geh": round(sum(values.values()) / max(len(values), 1), 2),
    }


def calibrate(
    net: Path, counted: dict[str, float], folder: Path, seed: int = 42, progress=None
) -> dict:
    """routeSampler.py on candidate routes against the counted hour, and a random demand of the
    same volume as the baseline; GEH per counted section for both."""
    net = Path(net).resolve()
    step = progress or (lambda message: None)
    data = folder / "comptages.edgedata.xml"
    root = ET.Element("data")
    interval = ET.SubElement(root, "interval", id="comptages", begin="0", end="3600")
    for edge, value in sorted(counted.items()):
        ET.SubElement(interval, "edge", id=edge, entered=str(round(value)))
    ET.ElementTree(root).write(data)
    candidates = folder / "candidats.rou.xml"
    sumo.run(
        ["randomTrips.py", "-n", str(net), "-r", str(candidates), "-o", str(folder / "candidats.trips.xml"),
         "-b", "0", "-e", "3600", "-p", "0.5", "--seed", str(seed), "--fringe-factor", "5",
         "--min-distance", "100"],
        cwd=folder,
    )  # fmt: skip
    step("Itinéraires candidats tirés (randomTrips.py).")
    sampled = folder / "calee.rou.xml"
    sumo.run(
        ["routeSampler.py", "-r", str(candidates), "-d", str(data), "-o", str(sampled),
         "--seed", str(seed), "-b", "0", "-e", "3600"],
        cwd=folder,
    )  # fmt: skip
    vehicles = sum(1 for _ in ET.parse(sampled).getroot().iter("vehicle"))
    step(f"Demande calée sur les comptages (routeSampler.py) : {vehicles} véhicules.")
    calibrated = _simulate_hour(net, sampled, folder, "calee")
    step("Demande calée simulée.")
    baseline_trips = folder / "aleatoire.trips.xml"
    sumo.run(
        ["randomTrips.py", "-n", str(net), "-o", str(baseline_trips), "-b", "0", "-e", "3600",
         "-p", f"{3600 / max(vehicles, 1):.4f}", "--seed", str(seed), "--fringe-factor", "5",
         "--min-distance", "100", "--validate"],
        cwd=folder,
    )  # fmt: skip
    baseline = _simulate_hour(net, baseline_trips, folder, "aleatoire")
    step("Demande aléatoire de même volume simulée.")
    calibrated_geh, calibrated_summary = _table(counted, calibrated)
    baseline_geh, baseline_summary = _table(counted, baseline)
    sections = [
        {
            "section": edge,
            "counted": round(value),
            "calibrated": round(calibrated.get(edge, 0)),
            "calibrated_geh": round(calibrated_geh[edge], 2),
            "baseline": round(baseline.get(edge, 0)),
            "baseline_geh": round(baseline_geh[edge], 2),
        }
        for edge, value in sorted(counted.items())
    ]
    return {
        "sections": sections,
        "vehicles": vehicles,
        "calibrated": calibrated_summary,
        "baseline": baseline_summary,
    }


def run_calibration(job: Job) -> None:
    from territoria.mobilite.jobs import _children_cpu, _energy_wh

    started, cpu = time.perf_counter(), time.process_time() + _children_cpu()
    hour = int(job.params.get("hour", 8))
    job.status = JobStatus.RUNNING
    job.total, job.done = 5, 0
    job.save()
    counted = counted_hour(job.network, hour)
    if not counted:
        job.status = JobStatus.FAILED
        job.message = (
            f"Aucun comptage à {hour} h sur un détecteur qui porte le nom d'un tronçon du réseau."
        )
        job.save()
        return
    job.done = 1
    job.message = f"{len(counted)} sections comptées à {hour} h."
    job.save()

    def step(message):
        job.done += 1
        job.message = message
        job.save(update_fields=["done", "message", "updated_at"])

    folder = job.folder
    folder.mkdir(parents=True, exist_ok=True)
    try:
        result = calibrate(job.network.net_file, counted, folder, progress=step)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result.update(
        hour=hour,
        seconds=round(time.perf_counter() - started, 2),
        energy_wh=_energy_wh(time.process_time() + _children_cpu() - cpu),
    )
    job.result = result
    job.status = JobStatus.DONE
    job.message = (
        f"{result['calibrated']['share_geh5']:.0f} % des sections sous GEH 5 "
        f"(demande aléatoire : {result['baseline']['share_geh5']:.0f} %)."
    )
    job.save()
