"""SIRET numbers (9-digit SIREN + 5-digit NIC), checked by `python-stdnum`.

`stdnum.fr.siret` knows the Luhn key of the SIRET and of its SIREN, and La Poste's exception
(its establishments share one SIREN and use a digit sum divisible by 5). Only ASCII digits
are accepted: Python's `str.isdigit()` also says yes to « ² » or Arabic-Indic digits, which
once crashed the check or let the same SIRET be stored under two spellings.
"""

from django.core.exceptions import ValidationError
from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, InvalidComponent
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret as stdnum_siret

# La Poste's establishments share this SIREN (named in the error message only).
LA_POSTE_SIREN = "356000000"
SEPARATORS = " .-\u00a0\u202f"


def normalize_siret(value: object) -> str:
    """Without separators: '243 300 316 00011' -> '24330031600011' (other characters kept)."""
    text = str(value or "")
    return "".join(ch for ch in text if ch not in SEPARATORS and not ch.isspace())


def siret_error(value: object) -> str | None:
    """The reason a SIRET is invalid, in plain French, or None when it is valid."""
    digits = normalize_siret(value)
    if not digits:
        return "Le SIRET est obligatoire (14 chiffres)."
    if not (digits.isascii() and digits.isdigit()):  # stdnum would accept fullwidth digits
        return f"Le SIRET doit compter 14 chiffres de 0 à 9 (reçu « {value} »)."
    try:
        stdnum_siret.validate(digits)
    except (InvalidChecksum, InvalidComponent):
        rule = "La Poste" if digits.startswith(LA_POSTE_SIREN) else "de Luhn"
        return f"Le SIRET {digits} n'est pas valide (clé de contrôle {rule} incorrecte)."
    except StdnumError:
        return f"Le SIRET doit compter 14 chiffres de 0 à 9 (reçu « {value} »)."
    return None


def validate_siret(value: object) -> None:
    error = siret_error(value)
    if error:
        raise ValidationError(error, code="invalid_siret")


def make_siret(serial: int) -> str:
    """A valid SIRET built from a counter (tests, factories): SIREN and SIRET keys computed."""
    siren_body = f"2{serial % 10**7:07d}"
    siren = siren_body + luhn.calc_check_digit(siren_body)
    nic_body = f"{serial // 10**7:04d}"
    return siren + nic_body + luhn.calc_check_digit(siren + nic_body)
