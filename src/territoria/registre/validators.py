"""Validators of register fields, run by every route that writes a record (form, API, import:
all call `full_clean`)."""

import unicodedata

from django.core.exceptions import ValidationError

_NAMES = {"\n": "un retour à la ligne", "\r": "un retour chariot", "\t": "une tabulation"}


def _describe(character: str) -> str:
    return _NAMES.get(character, f"le caractère de contrôle U+{ord(character):04X}")


def validate_single_line(value: str) -> None:
    """A name is one line: line breaks and control characters would also break mail headers."""
    for character in value or "":
        # Cc: C0/C1 controls (\n, \r, \t, \x00, \x85…); Zl/Zp: Unicode line and paragraph separators.
        if unicodedata.category(character) in ("Cc", "Zl", "Zp"):
            raise ValidationError(
                f"Ce champ s'écrit sur une seule ligne : il contient {_describe(character)}. "
                "Retirez-le (les sauts de ligne ont leur place dans les champs de description).",
                code="single_line",
            )


# The years a project may have started in: the form, the API, the imports and the Table Schema
# all take them from here (through the model's validator).
FIRST_PROJECT_YEAR = 1990
LAST_PROJECT_YEAR = 2100


def validate_project_year(value) -> None:
    if value is not None and not FIRST_PROJECT_YEAR <= value.year <= LAST_PROJECT_YEAR:
        raise ValidationError(
            f"L'année {value.year:04d} est hors limites : la date de démarrage va de "
            f"{FIRST_PROJECT_YEAR} à {LAST_PROJECT_YEAR} (format MM/AAAA, par exemple 03/2024).",
            code="project_year",
        )
