"""SCADA time series stored as Parquet files (one per import) and read back with pyarrow.

Each import is one file `<data>/eau/<network>/<import>.parquet` with a `ts` column (local
time, naive) and one float column per sensor; an import may not overlap the time range of
an earlier import of the same sensors (a duplicated day is refused, with its dates). A
zone's chart reads the wanted columns of the network's files, skipping the row groups (one
week each) outside the month (`load_files`). The files are the module's own, not datasets
of the `opendata` portal (only the monthly volumes are published there: publishing.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction

from territoria.eau import scada

ROW_GROUP = 7 * 288  # a week of 5-minute samples: a month's chart skips the other weeks


def store_dir(network) -> Path:
    folder = Path(settings.DATA_DIR) / "eau" / str(network.pk)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def import_csv(network, path: Path | str, file_name: str = ""):
    """Read, check and store one SCADA file; nothing is kept if anything fails."""
    from territoria.eau.models import SensorImport

    path = Path(path)
    series = scada.read_csv(path)
    series.warnings = series.warnings + check_sensors(network, series, file_name or path.name)
    first = series.times[0].astype("datetime64[s]").item()
    last = series.times[-1].astype("datetime64[s]").item()
    for earlier in network.imports.all():
        shared = set(earlier.sensors) & set(series.sensors)
        if (
            shared
            and earlier.first_time.replace(tzinfo=None) <= last
            and first <= earlier.last_time.replace(tzinfo=None)
        ):
            raise scada.ScadaError(
                f"{file_name or path.name} : les mesures de {sorted(shared)} du "
                f"{first:%d/%m/%Y} au {last:%d/%m/%Y} recouvrent l'import « {earlier.file_name} » "
                f"({earlier.first_time:%d/%m/%Y}–{earlier.last_time:%d/%m/%Y}) : doublons refusés."
            )
    table = pa.table(
        {
            "ts": pa.array(series.times.astype("datetime64[us]")),
            **{name: pa.array(values) for name, values in series.values.items()},
        }
    )
    with transaction.atomic():
        record = SensorImport(
            network=network,
            file_name=file_name or path.name,
            sensors=series.sensors,
            rows=len(series.times),
            first_time=_aware(first),
            last_time=_aware(last),
            step_seconds=series.step_seconds(),
            warnings=series.warnings,
        )
        target = store_dir(network) / f"{record.pk}.parquet"
        record.parquet = str(target)
        pq.write_table(table, target, compression="zstd", row_group_size=ROW_GROUP)
        try:
            record.save()
        except Exception:
            target.unlink(missing_ok=True)
            raise
    return record


PRESSURE_RANGE_M = (-10.0, 250.0)  # metres of water column; beyond: not a network pressure
PRESSURE_IN_BAR_M = 5.0  # a median this low is a pressure in bar, not in metres


def check_sensors(network, series: scada.Series, file_name: str) -> list[str]:
    """Checks that depend on the network: a column named like a junction of the model is a
    pressure sensor (metres of water column): a value outside PRESSURE_RANGE_M is refused
    with its line and column, a median under PRESSURE_IN_BAR_M is flagged (bar?). Columns
    that name nothing of the model are flagged (they cannot enter a balance or locate a
    leak). Returns the warnings; raises ScadaError for a refusal."""
    from territoria.eau import network as network_service

    nodes = network.elements.get("nodes", {})
    if not nodes:
        return []
    junctions = network_service.junctions(network)
    links = {link[0] for link in network.elements.get("links", [])}
    warnings = []
    low, high = PRESSURE_RANGE_M
    for sensor, values in series.values.items():
        if sensor not in junctions:
            continue
        bad = np.flatnonzero(np.isfinite(values) & ((values < low) | (values > high)))
        if bad.size:
            row = int(bad[0])
            raise scada.ScadaError(
                f"{file_name}, ligne {series.line(row)}, colonne « {sensor} » : pression aberrante "
                f"{values[row]:g} m au {scada._fmt(series.times[row])} (attendu entre {low:g} "
                f"et {high:g} m de colonne d'eau ; une pression en bar se multiplie par 10,2)."
            )
        finite = values[np.isfinite(values)]
        if finite.size and float(np.median(finite)) < PRESSURE_IN_BAR_M:
            warnings.append(
                f"Capteur de pression {sensor} : médiane {float(np.median(finite)):.2f} m, "
                "très basse : pression exportée en bar au lieu de mètres ?"
            )
    unknown = [s for s in series.sensors if s not in nodes and s not in links]
    if unknown:
        shown = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
        warnings.append(
            f"Colonnes qui ne nomment ni un nœud ni une conduite du modèle : {shown} "
            "(elles sont gardées, mais n'entrent dans aucun bilan ni aucune localisation)."
        )
    return warnings


def _aware(value: dt.datetime) -> dt.datetime:
    # The SCADA clock is local and naive; the database keeps it as is, read as UTC-less.
    from django.utils import timezone

    return timezone.make_aware(value, dt.UTC) if settings.USE_TZ else value


def load(network, sensors: list[str], start=None, end=None) -> scada.Series:
    """The samples of `sensors` between start and end (all when None), in time order."""
    files = [i.parquet for i in network.imports.all() if set(sensors) & set(i.sensors)]
    return load_files(files, sensors, start, end)


def load_files(files: list[str], sensors: list[str], start=None, end=None) -> scada.Series:
    """`load` over the given Parquet files (no database needed: benchmarks use it too).

    Arrow reads only the wanted columns and skips the row groups (one week each) outside
    [start, end) from their statistics: a month's chart reads about 5 weeks."""
    import pyarrow.compute as pc

    pieces = []  # (times, {sensor: values}) of each file holding some of the sensors
    filters = []
    if start is not None:
        filters.append(("ts", ">=", np.datetime64(start, "us")))
    if end is not None:
        filters.append(("ts", "<", np.datetime64(end, "us")))
    for file in files:
        names = pq.read_schema(file).names
        held = [s for s in sensors if s in names]
        if not held:
            continue
        table = pq.read_table(file, columns=["ts", *held], filters=filters or None)
        if table.num_rows == 0:
            continue
        times = table.column("ts").to_numpy().astype("datetime64[s]")
        values = {
            s: pc.cast(table.column(s), pa.float64()).to_numpy(zero_copy_only=False) for s in held
        }
        pieces.append((times, values))
    if not pieces:
        return scada.Series(np.array([], dtype="datetime64[s]"), {s: np.array([]) for s in sensors})
    # One time axis for all files: a flows file and a levels file of the same period share
    # their timestamps, each sensor comes from the file that holds it (imports of the same
    # sensor never overlap: refused at import).
    axis = np.unique(np.concatenate([times for times, _ in pieces]))
    merged = {s: np.full(len(axis), np.nan) for s in sensors}
    for times, values in pieces:
        where = np.searchsorted(axis, times)
        for sensor, column in values.items():
            merged[sensor][where] = column
    return scada.Series(axis, merged)
