"""Exports of the catalogue and of comparisons (CSV, JSON, ODT), all through visibility.py."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from territoria.catalogue import grid
from territoria.catalogue import vocabulary as voc
from territoria.catalogue.visibility import solution_values, visible_solutions

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A CSV cell: lists joined, formulas neutralised (a spreadsheet must not run them)."""
    if isinstance(value, list):
        value = " | ".join(str(v) for v in value)
    elif isinstance(value, bool):
        value = "oui" if value else "non"
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def catalogue_rows(user) -> tuple[list[str], list[list[str]]]:
    solutions = visible_solutions(user).select_related("provider").order_by("name")
    rows = [solution_values(s, user) for s in solutions]
    header = list(rows[0]) if rows else ["id", "name"]
    return header, [[_cell(row.get(name)) for name in header] for row in rows]


def catalogue_csv(user) -> str:
    header, rows = catalogue_rows(user)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_public_catalogue_csv(path: Path) -> tuple[int, str] | None:
    """The open-data writer: what an anonymous reader may see, nothing else."""
    from django.contrib.auth.models import AnonymousUser

    header, rows = catalogue_rows(AnonymousUser())
    if not rows:
        return None
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows), hashlib.sha256(path.read_bytes()).hexdigest()


EXPERIMENT_COLUMNS = [
    "id",
    "title",
    "status",
    "solution",
    "solution_id",
    "carrier",
    "co_carriers",
    "pilots",
    "need",
    "hypotheses",
    "duration_weeks",
    "data",
    "legal_check",
    "replicated_from",
    "replications",
    "indicators",
]
RESTRICTED_EXPERIMENT_COLUMNS = ["budget"]
REPORT_COLUMNS = ["decision", "measured", "costs", "energy", "feedback", "lessons"]


def experiment_rows(user) -> list[dict]:
    """Every experiment as `experiment_values` gives it to this user (visibility.py)."""
    from territoria.catalogue.visibility import experiment_values, visible_experiments

    items = (
        visible_experiments(user)
        .select_related("solution", "carrier")
        .prefetch_related("pilots", "co_carriers", "indicators")
        .order_by("created_at")
    )
    return [experiment_values(e, user) for e in items]


def _indicator_text(indicator: dict, measured=None) -> str:
    unit = f" {indicator['unit']}" if indicator["unit"] else ""
    text = f"{indicator['name']} : départ {indicator['baseline']:g}{unit}, cible {indicator['target']:g}{unit}"
    if measured is not None:
        text += f", mesuré {measured:g}{unit}"
    return text


def experiments_csv(user) -> str:
    """One line per experiment; the report's columns are empty where the user may not read it,
    the budget column exists only for readers of restricted values."""
    from territoria.catalogue.visibility import can_view_restricted

    restricted = can_view_restricted(user)
    header = (
        EXPERIMENT_COLUMNS
        + (RESTRICTED_EXPERIMENT_COLUMNS if restricted else [])
        + [f"report_{name}" for name in REPORT_COLUMNS]
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for values in experiment_rows(user):
        report = values.get("report") or {}
        measured = report.get("measured") or {}
        line = {**values}
        line["indicators"] = [
            _indicator_text(i, measured.get(i["name"])) for i in values["indicators"]
        ]
        for name in REPORT_COLUMNS:
            if name != "measured":
                line[f"report_{name}"] = report.get(name, "")
        writer.writerow([_cell(line.get(name)) for name in header])
    return out.getvalue()


def comparison_table(rows, *, french=True) -> tuple[list[str], list[list[str]]]:
    """Criteria as lines, solutions as columns (the procurement file's table). Decimals with a
    comma for people (page, ODT, PDF); with a point for the CSV, read by programs."""

    def number(value, digits):
        text = f"{value:.{digits}f}"
        return text.replace(".", ",") if french else text

    header = ["Critère"] + [row.solution.name for row in rows]
    lines = []
    for criterion in grid.CRITERIA:
        line = [criterion.label]
        for row in rows:
            value = row.scores.by_criterion.get(criterion.code)
            line.append("non évalué" if value is None else number(value, 1))
        lines.append(line)
    lines.append(
        ["Note pondérée (sur 4)"]
        + ["non évaluée" if row.total is None else number(row.total, 2) for row in rows]
    )
    lines.append(["Évaluateurs"] + [str(row.scores.evaluators) for row in rows])
    lines.append(["Licence"] + [row.solution.licence for row in rows])
    lines.append(["Hébergement"] + [row.solution.get_hosting_display() for row in rows])
    lines.append(["Fonctions d'IA"] + [", ".join(row.solution.feature_labels()) for row in rows])
    return header, lines


def comparison_csv(rows) -> str:
    header, lines = comparison_table(rows, french=False)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[_cell(c) for c in line] for line in lines])
    return out.getvalue()


def comparison_odt(rows, weights: dict) -> bytes:
    """An OpenDocument text for the procurement file: the table and the weights used."""
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Comparaison de solutions d'IA"))
    document.text.addElement(
        P(
            text="Grille de sélection : "
            + ", ".join(f"{c.label} (poids {weights.get(c.code, 1)})" for c in grid.CRITERIA)
        )
    )
    header, lines = comparison_table(rows)
    table = Table(name="Comparaison")
    table.addElement(TableColumn(numbercolumnsrepeated=len(header)))
    for line in [header, *lines]:
        row = TableRow()
        for value in line:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=str(value)))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    document.text.addElement(
        P(text="Échelle : " + "; ".join(f"{k} = {v}" for k, v in grid.SCALE.items()))
    )
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def comparison_pdf(rows, weights: dict) -> bytes:
    from territoria.catalogue.pdf import text_pdf

    header, lines = comparison_table(rows)
    paragraphs = [
        "Grille de sélection : "
        + ", ".join(f"{c.label} (poids {weights.get(c.code, 1)})" for c in grid.CRITERIA),
        "",
    ]
    for line in lines:
        cells = " ; ".join(f"{name} : {value}" for name, value in zip(header[1:], line[1:]))
        paragraphs.append(f"{line[0]} — {cells}")
    paragraphs += ["", "Échelle : " + " ; ".join(f"{k} = {v}" for k, v in grid.SCALE.items())]
    return text_pdf("Comparaison de solutions d'IA", paragraphs)


def hosting_label(code: str) -> str:
    return voc.Hosting(code).label if code in voc.Hosting.values else code
