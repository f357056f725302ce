"""Who may do what with a collection — one place, used by pages and API alike.

Which roles hold which capability is declared in `assistant/apps.py`; this module adds the
object: the collection's organisation and whether code feeds it.

- read (ask, open its sources): the collection's access tokens (`Collection.access_tokens`);
- contribute (`assistant.manage`, the organisation's agents): add documents to the
  organisation's collections, see and answer their hand-off requests;
- administer (`assistant.manage_collections`, the organisation's managers — moderators and
  administrators who belong to it): create collections for the organisation, rename them,
  set who may read them, delete them and delete their documents. A platform administrator
  administers every collection fed by uploads.
"""

from __future__ import annotations

from territoria.assistant.models import Collection
from territoria.core.roles import has_capability
from territoria.search.access import access_tokens

CONTRIBUTE = "assistant.manage"
ADMINISTER = "assistant.manage_collections"


def can_read(user, collection: Collection) -> bool:
    return collection.readable_by(access_tokens(user))


def _platform_admin(user) -> bool:
    return has_capability(user, "core.platform_admin")


def _member_with(user, capability, organisation_id) -> bool:
    return bool(
        organisation_id
        and has_capability(user, capability)
        and getattr(user, "organisation_id", None) == organisation_id
    )


def _contributes(user, collection: Collection) -> bool:
    """An agent of the organisation who may read the collection (a group collection's
    documents, even their names, stay with its groups), or one of its managers."""
    return _member_with(user, ADMINISTER, collection.organisation_id) or (
        _member_with(user, CONTRIBUTE, collection.organisation_id) and can_read(user, collection)
    )


def can_manage(user, collection: Collection) -> bool:
    """Add documents (a manager: see the collection's page even if its groups leave them out)."""
    if _platform_admin(user):
        return True
    # Managed collections (the register) are fed by code only.
    return not collection.managed and _contributes(user, collection)


def can_administer(user, collection: Collection) -> bool:
    """Rename, set access, delete the collection, delete its documents."""
    if collection.managed:  # the register's collection follows the register, not a person
        return False
    return _platform_admin(user) or _member_with(user, ADMINISTER, collection.organisation_id)


def can_answer_handoffs(user, collection: Collection) -> bool:
    return _platform_admin(user) or _contributes(user, collection)


def can_create_collection(user) -> bool:
    """Platform administrators (any organisation) and managers (their own organisation)."""
    return _platform_admin(user) or bool(
        getattr(user, "organisation_id", None) and has_capability(user, ADMINISTER)
    )


def creatable_organisations(user):
    """The organisations a user may create (or move) a collection for."""
    from territoria.core.models import Organisation

    if _platform_admin(user):
        return Organisation.objects.all()
    if can_create_collection(user):
        return Organisation.objects.filter(pk=user.organisation_id)
    return Organisation.objects.none()


def can_open(user, collection: Collection) -> bool:
    """Whether the collection's page may be shown: its readers and its managers."""
    return can_read(user, collection) or can_manage(user, collection)


def get_abilities(user, collection: Collection) -> dict:
    administer = can_administer(user, collection)
    return {
        "ask": can_read(user, collection),
        "manage": can_manage(user, collection),
        "answer_handoffs": can_answer_handoffs(user, collection),
        "edit": administer,
        "delete": administer,
        "delete_documents": administer,
    }


def can_see_log(user) -> bool:
    return has_capability(user, "assistant.view_log")
