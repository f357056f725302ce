"""Job workers' heartbeats: which worker is alive, hence which running job is an orphan.

A worker (`territoria worker`, or a plain `db_worker` from its first job on) writes a
heartbeat row every `JOB_LEASE_S / 6` seconds from a background thread. A worker is dead
when its process is gone (same machine: the pid and its start time no longer match) or,
seen from another machine, when it has not beaten for `JOB_LEASE_S` seconds. A job whose
worker is dead was interrupted (kill -9, power cut, out of memory) and is recovered by its
app's `recovery.py`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

logger = logging.getLogger(__name__)
HOSTNAME = socket.gethostname()[:255]
_beating: dict[str, threading.Thread] = {}


def lease() -> timedelta:
    return timedelta(seconds=settings.JOB_LEASE_S)


def process_started(pid: int) -> str | None:
    """The start time of process `pid` ('' where /proc is missing), None if it does not exist."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return ""
    # Field 22 (starttime), counted after the command name, which may hold spaces.
    return stat.rsplit(")", 1)[1].split()[19]


def beat(worker_id: str) -> None:
    from territoria.core.models import WorkerHeartbeat

    pid = os.getpid()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": HOSTNAME,
            "pid": pid,
            "process_started": process_started(pid) or "",
            "beat_at": timezone.now(),
        },
    )


def start_heartbeat(worker_id: str) -> None:
    """Beat now, then every lease/6 from a daemon thread (once per worker id and process)."""
    if worker_id in _beating:
        return
    beat(worker_id)
    interval = max(settings.JOB_LEASE_S / 6, 0.5)

    def loop():
        while True:
            time.sleep(interval)
            try:
                beat(worker_id)
            except DatabaseError as error:  # SQLite locked by a long write: next beat
                logger.warning("heartbeat of worker %s failed: %s", worker_id, error)
            finally:
                connection.close()

    thread = threading.Thread(target=loop, name=f"heartbeat-{worker_id}", daemon=True)
    thread.start()
    _beating[worker_id] = thread


def is_alive(heartbeat, now=None) -> bool:
    if heartbeat.hostname == HOSTNAME:
        started = process_started(heartbeat.pid)
        return started is not None and (started == heartbeat.process_started or started == "")
    return heartbeat.beat_at > (now or timezone.now()) - lease()


def live_worker_ids(now=None) -> set[str]:
    from territoria.core.models import WorkerHeartbeat

    return {hb.worker_id for hb in WorkerHeartbeat.objects.all() if is_alive(hb, now)}


def on_task_started(sender, task_result, **kwargs) -> None:
    """A plain `db_worker` beats too, from its first job (signal of django-tasks). Jobs run
    inline (ImmediateBackend: tests, a web process) have no worker to watch."""
    from django_tasks_db.backend import DatabaseBackend

    backend = sender if isinstance(sender, type) else type(sender)
    worker_ids = getattr(task_result, "worker_ids", None)
    if worker_ids and issubclass(backend, DatabaseBackend):
        start_heartbeat(worker_ids[-1])
