"""The counts importer and month chart as they were before the last optimisation (commit
7805022 of src/territoria/mobilite/counts.py, these functions unchanged): pyarrow's CSV reader on
its default thread pool and memory pool, the series checks with a fresh temporary array for each
test; the month chart on a DuckDB database opened for each request, the detector's last time
looked up before every month. Kept only so that benchmarks/mobilite_counts.py times the previous
path in the same run."""

from __future__ import annotations

from pathlib import Path

from territoria.mobilite.counts import (
    STUCK_INTERVALS,
    CountsError,
    _checked_read,
    _columns,
    _connect,
    _datetime,
    _header,
    _top,
    hourly_rows,
)


def month_hours(files: list[str], detector: str, month: str | None):
    """The body of detector_chart at commit 7805022, without the chart object."""
    from datetime import datetime, timedelta

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
    return start, hourly_rows(con, files, detector, start, end)


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
        raw = pcsv.read_csv(
            path,
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
    # the same limits as the checked path; NaN and infinities are impossible values too
    bad = pc.or_(
        pc.or_(pc.less(vehicles, 0), pc.greater(vehicles, 20000)),
        pc.or_(pc.not_equal(pc.floor(vehicles), vehicles), pc.is_nan(vehicles)),
    )
    if pc.any(bad).as_py():
        return None
    extra = {}
    for key, top in (("speed", 250), ("occupancy", 100)):
        if key not in columns:
            extra[key] = pa.nulls(raw.num_rows, pa.float64())
            continue
        values = raw.column(columns[key])
        bad = pc.or_(pc.or_(pc.less(values, 0), pc.greater(values, top)), pc.is_nan(values))
        if pc.any(bad).as_py():
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
    same = codes[1:] == codes[:-1]
    ordered = bool(np.all((codes[1:] > codes[:-1]) | (same & (ts[1:] >= ts[:-1]))))
    if not ordered:
        order = np.lexsort((ts, codes))
        codes, ts = codes[order], ts[order]
        table = table.take(order)
        same = codes[1:] == codes[:-1]
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
    d = ts[1:] - ts[:-1]
    twice = np.flatnonzero(same & (d == 0))
    if twice.size:
        i = int(twice[0])
        raise CountsError(
            f"{name} : le détecteur « {names[codes[i]]} » a deux comptages à "
            f"{_datetime(ts[i]):%d/%m/%Y %H:%M}."
        )
    steps = d[same]
    step = float(np.median(steps)) / 1e6 if steps.size else 3600.0
    step_minutes = max(1, round(step / 60))
    warnings = []
    unit = step_minutes * 60 * 1_000_000
    gap = same & (d > 1.5 * unit)
    if gap.any():
        missing = np.floor(d[gap] / unit + 0.5) - 1
        per = np.bincount(codes[1:][gap], weights=missing, minlength=len(names))
        for c in _top(per):
            warnings.append(
                f"détecteur {names[c]} : {int(per[c])} intervalle(s) de {step_minutes} min "
                "manquant(s) (trous)."
            )
    empty = pc.is_null(table.column("vehicles")).to_numpy(zero_copy_only=False)
    if empty.any():
        per = np.bincount(codes[empty], minlength=len(names))
        for c in _top(per):
            warnings.append(f"détecteur {names[c]} : {int(per[c])} valeur(s) vide(s).")
    # runs of the same count (an empty value equals an empty value) within a detector: the
    # edges of the runs of "equal to the line before", found on int8 flags (few, short runs)
    v = pc.fill_null(table.column("vehicles"), -1).to_numpy()
    equal = same & (v[1:] == v[:-1])
    edges_of_runs = np.diff(np.concatenate(([0], equal.view(np.int8), [0])))
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
