"""Detector counts: a CSV of any step → checked, stored as Parquet, queried with DuckDB (charts
per detector); the calibration of the demand on the counts with SUMO's routeSampler.py and
the GEH statistic per counted section."""

from __future__ import annotations

import math
import shutil
import threading
import time
import unicodedata
import xml.etree.ElementTree as ET
from contextlib import contextmanager
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
    table, summary = load_csv(path, name, edges)
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
        # written inside the transaction: a failed write rolls the record back
        write_parquet(table, record.parquet)
    return record


def run_import(job: Job) -> None:
    """The background import of the file an agent sent (views.counts_import): every line
    checked, then stored, or the job fails naming the lines; the file is removed either way.
    A stored import queues the flow analysis (typical days, congestion, anomalies)."""
    from territoria.mobilite import flows
    from territoria.mobilite.jobs import _energy_wh

    started, cpu = time.perf_counter(), time.process_time()
    job.status, job.total, job.done = JobStatus.RUNNING, 2, 0
    job.message = "Lecture et contrôle de chaque ligne."
    job.save()
    try:
        record = import_counts(job.network, job.upload, file_name=job.params["file_name"])
    except CountsError as error:
        # the message names up to MAX_ERRORS lines: whole in the result, cut in `message`
        job.status, job.message = JobStatus.FAILED, "Fichier refusé, rien n'est enregistré."
        job.result = {"error": str(error)}
        job.save()
        return
    finally:
        shutil.rmtree(job.folder, ignore_errors=True)
    job.done = 1
    job.message = "Comptages enregistrés ; l'analyse des flux est mise en file."
    job.save(update_fields=["done", "message", "updated_at"])
    flows.start(job.network, job.created_by)
    job.result = {
        "count_import": str(record.pk),
        "rows": record.rows,
        "detectors": len(record.detectors),
        "step_minutes": record.step_minutes,
        "first": f"{timezone.localtime(record.first_time):%d/%m/%Y %H:%M}",
        "last": f"{timezone.localtime(record.last_time):%d/%m/%Y %H:%M}",
        "warnings": record.warnings[:20],
        "seconds": round(time.perf_counter() - started, 2),
        "energy_wh": _energy_wh(time.process_time() - cpu),
    }
    job.status, job.done, job.message = JobStatus.DONE, 2, "Import terminé."
    job.save()


PARQUET_ROW_GROUP = 131_072  # a detector's month falls in one or two row groups


def write_parquet(table, target: Path) -> None:
    """One write of the checked, sorted table; the file appears whole or not at all."""
    import pyarrow.parquet as pq

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partiel")
    try:
        pq.write_table(
            table,
            partial,
            row_group_size=PARQUET_ROW_GROUP,
            # dictionaries where values repeat; min/max where queries filter (a detector, a month)
            use_dictionary=["detector", "vehicles"],
            write_statistics=["detector", "ts"],
        )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _header(path: Path, name: str) -> tuple[list[str], str] | None:
    """(column names, delimiter) of a plain CSV header, None when unsure (the checked path
    then reads the file with DuckDB's sniffer)."""
    import csv

    try:
        with open(path, encoding="utf-8", newline="") as handle:
            first = handle.readline()
    except (OSError, UnicodeDecodeError):
        return None
    line = first.rstrip("\r\n")
    if not line or '"' in line:
        return None
    delimiter = max((",", ";", "\t", "|"), key=line.count)
    if not line.count(delimiter):
        return None
    return next(csv.reader([line], delimiter=delimiter)), delimiter


IMPORT_THREADS = 2  # as many as DuckDB's connections (`_connect`): the 2 cores of the server


@contextmanager
def _arrow_threads():
    """pyarrow's CSV reader runs on its global CPU pool, which OMP_NUM_THREADS sets (to 1 on
    machines shared by batch jobs): the import asks for IMPORT_THREADS while it reads."""
    import pyarrow as pa

    before = pa.cpu_count()
    if before < IMPORT_THREADS:
        pa.set_cpu_count(IMPORT_THREADS)
    try:
        yield
    finally:
        if pa.cpu_count() != before:
            pa.set_cpu_count(before)


def _bulk_pool():
    """The memory pool of the CSV read: the C library's allocator, which keeps the memory it
    frees for the next blocks, where pyarrow's default (mimalloc) hands it back to the system
    between blocks and pays the page faults again (5 s of system time on a year of counts)."""
    import pyarrow as pa

    return pa.system_memory_pool()


def _within(values, top: float) -> bool:
    """No value below 0 or above `top` (nulls and NaN aside)."""
    import pyarrow.compute as pc

    low, high = pc.min_max(values).values()
    return (low.as_py() is None or low.as_py() >= 0) and (
        high.as_py() is None or high.as_py() <= top
    )


