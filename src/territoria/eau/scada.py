"""Reading SCADA/AMR exports: a timestamp column and one column per sensor, any step.

Checks what a water engineer would want named rather than silently patched: the delimiter
and encoding, timestamps that do not parse, go backwards or repeat, the duplicated hour of a
DST change, negative or absurd values, sensors stuck at a constant. Gaps are kept as gaps
(never interpolated): the charts show them.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from territoria.core.templatetags.french import count_words

TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M")
ABSURD_FLOW_M3H = 10_000.0  # no district meter of a town network carries this
STUCK_SAMPLES = 36  # the same value for 3 hours at a 5-minute step: a frozen sensor


def nul_byte(text: str, file_name: str, delimiter: str = ",") -> str | None:
    """The French refusal of a text holding a NUL character (PostgreSQL refuses it in any
    text, and it is never data: a binary or badly exported file), naming its line and
    column (by the header's name when there is one), or None."""
    at = text.find("\x00")
    if at < 0:
        return None
    lines = text[:at].split("\n")
    line, before = len(lines), lines[-1]
    index = before.count(delimiter)
    header = text.split("\n", 1)[0].split(delimiter)
    column = f"colonne {index + 1}"
    if line > 1 and index < len(header) and "\x00" not in header[index]:
        column += f" (« {header[index].strip()} »)"
    return (
        f"{file_name}, ligne {line}, {column} : caractère nul (octet 0) refusé — un fichier "
        "binaire ou mal exporté ? Réenregistrez-le en CSV texte."
    )


class ScadaError(ValueError):
    """A file that cannot be read as it is: names the line and column, in French."""


@dataclass
class Series:
    """Samples of several sensors on one time axis (local time, naive, strictly increasing)."""

    times: np.ndarray  # datetime64[s]
    values: dict[str, np.ndarray]  # sensor -> float64, NaN where missing
    warnings: list[str] = field(default_factory=list)
    lines: np.ndarray | None = None  # the file line of each sample (None: row + 2)

    def line(self, row: int) -> int:
        """The line of the file where sample `row` is (the header is line 1)."""
        return int(self.lines[row]) if self.lines is not None else row + 2

    @property
    def sensors(self) -> list[str]:
        return list(self.values)

    def step_seconds(self) -> int:
        if len(self.times) < 2:
            return 0
        return int(np.median(np.diff(self.times).astype("int64")))


def _parse_time(text: str) -> dt.datetime | None:
    text = text.strip()
    for fmt in TIMESTAMP_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def read_csv(path: Path | str, *, absurd: float = ABSURD_FLOW_M3H) -> Series:
    """The samples of a SCADA CSV file, or ScadaError naming the line and column.

    Arrow's CSV reader does the work (a year of 5-minute data for 100 sensors in seconds);
    when it refuses the file, or a check fails, the line-by-line reader finds and names the
    first faulty line and column."""
    path = Path(path)
    if b"\x00" in (raw := path.read_bytes()):
        refusal = nul_byte(raw.decode("utf-8-sig", errors="replace"), path.name)
        raise ScadaError(refusal)
    try:
        fast = _read_fast(path, absurd)
    except (UnicodeDecodeError, ValueError):  # the slow reader names the faulty line
        fast = None
    if fast is not None:
        return fast
    return _read_slow(path, absurd)


def _read_fast(path: Path, absurd: float) -> Series | None:
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as pacsv

    try:
        table = pacsv.read_csv(
            path,
            # a blank line becomes a row without timestamp: the slow reader (which counts
            # lines) takes such files, so the line numbers of the warnings stay right
            parse_options=pacsv.ParseOptions(delimiter=",", ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                timestamp_parsers=["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if table.num_columns < 2 or table.num_rows == 0:
        return None
    first = table.column(0)
    if not pa.types.is_timestamp(first.type) or first.null_count:
        return None
    values = {}
    for name in table.column_names[1:]:
        column = table.column(name)
        if not (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):
            return None
        array = column.to_numpy(zero_copy_only=False).astype("float64")
        finite = array[np.isfinite(array)]
        if finite.size and (finite.min() < -absurd or finite.max() > absurd):
            return None
        values[name.strip()] = array
    times = pc.cast(first, pa.timestamp("s")).to_numpy(zero_copy_only=False)
    times = times.astype("datetime64[s]")
    backwards = np.flatnonzero(np.diff(times).astype("int64") <= 0) + 1
    if any(
        not is_dst_fold(times[i - 1].astype("datetime64[s]").item(), times[i].item())
        for i in backwards
    ):
        return None
    series = Series(times, values, lines=np.arange(len(times)) + 2)
    fold = merge_dst_fold(series) if len(backwards) else []
    series.warnings = fold + quality_warnings(series)
    return series


def _read_slow(path: Path, absurd: float) -> Series:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ScadaError(
            f"{path.name}, ligne {line} : le fichier n'est pas en UTF-8 "
            "(réenregistrez-le en UTF-8)."
        ) from None
    lines = text.splitlines()
    if not lines:
        raise ScadaError(f"{path.name} : le fichier est vide.")
    header_line = lines[0]
    if "," not in header_line:
        found = next((d for d in (";", "\t", "|") if d in header_line), None)
        hint = f" (le séparateur trouvé est « {found} »)" if found else ""
        raise ScadaError(
            f"{path.name}, ligne 1 : séparateur attendu : la virgule{hint}. "
            "Attendu : « Timestamp,capteur1,capteur2,… »."
        )
    header = [name.strip() for name in next(csv.reader([header_line]))]
    if len(header) < 2 or not header[0]:
        raise ScadaError(
            f"{path.name}, ligne 1 : une colonne d'horodatage puis au moins un capteur attendus."
        )
    sensors = header[1:]
    duplicates = sorted({s for s in sensors if sensors.count(s) > 1})
    if duplicates or "" in sensors:
        raise ScadaError(
            f"{path.name}, ligne 1 : noms de capteurs vides ou en double {duplicates}."
        )
    times: list[dt.datetime] = []
    numbers: list[int] = []
    columns: list[list[float]] = [[] for _ in sensors]
    previous: dt.datetime | None = None
    for number, row in enumerate(csv.reader(lines[1:]), start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ScadaError(
                f"{path.name}, ligne {number} : {len(row)} valeurs pour {len(header)} colonnes."
            )
        stamp = _parse_time(row[0])
        if stamp is None:
            raise ScadaError(
                f"{path.name}, ligne {number}, colonne « {header[0]} » : horodatage illisible "
                f"« {row[0]} » (attendu : AAAA-MM-JJ HH:MM:SS)."
            )
        if previous is not None and stamp <= previous and not is_dst_fold(previous, stamp):
            kind = "répété" if stamp == previous else "antérieur au précédent"
            dst = (
                " — probablement le changement d'heure d'octobre : exportez en heure UTC "
                "ou avec le décalage horaire"
                if stamp.month in (10, 11) and previous - stamp <= dt.timedelta(hours=1)
                else ""
            )
            raise ScadaError(
                f"{path.name}, ligne {number}, colonne « {header[0]} » : horodatage {kind} "
                f"({row[0].strip()}){dst}."
            )
        for index, cell in enumerate(row[1:]):
            cell = cell.strip()
            if not cell:
                value = float("nan")
            else:
                try:
                    value = float(cell.replace(",", ".")) if cell.count(",") == 1 else float(cell)
                except ValueError:
                    raise ScadaError(
                        f"{path.name}, ligne {number}, colonne « {sensors[index]} » : "
                        f"« {cell} » n'est pas un nombre."
                    ) from None
                if not np.isfinite(value) or value < -absurd or value > absurd:
                    raise ScadaError(
                        f"{path.name}, ligne {number}, colonne « {sensors[index]} » : "
                        f"valeur aberrante {cell} (attendu entre {-absurd:g} et {absurd:g})."
                    )
            columns[index].append(value)
        times.append(stamp)
        numbers.append(number)
        previous = stamp
    if not times:
        raise ScadaError(f"{path.name} : aucune mesure après l'en-tête.")
    series = Series(
        np.array(times, dtype="datetime64[s]"),
        {name: np.array(values, dtype="float64") for name, values in zip(sensors, columns)},
        lines=np.array(numbers),
    )
    fold = merge_dst_fold(series)
    series.warnings = fold + quality_warnings(series)
    return series


def last_sunday(year: int, month: int) -> dt.date:
    """The last Sunday of `month` (the EU changes the time on the last Sundays of March and
    October)."""
    day = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
    return day - dt.timedelta(days=(day.weekday() - 6) % 7)


def is_dst_fold(previous: dt.datetime, stamp: dt.datetime) -> bool:
    """A step back that is the October time change of a local-time export: both timestamps
    between 02:00 and 03:00 of the last Sunday of October (the hour that happens twice)."""
    day = last_sunday(stamp.year, 10)
    return all(t.date() == day and t.hour == 2 for t in (previous, stamp))


def merge_dst_fold(series: Series) -> list[str]:
    """Fold the October hour that a local-time export holds twice (summer time, then winter
    time) into one: the samples at the same local time are averaged, and the merge is said.
    The times become strictly increasing. Returns the warnings."""
    times = series.times
    unique, first, inverse = np.unique(times, return_index=True, return_inverse=True)
    if len(unique) == len(times):
        return []
    folded_lines = (
        [series.line(i) for i in np.flatnonzero(np.bincount(inverse)[inverse] > 1)]
        if series.lines is not None
        else []
    )
    for name, values in series.values.items():
        finite = np.isfinite(values)
        sums = np.zeros(len(unique))
        counts = np.zeros(len(unique))
        np.add.at(sums, inverse[finite], values[finite])
        np.add.at(counts, inverse[finite], 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            series.values[name] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    series.times = unique
    if series.lines is not None:
        series.lines = series.lines[first]
    where = f", lignes {folded_lines[0]} à {folded_lines[-1]}" if folded_lines else ""
    days = sorted(
        {
            str(t.astype("datetime64[D]"))
            for t in times[np.diff(times, prepend=times[0] - 1).astype("int64") <= 0]
        }
    )
    return [
        f"Changement d'heure du {dt.date.fromisoformat(day):%d/%m/%Y} : l'heure de 02:00 à "
        f"03:00, présente deux fois (heure d'été puis heure d'hiver), est fusionnée "
        f"({len(times) - len(unique)} horodatages en double{where}, moyenne des deux passages ; un "
        "débit y compte donc une heure au lieu de deux). Pour tout garder, exportez en UTC."
        for day in days
    ]


def quality_warnings(series: Series) -> list[str]:
    """Gaps, negative values and stuck sensors, in French (shown, never patched)."""
    warnings: list[str] = []
    step = series.step_seconds()
    if step:
        gaps = np.flatnonzero(np.diff(series.times).astype("int64") > 1.5 * step)
        spring = [i for i in gaps if _is_spring_change(series.times[i], series.times[i + 1], step)]
        for index in spring:
            warnings.append(
                f"Changement d'heure du {series.times[index].astype('datetime64[s]').item():%d/%m/%Y}"
                " : pas de mesure entre "
                "02:00 et 03:00, heure qui n'existe pas ce jour-là en heure locale (pas un trou)."
            )
        gaps = np.array([i for i in gaps if i not in spring], dtype=int)
        for index in gaps[:5]:
            warnings.append(
                f"Trou de données entre {_fmt(series.times[index])} et "
                f"{_fmt(series.times[index + 1])} (lignes {series.line(index)} et "
                f"{series.line(index + 1)})."
            )
        if len(gaps) > 5:
            warnings.append(f"… et {len(gaps) - 5} autres trous.")
    for name, values in series.values.items():
        negative = np.flatnonzero(values < 0)
        if negative.size:
            warnings.append(
                f"Capteur {name} : "
                f"{count_words(negative.size, 'valeur négative|f|valeurs négatives')} "
                f"({_first(series, negative[0], name)})."
            )
        stuck = stuck_runs(values)
        if stuck:
            start, length = stuck[0]
            warnings.append(
                f"Capteur {name} : valeur constante {values[start]:g} pendant {length} mesures "
                f"à partir du {_fmt(series.times[start])}, ligne {series.line(start)}, colonne "
                f"« {name} » (capteur figé ?)"
                + (
                    f", et {count_words(len(stuck) - 1, 'autre période|f|autres périodes')}"
                    if len(stuck) > 1
                    else ""
                )
                + "."
            )
        missing = np.flatnonzero(np.isnan(values))
        if missing.size:
            warnings.append(
                f"Capteur {name} : "
                f"{count_words(missing.size, 'valeur manquante|f|valeurs manquantes')} "
                f"({_first(series, missing[0], name)})."
            )
    return warnings


def _first(series: Series, row: int, name: str) -> str:
    """Where the first of several faulty values is: « première : ligne 5, colonne « p1 »,
    2019-01-01 00:15 »."""
    return f"première : ligne {series.line(row)}, colonne « {name} », {_fmt(series.times[row])}"


def _is_spring_change(before: np.datetime64, after: np.datetime64, step: int) -> bool:
    """The jump of a local-time export over the hour skipped on the last Sunday of March."""
    a = before.astype("datetime64[s]").item()
    b = after.astype("datetime64[s]").item()
    day = last_sunday(a.year, 3)
    skipped = dt.datetime.combine(day, dt.time(2))
    return (
        a.date() == day
        and a < skipped
        and b >= skipped + dt.timedelta(hours=1)
        and (b - a).total_seconds() <= 3600 + 1.5 * step
    )


def stuck_runs(values: np.ndarray, minimum: int = STUCK_SAMPLES) -> list[tuple[int, int]]:
    """(start, length) of the runs of one repeated non-zero value at least `minimum` long."""
    if len(values) < minimum:
        return []
    change = np.flatnonzero(np.diff(values) != 0) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [len(values)]))
    return [
        (int(s), int(e - s))
        for s, e in zip(starts, ends)
        if e - s >= minimum and values[s] != 0 and np.isfinite(values[s])
    ]


def _fmt(value: np.datetime64) -> str:
    return str(value.astype("datetime64[m]")).replace("T", " ")
