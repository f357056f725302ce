"""From a raw cell to the value stored in the database, one rule per kind of field.

Every rule raises `CellError(message, expected)` so that the importer can report the line,
the column and what was expected; a `CellWarning` keeps the line but tells what was done.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from territoria.core.models import OrganisationType
from territoria.core.siret import normalize_siret, siret_error
from territoria.registre import vocabulary as voc
from territoria.registre.schema import FieldSpec


class CellError(ValueError):
    def __init__(self, message: str, expected: str | None = None):
        self.message = message
        self.expected = expected
        super().__init__(message)


class CellWarning:
    def __init__(self, message: str):
        self.message = message


ORGANISATION_TYPES = voc.Vocabulary(
    "coll_type", list(OrganisationType.choices), synonyms=voc.ORGANISATION_TYPES_SYNONYMS
)
MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# Excel stores dates as a count of days since 30/12/1899; processed_data.csv holds one ("45691").
EXCEL_EPOCH = datetime.date(1899, 12, 30)
EXCEL_SERIAL = re.compile(r"^\d{5}$")
DATE_EXPECTED = "une date MM/AAAA ou JJ/MM/AAAA existante"
_url_validator = URLValidator(schemes=["http", "https"])
_email_validator = EmailValidator()


def is_empty(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def text(raw) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def single_line(raw) -> str:
    """Names: the real data has line breaks and double spaces inside project names."""
    return re.sub(r"\s+", " ", text(raw)).strip()


def markup_warning(value: str) -> CellWarning | None:
    if MARKUP.search(value):
        return CellWarning(
            "le texte contient du balisage HTML : il est conservé tel quel et sera toujours "
            "affiché comme du texte, jamais interprété"
        )
    return None


def siret(raw) -> str:
    value = normalize_siret(text(raw))
    error = siret_error(value)
    if error:
        raise CellError(error, expected="14 chiffres (SIREN + NIC) avec une clé de Luhn valide")
    return value


def number(raw, low: float, high: float) -> float:
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        try:
            value = float(text(raw).replace(",", "."))
        except ValueError:
            raise CellError(
                f"« {text(raw)} » n'est pas un nombre",
                expected=f"un nombre décimal entre {low} et {high}",
            ) from None
    if not low <= value <= high:
        raise CellError(f"{value} est hors limites", expected=f"un nombre entre {low} et {high}")
    return value


def date(raw) -> datetime.date:
    """MM/AAAA (first day of the month), JJ/MM/AAAA, AAAA-MM-JJ, an Excel serial or a cell date."""
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    value = text(raw)
    try:
        if match := re.fullmatch(r"(\d{1,2})/(\d{4})", value):
            return datetime.date(int(match[2]), int(match[1]), 1)
        if match := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value):
            return datetime.date(int(match[3]), int(match[2]), int(match[1]))
        if match := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?", value):
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        if match := re.fullmatch(r"(\d{4})-(\d{2})", value):
            return datetime.date(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise CellError(f"la date « {value} » n'existe pas", expected=DATE_EXPECTED) from None
    if EXCEL_SERIAL.match(value):
        return EXCEL_EPOCH + datetime.timedelta(days=int(value))
    raise CellError(f"« {value} » n'est pas une date reconnue", expected=DATE_EXPECTED)


def choice(vocabulary: voc.Vocabulary, raw) -> str:
    try:
        return vocabulary.code_for(text(raw))
    except voc.UnknownValue as exc:
        raise CellError(
            f"valeur inconnue « {exc.value} »", expected=", ".join(vocabulary.labels())
        ) from None


def choices(vocabulary: voc.Vocabulary, raw) -> list[str]:
    try:
        return vocabulary.codes_for(raw if isinstance(raw, (list, tuple)) else text(raw))
    except voc.UnknownValue as exc:
        raise CellError(
            f"valeur inconnue « {exc.value} »", expected=", ".join(vocabulary.labels())
        ) from None


def url(raw) -> tuple[str, CellWarning | None]:
    """An http(s) address. Free text ("accès interne uniquement") is dropped with a warning;
    another scheme (javascript:, data:…) is refused: a link would execute it."""
    value = text(raw)
    if value.lower().startswith(("http://", "https://")):
        try:
            _url_validator(value)
        except ValidationError:
            raise CellError(
                f"adresse web invalide « {value} »", expected="une adresse http(s)://…"
            ) from None
        return value, None
    if URL_SCHEME.match(value) and " " not in value:
        raise CellError(f"adresse « {value} » refusée", expected="une adresse http(s)://…")
    return "", CellWarning(f"« {value} » n'est pas une adresse web : le champ est laissé vide")


def email(raw) -> str:
    value = text(raw)
    try:
        _email_validator(value)
    except ValidationError:
        raise CellError(
            f"adresse e-mail invalide « {value} »", expected="une adresse e-mail"
        ) from None
    return value


def organisation_type(raw) -> str:
    return choice(ORGANISATION_TYPES, raw)


URL_FIELDS = {"url_infos", "url_ressources", "image_url"}


def value_for(spec: FieldSpec, raw) -> tuple[object, CellWarning | None]:
    """The stored value of one cell of field `spec` (raw is not empty)."""
    if spec.name == "coll_siret":
        return siret(raw), None
    if spec.name == "coll_type":
        return organisation_type(raw), None
    if spec.name == "latitude":
        return number(raw, -90, 90), None
    if spec.name == "longitude":
        return number(raw, -180, 180), None
    if spec.type == "date":
        return date(raw), None
    if spec.vocabulary is not None:
        return (choices if spec.multiple else choice)(spec.vocabulary, raw), None
    if spec.name in URL_FIELDS:
        return url(raw)
    if spec.name == "projet_contact":
        return email(raw), None
    if spec.name in ("nom_projet", "coll_nom"):
        value = single_line(raw)
    else:
        value = text(raw)
    return value, markup_warning(value)


def empty_value(spec: FieldSpec):
    if spec.multiple:
        return []
    if spec.type in ("date", "number"):
        return None
    return ""
