import pytest

from territoria.assistant.models import Collection, Visibility
from tests.assistant.files import make_docx, make_odt, make_pdf


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LLM_BASE_URL = ""
    # Rate-limit counters of this test only (the default is a file cache shared by all).
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        },
    }
    return settings.MEDIA_ROOT


@pytest.fixture
def internal_collection(organisation):
    return Collection.objects.create(
        slug="procedures",
        name="Procédures internes",
        visibility=Visibility.ORGANISATION,
        organisation=organisation,
        contact_service="Direction des ressources humaines",
        contact_email="drh@testville.fr",
        contact_phone="01 23 45 67 89",
    )


@pytest.fixture
def faq_collection(organisation):
    return Collection.objects.create(
        slug="faq",
        name="FAQ de la ville",
        visibility=Visibility.PUBLIC,
        organisation=organisation,
        contact_service="Accueil de la mairie",
        contact_phone="01 98 76 54 32",
    )


@pytest.fixture
def procedures_dir(tmp_path):
    """A folder of an agent's documents in every format."""
    root = tmp_path / "docs"
    (root / "rh").mkdir(parents=True)
    make_pdf(
        root / "reglement-interieur.pdf",
        [
            [
                "Règlement intérieur des services",
                "Article 1 - Champ d'application",
                "Le présent règlement s'applique à tous les agents.",
            ],
            [
                "Article 12 - Télétravail",
                "Les agents peuvent télétravailler deux jours par semaine au maximum.",
                "La demande est adressée au supérieur hiérarchique.",
            ],
        ],
        title="Règlement intérieur",
    )
    make_docx(
        root / "rh" / "conges.docx",
        "Guide des congés",
        [
            ("h1", "Congés annuels"),
            ("p", "Chaque agent dispose de vingt-cinq jours de congés annuels."),
            ("h2", "Report"),
            (
                "p",
                "Les congés non pris peuvent être reportés jusqu'au 31 mars de l'année suivante.",
            ),
        ],
    )
    make_odt(
        root / "rh" / "formation.odt",
        [
            ("h1", "Formation"),
            ("p", "Le compte personnel de formation est alimenté de vingt-cinq heures par an."),
        ],
    )
    (root / "cantine.html").write_text(
        "<html><head><title>Restauration</title></head><body><h1>Restaurant administratif</h1>"
        "<p>Le restaurant administratif est ouvert de 11 h 30 à 14 h.</p><script>alert(1)</script></body></html>",
        encoding="utf-8",
    )
    (root / "parking.md").write_text(
        "# Stationnement\n\n## Badge\n\nLe badge de parking est délivré par les services généraux.\n",
        encoding="utf-8",
    )
    (root / "note.txt").write_bytes(
        "Note de service : la fermeture estivale des bureaux a lieu en août.".encode("latin-1")
    )
    return root


@pytest.fixture
def manager(organisation):
    """A manager of the organisation's collections: a moderator who belongs to it."""
    from territoria.core.models import Role, User

    return User.objects.create_user(
        username="gestionnaire",
        password="motdepasse-test-1",
        role=Role.MODERATOR,
        organisation=organisation,
        email="gestionnaire@example.org",
    )


@pytest.fixture
def other_manager(other_organisation):
    from territoria.core.models import Role, User

    return User.objects.create_user(
        username="gestionnaire2",
        password="motdepasse-test-1",
        role=Role.MODERATOR,
        organisation=other_organisation,
        email="gestionnaire2@example.org",
    )
