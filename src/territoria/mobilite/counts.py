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
    record = CountImport(network=network, file_name=name)  # its key names the Parquet file
    # the file is written (whole, or not at all) before the record, and removed if the record
    # cannot be saved: never a record without its file, nor a file kept for a refused import
    summary = store_csv(path, name, edges, record.parquet)
    try:
        with transaction.atomic():
            record.rows = summary["rows"]
            record.detectors = summary["detectors"]
            record.step_minutes = summary["step_minutes"]
            record.first_time = timezone.make_aware(summary["first"])  # counts: local time
            record.last_time = timezone.make_aware(summary["last"])
            record.warnings = summary["warnings"]
            record.save(force_insert=True)
    except BaseException:
        record.parquet.unlink(missing_ok=True)
        raise
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


@contextmanager
def _parquet_writer(target: Path):
    """write(table) into the Parquet file `target`, which appears whole or not at all. A
    dictionary for the detector (a few names repeated); the times, sorted within a detector, and
    the vehicles, close from one interval to the next, as deltas (a few bits a line, and less
    for Snappy to compress; for the vehicles, about the size of a dictionary's, +0.4 % on the
    benchmark's year, without hashing every line); min/max where queries filter (a detector, a
    month). The detector and the time are never empty: required columns, without definition
    levels to write."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            pa.field("detector", pa.dictionary(pa.int32(), pa.string()), nullable=False),
            pa.field("ts", pa.timestamp("us"), nullable=False),
            ("vehicles", pa.int32()),
            ("speed", pa.float64()),
            ("occupancy", pa.float64()),
        ]
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partiel")
    try:
        with pq.ParquetWriter(
            partial,
            schema,
            use_dictionary=["detector"],
            column_encoding={"ts": "DELTA_BINARY_PACKED", "vehicles": "DELTA_BINARY_PACKED"},
            write_statistics=["detector", "ts"],
            # the statistics of a dictionary column cost a hash of its indices per batch of
            # values written: one batch a row group rather than one per 1024 values (the same
            # values and the same min/max)
            write_batch_size=PARQUET_ROW_GROUP,
        ) as writer:
            yield lambda table: writer.write_table(
                table.cast(schema), row_group_size=PARQUET_ROW_GROUP
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def write_parquet(table, target: Path) -> None:
    """One write of the checked, sorted table; the file appears whole or not at all."""
    with _parquet_writer(target) as write:
        write(table)


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


def _dense(values):
    """The numpy view of a column in one chunk without nulls (a streamed block, usually), None
    otherwise."""
    if values.null_count or values.num_chunks != 1:
        return None
    return values.chunk(0).to_numpy()


def _bounded(x, top: float) -> bool:
    """No value below 0 or above `top`, and no NaN: a NaN makes the minimum and the maximum NaN,
    which fail both comparisons (two vectorised passes, where pc.min_max is several times
    slower)."""
    return bool(x.min() >= 0 and x.max() <= top)


def _plain_plan(path: Path, name: str, detector_as_text: bool = False):
    """(columns, pyarrow read, parse and convert options) of a CSV in the usual format (a plain
    header naming the columns once), None otherwise: the checked path then reads the file. The
    detector is dictionary-encoded by the reader, or read as text (`detector_as_text`: the
    streamed path codes it from its changes of value, `_coded_by_runs`)."""
    import pyarrow as pa
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
        columns["detector"]: (
            pa.string() if detector_as_text else pa.dictionary(pa.int32(), pa.string())
        ),
        columns["timestamp"]: pa.timestamp("us"),
        columns["vehicles"]: pa.float64(),
    }
    for key in ("speed", "occupancy"):
        if key in columns:
            types[columns[key]] = pa.float64()
    return (
        columns,
        pcsv.ParseOptions(delimiter=delimiter),
        pcsv.ConvertOptions(
            column_types=types,
            include_columns=list(types),
            null_values=[""],
            strings_can_be_null=False,
            timestamp_parsers=[pcsv.ISO8601, "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"],
        ),
    )


def _read_errors() -> tuple:
    """The errors of pyarrow's CSV reader that send a file to the checked path (which names the
    faulty line and field)."""
    import pyarrow as pa

    return (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError, OSError)


def _fast_read(path: Path, name: str):
    """The counts as an Arrow table (detector, ts, vehicles, speed, occupancy), read whole by
    pyarrow's multithreaded CSV reader with the types given, or None when the file is not the
    plain, valid case (a bad value, an unusual format): the checked path then reads it again
    and names every faulty line and field."""
    import pyarrow.csv as pcsv

    plan = _plain_plan(path, name)
    if plan is None:
        return None
    columns, parse_options, convert_options = plan
    try:
        with _arrow_threads():
            raw = pcsv.read_csv(
                path,
                memory_pool=_bulk_pool(),
                read_options=pcsv.ReadOptions(block_size=1 << 24),
                parse_options=parse_options,
                convert_options=convert_options,
            )
    except _read_errors():
        return None
    if raw.num_rows == 0:
        return None
    return _fast_values(raw, columns)


def _fast_values(raw, columns: dict[str, str]):
    """The typed columns of a table read by pyarrow, checked as the checked path would (bounds,
    NaN, integer vehicles, no empty detector) and renamed, or None when one value fails."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    ts = raw.column(columns["timestamp"])
    vehicles = raw.column(columns["vehicles"])
    if ts.null_count:
        return None
    # the same limits as the checked path; NaN and infinities are impossible values too
    dense = _dense(vehicles)
    if dense is not None:  # a whole number is equal to its int32 (NaN to nothing)
        if not _bounded(dense, 20000) or not np.array_equal(
            counted := dense.astype(np.int32), dense
        ):
            return None
        vehicles = pa.array(counted)
    else:  # one pass for the bounds (min_max skips NaN), one for NaN (never equal to its floor)
        if (
            not _within(vehicles, 20000)
            or pc.any(pc.not_equal(pc.floor(vehicles), vehicles)).as_py()
        ):
            return None
        vehicles = pc.cast(vehicles, pa.int32())
    extra = {}
    for key, top in (("speed", 250), ("occupancy", 100)):
        if key not in columns:
            extra[key] = pa.nulls(raw.num_rows, pa.float64())
            continue
        values = raw.column(columns[key])
        dense = _dense(values)
        if dense is not None:
            if not _bounded(dense, top):
                return None
        elif not _within(values, top) or pc.any(pc.is_nan(values)).as_py():
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
            "vehicles": vehicles,
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


