"""The register's query parameters: names, labels and accepted values, in one declaration.

`ProjectFilter` declares what `?q=`, `?theme=`, `?region=`… accept: the list page builds its
form from it, the API documents and validates its parameters with it (OpenAPI through
django-filter), and the query service (`registre.discovery.service`) checks each value with
its form fields. Matching itself is the query service's: text search, filters, facets and
order in one place for every route, so this filter set never filters a queryset.

A filter on a restricted field (type of algorithm) is ignored by the query service for a user
who may not read that field: otherwise counting results would reveal restricted values.
"""

import django_filters

from territoria.core.models import OrganisationType
from territoria.registre import vocabulary as voc
from territoria.registre.discovery.facets import UNSET
from territoria.registre.models import Project


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche")
    theme = django_filters.ChoiceFilter(label="Thème", choices=voc.THEMES.choices)
    sous_theme = django_filters.ChoiceFilter(label="Sous-thème", choices=voc.SUB_THEMES.choices)
    audience = django_filters.ChoiceFilter(label="Audience", choices=voc.AUDIENCES.choices)
    coll_type = django_filters.ChoiceFilter(
        label="Type de collectivité", choices=OrganisationType.choices
    )
    projet_status = django_filters.ChoiceFilter(
        label="Maturité", choices=voc.PROJECT_STATUSES.choices
    )
    risque_categorie = django_filters.ChoiceFilter(
        label="Catégorie de risque (AI Act)",
        choices=voc.RISK_CATEGORIES.choices + [(UNSET, "Non renseignée")],
    )
    region = django_filters.CharFilter(label="Région")
    organisation = django_filters.UUIDFilter(label="Organisation")
    # Restricted: only applied for readers of restricted fields.
    type_algorithme = django_filters.ChoiceFilter(
        label="Type d'algorithme", choices=voc.ALGORITHM_TYPES.choices
    )

    class Meta:
        model = Project
        fields: list[str] = []

    def filter_queryset(self, queryset):
        raise NotImplementedError(
            "ProjectFilter declares parameters only: match with registre.discovery.service."
        )
