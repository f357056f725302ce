"""Who sees what of open data: the one rule for datasets, resources and versions.

Readers (anonymous, other organisations) see what is published, and only what is published:
- a dataset that has at least one published resource;
- a resource that has a current (published) version;
- a version that is published or superseded, with its published columns only (never the
  columns the publisher dropped, never the personal-data flags, never the analysis).
The producing organisation's publishers (and platform administrators) also see what is not
published yet, to review and finish it: datasets, resources and versions in every state, the
analysis and the preview of a version under review.

Every route goes through this module: pages, API, downloads, SQL tables, DCAT catalogue,
catalogue search, and the public service API (`opendata.service`).
"""

from django.db.models import Exists, OuterRef, Q

from territoria.core.roles import has_capability
from territoria.opendata.models import Resource, ResourceVersion, VersionStatus

PUBLIC_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)


def _is_admin(user) -> bool:
    return has_capability(user, "core.platform_admin")


def _publisher_organisation(user):
    """The organisation whose unpublished datasets `user` may review (those who publish for
    it, `opendata.publish`), or None."""
    if has_capability(user, "opendata.publish") and user.organisation_id:
        return user.organisation_id
    return None


def may_review(dataset, user) -> bool:
    """Whether `user` may see the unpublished parts of `dataset` (its producers, the admins).
    Datasets the platform maintains itself (system_key) are reviewed by administrators only."""
    if _is_admin(user):
        return True
    organisation = _publisher_organisation(user)
    return bool(
        organisation is not None
        and dataset.system_key is None
        and dataset.organisation_id == organisation
    )


def _reviewer_q(user, prefix: str = "") -> Q | None:
    """Q over datasets (through `prefix`) that `user` may review; None when none."""
    organisation = _publisher_organisation(user)
    if organisation is None:
        return None
    return Q(**{f"{prefix}organisation_id": organisation, f"{prefix}system_key__isnull": True})


def visible_datasets(datasets, user):
    """Datasets with something published; a publisher also sees the unpublished ones of their
    organisation, to finish them."""
    if _is_admin(user):
        return datasets
    visible = Q(
        Exists(Resource.objects.filter(dataset=OuterRef("pk"), current_version__isnull=False))
    )
    if (reviewer := _reviewer_q(user)) is not None:
        visible |= reviewer
    return datasets.filter(visible)


def visible_resources(resources, user):
    """Resources with a published version; the producers also see those not published yet."""
    if _is_admin(user):
        return resources
    visible = Q(current_version__isnull=False)
    if (reviewer := _reviewer_q(user, "dataset__")) is not None:
        visible |= reviewer
    return resources.filter(visible)


def visible_versions(versions, user):
    """Published and superseded versions; the producers also see those in any other state."""
    if _is_admin(user):
        return versions
    visible = Q(status__in=PUBLIC_STATUSES)
    if (reviewer := _reviewer_q(user, "resource__dataset__")) is not None:
        visible |= reviewer
    return versions.filter(visible)


def can_see_resource(resource: Resource, user) -> bool:
    return resource.current_version_id is not None or may_review(resource.dataset, user)


def can_see_version(version: ResourceVersion, user) -> bool:
    return version.status in PUBLIC_STATUSES or may_review(version.resource.dataset, user)


def can_see_analysis(version: ResourceVersion, user) -> bool:
    """The analysis of a version (preview, personal-data flags, detection, inferred schema,
    validation errors, error message) is for its reviewers only."""
    return may_review(version.resource.dataset, user)


def published_preview(version: ResourceVersion) -> list[list]:
    """The stored preview without the columns dropped at publication.

    `publish()` stores it cleaned; versions published before that fix may still hold the
    dropped columns, so every reader goes through this function (cleaning on read)."""
    if not version.dropped_columns:
        return version.preview
    names = [f["name"] for f in version.columns]
    keep = [i for i, name in enumerate(names) if name not in version.dropped_columns]
    if len(version.preview) and len(version.preview[0]) != len(names):
        return version.preview  # already cleaned (one value per published column)
    return [[row[i] for i in keep] for row in version.preview]
