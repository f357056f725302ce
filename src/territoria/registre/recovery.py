"""Recovery of register imports after a crash of the worker (kill -9, out of memory…).

An import writes in one transaction, so an interrupted one wrote nothing: it is marked
failed with a reason the moderator can act on (deposit the file again), and its uploaded
file is removed. An import still waiting with no job in the queue (the page died between
the two) is queued again. Uploads of the import page that nothing uses any more are
removed too (see views/imports.py: a clean simulation's file waits 24 h for its confirmation).
"""

from datetime import timedelta

from django.utils import timezone

from territoria.core.recovery import active_ids, queue_is_observable
from territoria.core.workers import lease
from territoria.registre.importers.storage import import_storage
from territoria.registre.importers.tasks import import_registre_task
from territoria.registre.models import ImportJob

INTERRUPTED = (
    "L'import a été interrompu par l'arrêt du service de traitement des tâches : il n'a "
    "pas abouti et aucune fiche n'a été écrite (l'écriture se fait en une seule fois). "
    "Déposez le fichier à nouveau pour relancer l'import."
)
UNCONFIRMED_UPLOAD_MAX_AGE = timedelta(hours=24)  # as long as a simulation's ticket


def recover_import_jobs() -> dict:
    """Fail interrupted imports, re-queue lost ones, remove files nothing needs."""
    done = {"failed": 0, "requeued": 0, "files_removed": 0}
    if not queue_is_observable():
        return done
    active = active_ids(import_registre_task)
    old_enough = timezone.now() - lease()
    for job in ImportJob.objects.filter(status=ImportJob.Status.RUNNING):
        if str(job.pk) not in active and _mark_interrupted(job):
            done["failed"] += 1
    for job in ImportJob.objects.filter(status=ImportJob.Status.PENDING, updated_at__lt=old_enough):
        if str(job.pk) in active_ids(import_registre_task):
            continue
        # Claimed by moving its update time: of two recoveries at once, one queues it.
        if ImportJob.objects.filter(
            pk=job.pk, status=ImportJob.Status.PENDING, updated_at=job.updated_at
        ).update(updated_at=timezone.now()):
            import_registre_task.enqueue(str(job.pk))
            done["requeued"] += 1
    done["files_removed"] = _remove_unused_uploads()
    return done


def _mark_interrupted(job: ImportJob) -> bool:
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
        status=ImportJob.Status.FAILED,
        report={"ok": False, "interrupted": True, "summary": INTERRUPTED},
        progress=1.0,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if claimed and job.file and job.file.storage.exists(job.file.name):
        job.file.storage.delete(job.file.name)
    return bool(claimed)


def _remove_unused_uploads() -> int:
    storage = import_storage()
    if not storage.exists(""):
        return 0
    waiting = set(
        ImportJob.objects.filter(
            status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING]
        ).values_list("file", flat=True)
    )
    limit = timezone.now() - UNCONFIRMED_UPLOAD_MAX_AGE
    # A clean simulation keeps its file until it is confirmed (views/imports.py): not finished.
    finished = set(
        ImportJob.objects.filter(status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED])
        .exclude(dry_run=True, status=ImportJob.Status.DONE, created_at__gte=limit)
        .values_list("file", flat=True)
    )
    removed = 0
    for name in storage.listdir("")[1]:
        if name in waiting:
            continue
        if name in finished or storage.get_modified_time(name) < limit:
            storage.delete(name)
            removed += 1
    return removed
