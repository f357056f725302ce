"""Background jobs of the open-data portal (worker: `territoria db_worker`)."""

from django_tasks import task

from territoria.opendata import publishing
from territoria.opendata.models import ResourceVersion


@task()
def analyse_version_task(version_id: str) -> str:
    version = ResourceVersion.objects.select_related("resource").get(pk=version_id)
    return publishing.analyse(version).status


@task()
def publish_version_task(version_id: str) -> str:
    version = ResourceVersion.objects.select_related("resource__dataset").get(pk=version_id)
    return publishing.publish(version).status


@task()
def refresh_module_dataset_task(key: str) -> str:
    from territoria.opendata.module_datasets import refresh_module_dataset

    version = refresh_module_dataset(key)
    return version.status if version else "unavailable"
