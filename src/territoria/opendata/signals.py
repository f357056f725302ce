"""Keep the modules' datasets up to date: a save or delete of a watched model queues a refresh
of the dataset once the transaction commits — once per transaction, however many rows changed."""

from django.apps import apps
from django.db.models.signals import post_delete, post_save

from territoria.core import modules
from territoria.core.dispatch import on_commit_once


def queue_refresh(key: str) -> None:
    from territoria.opendata.tasks import refresh_module_dataset_task

    on_commit_once(("opendata-refresh", key), lambda: refresh_module_dataset_task.enqueue(key))


def _receiver(key: str):
    def changed(sender, raw=False, **kwargs):
        if not raw:
            queue_refresh(key)

    return changed


def connect() -> None:
    for spec in modules.published_datasets():
        for model_name in spec.watch:
            model = apps.get_model(model_name)
            receiver = _receiver(spec.key)
            uid = f"opendata-refresh-{spec.key}-{model_name}"
            post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}-save")
            post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}-delete")
