import pytest
from django.core.exceptions import ValidationError

from territoria.core.models import Organisation
from territoria.core.siret import make_siret, normalize_siret, siret_error, validate_siret

ORGS = "/api/registre/organisations/"
# Bordeaux Métropole's SIRET written with Arabic-Indic digits (U+0660…U+0669).
BORDEAUX_ARABIC_INDIC = "٢٤٣٣٠٠٣١٦٠٠٠١١"


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
        # Non-ASCII digits: `str.isdigit()` accepts them, the check must not.
        ("2433003160001²", "14 chiffres de 0 à 9"),
        (BORDEAUX_ARABIC_INDIC, "14 chiffres de 0 à 9"),
        ("２４３３００３１６０００１１", "14 chiffres de 0 à 9"),  # fullwidth digits
    ],
)
def test_invalid_siret_rejected_with_reason(value, reason):
    assert reason in siret_error(value)
    with pytest.raises(ValidationError):
        validate_siret(value)


def test_siren_key_is_checked_too():
    # Luhn-valid over 14 digits, but its SIREN (first 9 digits) is not.
    assert siret_error("10000000000008") is not None


def test_make_siret_gives_distinct_valid_numbers():
    numbers = {make_siret(n) for n in range(300)}
    assert len(numbers) == 300 and all(siret_error(n) is None for n in numbers)


@pytest.mark.parametrize("siret", ["2433003160001²", BORDEAUX_ARABIC_INDIC])
def test_api_refuses_unicode_digits_with_a_400_and_no_duplicate(
    api_client, moderator, other_organisation, siret
):
    api_client.force_authenticate(moderator)
    response = api_client.post(
        ORGS, {"name": "Bordeaux bis", "siret": siret, "type": "metropole"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "siret" in response.json()
    assert Organisation.objects.count() == 1
