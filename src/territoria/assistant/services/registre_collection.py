"""The register as a collection of the assistant.

Each published project becomes two passages in `assistant:registre`:
* `<pk>:public` — the public fields, access token `public` (everyone, citizens included);
* `<pk>:restricted` — the restricted fields, access token `staff` (agents, élus,
  moderators, administrators: the register's readers of restricted fields).
Which field is which comes from `territoria.registre.visibility` — the register's one
place for that rule — so the assistant can never show a field the register would hide.
"""

from __future__ import annotations

import logging

from django.db import transaction

from territoria.assistant.models import Collection, Visibility
from territoria.search import Document as IndexDocument
from territoria.search import get_index
from territoria.search.access import PUBLIC, STAFF

log = logging.getLogger(__name__)
SLUG = "registre"


def registre_collection() -> Collection:
    collection, _ = Collection.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": "Registre des IA territoriales",
            "visibility": Visibility.PUBLIC,
            "managed": True,
            "description": "Les projets d'IA des collectivités publiés dans le registre.",
        },
    )
    return collection


def _reader_with_restricted_rights():
    """An unsaved agent: what the register shows to someone allowed the restricted fields."""
    from territoria.core.models import Role, User

    return User(role=Role.AGENT, is_active=True)


# Put together in the first sentence, so that an extractive answer to "which collectivités
# do X?" quotes who carries the project together with what it is.
_LEAD_FIELDS = ("nom_projet", "coll_nom", "coll_type")


def _lead(values: dict) -> str:
    if not values.get("nom_projet"):
        return ""
    carrier = values.get("coll_nom") or ""
    kind = values.get("coll_type") or ""
    by = f" : projet porté par {carrier}" if carrier else ""
    return f"{values['nom_projet']}{by}{f' ({kind})' if kind and carrier else ''}."


def _lines(project, values: dict) -> str:
    from territoria.registre import schema

    titles = {spec.name: spec.title for spec in schema.FIELDS}
    lead = _lead(values)
    lines = [lead] if lead else []
    for name, value in values.items():
        if lead and name in _LEAD_FIELDS:
            continue
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value if v)
        if value not in (None, "") and name not in ("latitude", "longitude", "image_url"):
            lines.append(f"{titles.get(name, name)} : {value}.")
    return "\n".join(lines)


def project_documents(project) -> list[IndexDocument]:
    from territoria.registre.visibility import project_values

    public = project_values(project, None)
    everything = project_values(project, _reader_with_restricted_rights())
    restricted = {k: v for k, v in everything.items() if k not in public}
    title = f"{project.nom_projet} — {project.organisation.name}"
    url = project.get_absolute_url()
    common = {"document": str(project.pk), "source": url, "title": title, "page": None}
    documents = [
        IndexDocument(
            key=f"{project.pk}:public",
            title=title,
            text=_lines(project, public),
            access=[PUBLIC],
            fields={**common, "section": "Fiche publique"},
        )
    ]
    if restricted:
        documents.append(
            IndexDocument(
                key=f"{project.pk}:restricted",
                title=title,
                text=_lines(project, restricted),
                access=[STAFF],
                fields={**common, "section": "Champs réservés aux agents"},
            )
        )
    return documents


def index_registre(embed: bool = True) -> int:
    """(Re)index every published project; projects no longer published leave the index."""
    from territoria.registre.models import Project
    from territoria.registre.vocabulary import Lifecycle

    collection = registre_collection()
    index = get_index()
    projects = list(
        Project.objects.filter(lifecycle=Lifecycle.PUBLISHED).select_related("organisation")
    )
    documents = [doc for project in projects for doc in project_documents(project)]
    with transaction.atomic():
        index.upsert(collection.namespace, documents)
        wanted = {doc.key for doc in documents}
        from territoria.search.models import IndexedDocument

        stale = (
            set(
                IndexedDocument.objects.filter(namespace=collection.namespace).values_list(
                    "key", flat=True
                )
            )
            - wanted
        )
        index.delete(collection.namespace, stale)
    if embed:
        index.embed_pending(collection.namespace)
    return len(projects)


def reindex_project(project) -> None:
    """After a save: the project's passages follow (lexically at once; vectors by the next job)."""
    from territoria.registre.vocabulary import Lifecycle

    collection = registre_collection()
    index = get_index()
    if project.lifecycle == Lifecycle.PUBLISHED:
        index.upsert(collection.namespace, project_documents(project))
    else:
        index.delete(collection.namespace, [f"{project.pk}:public", f"{project.pk}:restricted"])


def on_project_saved(sender, instance, **kwargs):
    def run():
        try:
            reindex_project(instance)
        except Exception:  # indexing must never break saving a project
            log.exception("could not reindex project %s for the assistant", instance.pk)

    transaction.on_commit(run)
