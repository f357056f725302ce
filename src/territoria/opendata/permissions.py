"""Who may do what in the open-data portal. Everyone reads, queries and downloads published
data; publishing needs a logged-in agent (or administrator) of the producing organisation."""

from django.db.models import Exists, OuterRef, Q

from territoria.core.models import Role
from territoria.opendata.models import Resource

PUBLISHER_ROLES = {Role.AGENT, Role.ADMIN}


def can_create_dataset(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_platform_admin or (
        user.role in PUBLISHER_ROLES and user.organisation_id is not None
    )


def get_abilities(dataset, user) -> dict:
    authenticated = getattr(user, "is_authenticated", False)
    edit = bool(
        authenticated
        and dataset.system_key is None
        and (
            user.is_platform_admin
            or (
                user.role in PUBLISHER_ROLES
                and user.organisation_id is not None
                and user.organisation_id == dataset.organisation_id
            )
        )
    )
    return {"view": True, "query": True, "download": True, "edit": edit, "publish": edit}


def visible_datasets(datasets, user):
    """Readers see the datasets that have something published (as the DCAT catalogue does);
    a publisher also sees the unpublished ones of their organisation, to finish them."""
    if getattr(user, "is_authenticated", False) and user.is_platform_admin:
        return datasets
    visible = Q(
        Exists(Resource.objects.filter(dataset=OuterRef("pk"), current_version__isnull=False))
    )
    if (
        getattr(user, "is_authenticated", False)
        and user.role in PUBLISHER_ROLES
        and user.organisation_id
    ):
        visible |= Q(organisation_id=user.organisation_id, system_key__isnull=True)
    return datasets.filter(visible)
