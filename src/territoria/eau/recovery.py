"""Recovery of the module's jobs and of the models waiting to be imported (the platform's
recovery contract, `core.recovery`; a periodic task run every quarter of an hour).

- A job queued or running that no live worker holds and the queue no longer waits for (a
  worker killed mid-job, its task result failed by the core): failed with a French reason,
  its uploaded model deleted.
- A model that has waited under `DATA_DIR/eau/imports/` for more than `UPLOAD_MAX_AGE`
  (no worker runs the queue): its job failed (« jamais lu »), the file deleted — it would
  otherwise stay there for ever.
- A file of that folder that no waiting job names (its job deleted, a page killed between
  writing the file and creating the job) and not written for a lease: deleted.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from territoria.core.recovery import (
    active_ids,
    active_task_args,
    queue_is_observable,
    remove_stale_files,
)
from territoria.core.workers import lease
from territoria.eau.jobs import upload_folder
from territoria.eau.models import Job, JobStatus

UPLOAD_MAX_AGE = timedelta(days=1)
INTERRUPTED = (
    "Le traitement a été interrompu par l'arrêt du processus de traitement (arrêt brutal, "
    "manque de mémoire, redémarrage du serveur) : relancez-le."
)
NEVER_READ = (
    "Le modèle déposé a attendu plus de 24 heures sans qu'aucun processus de traitement ne "
    "le lise : il a été supprimé. Déposez-le à nouveau."
)
PERIODIC_DETECTION = "eau_detect_new_days"  # runs its replays inline (jobs.detect_all_networks)
WAITING = (JobStatus.QUEUED, JobStatus.RUNNING)


def recover_jobs() -> dict:
    from territoria.core.tasks import run_periodic_task
    from territoria.eau.tasks import run_job

    done = {"failed": 0, "files_removed": 0}
    now = timezone.now()
    if queue_is_observable():
        active = active_ids(run_job)
        detecting = (PERIODIC_DETECTION,) in active_task_args(run_periodic_task)
        for job in Job.objects.filter(status__in=WAITING, updated_at__lt=now - lease()):
            if str(job.pk) in active or (detecting and job.params.get("incremental")):
                continue
            done["failed"] += _fail(job, INTERRUPTED)
    for job in Job.objects.filter(
        status__in=WAITING, kind="network_import", created_at__lt=now - UPLOAD_MAX_AGE
    ):
        done["failed"] += _fail(job, NEVER_READ)
    keep = {
        job.params.get("file")
        for job in Job.objects.filter(status__in=WAITING, kind="network_import")
    }
    done["files_removed"] = remove_stale_files(upload_folder(), keep=frozenset(keep - {None}))
    return done


def _fail(job: Job, reason: str) -> int:
    """Fail the job if no one changed it since it was read; delete its uploaded model."""
    from pathlib import Path

    changed = Job.objects.filter(pk=job.pk, status=job.status, updated_at=job.updated_at).update(
        status=JobStatus.FAILED, message=reason, updated_at=timezone.now()
    )
    if changed and job.kind == "network_import" and job.params.get("file"):
        Path(job.params["file"]).unlink(missing_ok=True)
    return changed
