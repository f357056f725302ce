"""The catalogue import as a background job (django-tasks): the page enqueues, the worker imports.

Progress is written while rows are read and checked (outside the import's transaction, so the
page sees it); writing is one transaction: all rows or none.
"""

import logging

from django.utils import timezone
from django_tasks import task

from territoria.catalogue.models import ImportRun

logger = logging.getLogger(__name__)


def run_import(run: ImportRun) -> ImportRun:
    from territoria.catalogue.importer import ImportFailed, import_solutions

    run.status = ImportRun.Status.RUNNING
    run.save(update_fields=["status", "updated_at"])

    def progress(done: int, total: int) -> None:
        if done % 10 == 0 or done == total:
            ImportRun.objects.filter(pk=run.pk).update(
                progress=round(0.9 * done / max(total, 1), 3)
            )

    try:
        report = import_solutions(
            run.file_name, content=bytes(run.content), user=run.requested_by, progress=progress
        )
        run.report = {
            "ok": True,
            "created": report.created,
            "updated": report.updated,
            "providers_created": report.providers_created,
        }
        run.status = ImportRun.Status.DONE
    except ImportFailed as failure:
        run.report = {"ok": False, "errors": [str(issue) for issue in failure.issues]}
        run.status = ImportRun.Status.FAILED
    except Exception:
        logger.exception("catalogue import %s crashed", run.pk)
        run.report = {"ok": False, "errors": ["erreur interne : rien n'a été écrit"]}
        run.status = ImportRun.Status.FAILED
        raise
    finally:
        run.content = b""
        run.progress = 1.0
        run.finished_at = timezone.now()
        run.save()
    return run


@task()
def import_catalogue_task(run_id: str) -> str:
    return run_import(ImportRun.objects.get(pk=run_id)).status
