"""SIRET numbers: 9-digit SIREN + 5-digit NIC, checked with the Luhn key."""

from django.core.exceptions import ValidationError

# La Poste's establishments share one SIREN and use another rule: digit sum divisible by 5.
LA_POSTE_SIREN = "356000000"


def normalize_siret(value: object) -> str:
    """Digits only: '243 300 316 00011' -> '24330031600011'."""
    text = str(value or "")
    return "".join(ch for ch in text if not ch.isspace() and ch not in ".-")


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def siret_error(value: object) -> str | None:
    """The reason a SIRET is invalid, in plain French, or None when it is valid."""
    digits = normalize_siret(value)
    if not digits:
        return "Le SIRET est obligatoire (14 chiffres)."
    if not digits.isdigit() or len(digits) != 14:
        return f"Le SIRET doit compter 14 chiffres (reçu « {value} »)."
    if digits.startswith(LA_POSTE_SIREN):
        if sum(int(d) for d in digits) % 5 != 0:
            return f"Le SIRET {digits} n'est pas valide (clé de contrôle La Poste)."
        return None
    if not luhn_ok(digits):
        return f"Le SIRET {digits} n'est pas valide (clé de contrôle de Luhn incorrecte)."
    return None


def validate_siret(value: object) -> None:
    error = siret_error(value)
    if error:
        raise ValidationError(error, code="invalid_siret")
