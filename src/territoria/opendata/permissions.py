"""Who may do what in the open-data portal. Everyone reads, queries and downloads published
data; publishing needs a logged-in user holding `opendata.publish` (opendata/apps.py) in the
producing organisation, or a platform administrator."""

from django.db.models import Exists, OuterRef, Q

from territoria.core.roles import has_capability
from territoria.opendata.models import Resource


def _publishes_for(user, organisation_id) -> bool:
    if has_capability(user, "core.platform_admin"):
        return True
    return bool(
        organisation_id is not None
        and has_capability(user, "opendata.publish")
        and user.organisation_id == organisation_id
    )


def can_create_dataset(user) -> bool:
    return has_capability(user, "core.platform_admin") or (
        has_capability(user, "opendata.publish") and user.organisation_id is not None
    )


def get_abilities(user, dataset) -> dict:
    edit = dataset.system_key is None and _publishes_for(user, dataset.organisation_id)
    return {"view": True, "query": True, "download": True, "edit": edit, "publish": edit}


def visible_datasets(datasets, user):
    """Readers see the datasets that have something published (as the DCAT catalogue does);
    a publisher also sees the unpublished ones of their organisation, to finish them."""
    if has_capability(user, "core.platform_admin"):
        return datasets
    visible = Q(
        Exists(Resource.objects.filter(dataset=OuterRef("pk"), current_version__isnull=False))
    )
    if has_capability(user, "opendata.publish") and user.organisation_id:
        visible |= Q(organisation_id=user.organisation_id, system_key__isnull=True)
    return datasets.filter(visible)