STREAM_BLOCK = 1 << 21  # bytes of CSV per parsed batch: small enough to stay in the CPU caches
STREAM_ROWS = 2 * PARQUET_ROW_GROUP  # lines checked and written at a time (whole row groups)
SAMPLE = 100_000  # differences of the first lines that give the usual step (`_median_step`)


def store_csv(path: Path, name: str, edges: set[str], target: Path) -> dict:
    """Check and analyse a counts CSV and store it as the Parquet file `target`: the summary of
    `load_csv`, the same table in the file, or a CountsError and no file.

    The usual case (a clean file in the usual format, sorted by detector and time as counting
    systems export it) is streamed: parsed by blocks on a reader thread while the main thread
    checks each block, follows the series across blocks and writes whole row groups. The memory
    in use stays that of a few blocks, where the whole table of a year takes gigabytes (and
    their page faults: the system time of the previous import). Anything else goes through
    `load_csv`: an unsorted file (read again whole, then sorted), a file with a faulty value or
    an unusual format (the checked path, which names lines and fields), a step that is not the
    most common difference (its median is computed on all the differences)."""
    path = Path(path)
    try:
        return _stream(path, name, edges, target)
    except _NotStreamed as reason:
        table = _fast_read(path, name) if reason.args[0] == "whole" else None
    if table is None:
        table = _checked_read(path, name)
    table, summary = _analyse(table, name, edges)
    write_parquet(table, target)
    return summary


class _NotStreamed(Exception):
    """The file leaves the streamed path: "checked" (a faulty value or an unusual format) or
    "whole" (unsorted, or a step that needs all the differences)."""


