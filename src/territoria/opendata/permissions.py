"""Who may do what in the open-data portal. Everyone reads, queries and downloads published
data; publishing needs a logged-in user holding `opendata.publish` (opendata/apps.py) in the
producing organisation, or a platform administrator. What each one sees (published or not)
is decided in `visibility.py`."""

from territoria.core.roles import has_capability


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
