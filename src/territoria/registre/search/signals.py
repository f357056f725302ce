"""Index a project when it is saved or deleted, and its organisation's projects when it changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from territoria.core.models import Organisation
from territoria.registre.models import Project
from territoria.registre.search.indexing import (
    index_projects,
    schedule_embeddings,
    unindex_projects,
)


@receiver(post_save, sender=Project, dispatch_uid="registre_search_project_saved")
def project_saved(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata: the index is rebuilt by `territoria reindex_registre`
        return
    index_projects([instance])
    schedule_embeddings()


@receiver(post_delete, sender=Project, dispatch_uid="registre_search_project_deleted")
def project_deleted(sender, instance, **kwargs):
    unindex_projects([instance.pk])


@receiver(post_save, sender=Organisation, dispatch_uid="registre_search_organisation_saved")
def organisation_saved(sender, instance, created=False, raw=False, **kwargs):
    # Name, type, region and position of the carrier are searched and faceted with its projects.
    if raw or created:
        return
    projects = list(instance.projects.select_related("organisation"))
    if projects:
        index_projects(projects)
