"""The flow analysis of a network's counts (`profiles.py`: typical days, congestion index,
anomalous days) computed once per state of the counts store, in a background job, and stored;
the network page and its JSON serve the stored views.

Computing the three views reads the whole Parquet store: ≈ 12.5 s at 500 detectors × 1 year
(`benchmarks/mobilite_counts.py`), far too long for each display of a page. A `Job` of kind
``flux`` computes them after each counts import (progress on the page); the views it stored
carry the list of the imports they were computed from, so that a later import makes them
stale: the page then says so, shows the last views until the new ones are ready, and starts
(or offers) the recomputation.

Stored: the typical-day profiles of every detector in a small Parquet file (one row per
detector, day type, season and hour: read per detector by DuckDB in milliseconds), the
congestion table and every anomalous day in the job's result (JSON).
"""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

from django.db import transaction

from territoria.mobilite import profiles
from territoria.mobilite.models import Job, JobStatus, Network, storage

KIND = "flux"
STEPS = 5
MAX_ANOMALIES = 5000  # anomalous days kept (the largest first); the count says if cut


def fingerprint(network: Network) -> list[str]:
    """The imports the store holds now (what stored views must have been computed from)."""
    return sorted(str(pk) for pk in network.count_imports.values_list("pk", flat=True))


def folder(job: Job) -> Path:
    return storage() / "analyses" / str(job.pk)


def profiles_file(job: Job) -> Path:
    return folder(job) / "profils.parquet"


def state(network: Network) -> dict:
    """{"views": the last computed job or None, "fresh": its imports are the store's,
    "pending": a queued or running job or None, "failed": the last job when it failed}."""
    jobs = list(Job.objects.filter(network=network, kind=KIND).order_by("-created_at")[:20])
    done = next((j for j in jobs if j.status == JobStatus.DONE), None)
    pending = next((j for j in jobs if j.status in (JobStatus.QUEUED, JobStatus.RUNNING)), None)
    last = jobs[0] if jobs else None
    return {
        "views": done,
        # the same imports and the same school-holiday zone (a season of the profiles)
        "fresh": bool(
            done
            and done.params.get("imports") == fingerprint(network)
            and done.params.get("zone", "") == network.school_zone
        ),
        "pending": pending,
        "failed": last if last is not None and last.status == JobStatus.FAILED else None,
    }


def start(network: Network, user=None) -> Job | None:
    """Queue the computation of the views (after the current transaction commits), unless a job
    not started yet will already read the current store; None when nothing was queued."""
    from territoria.mobilite.tasks import run_job

    queued = Job.objects.filter(network=network, kind=KIND, status=JobStatus.QUEUED).first()
    if queued is not None:
        return None  # it reads the store when it starts: the newest import included
    job = Job.objects.create(
        kind=KIND, network=network, params={}, total=STEPS, created_by=user, message="En attente."
    )
    transaction.on_commit(lambda: run_job.enqueue(str(job.pk)))
    return job


def compute(job: Job, progress) -> dict:
    """The three views over the whole store, written under `folder(job)`; the job's result."""
    from territoria.mobilite import counts

    network = job.network
    imports = fingerprint(network)
    files = counts._files(network)
    target = folder(job)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True, exist_ok=True)
    zone = network.school_zone
    con = profiles.prepared(files, zone)
    progress("Comptages relus : heures complètes de chaque détecteur, type de jour, saison.")
    if con is None:
        for _ in range(STEPS - 2):
            progress("Aucun comptage.")
        return {
            "imports": imports,
            "zone": zone,
            "congestion": [],
            "anomalies": [],
            "anomaly_days": 0,
        }
    partial = target / "profils.parquet.partiel"
    quoted = str(partial).replace("'", "''")
    con.execute(
        f"COPY (SELECT det, kind, season, h, avg(v) AS mean, stddev_samp(v) AS spread, "
        f"count(*) AS days FROM hourly GROUP BY ALL ORDER BY det, kind, season, h) "
        f"TO '{quoted}' (FORMAT parquet)"
    )
    partial.rename(profiles_file(job))
    progress("Jours types calculés pour chaque détecteur.")
    congestion = profiles.congestion(files, con)
    progress("Indice de congestion calculé.")
    found = profiles.anomalies(files, limit=None, con=con)
    progress(f"{len(found)} jour(s) atypique(s) repéré(s).")
    return {
        "imports": imports,
        "zone": zone,
        "congestion": congestion,
        "anomalies": [{**a, "date": a["date"].isoformat()} for a in found[:MAX_ANOMALIES]],
        "anomaly_days": len(found),
    }


def run_flow(job: Job) -> None:
    """The job's body (`jobs.run`): compute, store, then forget the older views."""

    def progress(message: str) -> None:
        job.done += 1
        job.message = message
        job.save(update_fields=["done", "message", "updated_at"])

    started = time.perf_counter()
    cpu = time.process_time()
    job.status = JobStatus.RUNNING
    job.done, job.total = 0, STEPS
    job.save()
    try:
        result = compute(job, progress)
    except Exception:
        shutil.rmtree(folder(job), ignore_errors=True)
        raise
    job.params = {"imports": result.pop("imports"), "zone": result.pop("zone")}
    job.result = {
        **result,
        "seconds": round(time.perf_counter() - started, 2),
        "energy_wh": round((time.process_time() - cpu) * 15.0 / 3600, 5),
    }
    job.status = JobStatus.DONE
    job.done = job.total
    job.message = "Analyse des flux enregistrée : la page du réseau la lit sans recalcul."
    job.save()
    older = Job.objects.filter(network=job.network, kind=KIND, created_at__lt=job.created_at)
    for old in older.exclude(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]):
        shutil.rmtree(folder(old), ignore_errors=True)
        old.delete()


def stored_profiles(job: Job, detector: str) -> dict:
    """{(day type, season): [(hour, mean, spread, days)]} of one detector, as
    `profiles.profiles` gives it, read from the stored views."""
    from territoria.mobilite.counts import _reader

    path = profiles_file(job)
    if not path.exists():
        return {}
    result: dict = {}
    for kind, sea, h, mean, spread, days in (
        _reader()
        .execute(
            "SELECT kind, season, h, mean, spread, days FROM read_parquet(?) WHERE det = ? "
            "ORDER BY kind, season, h",
            [str(path), detector],
        )
        .fetchall()
    ):
        result.setdefault((kind, sea), []).append((h, mean, spread, days))
    return result


def stored_anomalies(job: Job, detector: str | None = None, limit: int | None = 50) -> list:
    """The anomalous days of the stored views (dates as dates), the largest first."""
    days = [
        {**a, "date": date.fromisoformat(a["date"])}
        for a in job.result.get("anomalies", [])
        if detector is None or a["section"] == detector
    ]
    return days if limit is None else days[:limit]
