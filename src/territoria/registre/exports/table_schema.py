"""The data model as a Table Schema document (frictionless, schema.data.gouv.fr), derived
from `schema.py`: name, title, description, type, constraints (required, enum of labels)
and a custom `access` property (public / restreint) for each field."""

from territoria.core.models import OrganisationType
from territoria.registre import schema, validators

DATE_FORMATS = {"projet_date": "%m/%Y", "date": "%d/%m/%Y"}  # as exported
LIST_SEPARATOR = ", "


def field_descriptor(spec: schema.FieldSpec) -> dict:
    descriptor = {
        "name": spec.name,
        "title": spec.title,
        "description": spec.description,
        "type": spec.type,
        "access": spec.access,
        "category": spec.category,
    }
    if spec.csv_column:
        descriptor["anchorColumn"] = spec.csv_column
    if spec.name in DATE_FORMATS:
        descriptor["format"] = DATE_FORMATS[spec.name]
    constraints = {"required": spec.required}
    labels = _labels(spec)
    if labels and spec.multiple:
        # A cell lists several labels separated by ", ": described, not enforced as an enum.
        descriptor["listOf"] = {"separator": LIST_SEPARATOR, "enum": labels}
    elif labels:
        constraints["enum"] = labels
    if spec.name == "coll_siret":
        constraints["pattern"] = r"\d{14}"
    if spec.name == "projet_date":
        constraints.update(
            minimum=f"01/{validators.FIRST_PROJECT_YEAR}",
            maximum=f"12/{validators.LAST_PROJECT_YEAR}",
        )
    if spec.name == "latitude":
        constraints.update(minimum=-90, maximum=90)
    if spec.name == "longitude":
        constraints.update(minimum=-180, maximum=180)
    descriptor["constraints"] = constraints
    return descriptor


def _labels(spec: schema.FieldSpec) -> list[str]:
    if spec.name == "coll_type":
        return list(OrganisationType.labels)
    return spec.vocabulary.labels() if spec.vocabulary else []


def table_schema(fields: list[schema.FieldSpec] | None = None) -> dict:
    return {
        "name": "registre-ia-territoriales",
        "title": "Registre des systèmes d'IA des collectivités (Bibliothèque d'IA territoriales)",
        "description": (
            "Modèle de données du registre : un enregistrement par projet d'IA. La propriété "
            "« access » indique si le champ est public ou réservé aux agents connectés (restreint) ; "
            "les exports anonymes ne contiennent que les champs publics."
        ),
        "version": "1.0.0",
        "homepage": "https://github.com/LesInterconnectes/Bibliotheque-IA-territoriale",
        "missingValues": [""],
        "fields": [field_descriptor(spec) for spec in (fields or schema.FIELDS)],
    }
