"""The facets of the register: one list, shared by the list page, the API, the map and the dashboard.

A facet's name is the query-string parameter of `ProjectFilter` (so a facet link is a filter
link); its access level comes from the field table (`schema.py`): the type of algorithm is a
restricted field, so its facet and its dashboard chart exist only for readers of restricted
fields — a count is a value too.
"""

from __future__ import annotations

from dataclasses import dataclass

from territoria.core.models import OrganisationType
from territoria.registre import schema
from territoria.registre import vocabulary as voc
from territoria.registre.visibility import can_view_restricted

# Filter value of a record that leaves the field empty, for facets that offer it: the AI-Act
# category is empty on most records (the Bibliothèque's data has no such column), and saying so
# with a count is honest where a guessed category would not be.
UNSET = "non-renseigne"


@dataclass(frozen=True)
class Facet:
    name: str  # query-string parameter (ProjectFilter)
    label: str
    field: str  # schema field name (its access level decides who sees the facet)
    choices: tuple[tuple[str, str], ...] = ()  # empty: values are free text (region)
    multiple: bool = False
    filterable: bool = True  # False: a dashboard dimension only (start year)
    unset_label: str = ""  # non-empty: records without a value are counted and filterable

    @property
    def options(self) -> tuple[tuple[str, str], ...]:
        """The choices, and the « not filled in » value when the facet offers it."""
        return self.choices + (((UNSET, self.unset_label),) if self.unset_label else ())

    @property
    def restricted(self) -> bool:
        return not schema.spec(self.field).is_public

    def label_of(self, code: str) -> str:
        return dict(self.options).get(code, code) if self.choices else code


FACETS: list[Facet] = [
    Facet("theme", "Thème", "theme", tuple(voc.THEMES.choices)),
    Facet("sous_theme", "Sous-thème", "sous_theme", tuple(voc.SUB_THEMES.choices), multiple=True),
    Facet("coll_type", "Type de collectivité", "coll_type", tuple(OrganisationType.choices)),
    Facet("projet_status", "Maturité", "projet_status", tuple(voc.PROJECT_STATUSES.choices)),
    Facet("audience", "Audience", "audience_service", tuple(voc.AUDIENCES.choices), multiple=True),
    Facet(
        "type_algorithme",
        "Type d'algorithme",
        "type_algorithme",
        tuple(voc.ALGORITHM_TYPES.choices),
    ),
    Facet(
        "risque_categorie",
        "Catégorie de risque (AI Act)",
        "risque_categorie",
        tuple(voc.RISK_CATEGORIES.choices),
        unset_label="Non renseignée",
    ),
    Facet("region", "Région", "coll_nom"),  # region of the carrying organisation: public
    Facet("annee", "Année de démarrage", "projet_date", filterable=False),
]
BY_NAME = {facet.name: facet for facet in FACETS}
FILTER_FACETS = [facet for facet in FACETS if facet.filterable]


def facets_for(user, *, dashboard: bool = False) -> list[Facet]:
    """The facets this user may see (restricted ones only for readers of restricted fields)."""
    restricted_ok = can_view_restricted(user)
    pool = FACETS if dashboard else FILTER_FACETS
    return [facet for facet in pool if restricted_ok or not facet.restricted]
