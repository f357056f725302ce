"""The counts importer before the streamed read (commit ac393c2 of
src/territoria/mobilite/counts.py, these functions unchanged): the whole CSV read by pyarrow's
multithreaded reader into one table, checked, analysed with numpy, then written to Parquet in one
call. The month chart as it was before its own optimisation (commit 7805022: a DuckDB database
opened for each request, the detector's last time looked up before every month). Kept only so
that benchmarks/mobilite_counts.py times the previous paths in the same run."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from territoria.mobilite.counts import (
    IMPORT_THREADS,
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

PARQUET_ROW_GROUP = 131_072


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
