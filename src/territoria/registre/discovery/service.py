"""The register's query service: text search + filters + sort + facet counts + a page of projects.

One entry point, `search_projects(params, user)`, behind every route that reads a set of
projects — the list page (`/registre/`), the search page (`/registre/recherche/`), the API
list and search, the exports, the map and the dashboard — so they agree on what a query
means and on its order:

1. filters come from the query string, validated by the form of `ProjectFilter` (the filter
   set shared with the exports); a restricted filter is ignored for readers who may not use it;
2. the text query (optional) is matched by `text.match_projects` — French full-text search
   fused with semantic search, on the shared search core, access tokens inside the query;
3. facet counts are computed on the result set, each facet with every *other* filter applied
   (so one can still switch from one theme to another), on the in-process `ProjectTable`;
4. the order is relevance for a text query (the fused ranking), else `?tri=` (`SORTS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

import numpy as np

from territoria.registre.discovery.facets import BY_NAME, FILTER_FACETS, UNSET, Facet, facets_for
from territoria.registre.discovery.table import ProjectTable, get_table, visible_mask
from territoria.registre.visibility import can_view_restricted

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_QUERY_CHARS = 500  # longer queries are cut (and the reader told): they cost without helping
RELEVANCE = "pertinence"
EXACT_PARAMETER, EXACT_VALUE = "orthographe", "exacte"  # search the words as typed
# ?tri= : label (the row permutations are built with the table, `ProjectTable.orders`).
SORTS = {
    RELEVANCE: "Pertinence",
    "nom": "Nom du projet",
    "recent": "Mise à jour la plus récente",
    "organisation": "Organisation",
}


@dataclass
class SearchQuery:
    text: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    organisation: str = ""
    mode: str = "hybrid"
    exact: bool = False  # ?orthographe=exacte: the words as typed, a correction only offered
    sort: str = ""  # "" = the default: relevance with a text query, else by name
    page: int = 1
    page_size: int = PAGE_SIZE
    messages: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)  # the messages of refused filter values

    @property
    def effective_sort(self) -> str:
        return self.sort or (RELEVANCE if self.text else "nom")

    @property
    def sort_choices(self) -> list[tuple[str, str]]:
        """The sorts that make sense for this query (relevance only with a text query)."""
        return [(code, label) for code, label in SORTS.items() if code != RELEVANCE or self.text]

    def query_string(self, **changes) -> str:
        params = {"q": self.text, **self.filters}
        if self.organisation:
            params["organisation"] = self.organisation
        if self.mode != "hybrid":
            params["mode"] = self.mode
        if self.exact:
            params[EXACT_PARAMETER] = EXACT_VALUE
        if self.sort:
            params["tri"] = self.sort
        params.update(changes)
        return urlencode({k: v for k, v in params.items() if v not in (None, "")})


@dataclass
class FacetValue:
    code: str
    label: str
    count: int
    selected: bool
    query: SearchQuery = field(repr=False)
    facet_name: str = ""

    @property
    def query_string(self) -> str:
        """The current query with this value toggled (built only for the pages that link it)."""
        return self.query.query_string(
            **{self.facet_name: "" if self.selected else self.code, "page": ""}
        )


@dataclass
class FacetResult:
    facet: Facet
    values: list[FacetValue]

    @property
    def name(self) -> str:
        return self.facet.name

    @property
    def label(self) -> str:
        return self.facet.label

    def as_dict(self) -> dict:
        return {
            "name": self.facet.name,
            "label": self.facet.label,
            "values": [
                {"code": v.code, "label": v.label, "count": v.count, "selected": v.selected}
                for v in self.values
            ],
        }


@dataclass
class SearchResult:
    query: SearchQuery
    total: int
    ids: list  # the project ids of the requested page, best first
    projects: list  # Project objects of the page (organisation loaded), in the same order
    facets: list[FacetResult]
    snippets: dict = field(default_factory=dict)  # project id -> HTML snippet (visible text only)
    messages: list[str] = field(default_factory=list)
    corrected_text: str = ""  # the query after typo correction, when one was applied
    suggestion: str = ""  # a correction offered, not applied (?orthographe=exacte)
    rows: np.ndarray | None = None  # all matching rows of the table, in the query's order
    table: ProjectTable | None = field(default=None, repr=False)

    @property
    def all_ids(self) -> list:
        """Ids of every matching project, in the query's order (exports, API)."""
        return [self.table.ids[i] for i in self.rows] if self.table is not None else []

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.page_size))

    @property
    def has_next(self) -> bool:
        return self.query.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.query.page > 1

    @property
    def exact_query_string(self) -> str:
        """This query, searched as typed (the link "rechercher plutôt « X »")."""
        return self.query.query_string(page="", **{EXACT_PARAMETER: EXACT_VALUE})

    @property
    def suggestion_query_string(self) -> str:
        """The offered correction, searched with the correction on again."""
        return self.query.query_string(q=self.suggestion, page="", **{EXACT_PARAMETER: ""})

    def page_query_string(self, page: int) -> str:
        return self.query.query_string(page=page)

    @property
    def previous_query_string(self) -> str:
        return self.page_query_string(self.query.page - 1)

    @property
    def next_query_string(self) -> str:
        return self.page_query_string(self.query.page + 1)

    @property
    def items(self) -> list[tuple]:
        """(project, HTML snippet or "") of the page, for templates."""
        return [(project, self.snippets.get(project.pk, "")) for project in self.projects]


