import pytest

from territoria.core.models import Role, User
from territoria.gouvernance.models import Committee
from territoria.registre.factories import ProjectFactory
from territoria.registre.vocabulary import Lifecycle


@pytest.fixture
def project(organisation):
    return ProjectFactory(organisation=organisation, nom_projet="Détection des fuites d'eau")


@pytest.fixture
def draft_project(organisation):
    return ProjectFactory(
        organisation=organisation, nom_projet="Projet en brouillon", lifecycle=Lifecycle.DRAFT
    )


@pytest.fixture
def committee(organisation):
    return Committee.objects.create(organisation=organisation, name="Comité éthique et IA")


@pytest.fixture
def second_moderator(db):
    return User.objects.create_user(
        "moderatrice2", password="motdepasse-test-1", role=Role.MODERATOR
    )


MINIMAL = {
    "systeme_ia": "oui",
    "exclusion": "non",
    "role": "deployeur",
    "devient_fournisseur": [],
    "pratiques_interdites": [],
    "annexe_i": "non",
    "annexe_iii": [],
    "transparence": [],
}
