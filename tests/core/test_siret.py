import pytest
from django.core.exceptions import ValidationError

from territoria.core.siret import normalize_siret, siret_error, validate_siret


def test_normalize_siret_removes_spaces():
    assert normalize_siret("243 300 316 00011") == "24330031600011"


@pytest.mark.parametrize("value", ["24330031600011", "243 300 316 00011", "35600000000015"])
def test_valid_siret_accepted(value):
    assert siret_error(value) is None


@pytest.mark.parametrize(
    "value, reason",
    [
        ("", "obligatoire"),
        ("1234", "14 chiffres"),
        ("2433003160001A", "14 chiffres"),
        ("24410051800170", "Luhn"),
        ("35600000000049", "La Poste"),
    ],
)
def test_invalid_siret_rejected_with_reason(value, reason):
    assert reason in siret_error(value)
    with pytest.raises(ValidationError):
        validate_siret(value)