def _fast_read(path: Path, name: str):
    """The counts as an Arrow table (detector, ts, vehicles, speed, occupancy), read by
    pyarrow's multithreaded CSV reader with the types given, or None when the file is not the
    plain, valid case (a bad value, an unusual format): the checked path then reads it again
    and names every faulty line and field."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    header = _header(path, name)
    if header is None:
        return None
    found, delimiter = header
    columns = _columns(found)
    if any(k not in columns for k in ("detector", "timestamp", "vehicles")):
        return None
    if len(set(found)) != len(found):
        return None
    types = {
        columns["detector"]: pa.dictionary(pa.int32(), pa.string()),
        columns["timestamp"]: pa.timestamp("us"),
        columns["vehicles"]: pa.float64(),
    }
    for key in ("speed", "occupancy"):
        if key in columns:
            types[columns[key]] = pa.float64()
    try:
        with _arrow_threads():
            raw = pcsv.read_csv(
                path,
                memory_pool=_bulk_pool(),
                read_options=pcsv.ReadOptions(block_size=1 << 24),
                parse_options=pcsv.ParseOptions(delimiter=delimiter),
                convert_options=pcsv.ConvertOptions(
                    column_types=types,
                    include_columns=list(types),
                    null_values=[""],
                    strings_can_be_null=False,
                    timestamp_parsers=[pcsv.ISO8601, "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"],
                ),
            )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError, OSError):
        return None
    if raw.num_rows == 0:
        return None
    ts = raw.column(columns["timestamp"])
    vehicles = raw.column(columns["vehicles"])
    if ts.null_count:
        return None
    # the same limits as the checked path; NaN and infinities are impossible values too. One
    # pass for the bounds (min_max skips NaN), one for NaN (a NaN is never equal to its floor).
    if not _within(vehicles, 20000) or pc.any(pc.not_equal(pc.floor(vehicles), vehicles)).as_py():
        return None
    extra = {}
    for key, top in (("speed", 250), ("occupancy", 100)):
        if key not in columns:
            extra[key] = pa.nulls(raw.num_rows, pa.float64())
            continue
        values = raw.column(columns[key])
        if not _within(values, top) or pc.any(pc.is_nan(values)).as_py():
            return None
        extra[key] = values
    detector = raw.column(columns["detector"]).unify_dictionaries()
    chunks = []
    for chunk in detector.chunks:
        trimmed = pc.utf8_trim(chunk.dictionary, " ")
        if (
            pc.any(pc.equal(trimmed, "")).as_py()
            and pc.any(pc.equal(pc.take(trimmed, chunk.indices), "")).as_py()
        ):
            return None  # an empty detector: named by the checked path
        chunks.append(pa.DictionaryArray.from_arrays(chunk.indices, trimmed))
    return pa.table(
        {
            "detector": pa.chunked_array(chunks, pa.dictionary(pa.int32(), pa.string())),
            "ts": ts,
            "vehicles": pc.cast(vehicles, pa.int32()),
            "speed": extra["speed"],
            "occupancy": extra["occupancy"],
        }
    )


def _columns(found: list[str]) -> dict[str, str]:
    columns = {}
    for key, aliases in COLUMNS.items():
        match = next((c for c in found if _plain(c) in {_plain(a) for a in aliases}), None)
        if match:
            columns[key] = match
    return columns


def load_csv(path: Path, name: str, edges: set[str]):
    """(checked Arrow table sorted by detector and time, summary) of a counts CSV.

    The plain case (a clean file in the usual format) is read once by pyarrow with its types;
    anything else goes through the checked path (DuckDB, every value tested as text), which
    names the faulty lines and fields. The checks of time series (duplicates, step, gaps,
    stuck detectors) then run once, vectorised, on the sorted arrays."""
    table = _fast_read(Path(path), name)
    if table is None:
        table = _checked_read(path, name)
    return _analyse(table, name, edges)


def _checked_read(path: Path, name: str):
    """The counts read by DuckDB as text, every value tested: errors name the line and the
    field (at most MAX_ERRORS of them); the checked Arrow table otherwise (unsorted)."""
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
    columns = _columns(found)
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
        FROM src"""
    )  # fmt: skip
    return _arrow(con.sql("SELECT * FROM clean"))


def _arrow(relation):
    to_table = getattr(relation, "to_arrow_table", None) or relation.arrow
    return to_table()


