"""Recovery of the module's jobs (the platform's recovery contract, `core.recovery`; a periodic
task run every quarter of an hour, as the water module's).

A job queued or running that no live worker holds and the queue no longer waits for (a worker
killed mid-simulation, its task result failed by the core), untouched for a lease: failed with
a French reason, its folder removed (simulation outputs, the counts file an agent sent) — its
page would otherwise say « en cours » and reload itself for ever.
"""

from __future__ import annotations

import shutil

from django.utils import timezone

from territoria.core.recovery import active_ids, queue_is_observable
from territoria.core.workers import lease
from territoria.mobilite.models import Job, JobStatus

INTERRUPTED = (
    "Le traitement a été interrompu par l'arrêt du processus de traitement (arrêt brutal, "
    "manque de mémoire, redémarrage du serveur) : relancez-le."
)
WAITING = (JobStatus.QUEUED, JobStatus.RUNNING)


def recover_jobs() -> dict:
    from territoria.mobilite.tasks import run_job

    done = {"failed": 0}
    if not queue_is_observable():  # jobs run inline: nothing can be lost between two steps
        return done
    active = active_ids(run_job)
    for job in Job.objects.filter(status__in=WAITING, updated_at__lt=timezone.now() - lease()):
        if str(job.pk) in active:
            continue
        # failed only if no one changed it since it was read (a late worker's progress wins)
        changed = Job.objects.filter(
            pk=job.pk, status=job.status, updated_at=job.updated_at
        ).update(status=JobStatus.FAILED, message=INTERRUPTED, updated_at=timezone.now())
        if changed:
            shutil.rmtree(job.folder, ignore_errors=True)
            done["failed"] += 1
    return done
