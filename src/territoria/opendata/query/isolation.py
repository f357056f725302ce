"""User SQL in a child process (forked from a clean fork server), capped in memory and time (issue 11, H3).

A DuckDB query runs inside the process that calls it: a hostile query (a huge sort, a list
of millions of strings, a recursive CTE) grew the web worker to more than 1 GB even with
DuckDB's `memory_limit`, which does not count every allocation, and that memory is not
given back to the system afterwards. Here each user query runs in a child forked for it:

- its address space is capped (`resource.setrlimit(RLIMIT_AS)`) at what it inherited plus
  `OPENDATA_SQL_PROCESS_MEMORY_MB` (the inherited pages are shared copy-on-write, not new
  memory), and its CPU time at the deadline plus a margin (`RLIMIT_CPU`);
- DuckDB inside it runs on one thread, with `memory_limit` at half the cap (so it spills to
  disk or stops cleanly before the cap is reached) and `max_temp_directory_size` at
  `OPENDATA_SQL_MAX_TEMP` in a temporary folder of its own, removed when the child ends;
- the parent waits for the answer until the deadline, then kills the child (SIGKILL): a
  query stuck anywhere, even outside DuckDB, cannot outlive its deadline.

Whatever happens in the child (memory exhausted, killed, crashed), the web worker gets a
`QueryError` in French and keeps its own memory; the child's is returned to the system
when it exits. The child sends back plain Python values (columns, rows, a notice) through a
pipe; it never touches the database nor Django.
"""

import contextlib
import json
import multiprocessing
import os
import resource
import shutil
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import duckdb

from territoria.opendata.query.base import QueryError, Table, json_safe

MB = 1024 * 1024
FETCH_BATCH = 64  # rows converted to Python at a time: the byte budget is checked in between


@dataclass(frozen=True)
class Limits:
    timeout_s: float
    memory_mb: int  # the child's new memory (above what it inherited)
    max_temp: str  # DuckDB size, e.g. "1GB"
    max_rows: int
    max_result_mb: float
    temp_root: str


def timeout_message(seconds: float) -> str:
    return (
        f"La requête a dépassé la limite de {seconds:g} secondes et a été "
        "interrompue. Ajoutez un filtre ou une limite."
    )


def memory_message(memory_mb: int) -> str:
    return (
        f"La requête a été arrêtée : elle demandait plus que les {memory_mb} Mo de mémoire "
        "autorisés pour une requête. Ajoutez un filtre ou une limite (LIMIT), sélectionnez "
        "moins de colonnes ou agrégez davantage. Le service reste disponible."
    )


def temp_message(max_temp: str) -> str:
    from territoria.opendata.labels import size_label

    return (
        f"La requête a été arrêtée : ses fichiers de travail dépassaient "
        f"{size_label(max_temp)}. Ajoutez un filtre ou une limite (LIMIT), ou agrégez davantage."
    )


def fetch_within_budget(relation, max_rows: int, max_result_mb: float) -> tuple[list, str]:
    """Rows (JSON-safe) until `max_rows` or the byte budget; a French notice when cut."""
    budget = max_result_mb * MB
    rows, size = [], 0
    while batch := relation.fetchmany(FETCH_BATCH):
        for row in batch:
            values = [json_safe(v) for v in row]
            size += len(json.dumps(values, ensure_ascii=False, default=str))
            if size > budget:
                return rows, (
                    f"Résultat tronqué à {len(rows)} ligne(s) : il dépasse "
                    f"{max_result_mb:g} Mo. Sélectionnez moins de "
                    "colonnes, ajoutez un filtre ou une limite (LIMIT), ou téléchargez la table."
                )
            if len(rows) == max_rows:
                return rows, (
                    f"Résultat tronqué aux {max_rows} premières lignes : ajoutez un filtre, "
                    "une limite (LIMIT) ou agrégez, ou téléchargez la table."
                )
            rows.append(values)
    return rows, ""