def _stream(path: Path, name: str, edges: set[str], target: Path) -> dict:
    import pyarrow as pa

    plan = _plain_plan(path, name, detector_as_text=True)
    if plan is None:
        raise _NotStreamed("checked")
    columns = plan[0]
    series = _Series(name)
    with _parquet_writer(target) as write, _batches(path, plan) as batches:
        pending, rows = [], 0
        for batch in batches:
            if not batch.num_rows:
                continue
            values = _fast_values(_coded_by_runs(batch, columns["detector"]), columns)
            if values is None:
                raise _NotStreamed("checked")
            pending.append(values)
            rows += values.num_rows
            if rows >= STREAM_ROWS:
                table = pa.concat_tables(pending)
                cut = rows - rows % PARQUET_ROW_GROUP
                write(series.add(table.slice(0, cut)))
                pending, rows = [table.slice(cut)], rows - cut
        if rows:
            write(series.add(pa.concat_tables(pending)))
        if not series.rows:
            raise _NotStreamed("checked")  # no line: said by the checked path
        # before the file is renamed: a duplicate or an unusual step leaves no file
        summary = series.summary(edges)
    return summary


def _coded_by_runs(batch, column: str):
    """The batch as a table whose detector (read as text) is dictionary-encoded by its runs: one
    dictionary entry per change of value, the lines' indices counting the changes. In a sorted
    file a detector's lines follow each other, so this is a comparison of neighbours where the
    reader's dictionary encoding hashes every line (benchmarks/mobilite_counts.py). The
    same name in two runs (an unsorted file, names padded with spaces) gets two entries, which
    `_fast_values` and `_Series.add` merge as they merge the reader's dictionaries."""
    import numpy as np
    import pyarrow as pa

    table = pa.Table.from_batches([batch])
    at = table.schema.get_field_index(column)
    text = batch.column(at)
    n = len(text)
    starts = np.concatenate(([0], _changes(text)))
    indices = np.repeat(np.arange(len(starts), dtype=np.int32), np.diff(starts, append=n))
    dictionary = text.take(pa.array(starts))
    # indices in range by construction: not checked again (a pass over the lines)
    coded = pa.DictionaryArray.from_arrays(pa.array(indices), dictionary, safe=False)
    return table.set_column(at, column, coded)


def _changes(text):
    """The lines (from 1) whose text differs from the line before. Names of the same width (the
    usual case: "D0001"…) are compared in one pass over their bytes, each against the byte one
    name further; other texts by pyarrow's comparison of neighbours."""
    import numpy as np
    import pyarrow.compute as pc

    n = len(text)
    offsets = np.frombuffer(text.buffers()[1], np.int32, n + 1, 4 * text.offset)
    width = int(offsets[1] - offsets[0]) if n else 0
    if width and np.all(np.diff(offsets) == width):
        data = np.frombuffer(text.buffers()[2], np.uint8, n * width, int(offsets[0]))
        # byte j of the line j // width against the same byte of the next line
        lines = np.flatnonzero(data[width:] != data[:-width]) // width
        return lines[np.diff(lines, prepend=-1) != 0] + 1
    return _set_bits(pc.not_equal(text.slice(1), text.slice(0, n - 1))) + 1


