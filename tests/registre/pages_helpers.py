"""Data shared by the page tests: projects whose restricted values are easy to spot."""

from territoria.registre.factories import ProjectFactory
from territoria.registre.vocabulary import Lifecycle

# Restricted values that must never reach an anonymous reader.
SECRETS = {
    "projet_contact": "contact-secret@restreint.example",
    "financement": "FINANCEMENT-SECRET-4242",
    "nom_algorithme": "ALGO-SECRET-XYZ",
    "risque": "RISQUE-SECRET-DETAIL",
}


def published_project(organisation, **kwargs):
    return ProjectFactory(
        organisation=organisation, lifecycle=Lifecycle.PUBLISHED, **{**SECRETS, **kwargs}
    )


def draft_project(organisation, **kwargs):
    defaults = {"nom_projet": "Brouillon confidentiel", "lifecycle": Lifecycle.DRAFT}
    return ProjectFactory(organisation=organisation, **{**SECRETS, **defaults, **kwargs})


def assert_no_secret(html: str) -> None:
    for value in SECRETS.values():
        assert value not in html
