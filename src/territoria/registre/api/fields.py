"""Serializer fields of the register API: vocabularies as codes or labels, start month."""

import datetime
import re

from rest_framework import serializers

from territoria.registre.schema import FieldSpec
from territoria.registre.vocabulary import UnknownValue


class CodeLabelSerializer(serializers.Serializer):
    """How a vocabulary value is read: its stable code and its French label."""

    code = serializers.CharField()
    label = serializers.CharField()


def code_label(code: str, label: str) -> dict | None:
    return {"code": code, "label": label} if code else None


class VocabularyField(serializers.Field):
    """Accepts a code, a label (any case/accents, known synonyms) or {"code": …}; stores codes.

    Multi-valued fields accept a list or a "a, b" string. An unknown value is refused with a
    message naming the field and listing the expected values.
    """

    def __init__(self, spec: FieldSpec, **kwargs):
        self.spec = spec
        super().__init__(**kwargs)

    def _code_of(self, item):
        return item.get("code", "") if isinstance(item, dict) else item

    def to_internal_value(self, data):
        vocabulary = self.spec.vocabulary
        try:
            if self.spec.multiple:
                if data in (None, ""):
                    return []
                if isinstance(data, (list, tuple)):
                    data = [self._code_of(item) for item in data]
                elif not isinstance(data, str):
                    raise serializers.ValidationError(
                        f"{self.spec.title} : une liste de valeurs ou un texte « a, b » est attendu."
                    )
                return vocabulary.codes_for(data)
            data = self._code_of(data)
            if data in (None, ""):
                return ""
            if not isinstance(data, str):
                raise serializers.ValidationError(
                    f"{self.spec.title} : un texte (code ou libellé) est attendu."
                )
            return vocabulary.code_for(data)
        except UnknownValue as error:
            raise serializers.ValidationError(f"{self.spec.title} : {error}") from None

    def to_representation(self, value):  # reads are built by the project serializer
        return value


class MonthField(serializers.Field):
    """The start of a project: "2024-03", "03/2024" or a full ISO date; stored as its first day."""

    default_error_messages = {
        "invalid": "Date de démarrage : « {value} » n'est pas une date ; formats attendus : AAAA-MM, MM/AAAA ou AAAA-MM-JJ.",
    }

    def to_internal_value(self, data):
        if data in (None, ""):
            return None
        text = str(data).strip()
        for pattern, build in (
            (r"(\d{4})-(\d{1,2})-(\d{1,2})", lambda y, m, d: (y, m, d)),
            (r"(\d{4})-(\d{1,2})", lambda y, m: (y, m, 1)),
            (r"(\d{1,2})/(\d{4})", lambda m, y: (y, m, 1)),
        ):
            match = re.fullmatch(pattern, text)
            if match:
                try:
                    year, month, day = build(*(int(g) for g in match.groups()))
                    return datetime.date(year, month, day)
                except ValueError:
                    break
        self.fail("invalid", value=text[:100])

    def to_representation(self, value):
        return value.isoformat() if value else None
