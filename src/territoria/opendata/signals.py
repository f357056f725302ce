"""Keep the register dataset up to date: a change of a project that is, or was, published
queues a refresh once the transaction commits."""

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)


def _queue_refresh(**kwargs) -> None:
    from territoria.opendata.tasks import refresh_register_dataset_task

    def enqueue():
        try:
            refresh_register_dataset_task.enqueue()
        except Exception:
            logger.exception("could not queue the refresh of the register dataset")

    transaction.on_commit(enqueue)


def connect() -> None:
    try:
        from territoria.registre.models import Project
    except ImportError:
        return
    post_save.connect(_queue_refresh, sender=Project, dispatch_uid="opendata-register-save")
    post_delete.connect(_queue_refresh, sender=Project, dispatch_uid="opendata-register-delete")
