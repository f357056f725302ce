"""The JSON parser of every DRF endpoint: French errors, nesting depth bounded (safe_json)."""

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from territoria.core import safe_json


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        raw = stream.read()
        try:
            text = raw.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            raise ParseError(f"Le corps de la requête n'est pas du texte {encoding}.") from None
        parse_constant = _refuse_non_standard_constant if self.strict else None
        try:
            return safe_json.loads(text, parse_constant=parse_constant)
        except safe_json.JSONTooDeepError as error:
            raise ParseError(str(error)) from None
        except json.JSONDecodeError as error:
            raise ParseError(
                f"JSON invalide, ligne {error.lineno}, colonne {error.colno} : {error.msg}."
            ) from None
        except ValueError as error:
            raise ParseError(f"JSON invalide : {error}.") from None


def _refuse_non_standard_constant(name: str):
    raise ValueError(f"« {name} » n'est pas une valeur JSON standard")