def _analyse(table, name: str, edges: set[str]):
    """Sort by detector and time (when the file is not sorted already), then the checks of the
    series, vectorised: duplicates (an error), step, gaps, empty values, stuck detectors and
    detectors that are no edge of the network (warnings)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = table.num_rows
    if not rows:
        raise CountsError(f"{name} : aucun comptage.")
    detector = table.column("detector")
    if not pa.types.is_dictionary(detector.type):
        detector = pc.dictionary_encode(detector)
    detector = detector.unify_dictionaries().combine_chunks()
    # codes in the order of the names (a trimmed name may appear twice in the dictionary)
    names, rank = np.unique(
        np.asarray(detector.dictionary.to_pylist(), dtype=object), return_inverse=True
    )
    codes = rank.astype(np.int32)[detector.indices.to_numpy(zero_copy_only=False)]
    ts = pc.cast(table.column("ts"), pa.int64()).to_numpy()  # microseconds
    # Tens of millions of lines: the tests below write into one reused flag array (`flag`)
    # rather than allocating a fresh temporary for each (fresh memory costs page faults).
    same = codes[1:] == codes[:-1]
    d = ts[1:] - ts[:-1]
    flag = np.greater_equal(codes[1:], codes[:-1])
    ordered = bool(flag.all())
    if ordered:
        np.less(d, 0, out=flag)
        flag &= same
        ordered = not flag.any()
    if not ordered:
        order = np.lexsort((ts, codes))
        codes, ts = codes[order], ts[order]
        table = table.take(order)
        np.equal(codes[1:], codes[:-1], out=same)
        np.subtract(ts[1:], ts[:-1], out=d)
    vehicles = table.column("vehicles")
    table = pa.table(
        {
            "detector": pa.DictionaryArray.from_arrays(
                pa.array(codes, pa.int32()), pa.array(names.tolist(), pa.string())
            ),
            "ts": pc.cast(table.column("ts"), pa.timestamp("us")),
            "vehicles": pc.cast(vehicles, pa.int32()),
            "speed": pc.cast(table.column("speed"), pa.float64()),
            "occupancy": pc.cast(table.column("occupancy"), pa.float64()),
        }
    )
    np.equal(d, 0, out=flag)
    flag &= same
    twice = np.flatnonzero(flag) if flag.any() else ()
    if len(twice):
        i = int(twice[0])
        raise CountsError(
            f"{name} : le détecteur « {names[codes[i]]} » a deux comptages à "
            f"{_datetime(ts[i]):%d/%m/%Y %H:%M}."
        )
    step = _median_step(d, same, flag) / 1e6
    step_minutes = max(1, round(step / 60))
    warnings = []
    unit = step_minutes * 60 * 1_000_000
    gap = np.greater(d, 3 * unit // 2, out=flag)  # integers: no float copy of the differences
    gap &= same
    if gap.any():
        missing = np.floor(d[gap] / unit + 0.5) - 1
        per = np.bincount(codes[1:][gap], weights=missing, minlength=len(names))
        for c in _top(per):
            warnings.append(
                f"détecteur {names[c]} : {int(per[c])} intervalle(s) de {step_minutes} min "
                "manquant(s) (trous)."
            )
    if table.column("vehicles").null_count:
        empty = pc.is_null(table.column("vehicles")).to_numpy(zero_copy_only=False)
        per = np.bincount(codes[empty], minlength=len(names))
        for c in _top(per):
            warnings.append(f"détecteur {names[c]} : {int(per[c])} valeur(s) vide(s).")
    # runs of the same count (an empty value equals an empty value) within a detector: the
    # edges of the runs of "equal to the line before", found on int8 flags (few, short runs)
    v = pc.fill_null(table.column("vehicles"), -1).to_numpy()
    equal = np.equal(v[1:], v[:-1], out=flag)
    equal &= same
    flags = np.zeros(equal.size + 2, np.int8)
    flags[1:-1] = equal
    edges_of_runs = np.diff(flags)  # int8: +1 where a run starts, -1 where it ends
    starts = np.flatnonzero(edges_of_runs == 1)  # line of a run's first value
    lengths = np.flatnonzero(edges_of_runs == -1) - starts + 1
    keep = (v[starts] > 0) & (lengths >= STUCK_INTERVALS)
    if keep.any():
        starts, run_lengths = starts[keep], lengths[keep]
        run_codes, run_values = codes[starts], v[starts]
        longest = np.lexsort((-run_lengths, run_codes))  # per detector, its longest run first
        first = np.concatenate(([True], run_codes[longest][1:] != run_codes[longest][:-1]))
        best = longest[first]
        stuck = sorted(
            zip(-run_lengths[best], names[run_codes[best]], run_values[best], strict=True)
        )[:5]
        for run, det, value in stuck:
            warnings.append(
                f"détecteur {det} bloqué ? la même valeur ({int(value)}) {-int(run)} fois de suite."
            )
    present = names[np.bincount(codes, minlength=len(names)) > 0].tolist()
    unknown = [n for n in present if n not in edges]
    if unknown:
        warnings.append(
            f"{len(unknown)} détecteur(s) sans tronçon du réseau du même nom (non utilisés pour le "
            f"calage) : {', '.join(unknown[:5])}{'…' if len(unknown) > 5 else ''}."
        )
    summary = {
        "rows": rows,
        "first": _datetime(ts.min()),
        "last": _datetime(ts.max()),
        "step_minutes": step_minutes,
        "warnings": warnings,
        "detectors": present,
    }
    return table, summary


def _median_step(d, same, flag) -> float:
    """The median of the differences `d` between consecutive times of the same detector
    (microseconds; 3600 s when there are none). Exact without sorting 40 million values: the
    usual step is the most common one; when at most half of the differences are below it and at
    least half at or below it, it is the median (np.median otherwise)."""
    import numpy as np

    n = int(np.count_nonzero(same))
    if not n:
        return 3600e6
    sample = d[:100_000][same[:100_000]]
    if sample.size:
        values, counts_ = np.unique(sample, return_counts=True)
        usual = values[counts_.argmax()]
        np.less(d, usual, out=flag)
        below = int(np.count_nonzero(np.logical_and(flag, same, out=flag)))
        np.less_equal(d, usual, out=flag)
        at_most = int(np.count_nonzero(np.logical_and(flag, same, out=flag)))
        # the median is the mean of the sorted values at (n - 1) // 2 and n // 2
        if below <= (n - 1) // 2 and n // 2 < at_most:
            return float(usual)
    return float(np.median(d[same]))


def _top(per, n: int = 5) -> list[int]:
    """The (at most n) largest non-zero entries, largest first, then by name."""
    import numpy as np

    nonzero = np.flatnonzero(per)
    return [int(c) for c in nonzero[np.lexsort((nonzero, -per[nonzero]))][:n]]


def _datetime(microseconds) -> datetime:
    return datetime(1970, 1, 1) + timedelta(microseconds=int(microseconds))


def _files(network: Network) -> list[str]:
    return [str(i.parquet) for i in network.count_imports.all() if i.parquet.exists()]


_READER = None
_READER_LOCK = threading.Lock()


def _reader():
    """A DuckDB connection for read-only queries on the Parquet store: a cursor on one in-memory
    database per process. Opening a database costs 15 to 40 ms, more than the query of a month
    chart itself; a cursor costs well under a millisecond, and each caller (each thread) gets its
    own, as DuckDB requires. Nothing is kept between queries but the database's settings: not
    even the blocks of the files read (DuckDB's external file cache is turned off), so that a
    request costs what the first one did (measured: benchmarks/mobilite_counts.py)."""
    global _READER
    with _READER_LOCK:
        if _READER is None:
            _READER = _connect()
            _READER.execute("SET enable_external_file_cache = false")
        return _READER.cursor()


def detector_chart(network: Network, detector: str, month: str | None) -> dict | None:
    """Hourly vehicles of one detector over one month (DuckDB on the Parquet files)."""
    from territoria.core.charts import LineChart, Series

    found = month_hours(_files(network), detector, month)
    if found is None:
        return None
    start, rows = found
    chart = LineChart(
        f"Véhicules par heure, détecteur {detector} ({start:%m/%Y})",
        [Series("Véhicules comptés", [(h, None if v is None else int(v)) for h, v in rows])],
        x_label="heure",
        y_label="véhicules / h",
        summary=f"{len(rows)} heures comptées ; maximum {max((v or 0) for _, v in rows) if rows else 0} véhicules par heure.",
    )
    return {"chart": chart, "month": start.strftime("%Y-%m")}


def month_hours(files: list[str], detector: str, month: str | None):
    """(first day of the month, [(hour, vehicles)]) of one detector, or None when the detector
    has no count. `month` is "YYYY-MM"; without it (or when unreadable), the detector's last
    month. A month given is read in one query; the detector's last time is looked up only when
    no month is given, or when the month has no count (to tell an empty month from an unknown
    detector)."""
    if not files:
        return None
    con = _reader()
    try:
        start = datetime.strptime(month or "", "%Y-%m")
    except ValueError:
        start = None
    if start is not None:
        rows = hourly_rows(con, files, detector, start, _next_month(start))
        if rows:
            return start, rows
    last = con.execute(
        "SELECT max(ts) FROM read_parquet(?) WHERE detector = ?", [files, detector]
    ).fetchone()[0]
    if last is None:
        return None
    if start is None:
        start = last.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        rows = hourly_rows(con, files, detector, start, _next_month(start))
    return start, rows


def _next_month(start: datetime) -> datetime:
    return (start + timedelta(days=32)).replace(day=1)


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
    con = _reader()
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
    import sumolib

    from territoria.mobilite.routes import parse_routes

    edges = {e.getID() for e in sumolib.net.readNet(str(net)).getEdges()}
    # kept so that a scenario can run on it (views.scenario_run, « demande calée »)
    demand = parse_routes(sampled.read_bytes(), edges, 3600, sampled.name) if vehicles else []
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
        "demand": demand,
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
