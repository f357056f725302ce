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