FORBIDDEN = (
    "Refusé : l'accès SQL ne lit que les tables publiées ; il n'ouvre aucun fichier, "
    "aucune base et aucune extension."
)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sandbox(tables: list[Table], config: dict) -> duckdb.DuckDBPyConnection:
    """A fresh connection that sees the given tables as views and nothing else on the machine.

    `config` (threads, memory, a temporary folder and its largest size…) is set before the
    configuration is locked: the query cannot raise it. Reads no Django setting (it runs in
    the child too)."""
    con = duckdb.connect(
        ":memory:",
        config={
            **config,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
        },
    )
    con.execute("SET enable_progress_bar = false")
    for table in tables:
        con.execute(
            f"CREATE VIEW {_quote(table.name)} AS SELECT * FROM read_parquet({_literal(table.location)})"
        )
    allowed = ", ".join(_literal(t.location) for t in tables)
    con.execute(f"SET allowed_paths = [{allowed}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def _virtual_size() -> int | None:
    """This process's address space in bytes (Linux), None where it cannot be read."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# What the last query of this thread cost its child: `peak_mb`, its peak resident memory as
# it said (None when it died first), and `watched_mb`, the most the parent saw while waiting
# (MB). Read by the benchmark.
last_run = threading.local()


def _cap_resources(limits: Limits) -> None:
    inherited = _virtual_size()
    if inherited is not None:
        cap = inherited + 3 * limits.memory_mb * MB
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime + limits.timeout_s) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def _child(sender, tables: list[Table], statement: str, limits: Limits, temp: str) -> None:
    """Runs in the forked child: cap, query, send one message, exit."""
    try:
        _cap_resources(limits)
        try:
            con = sandbox(
                tables,
                {
                    "threads": 1,
                    "memory_limit": f"{max(limits.memory_mb // 2, 32)}MB",
                    "temp_directory": temp,
                    "max_temp_directory_size": limits.max_temp,
                },
            )
            relation = con.execute(statement)
            columns = [d[0] for d in relation.description]
            rows, notice = fetch_within_budget(relation, limits.max_rows, limits.max_result_mb)
            message = ("ok", columns, rows, notice)
        except duckdb.OutOfMemoryException as error:
            if "temp" in str(error).lower() or "disk" in str(error).lower():
                message = ("error", temp_message(limits.max_temp), "memory")
            else:
                message = ("error", memory_message(limits.memory_mb), "memory")
        except duckdb.PermissionException:
            message = ("error", FORBIDDEN, "forbidden")
        except duckdb.Error as error:
            text = str(error).strip().splitlines()[0] if str(error).strip() else ""
            if "memory" in text.lower() or "allocat" in text.lower():
                message = ("error", memory_message(limits.memory_mb), "memory")
            else:
                message = ("error", f"Requête refusée par le moteur : {text}", "invalid")
        sender.send((*message, _peak_mb()))
    except MemoryError:
        _send_quietly(sender, ("error", memory_message(limits.memory_mb), "memory"))
    except Exception:  # noqa: BLE001 - anything else: logged, and a plain message
        traceback.print_exc()  # to the server's log; the reader gets a plain message
        _send_quietly(sender, ("error", UNEXPECTED, "invalid"))
    finally:
        sender.close()
        os._exit(0)


UNEXPECTED = (
    "La requête n'a pas pu être exécutée à cause d'une erreur du serveur. Réessayez ; si "
    "l'erreur persiste, signalez-la aux administrateurs de la plateforme."
)


def _send_quietly(sender, message) -> None:
    with contextlib.suppress(Exception):  # the parent then reports a stopped query
        sender.send((*message, _peak_mb()))


WATCH_INTERVAL_S = 0.02


def _resident_mb(pid: int) -> float | None:
    """Resident memory of process `pid` (Linux), None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB
    except (OSError, ValueError, IndexError):
        return None


def _wait(process, receiver, limits: Limits):
    """The child's message, or None when it died or was killed for its memory; QueryError
    past the deadline. While waiting, the child's resident memory is read every 20 ms: past
    what it had at start plus `memory_mb`, it is killed (the address-space cap only stops
    what grows much faster)."""
    deadline = time.monotonic() + limits.timeout_s
    baseline = None
    last_run.watched_mb = None
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            if process.is_alive():
                raise QueryError(timeout_message(limits.timeout_s), kind="timeout")
            return None
        if receiver.poll(min(WATCH_INTERVAL_S, left)):
            try:
                return receiver.recv()
            except (EOFError, OSError):
                return None  # the child died before answering
        resident = _resident_mb(process.pid)
        if resident is None:
            continue
        last_run.watched_mb = max(last_run.watched_mb or 0, resident)
        if baseline is None:
            baseline = resident
        elif resident - baseline > limits.memory_mb:
            process.kill()
            return None


_context_lock = threading.Lock()


def _context():
    """The forkserver context: children are forked from a small clean process (started once,
    with this module preloaded), never from the web worker itself, whose DuckDB threads and
    locks a fork would copy in an unusable state (children crashed on their first query)."""
    with _context_lock:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context


def run(tables: list[Table], statement: str, limits: Limits) -> tuple[list, list, str]:
    """(columns, rows, notice) of `statement`, run in a capped child; QueryError otherwise."""
    context = _context()
    Path(limits.temp_root).mkdir(parents=True, exist_ok=True)
    temp = tempfile.mkdtemp(prefix="sql-", dir=limits.temp_root)
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(sender, tables, statement, limits, temp), daemon=True
    )
    try:
        process.start()
        sender.close()
        message = _wait(process, receiver, limits)
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
        shutil.rmtree(temp, ignore_errors=True)
    last_run.peak_mb = message[-1] if message else None
    if message is None:
        # Killed by the system or by its own limits (memory, CPU) before it could answer.
        raise QueryError(memory_message(limits.memory_mb), kind="memory")
    if message[0] == "error":
        raise QueryError(message[1], kind=message[2])
    _, columns, rows, notice, _ = message
    return columns, rows, notice
