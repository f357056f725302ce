"""Re-index an organisation's projects when it changes (saves and deletes of projects themselves
are followed by the search core, see `territoria.search.indexing`)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from territoria.core.models import Organisation
from territoria.registre.discovery.documents import project_indexer
from territoria.search.indexing import index_objects


@receiver(post_save, sender=Organisation, dispatch_uid="registre_search_organisation_saved")
def organisation_saved(sender, instance, created=False, raw=False, **kwargs):
    # Name, type, region and position of the carrier are searched and faceted with its projects.
    if raw or created:
        return
    projects = list(instance.projects.select_related("organisation"))
    if projects:
        index_objects(project_indexer, projects)
