"""The sources modules offer the assistant (`assistant_sources`, core/modules.py).

Each source is a managed collection whose passages are the documents of a module's index
namespace, written by that module's ONE indexer (e.g. the register's projects). The
assistant reads them in place: nothing is copied, so a deleted or unpublished record leaves
the assistant's answers with the module's own index. The documents carry their own access
lists (a register project's restricted fields are readable by agents only); the collection
itself is public, so that every reader may ask it.
"""

from __future__ import annotations

from territoria.assistant.models import Collection, Visibility
from territoria.core import modules


def source_of(collection: Collection) -> modules.AssistantSource | None:
    if not collection.managed:
        return None
    return next((s for s in modules.assistant_sources() if s.slug == collection.slug), None)


def source_collection(source: modules.AssistantSource) -> Collection:
    collection, _ = Collection.objects.update_or_create(
        slug=source.slug,
        defaults={
            "name": source.name,
            "description": source.description,
            "visibility": Visibility.PUBLIC,
            "managed": True,
        },
    )
    return collection


def sync_source_collections(**_signal_kwargs) -> list[Collection]:
    """One managed collection per declared source (after `migrate`, and on demand)."""
    return [source_collection(source) for source in modules.assistant_sources()]
