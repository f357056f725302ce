"""The counts importer as it was before the vectorised one (commit 79c9a61 of
src/territoria/mobilite/counts.py, unchanged): every check a DuckDB query over the CSV read as text
(twice: once to check, once to build the table), then three window passes (step, gaps, stuck
detectors). Kept only so that benchmarks/mobilite_counts.py times the old path in the same run."""

from __future__ import annotations

from pathlib import Path

from territoria.mobilite.counts import (
    COLUMNS,
    MAX_ERRORS,
    NAMES,
    STUCK_INTERVALS,
    CountsError,
    _connect,
    _plain,
)


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
