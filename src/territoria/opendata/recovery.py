"""Recovery of open-data versions after a crash (worker or web process killed).

- analysing, its job lost: the source file is whole (it is stored before the analysis is
  queued), so the analysis is queued again, from scratch; after two interruptions of the
  same file (it may be what kills the worker) the version fails with a reason.
- publishing, its job lost: queued again while the staging Parquet is there; otherwise
  the version goes back to review (publish again) or fails with a reason.
- uploaded with no size: the upload was cut (the size is written when the file is whole):
  the truncated file is removed and the version fails, asking for the file again.
- uploaded and whole but not queued (the page died between the two): queued.
Half-written files (`*.partial`, staging of versions that are not being worked on, work
folders) and folders of versions that no longer exist are removed.
"""

import shutil

from django.conf import settings
from django.utils import timezone

from territoria.core.recovery import active_ids, is_stale, queue_is_observable, remove_stale_files
from territoria.core.workers import lease
from territoria.opendata import storage
from territoria.opendata.models import ResourceVersion, VersionStatus
from territoria.opendata.tasks import analyse_version_task, publish_version_task

MAX_INTERRUPTIONS = 2
UPLOAD_CUT = "Le dépôt du fichier a été interrompu avant la fin : déposez-le à nouveau."
ANALYSIS_KILLED = (
    "L'analyse a été interrompue deux fois par l'arrêt du service de traitement (le fichier "
    "est peut-être trop lourd pour la mémoire disponible) : déposez-le à nouveau, ou "
    "demandez à l'équipe technique d'augmenter la mémoire."
)
PUBLICATION_INTERRUPTED = (
    "La publication a été interrompue par l'arrêt du service de traitement ; la version "
    "précédente reste en ligne. Relancez la publication."
)
PUBLICATION_LOST = (
    "La publication a été interrompue par l'arrêt du service de traitement et sa copie de "
    "travail est perdue ; la version précédente reste en ligne. Déposez le fichier à nouveau."
)


def recover_versions() -> dict:
    done = dict.fromkeys(
        ["analysis_requeued", "publication_requeued", "back_to_review", "failed", "files_removed"],
        0,
    )
    if not queue_is_observable():
        return done
    analysing, publishing = active_ids(analyse_version_task), active_ids(publish_version_task)
    for version in ResourceVersion.objects.filter(status=VersionStatus.ANALYSING):
        if str(version.pk) not in analysing:
            done[_recover_analysis(version)] += 1
    for version in ResourceVersion.objects.filter(status=VersionStatus.PUBLISHING):
        if str(version.pk) not in publishing:
            done[_recover_publication(version)] += 1
    for version in ResourceVersion.objects.filter(status=VersionStatus.UPLOADED):
        outcome = _recover_upload(version, analysing)
        if outcome:
            done[outcome] += 1
    done["files_removed"] = _remove_leftovers()
    return done


def _interruptions(version: ResourceVersion) -> int:
    return int(version.detection.get("interruptions", 0)) + 1


def _move(version: ResourceVersion, from_status: str, **fields) -> bool:
    """Change the version only if no one changed it since we read it (two recoveries at
    once: one wins, the job is queued once)."""
    return bool(
        ResourceVersion.objects.filter(
            pk=version.pk, status=from_status, updated_at=version.updated_at
        ).update(updated_at=timezone.now(), **fields)
    )


def _recover_analysis(version: ResourceVersion) -> str:
    _remove_work_files(version, keep_staging=False)
    count = _interruptions(version)
    if count >= MAX_INTERRUPTIONS:
        _move(version, VersionStatus.ANALYSING, status=VersionStatus.FAILED, error=ANALYSIS_KILLED)
        return "failed"
    detection = {**version.detection, "interruptions": count}
    if _move(version, VersionStatus.ANALYSING, status=VersionStatus.UPLOADED, detection=detection):
        analyse_version_task.enqueue(str(version.pk))
    return "analysis_requeued"


def _recover_publication(version: ResourceVersion) -> str:
    # Not published yet (the switch is one transaction): the final files are not in use.
    for leftover in (storage.published_parquet(version), storage.query_copy(version)):
        leftover.unlink(missing_ok=True)
    _remove_work_files(version, keep_staging=True)
    count = _interruptions(version)
    detection = {**version.detection, "interruptions": count}
    if not storage.staging_parquet(version).exists():
        _move(
            version, VersionStatus.PUBLISHING, status=VersionStatus.FAILED, error=PUBLICATION_LOST
        )
        return "failed"
    if count >= MAX_INTERRUPTIONS:
        _move(
            version,
            VersionStatus.PUBLISHING,
            status=VersionStatus.REVIEW,
            error=PUBLICATION_INTERRUPTED,
            detection=detection,
        )
        return "back_to_review"
    if _move(version, VersionStatus.PUBLISHING, detection=detection):
        publish_version_task.enqueue(str(version.pk))
    return "publication_requeued"


def _recover_upload(version: ResourceVersion, analysing: set[str]) -> str | None:
    source = storage.source_path(version)
    if version.source_bytes == 0:
        # Still being received while the file grows; cut when it has not grown for a lease.
        if source.exists() and not is_stale(source):
            return None
        if not source.exists() and version.created_at > timezone.now() - lease():
            return None
        shutil.rmtree(storage.version_dir(version), ignore_errors=True)
        _move(version, VersionStatus.UPLOADED, status=VersionStatus.FAILED, error=UPLOAD_CUT)
        return "failed"
    if str(version.pk) in analysing or version.updated_at > timezone.now() - lease():
        return None
    if not _move(version, VersionStatus.UPLOADED):
        return None
    analyse_version_task.enqueue(str(version.pk))
    return "analysis_requeued"


def _remove_work_files(version: ResourceVersion, keep_staging: bool) -> None:
    storage.clean_work_dir(version)
    folder = storage.version_dir(version)
    for partial in folder.glob("*.partial"):
        partial.unlink(missing_ok=True)
    if not keep_staging:
        storage.staging_parquet(version).unlink(missing_ok=True)


def _remove_leftovers() -> int:
    """Work files of versions no job is working on, folders of versions that are gone."""
    root = settings.OPENDATA_DIR
    if not root.is_dir():
        return 0
    removed = remove_stale_files(root / "tmp")
    busy = {VersionStatus.UPLOADED, VersionStatus.ANALYSING, VersionStatus.PUBLISHING}
    versions = {
        (str(resource_id), f"v{number}"): status
        for resource_id, number, status in ResourceVersion.objects.values_list(
            "resource_id", "number", "status"
        )
    }
    for folder in root.glob("*/v*"):
        if not folder.is_dir():
            continue
        status = versions.get((folder.parent.name, folder.name))
        if status is None:
            if is_stale(folder):
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
            continue
        if status in busy:
            continue
        leftovers = [*folder.glob("*.partial"), folder / "work"]
        if status != VersionStatus.REVIEW:  # review keeps its staging Parquet for publication
            leftovers.append(folder / "staging.parquet")
        for path in leftovers:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
            elif path.exists():
                path.unlink()
                removed += 1
    return removed
