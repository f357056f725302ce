"""The ONE serialisation of a project for the search index: a public document and a restricted one.

Every consumer reads these documents: the register's search (`registre/discovery/`) and the
assistant, which offers the namespace as its source "registre" (declared in apps.py). The
texts are taken through `visibility.project_values` as an anonymous reader (public document)
and as a reader of restricted fields (the restricted document keeps only the fields the
anonymous reader does not see), so the index can never hold a restricted value in a document
that anonymous queries may reach. Access tokens of the search core separate them:

    published project   public doc → "public"          restricted doc → READ_RESTRICTED
    any other state     both → "org:<carrier>", MODERATE

(capability tokens, see apps.py; the search results are also intersected with
`visible_projects`, see `table.visible_mask`). The public text opens with the sentence
"<name> : projet porté par <carrier> (<type>)." so that an extractive answer to "which
collectivités do X?" quotes who carries the project together with what it is.
"""

from __future__ import annotations

from territoria.registre import schema
from territoria.registre.apps import MODERATE, READ_RESTRICTED
from territoria.registre.vocabulary import Lifecycle
from territoria.search.access import PUBLIC, capability_token, org_token

NAMESPACE = "registre"
RESTRICTED_SUFFIX = ":restreint"
# Said once, in the opening sentence (see _lead), not again as lines of their own.
LEAD_FIELDS = ("nom_projet", "coll_nom", "coll_type")
PUBLIC_SECTION = "Fiche publique du projet de la collectivité"  # context the assistant weighs
RESTRICTED_SECTION = "Champs réservés aux agents"
# Values that are identifiers, addresses or dates: no one searches them as words.
NOT_INDEXED = {
    "coll_siret",
    "latitude",
    "longitude",
    "image_url",
    "url_infos",
    "url_ressources",
    "projet_contact",
    "projet_date",
    "date",
}
EMBEDDED_CHARS = (
    1500  # e5-small reads 512 tokens at most; the start of the description says what it is
)


class _RestrictedReader:
    """A stand-in reader allowed to see restricted fields (visibility decides what that means)."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    organisation_id = None
    role = "agent"
    pk = None


def _text(values: dict, names: list[str]) -> str:
    parts = []
    for name in names:
        value = values.get(name)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value if v)
        if value not in (None, ""):
            parts.append(str(value).strip())
    return "\n".join(part for part in parts if part)


def project_key(project_id) -> str:
    return str(project_id)


def restricted_key(project_id) -> str:
    return f"{project_id}{RESTRICTED_SUFFIX}"


def project_id_of(key: str) -> str:
    return key.removesuffix(RESTRICTED_SUFFIX)


def access_of(project) -> tuple[list[str], list[str]]:
    """(tokens of the public document, tokens of the restricted document)."""
    if project.lifecycle == Lifecycle.PUBLISHED:
        return [PUBLIC], [capability_token(READ_RESTRICTED)]
    insiders = [org_token(project.organisation_id), capability_token(MODERATE)]
    return insiders, insiders


def _lead(values: dict) -> str:
    name, carrier, kind = (values.get(field) or "" for field in LEAD_FIELDS)
    if not name:
        return ""
    by = f" : projet porté par {carrier}" if carrier else ""
    return f"{name}{by}{f' ({kind})' if kind and carrier else ''}."


def embedding_text(project) -> str:
    return f"{project.nom_projet}. {project.usage_description}"[:EMBEDDED_CHARS]


def documents_for(project) -> list:
    from territoria.registre.visibility import project_values, visible_fields
    from territoria.search import Document

    public_names = [
        spec.name
        for spec in visible_fields(None)
        if spec.name not in NOT_INDEXED | set(LEAD_FIELDS)
    ]
    restricted_names = [
        spec.name
        for spec in visible_fields(_RestrictedReader())
        if not spec.is_public and spec.name not in NOT_INDEXED
    ]
    public_values = project_values(project, None)
    restricted_values = project_values(project, _RestrictedReader())
    public_access, restricted_access = access_of(project)
    organisation = project.organisation
    title = f"{project.nom_projet} — {organisation.name}"
    # "document", "title", "section", "page", "url": what the assistant cites.
    shared = {
        "project": str(project.pk),
        "document": str(project.pk),
        "title": title,
        "page": None,
        "url": project.get_absolute_url(),
    }
    # What the facet table and the map read besides the texts (all public): part of the
    # document's digest, so a change renews the index stamp and the in-process tables follow.
    public_fields = {
        **shared,
        "part": "public",
        "section": PUBLIC_SECTION,
        "lifecycle": project.lifecycle,
        "region": organisation.region,
        "latitude": organisation.latitude,
        "longitude": organisation.longitude,
        "annee": project.projet_date.year if project.projet_date else None,
    }
    embedded = embedding_text(project)
    documents = [
        Document(
            key=project_key(project.pk),
            title=project.nom_projet,
            text="\n".join(
                part for part in (_lead(public_values), _text(public_values, public_names)) if part
            ),
            access=public_access,
            fields=public_fields,
            embedding_text=embedded,
        ),
    ]
    restricted_text = _text(restricted_values, restricted_names)
    if restricted_text:
        # Same embedded text as the public document: its vector comes from the embedding cache
        # (no second inference); semantic search works on the public description.
        documents.append(
            Document(
                key=restricted_key(project.pk),
                title=project.nom_projet,
                text=restricted_text,
                access=restricted_access,
                fields={**shared, "part": "restreint", "section": RESTRICTED_SECTION},
                embedding_text=embedded,
            )
        )
    return documents


class ProjectIndexer:
    """The indexer of the content type "registre.project" (declared in apps.py)."""

    namespace = NAMESPACE

    def documents(self, project) -> list:
        return documents_for(project)

    def keys(self, project_id) -> list[str]:
        return [project_key(project_id), restricted_key(project_id)]

    def queryset(self):
        from territoria.registre.models import Project

        return Project.objects.select_related("organisation")


project_indexer = ProjectIndexer()


assert all(
    schema.spec(name) for name in NOT_INDEXED
)  # a renamed field must not silently get indexed
