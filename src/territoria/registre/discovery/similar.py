"""Similar projects: the nearest records by meaning, projects of other territories first.

Nearest neighbours of the project's own vector (its public document) among the documents the
reader may read; while its vector is not computed yet (the embedding job runs after a save),
the words of its name and description are searched instead.
"""

from __future__ import annotations

from territoria.registre.discovery.documents import NAMESPACE, embedding_text, project_key
from territoria.registre.discovery.table import get_table, visible_mask
from territoria.search import access_tokens, get_index

CANDIDATES = 40


def similar_projects(project, user, limit: int = 5) -> list:
    from territoria.registre.models import Project
    from territoria.search.embeddings import vector_from_bytes
    from territoria.search.models import IndexedDocument

    table = get_table()
    access = access_tokens(user)
    index = get_index()
    vector = (
        IndexedDocument.objects.filter(namespace=NAMESPACE, key=project_key(project.pk))
        .exclude(vector=None)
        .values_list("vector", flat=True)
        .first()
    )
    if vector is not None:
        ranking = index.dense_ranking(
            NAMESPACE, vector_from_bytes(vector), access, limit=CANDIDATES
        )
    else:
        ranking = index.lexical_ranking(
            NAMESPACE, embedding_text(project), access, limit=CANDIDATES
        )
    visible = visible_mask(table, user)
    own = table.position.get(project.pk)
    rows, seen = [], {own}
    for doc_pk, _score in ranking:
        row = table.doc_rows.get(doc_pk)
        if row is None or row in seen or not visible[row]:
            continue
        seen.add(row)
        rows.append(row)
    own_org = table.organisation_row[own] if own is not None else None
    rows.sort(
        key=lambda row: table.organisation_row[row] == own_org
    )  # stable: keeps similarity order
    ids = [table.ids[row] for row in rows[:limit]]
    by_id = Project.objects.select_related("organisation").in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]
