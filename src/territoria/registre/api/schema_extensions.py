"""OpenAPI descriptions of the register's custom serializer fields (drf-spectacular)."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension


class VocabularyFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "territoria.registre.api.fields.VocabularyField"

    def map_serializer_field(self, auto_schema, direction):
        spec = self.target.spec
        codes = ", ".join(code for code, _ in spec.vocabulary.entries)
        item = {"type": "string"}
        description = f"{spec.description}. Code ou libellé ; codes : {codes}."
        if spec.multiple:
            return {"type": "array", "items": item, "description": description}
        return {**item, "description": description}


class MonthFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "territoria.registre.api.fields.MonthField"

    def map_serializer_field(self, auto_schema, direction):
        return {
            "type": "string",
            "nullable": True,
            "example": "2024-03",
            "description": "Mois de démarrage : AAAA-MM, MM/AAAA ou AAAA-MM-JJ",
        }
