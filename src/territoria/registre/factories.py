"""Factories for tests and benchmarks (factory_boy, a development dependency)."""

import datetime

import factory

from territoria.core.models import Organisation, OrganisationType
from territoria.core.siret import make_siret
from territoria.registre.models import Project
from territoria.registre.vocabulary import Lifecycle


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Commune n°{n}")
    siret = factory.Sequence(make_siret)
    type = OrganisationType.COMMUNE
    latitude = 45.75
    longitude = 4.85
    logo_url = "https://example.org/logo.png"


class ProjectFactory(factory.django.DjangoModelFactory):
    """A complete, published project: every required field filled."""

    class Meta:
        model = Project

    organisation = factory.SubFactory(OrganisationFactory)
    nom_projet = factory.Sequence(lambda n: f"Projet d'IA n°{n}")
    projet_date = datetime.date(2024, 1, 1)
    projet_status = "experimentation"
    usage_description = "Détection des fuites sur le réseau d'eau potable."
    theme = "transition_ecologique"
    sous_themes = factory.LazyFunction(lambda: ["gestion_eau"])
    audiences = factory.LazyFunction(lambda: ["agent"])
    mise_en_oeuvre = "prestataire"
    hebergement = "cloud_tiers"
    nom_algorithme = "Détection d'anomalies de débit"
    type_algorithme = "machine_learning"
    donnees_source = "interne"
    donnees_acces = "automatisee"
    projet_contact = "contact@example.org"
    risque_categorie = "minimal"
    lifecycle = Lifecycle.PUBLISHED
    content_updated_on = datetime.date(2025, 4, 16)
