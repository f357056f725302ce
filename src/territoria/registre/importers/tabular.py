"""Records from a table (CSV or XLSX) through a column → field mapping."""

from territoria.registre import schema
from territoria.registre.importers import corrections as corr
from territoria.registre.importers import normalise
from territoria.registre.importers.mapping import IMPORT_REQUIRED
from territoria.registre.importers.records import OrganisationData, Record
from territoria.registre.importers.report import Issue
from territoria.registre.importers.sources import Row
from territoria.registre.vocabulary import fold

SOURCE = "bibliotheque-ia"
# Cells of "Partenaires" that are not partners: how the project was carried out.
NOT_PARTNERS = {"developpe en regie": "interne", "/": None}


def record_from_row(row: Row, mapping: dict, corrections: list, applied: list[str]) -> Record:
    record = Record(line=row.line, source=SOURCE)
    if "__width__" in row.cells:
        found, expected = row.cells["__width__"]
        record.errors.append(
            Issue(
                f"la ligne compte {found} cellules au lieu de {expected}",
                line=row.line,
                expected=f"{expected} colonnes, séparées comme l'en-tête (un texte contenant le séparateur doit être entre guillemets)",
            )
        )
        return record
    columns = {
        target: column for column, target in mapping.items() if target and column in row.cells
    }
    raw = {target: row.cells[column] for target, column in columns.items()}
    applied += corr.apply(corrections, row.line, raw)
    values: dict = {}
    for name, cell in raw.items():
        spec = schema.BY_NAME[name]
        column = columns[name]
        if normalise.is_empty(cell):
            if name in IMPORT_REQUIRED:
                record.errors.append(
                    Issue(
                        "valeur obligatoire manquante",
                        line=row.line,
                        column=column,
                        field=name,
                        expected=spec.description,
                    )
                )
            values[name] = normalise.empty_value(spec)
            continue
        try:
            value, warning = normalise.value_for(spec, cell)
        except normalise.CellError as exc:
            record.errors.append(
                Issue(
                    exc.message,
                    line=row.line,
                    column=column,
                    field=name,
                    expected=exc.expected,
                    value=normalise.text(cell)[:200],
                )
            )
            continue
        if warning:
            record.warnings.append(Issue(warning.message, line=row.line, column=column, field=name))
        values[name] = value
    _partners_are_not_partners(record, values, columns.get("partenaires"))
    _split(record, values)
    return record


def _partners_are_not_partners(record: Record, values: dict, column: str | None) -> None:
    """'développé en régie' in Partenaires says how the project was made, not who helped."""
    key = fold(values.get("partenaires", ""))
    if key not in NOT_PARTNERS:
        return
    implementation = NOT_PARTNERS[key]
    note = f"« {values['partenaires']} » n'est pas un partenaire : champ Partenaires laissé vide"
    if implementation and not values.get("mise_en_oeuvre"):
        values["mise_en_oeuvre"] = implementation
        note += " et mise en œuvre notée « Projet développé en interne »"
    values["partenaires"] = ""
    record.warnings.append(Issue(note, line=record.line, column=column, field="partenaires"))


def _split(record: Record, values: dict) -> None:
    """Organisation values (coll_*, coordinates, logo) apart from the project's."""
    organisation_values = {}
    for name, value in values.items():
        spec = schema.BY_NAME[name]
        if spec.organisation_attr:
            organisation_values[spec.organisation_attr] = value
        else:
            record.values[spec.attr] = value
    siret = organisation_values.pop("siret", None)
    if siret and not any(issue.field == "coll_siret" for issue in record.errors):
        record.organisation = OrganisationData("FR", siret, organisation_values)
        record.natural_key = ("FR", siret, fold(record.values.get("nom_projet", "")))
        record.source_key = f"{siret}:{fold(record.values.get('nom_projet', ''))}"[:255]
