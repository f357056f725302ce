"""Import a catalogue of solutions from CSV or XLSX: every error says which line, which column,
what was expected; nothing is written unless the whole file is valid (one transaction).

Columns (French, as in data/solutions.csv): nom, fournisseur, siren, pays, taille_fournisseur,
site_fournisseur, licence, logiciel_libre, hebergement, localisation_donnees, secnumcloud,
formats_ouverts, reversibilite, fonctions_ia, domaines, logiciel_metier, modele_prix, energie,
description, url_documentation, url_source. Multi-valued cells use "|" (or ","/";").

Importing the same file twice updates the solutions (same provider and name) instead of
duplicating them; the same solution twice in one file is an error.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from territoria.catalogue import vocabulary as voc
from territoria.catalogue.models import Provider, Solution, siren_problem
from territoria.core.audit import acting_as
from territoria.core.text_files import NUL_MESSAGE, nul_position
from territoria.registre.vocabulary import UnknownValue, fold

REQUIRED = ["nom", "fournisseur", "hebergement", "fonctions_ia", "modele_prix", "description"]
COLUMNS = [
    "nom",
    "fournisseur",
    "siren",
    "pays",
    "taille_fournisseur",
    "site_fournisseur",
    "licence",
    "logiciel_libre",
    "hebergement",
    "localisation_donnees",
    "secnumcloud",
    "formats_ouverts",
    "reversibilite",
    "fonctions_ia",
    "domaines",
    "logiciel_metier",
    "modele_prix",
    "energie",
    "description",
    "url_documentation",
    "url_source",
]
YES = {"oui", "o", "vrai", "true", "1", "yes", "x"}
NO = {"non", "n", "faux", "false", "0", "no", ""}


@dataclass
class ImportIssue:
    line: int  # the line of the file (the header is line 1)
    column: str
    message: str

    def __str__(self):
        where = f"ligne {self.line}" + (f", colonne « {self.column} »" if self.column else "")
        return f"{where} : {self.message}"


class ImportFailed(Exception):
    def __init__(self, issues: list[ImportIssue]):
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    providers_created: int = 0
    names: list[str] = field(default_factory=list)


def read_rows(path: Path | str, content: bytes | None = None) -> list[dict]:
    """The rows of a CSV (comma or semicolon, UTF-8) or XLSX file, as {column: text}."""
    name = str(path)
    data = content if content is not None else Path(path).read_bytes()
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception as error:  # noqa: BLE001 (openpyxl raises many kinds for a damaged file)
            raise ImportFailed([ImportIssue(1, "", f"fichier XLSX illisible ({error})")])
        values = [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
        if not values:
            raise ImportFailed([ImportIssue(1, "", "le fichier est vide")])
        header = [h.strip() for h in values[0]]
        return [dict(zip(header, row)) for row in values[1:]]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFailed(
            [ImportIssue(1, "", f"le fichier n'est pas en UTF-8 (octet {error.start})")]
        )
    if position := nul_position(text):
        raise ImportFailed([ImportIssue(position[0], "", NUL_MESSAGE)])
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    reader.fieldnames = [h.strip() for h in reader.fieldnames or []]
    return list(reader)


def _bool(raw: str) -> bool:
    value = fold(raw)
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError(f"« {raw} » n'est pas oui/non")


def _choice(enum, raw: str) -> str:
    key = fold(raw)
    for value, label in enum.choices:
        if key in (fold(value), fold(label)):
            return value
    expected = ", ".join(f"« {value} »" for value, _ in enum.choices)
    raise ValueError(f"valeur inconnue « {raw} » ; valeurs attendues : {expected}")


def _codes(vocabulary, raw: str) -> list[str]:
    return vocabulary.codes_for(raw.replace("|", ";"), separators=";,")


def _url(raw: str) -> str:
    value = raw.strip()
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            raise ValueError(f"« {value} » n'est pas une adresse web (https://…)")
    return value


def parse_row(row: dict, line: int) -> tuple[dict, dict, list[ImportIssue]]:
    """(provider values, solution values, issues) of one row."""
    issues: list[ImportIssue] = []
    cell = {key: (row.get(key) or "").strip() for key in COLUMNS}

    def check(column, convert, raw):
        try:
            return convert(raw)
        except (ValueError, UnknownValue) as error:
            issues.append(ImportIssue(line, column, str(error)))
            return None

    for column in REQUIRED:
        if not cell[column]:
            issues.append(ImportIssue(line, column, "valeur obligatoire manquante"))
    siren = cell["siren"].replace(" ", "")
    if siren and not (siren.isdigit() and len(siren) == 9):
        issues.append(ImportIssue(line, "siren", f"« {cell['siren']} » : 9 chiffres attendus"))
    elif siren and siren_problem(siren):
        issues.append(ImportIssue(line, "siren", f"« {cell['siren']} » : clé de contrôle fausse"))
    country = cell["pays"].upper()
    if country and not (len(country) == 2 and country.isalpha()):
        issues.append(ImportIssue(line, "pays", f"« {cell['pays']} » : code pays à 2 lettres"))
    provider = {
        "name": cell["fournisseur"],
        "siren": siren,
        "country": country,
        "size": check(
            "taille_fournisseur", lambda r: _choice(voc.ProviderSize, r), cell["taille_fournisseur"]
        )
        if cell["taille_fournisseur"]
        else "",
        "website": check("site_fournisseur", _url, cell["site_fournisseur"]) or "",
    }
    solution = {
        "name": cell["nom"],
        "description": cell["description"],
        "licence": cell["licence"],
        "free_software": check("logiciel_libre", _bool, cell["logiciel_libre"]),
        "hosting": check("hebergement", lambda r: _choice(voc.Hosting, r), cell["hebergement"])
        if cell["hebergement"]
        else None,
        "data_location": cell["localisation_donnees"],
        "secnumcloud": check("secnumcloud", _bool, cell["secnumcloud"]),
        "open_formats": check("formats_ouverts", _bool, cell["formats_ouverts"]),
        "reversibility": cell["reversibilite"],
        "ai_features": check(
            "fonctions_ia", lambda r: _codes(voc.AI_FEATURES, r), cell["fonctions_ia"]
        ),
        "domains": check("domaines", lambda r: _codes(voc.DOMAINS, r), cell["domaines"]),
        "business_software": check("logiciel_metier", _bool, cell["logiciel_metier"]),
        "price_model": check(
            "modele_prix", lambda r: _choice(voc.PriceModel, r), cell["modele_prix"]
        )
        if cell["modele_prix"]
        else None,
        "energy": cell["energie"],
        "documentation_url": check("url_documentation", _url, cell["url_documentation"]) or "",
        "source_url": check("url_source", _url, cell["url_source"]) or "",
    }
    return provider, solution, issues


def import_solutions(
    path, *, content: bytes | None = None, source: str = "", user=None, progress=None
) -> ImportReport:
    """Import every row or nothing; ImportFailed lists every problem found."""
    rows = read_rows(path, content)
    label = source or Path(str(path)).name
    if not rows:
        raise ImportFailed([ImportIssue(1, "", "aucune ligne de données")])
    missing = [c for c in REQUIRED if c not in rows[0]]
    if missing:
        raise ImportFailed(
            [ImportIssue(1, c, "colonne obligatoire absente de l'en-tête") for c in missing]
        )
    parsed, issues, seen = [], [], {}
    for index, row in enumerate(rows, start=2):
        provider, solution, row_issues = parse_row(row, index)
        issues.extend(row_issues)
        key = (fold(provider["name"]), fold(solution["name"]))
        if key in seen and provider["name"]:
            issues.append(
                ImportIssue(
                    index,
                    "nom",
                    f"doublon de la ligne {seen[key]} (même nom et même fournisseur)",
                )
            )
        seen.setdefault(key, index)
        parsed.append((index, provider, solution))
        if progress:
            progress(index - 1, len(rows))
    if issues:
        raise ImportFailed(issues)
    report = ImportReport()
    with transaction.atomic(), acting_as(user, label=f"import {label}"):
        for index, provider_values, values in parsed:
            provider = _provider(provider_values, report)
            existing = Solution.objects.filter(
                provider=provider, name__iexact=values["name"]
            ).first()
            solution = existing or Solution(provider=provider)
            for name, value in values.items():
                setattr(solution, name, value)
            solution.source = f"{label}:{index}"
            try:
                solution.full_clean(exclude=["provider"])
            except ValidationError as error:
                raise ImportFailed(
                    [
                        ImportIssue(index, name, "; ".join(msgs))
                        for name, msgs in error.message_dict.items()
                    ]
                )
            solution.save()
            report.updated += bool(existing)
            report.created += not existing
            report.names.append(solution.name)
    return report


def _provider(values: dict, report: ImportReport) -> Provider:
    provider = Provider.objects.filter(name__iexact=values["name"]).first()
    if provider is None:
        report.providers_created += 1
        provider = Provider(name=values["name"])
    for name in ("siren", "country", "size", "website"):
        if values[name]:
            setattr(provider, name, values[name])
    provider.save()
    return provider


DEMO_FILE = Path(__file__).parent / "data" / "solutions.csv"


def load_demo(user=None) -> ImportReport:
    return import_solutions(DEMO_FILE, source="catalogue-demo.csv", user=user)
