from pathlib import Path

import pytest

from territoria.core.models import Role, User

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "redaction"


@pytest.fixture
def fixtures():
    return FIXTURES


@pytest.fixture
def deliberations(db):
    """The 64 SCDL rows of the set, with the 6 act texts (indexed lexically on save)."""
    from territoria.redaction.services.scdl import import_file

    return import_file(
        (FIXTURES / "deliberations.csv").read_bytes(),
        "deliberations.csv",
        texts_dir=FIXTURES / "textes",
    )


@pytest.fixture
def colleague(organisation):
    return User.objects.create_user(
        username="collegue",
        password="motdepasse-test-1",
        role=Role.AGENT,
        organisation=organisation,
    )
