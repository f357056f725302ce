"""Filters of the project list, shared by the pages, the API and the exports.

A filter on a restricted field (type of algorithm, hosting, budget…) is ignored for a user
who may not read that field: otherwise counting results would reveal restricted values.
"""

import django_filters

from territoria.core.models import OrganisationType
from territoria.registre import vocabulary as voc
from territoria.registre.models import Project
from territoria.registre.visibility import can_view_restricted


def _json_list_contains(queryset, field: str, code: str):
    # Multi-valued fields are JSON lists of codes; matching the quoted code works on SQLite and PostgreSQL.
    return queryset.filter(**{f"{field}__icontains": f'"{code}"'})


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche", method="filter_text")
    theme = django_filters.ChoiceFilter(label="Thème", choices=voc.THEMES.choices)
    sous_theme = django_filters.ChoiceFilter(
        label="Sous-thème", choices=voc.SUB_THEMES.choices, method="filter_sub_theme"
    )
    audience = django_filters.ChoiceFilter(
        label="Audience", choices=voc.AUDIENCES.choices, method="filter_audience"
    )
    coll_type = django_filters.ChoiceFilter(
        label="Type de collectivité",
        choices=OrganisationType.choices,
        field_name="organisation__type",
    )
    projet_status = django_filters.ChoiceFilter(
        label="Maturité", choices=voc.PROJECT_STATUSES.choices
    )
    risque_categorie = django_filters.ChoiceFilter(
        label="Catégorie de risque (AI Act)", choices=voc.RISK_CATEGORIES.choices
    )
    region = django_filters.CharFilter(
        label="Région", field_name="organisation__region", lookup_expr="iexact"
    )
    organisation = django_filters.UUIDFilter(label="Organisation", field_name="organisation_id")
    # Restricted: only applied for readers of restricted fields.
    type_algorithme = django_filters.ChoiceFilter(
        label="Type d'algorithme", choices=voc.ALGORITHM_TYPES.choices, method="filter_restricted"
    )

    class Meta:
        model = Project
        fields: list[str] = []

    def filter_text(self, queryset, name, value):
        # French full-text + semantic search of the register (registre/search/text.py); the
        # ranked results, snippets and facets are on the search page and its API.
        from territoria.registre.search.text import matching_project_ids

        value = value.strip()
        if not value:
            return queryset
        self.ranked_ids = matching_project_ids(value, getattr(self.request, "user", None))
        return queryset.filter(pk__in=self.ranked_ids)

    def filter_sub_theme(self, queryset, name, value):
        return _json_list_contains(queryset, "sous_themes", value)

    def filter_audience(self, queryset, name, value):
        return _json_list_contains(queryset, "audiences", value)

    def filter_restricted(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not can_view_restricted(user):
            return queryset
        return queryset.filter(**{name: value})