def parse_query(params, user) -> SearchQuery:
    """A `SearchQuery` from a query string; bad values are dropped with a message, never an error."""
    query = SearchQuery()
    text = str(params.get("q", "") or "")
    text = text.replace("\x00", " ").strip()
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0] or text[:MAX_QUERY_CHARS]
        query.messages.append(
            f"Votre recherche était très longue : seuls ses {MAX_QUERY_CHARS} premiers caractères ont été utilisés."
        )
    query.text = text
    restricted_ok = can_view_restricted(user)
    for facet in FILTER_FACETS:
        raw = params.get(facet.name)
        if raw in (None, ""):
            continue
        if facet.restricted and not restricted_ok:
            continue  # as ProjectFilter does: a restricted filter would reveal values by counting
        if _clean(facet.name, raw) is None:
            message = f"Filtre « {facet.label} » ignoré : valeur « {str(raw)[:50]} » inconnue."
            query.messages.append(message)
            query.invalid.append(message)
            continue
        query.filters[facet.name] = str(raw)
    organisation = params.get("organisation")
    if organisation:
        cleaned = _clean("organisation", organisation)
        if cleaned is None:
            message = "Filtre « Organisation » ignoré : identifiant invalide."
            query.messages.append(message)
            query.invalid.append(message)
        else:
            query.organisation = str(cleaned)
    query.exact = str(params.get(EXACT_PARAMETER) or "") == EXACT_VALUE
    mode = params.get("mode") or "hybrid"
    from territoria.search import MODES

    if mode in MODES:
        query.mode = mode
    else:
        query.messages.append(f"Mode de recherche « {mode} » inconnu : recherche mixte utilisée.")
    sort = str(params.get("tri") or "")
    if sort in SORTS and (sort != RELEVANCE or query.text):
        query.sort = "" if sort == query.effective_sort else sort
    elif sort:
        query.messages.append(f"Tri « {sort[:50]} » inconnu : tri par défaut utilisé.")
    query.page = _positive_int(params.get("page"), 1)
    query.page_size = min(
        _positive_int(params.get("limit") or params.get("page_size"), PAGE_SIZE), MAX_PAGE_SIZE
    )
    return query


def _clean(name: str, raw):
    """`raw` validated by the form field of `ProjectFilter`'s filter `name` (None when invalid).

    The filter set stays the one place that says which values a filter accepts; its form fields
    are built once per process, where instantiating the whole form deep-copies every field.
    """
    from django.core.exceptions import ValidationError

    from territoria.registre.filters import ProjectFilter

    try:
        return ProjectFilter.base_filters[name].field.clean(raw)
    except ValidationError:
        return None


def _positive_int(raw, default: int) -> int:
    try:
        value = int(str(raw))
    except (TypeError, ValueError):
        return default
    return value if value > 0 else default


def _filter_mask(table: ProjectTable, facet_name: str, code: str) -> np.ndarray:
    if facet_name == "region":  # free text, matched like ProjectFilter (case-insensitive)
        column = table.columns["region"]
        wanted = [c for c in column.codes if c.casefold() == code.casefold()]
        return np.isin(column.values, [column.codes.index(c) for c in wanted])
    column = table.columns[facet_name]
    if code == UNSET and BY_NAME[facet_name].unset_label:
        return unset_mask(column)
    return column.mask(code)