def _set_bits(flags):
    """The positions of the true values of a boolean array without nulls, found in its bitmap
    (a byte for 8 values; few are set where the detector changes rarely), not in a byte-per-value
    copy of it."""
    import numpy as np

    n = len(flags)
    if flags.offset % 8:
        return np.flatnonzero(flags.to_numpy(zero_copy_only=False))
    bitmap = np.frombuffer(flags.buffers()[1], np.uint8, (n + 7) // 8, flags.offset // 8)
    set_bytes = np.flatnonzero(bitmap)
    bits = np.unpackbits(bitmap[set_bytes, None], axis=1, bitorder="little")
    positions = (set_bytes[:, None] * 8 + np.arange(8))[bits.astype(bool)]
    return positions[positions < n]  # the last byte's padding bits are not values


@contextmanager
def _batches(path: Path, plan):
    """The record batches of pyarrow's streaming CSV reader, parsed on a thread of their own
    (pyarrow releases the GIL while it parses) a few blocks ahead of the caller. A read error
    is raised as _NotStreamed("checked"); leaving the block stops the thread."""
    import queue

    import pyarrow.csv as pcsv

    _, parse_options, convert_options = plan
    ready: queue.Queue = queue.Queue(maxsize=8)
    stop = threading.Event()

    def read():
        try:
            reader = pcsv.open_csv(
                path,
                read_options=pcsv.ReadOptions(block_size=STREAM_BLOCK, use_threads=False),
                parse_options=parse_options,
                convert_options=convert_options,
            )
            for batch in reader:
                if stop.is_set():
                    return
                ready.put(batch)
            ready.put(None)
        except BaseException as error:  # noqa: BLE001 - handed to the caller, which decides
            ready.put(error)

    def iterate():
        while (item := ready.get()) is not None:
            if isinstance(item, _read_errors()):
                raise _NotStreamed("checked") from item
            if isinstance(item, BaseException):
                raise item
            yield item

    thread = threading.Thread(target=read, name="lecture-comptages", daemon=True)
    thread.start()
    try:
        yield iterate()
    finally:
        stop.set()
        while thread.is_alive():  # unblocks a reader waiting for room in the queue
            try:
                ready.get(timeout=0.05)
            except queue.Empty:
                pass
        thread.join()


def _copy_into(out, column, null) -> None:
    """The values of an integer or time column into `out` (nulls as `null`), chunk by chunk."""
    import pyarrow as pa
    import pyarrow.compute as pc

    at = 0
    for piece in column.chunks:
        if piece.null_count:
            piece = pc.fill_null(piece, null)
        if pa.types.is_timestamp(piece.type):
            piece = piece.view(pa.int64())
        out[at : at + len(piece)] = piece.to_numpy()
        at += len(piece)


class _Series:
    """The checks of `_analyse` over a sorted file given in consecutive chunks: each chunk is
    checked with the last line of the previous one in front, so that differences, runs of the
    same value and changes of detector are seen across chunks. Raises _NotStreamed("whole")
    where `_analyse` needs the whole table (the file is not sorted, or the step is not the most
    common difference of the first lines)."""

    def __init__(self, name: str):
        self.name = name
        self.names: list[str] = []  # in the order of the file, which is the sorted order
        self.rows = 0
        self.last = None  # (detector code, time, vehicles) of the last line so far
        self.first_ts = self.last_ts = None
        self.usual = self.unit = None  # the most common step of the first lines (µs)
        self.pairs = self.below = self.at_most = 0  # differences within a detector
        self.twice = None  # the first line counted twice: (detector, time)
        self.gaps: list = []  # (detector codes, missing intervals)
        self.empty: list = []  # detector codes of the empty values
        self.runs: list = []  # (length, detector code, value) of long runs, in the file's order
        self.open_run = None  # the first line of a run still going at the end of the chunk
        self.work = None  # work arrays (`_work`)

    def _work(self, lines: int) -> dict:
        """Work arrays for `lines` lines, kept from chunk to chunk: fresh arrays for each chunk
        would be fresh memory each time (page faults: the system time of the import)."""
        import numpy as np

        if self.work is None or len(self.work["ts"]) < lines:
            size = max(lines, STREAM_ROWS + PARQUET_ROW_GROUP) + 1
            self.work = {
                "codes": np.empty(size, np.int32),
                "g": np.empty(size, np.int32),
                "ts": np.empty(size, np.int64),
                "v": np.empty(size, np.int32),
                "d": np.empty(size, np.int64),
                "same": np.empty(size, bool),
                "equal": np.empty(size, bool),
                "flag": np.empty(size, bool),
                "flags": np.zeros(size + 1, np.int8),
                "edges": np.empty(size, np.int8),
                "edge": np.empty(size, bool),
            }
        return self.work

    def add(self, chunk):
        """Checks `chunk` (a table of `_fast_values`) after the lines before it; returns the
        table to write."""
        import numpy as np
        import pyarrow as pa

        n = chunk.num_rows
        ahead = int(self.last is not None)  # the previous chunk's last line in front
        m = n + ahead
        work = self._work(m)
        detector = chunk.column("detector").unify_dictionaries().combine_chunks()
        local, rank = np.unique(
            np.asarray(detector.dictionary.to_pylist(), dtype=object), return_inverse=True
        )
        indices = detector.indices.to_numpy(zero_copy_only=False)
        codes = np.take(rank.astype(np.int32), indices, out=work["codes"][:n])
        flag = work["flag"][: n - 1]
        if np.less(codes[1:], codes[:-1], out=flag).any():
            raise _NotStreamed("whole")
        np.not_equal(codes[1:], codes[:-1], out=flag)
        shown = codes[np.concatenate(([0], np.flatnonzero(flag) + 1))]
        going_on = bool(self.names) and local[shown[0]] == self.names[-1]
        if self.names and local[shown[0]] < self.names[-1]:
            raise _NotStreamed("whole")
        base = len(self.names) - int(going_on)
        self.names.extend(local[shown[int(going_on) :]].tolist())
        to_global = np.zeros(len(local), np.int32)
        to_global[shown] = np.arange(base, base + len(shown), dtype=np.int32)
        g, ts, v = work["g"][:m], work["ts"][:m], work["v"][:m]
        np.take(to_global, codes, out=g[ahead:])
        _copy_into(ts[ahead:], chunk.column("ts"), None)
        _copy_into(v[ahead:], chunk.column("vehicles"), -1)
        low, high = int(ts[ahead:].min()), int(ts[ahead:].max())
        self.first_ts = low if self.first_ts is None else min(self.first_ts, low)
        self.last_ts = high if self.last_ts is None else max(self.last_ts, high)
        empty = np.equal(v[ahead:], -1, out=work["flag"][:n])
        if empty.any():
            self.empty.append(g[ahead:][empty])
        origin = self.rows - ahead  # the line of index 0 in g, ts, v
        if ahead:
            g[0], ts[0], v[0] = self.last
        same = np.equal(g[1:], g[:-1], out=work["same"][: m - 1])
        d = np.subtract(ts[1:], ts[:-1], out=work["d"][: m - 1])
        flag = work["flag"][: m - 1]

        def within(test, *args):  # test(d, *args) and the same detector, in `flag`
            test(d, *args, out=flag)
            return np.logical_and(flag, same, out=flag)

        if within(np.less, 0).any():
            raise _NotStreamed("whole")
        if self.twice is None and within(np.equal, 0).any():
            i = int(np.argmax(flag))
            self.twice = (self.names[g[i]], int(ts[i]))
        if not ahead:  # the first chunk: the first lines of the file
            sample = d[:SAMPLE][same[:SAMPLE]]
            if sample.size:
                values, counts_ = np.unique(sample, return_counts=True)
                self.usual = values[counts_.argmax()]
                step_minutes = max(1, round(float(self.usual) / 1e6 / 60))
                self.unit = step_minutes * 60 * 1_000_000
        pairs = int(np.count_nonzero(same))
        if pairs and self.usual is None:
            raise _NotStreamed("whole")  # the median of all the differences
        self.pairs += pairs
        if pairs:
            self.below += int(np.count_nonzero(within(np.less, self.usual)))
            self.at_most += int(np.count_nonzero(within(np.less_equal, self.usual)))
            gap = within(np.greater, 3 * self.unit // 2)
            if gap.any():
                self.gaps.append((g[1:][gap], np.floor(d[gap] / self.unit + 0.5) - 1))
        equal = np.equal(v[1:], v[:-1], out=work["equal"][: m - 1])
        self._runs(equal, same, g, v, origin, work)
        self.rows += n
        self.last = (int(g[-1]), int(ts[-1]), int(v[-1]))
        return pa.table(
            {
                "detector": pa.DictionaryArray.from_arrays(
                    pa.array(codes, pa.int32()), pa.array(local.tolist(), pa.string())
                ),
                "ts": chunk.column("ts"),
                "vehicles": chunk.column("vehicles"),
                "speed": chunk.column("speed"),
                "occupancy": chunk.column("occupancy"),
            }
        )

    def _runs(self, equal, same, g, v, origin: int, work) -> None:
        """The runs of "equal to the line before" (within a detector) of this chunk, as in
        `_analyse`; a run still going at the end of the chunk is finished by the next one."""
        import numpy as np

        equal &= same
        flags = work["flags"][: equal.size + 2]
        flags[0] = flags[-1] = 0
        flags[1:-1] = equal
        edges_of_runs = np.subtract(flags[1:], flags[:-1], out=work["edges"][: equal.size + 1])
        edge = work["edge"][: equal.size + 1]
        starts = np.flatnonzero(np.equal(edges_of_runs, 1, out=edge))  # a run's first line
        ends = np.flatnonzero(np.equal(edges_of_runs, -1, out=edge))  # its last line
        firsts = starts + origin
        if self.open_run is not None:
            if equal.size and equal[0]:
                firsts[0] = self.open_run  # the run of the previous chunk goes on
            else:  # it ended on the previous chunk's last line, index 0 here
                self._keep(np.array([self.open_run]), np.array([origin]), g[:1], v[:1])
        self.open_run = None
        if equal.size and equal[-1]:
            self.open_run = int(firsts[-1])
            firsts, ends = firsts[:-1], ends[:-1]
        self._keep(firsts, ends + origin, g[ends], v[ends])

    def _keep(self, firsts, lasts, codes, values) -> None:
        import numpy as np

        lengths = lasts - firsts + 1
        keep = (values > 0) & (lengths >= STUCK_INTERVALS)
        if keep.any():
            self.runs.append((lengths[keep], codes[keep].astype(np.int32), values[keep]))

    def summary(self, edges: set[str]) -> dict:
        """The summary of `_analyse`; the errors and warnings in the same order."""
        import numpy as np

        if self.twice is not None:
            det, ts = self.twice
            raise CountsError(
                f"{self.name} : le détecteur « {det} » a deux comptages à "
                f"{_datetime(ts):%d/%m/%Y %H:%M}."
            )
        n = self.pairs
        if n and not (self.below <= (n - 1) // 2 and n // 2 < self.at_most):
            raise _NotStreamed("whole")  # the usual step is not the median
        step_minutes = max(1, round(float(self.usual) / 1e6 / 60)) if n else 60
        if self.open_run is not None:
            self._keep(
                np.array([self.open_run]),
                np.array([self.rows - 1]),
                np.array([self.last[0]]),
                np.array([self.last[2]]),
            )
            self.open_run = None
        names = np.asarray(self.names, dtype=object)
        warnings = []
        if self.gaps:
            per = np.bincount(
                np.concatenate([c for c, _ in self.gaps]),
                weights=np.concatenate([m for _, m in self.gaps]),
                minlength=len(names),
            )
            for c in _top(per):
                warnings.append(
                    f"détecteur {names[c]} : {int(per[c])} intervalle(s) de {step_minutes} min "
                    "manquant(s) (trous)."
                )
        if self.empty:
            per = np.bincount(np.concatenate(self.empty), minlength=len(names))
            for c in _top(per):
                warnings.append(f"détecteur {names[c]} : {int(per[c])} valeur(s) vide(s).")
        if self.runs:
            run_lengths, run_codes, run_values = (
                np.concatenate(parts) for parts in zip(*self.runs, strict=True)
            )
            warnings += _stuck_warnings(run_lengths, run_codes, run_values, names)
        unknown = [n for n in self.names if n not in edges]
        if unknown:
            warnings.append(
                f"{len(unknown)} détecteur(s) sans tronçon du réseau du même nom (non utilisés "
                f"pour le calage) : {', '.join(unknown[:5])}{'…' if len(unknown) > 5 else ''}."
            )
        return {
            "rows": self.rows,
            "first": _datetime(self.first_ts),
            "last": _datetime(self.last_ts),
            "step_minutes": step_minutes,
            "warnings": warnings,
            "detectors": list(self.names),
        }


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
        warnings += _stuck_warnings(run_lengths, codes[starts], v[starts], names)
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
    sample = d[:SAMPLE][same[:SAMPLE]]
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


def _stuck_warnings(run_lengths, run_codes, run_values, names) -> list[str]:
    """One warning per detector among the 5 longest stuck runs (each detector's longest)."""
    import numpy as np

    longest = np.lexsort((-run_lengths, run_codes))  # per detector, its longest run first
    first = np.concatenate(([True], run_codes[longest][1:] != run_codes[longest][:-1]))
    best = longest[first]
    stuck = sorted(zip(-run_lengths[best], names[run_codes[best]], run_values[best], strict=True))
    return [
        f"détecteur {det} bloqué ? la même valeur ({int(value)}) {-int(run)} fois de suite."
        for run, det, value in stuck[:5]
    ]


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
