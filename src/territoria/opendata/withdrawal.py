"""Unpublishing and deleting a dataset, by its producer.

- **Retirer** (withdraw): every published or superseded version becomes "withdrawn", no
  resource has a current version any more; the files stay, and "Republier" puts the last
  published versions back online.
- **Supprimer** (delete): a dataset never published is deleted outright (nothing of it was
  ever public). A published one is withdrawn and its files (sources, Parquet, query copies)
  and stored previews are erased; its record stays, with the date and the reason.

A withdrawn dataset stays in the catalogue's list of withdrawn datasets, and every address
of its data (download, rows, aggregation, pages) answers 410 Gone with the date and reason,
in French, rather than a bare 404: a reuser learns that it was there and why it is gone.
"""

import shutil

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from territoria.opendata.models import Dataset, Resource, ResourceVersion, VersionStatus
from territoria.opendata.visibility import PUBLIC_STATUSES


class WithdrawalError(Exception):
    """A withdrawal refused; the message is for the user (French)."""


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise WithdrawalError(
            "Indiquez le motif du retrait : il est affiché à la place des données, pour les "
            "personnes qui les utilisaient."
        )
    return reason


def has_published(dataset: Dataset) -> bool:
    return ResourceVersion.objects.filter(
        resource__dataset=dataset, status__in=PUBLIC_STATUSES
    ).exists()


def withdraw(dataset: Dataset, reason: str) -> Dataset:
    """Unpublish every resource of `dataset`; its files stay (see `restore`)."""
    reason = _reason(reason)
    if dataset.system_key:
        raise WithdrawalError("Ce jeu de données est tenu à jour par la plateforme elle-même.")
    if not has_published(dataset):
        raise WithdrawalError(
            "Ce jeu de données n'a aucune version publiée : il n'y a rien à retirer. "
            "Vous pouvez le supprimer."
        )
    with transaction.atomic():
        _unpublish(dataset)
        dataset.withdrawn_at = timezone.now()
        dataset.withdrawal_reason = reason
        dataset.save()
    return dataset


def _unpublish(dataset: Dataset) -> None:
    for resource in Resource.objects.select_for_update().filter(dataset=dataset):
        resource.versions.filter(status__in=PUBLIC_STATUSES).update(
            status=VersionStatus.WITHDRAWN, updated_at=timezone.now()
        )
        if resource.current_version_id is not None:
            resource.current_version = None
            resource.save()


def delete(dataset: Dataset, reason: str) -> Dataset | None:
    """Delete the data of `dataset`. Never published: the dataset itself is deleted (None is
    returned). Published: withdrawn, files and previews erased, the record kept."""
    if dataset.system_key:
        raise WithdrawalError("Ce jeu de données est tenu à jour par la plateforme elle-même.")
    resource_ids = list(dataset.resources.values_list("pk", flat=True))
    if dataset.withdrawn_at is None and not has_published(dataset):
        with transaction.atomic():
            dataset.delete()
        transaction.on_commit(lambda: _erase_files(resource_ids))
        return None
    reason = _reason(reason or dataset.withdrawal_reason)
    with transaction.atomic():
        _unpublish(dataset)
        ResourceVersion.objects.filter(resource__dataset=dataset).exclude(
            status=VersionStatus.FAILED
        ).update(status=VersionStatus.WITHDRAWN, preview=[], updated_at=timezone.now())
        ResourceVersion.objects.filter(resource__dataset=dataset).update(preview=[])
        dataset.withdrawn_at = dataset.withdrawn_at or timezone.now()
        dataset.withdrawal_reason = reason
        dataset.files_deleted = True
        dataset.save()
    transaction.on_commit(lambda: _erase_files(resource_ids))
    return dataset


def _erase_files(resource_ids: list) -> None:
    for resource_id in resource_ids:
        shutil.rmtree(settings.OPENDATA_DIR / str(resource_id), ignore_errors=True)


def restore(dataset: Dataset) -> Dataset:
    """Put a withdrawn dataset back online: each resource's last withdrawn version becomes
    its current version again (the older ones superseded)."""
    if dataset.withdrawn_at is None:
        raise WithdrawalError("Ce jeu de données n'est pas retiré.")
    if dataset.files_deleted:
        raise WithdrawalError(
            "Les fichiers de ce jeu de données ont été supprimés : publiez une nouvelle "
            "version de chaque ressource."
        )
    with transaction.atomic():
        for resource in Resource.objects.select_for_update().filter(dataset=dataset):
            withdrawn = list(resource.versions.filter(status=VersionStatus.WITHDRAWN))
            if not withdrawn:
                continue
            latest = max(withdrawn, key=lambda v: v.number)
            for version in withdrawn:
                version.status = (
                    VersionStatus.PUBLISHED if version == latest else VersionStatus.SUPERSEDED
                )
                version.save(update_fields=["status", "updated_at"])
            resource.current_version = latest
            resource.save()
        clear(dataset)
    return dataset


def clear(dataset: Dataset) -> None:
    """The dataset is online again (restored, or a new version published)."""
    if dataset.withdrawn_at is not None:
        dataset.withdrawn_at = None
        dataset.withdrawal_reason = ""
        dataset.files_deleted = False
        dataset.save()


def gone_message(dataset: Dataset) -> str:
    when = date_format(timezone.localtime(dataset.withdrawn_at), "j F Y")
    deleted = " Ses fichiers ont été supprimés." if dataset.files_deleted else ""
    return (
        f"Le jeu de données « {dataset.title} » a été retiré de la publication le {when} "
        f"par son producteur. Motif : {dataset.withdrawal_reason}{deleted} "
        "Pour toute question, contactez le producteur."
    )


def withdrawn_dataset_of_table(table_name: str) -> Dataset | None:
    resource = (
        Resource.objects.select_related("dataset")
        .filter(table_name=table_name, dataset__withdrawn_at__isnull=False)
        .first()
    )
    return resource.dataset if resource else None


def withdrawn_datasets():
    """The catalogue's history: datasets withdrawn by their producers, newest first."""
    return (
        Dataset.objects.filter(withdrawn_at__isnull=False)
        .select_related("organisation")
        .order_by("-withdrawn_at")
    )