def unset_mask(column) -> np.ndarray:
    """Rows where the facet's field is empty."""
    if column.multiple:
        return ~column.values.any(axis=1)
    return column.values < 0


def _organisation_mask(table: ProjectTable, organisation: str) -> np.ndarray:
    import uuid

    try:
        position = table.organisation_ids.index(uuid.UUID(organisation))
    except ValueError:
        return np.zeros(len(table), dtype=bool)
    return table.organisation_row == position


def search_projects(
    params,
    user,
    *,
    with_facets: bool = True,
    load_projects: bool = True,
    query: SearchQuery | None = None,
) -> SearchResult:
    """Run a query for this user: the page of projects, total, facets, snippets."""
    query = query or parse_query(params, user)
    table = get_table()
    base = visible_mask(table, user)
    if query.organisation:
        base &= _organisation_mask(table, query.organisation)
    messages = list(query.messages)
    ranked_rows = None
    snippets: dict = {}
    corrected = suggestion = ""
    if query.text:
        from territoria.registre.discovery.text import match_projects

        match = match_projects(
            query.text, user, mode=query.mode, table=table, correct=not query.exact
        )
        messages += match.messages
        corrected, suggestion = match.corrected_text, match.suggestion
        ranked_rows = np.asarray(match.rows, dtype=np.int64)
        matched = np.zeros(len(table), dtype=bool)
        matched[ranked_rows] = True
        base &= matched
    filter_masks = {name: _filter_mask(table, name, code) for name, code in query.filters.items()}
    selected = base.copy()
    for mask in filter_masks.values():
        selected &= mask
    if ranked_rows is not None and query.effective_sort == RELEVANCE:
        rows = ranked_rows[selected[ranked_rows]]
    else:
        order = table.orders[query.effective_sort]
        rows = order[selected[order]]
    facets = _facets(table, user, query, base, filter_masks) if with_facets else []
    query.page = min(query.page, max(1, -(-len(rows) // query.page_size)))  # past the end: last
    start = (query.page - 1) * query.page_size
    page_ids = [table.ids[i] for i in rows[start : start + query.page_size]]
    projects = _load(page_ids) if load_projects else []
    if query.text and load_projects:
        from territoria.registre.discovery.text import snippets_for

        snippets = snippets_for(page_ids, f"{query.text} {corrected}".strip(), user)
    if query.text and not len(rows):
        messages.append(
            "Aucun projet ne correspond à votre recherche. Essayez d'autres mots ou retirez des filtres."
        )
    return SearchResult(
        query=query,
        total=len(rows),
        ids=page_ids,
        projects=projects,
        facets=facets,
        snippets=snippets,
        messages=messages,
        corrected_text=corrected,
        suggestion=suggestion,
        rows=rows,
        table=table,
    )


def _facets(
    table: ProjectTable, user, query: SearchQuery, base: np.ndarray, filter_masks: dict
) -> list[FacetResult]:
    results = []
    for facet in facets_for(user):
        mask = base.copy()
        for name, other in filter_masks.items():
            if name != facet.name:
                mask &= other
        counts = table.columns[facet.name].counts(np.flatnonzero(mask))
        chosen = query.filters.get(facet.name, "")
        values = []
        for code, count in counts.items():
            is_selected = code == chosen or (
                facet.name == "region" and code.casefold() == chosen.casefold()
            )
            values.append(
                FacetValue(
                    code=code,
                    label=facet.label_of(code),
                    count=count,
                    selected=is_selected,
                    query=query,
                    facet_name=facet.name,
                )
            )
        if facet.unset_label:
            unset = int(unset_mask(table.columns[facet.name])[mask].sum())
        if facet.unset_label and (unset or chosen == UNSET):
            values.append(
                FacetValue(
                    code=UNSET,
                    label=facet.unset_label,
                    count=unset,
                    selected=chosen == UNSET,
                    query=query,
                    facet_name=facet.name,
                )
            )
        if facet.name == "region":
            values.sort(key=lambda v: (-v.count, v.label))
        results.append(FacetResult(facet, values))
    return results


def _load(page_ids: list) -> list:
    from territoria.registre.models import Project

    by_id = Project.objects.select_related("organisation").in_bulk(page_ids)
    return [by_id[pk] for pk in page_ids if pk in by_id]
