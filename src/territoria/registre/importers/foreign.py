"""Records from other public algorithm registers: the Dutch Algoritmeregister and the UK
Algorithmic Transparency Recording Standard (ATRS). Field mapping and what has no
equivalent: docs/registre-import-export.md.

Their bodies have no SIRET: they become organisations with `country` NL or GB and a stable
`identifier` ("nl:gemeente-amsterdam"). Their texts stay in their language.
"""

import collections
import re

from django.utils.text import slugify

from territoria.core.models import OrganisationType
from territoria.registre.importers import normalise
from territoria.registre.importers.records import OrganisationData, Record
from territoria.registre.importers.report import Issue
from territoria.registre.vocabulary import fold

NL_SOURCE = "nl-algoritmeregister"
UK_SOURCE = "uk-atrs"

NL_STATUSES = {
    "in_gebruik": "deploiement",
    "ontwikkeling": "experimentation",
    "buiten_gebruik": "terminee",
}
NL_IMPACT = {"ja": "oui", "nee": "non", "onbekend": "inconnu"}
# Nearest French type by the first words of the body's name; the rest are "autre".
NL_TYPES = [
    ("gemeente ", OrganisationType.COMMUNE),
    ("provincie ", OrganisationType.REGION),
    ("waterschap ", OrganisationType.SYNDICAT_MIXTE),
    ("hoogheemraadschap ", OrganisationType.SYNDICAT_MIXTE),
    ("wetterskip ", OrganisationType.SYNDICAT_MIXTE),
    ("gemeenschappelijke regeling", OrganisationType.SYNDICAT_MIXTE),
]
UK_TYPES = [
    (re.compile(r"\bcounty council\b", re.IGNORECASE), OrganisationType.DEPARTEMENT),
    (re.compile(r"\b(city council|borough|council)\b", re.IGNORECASE), OrganisationType.COMMUNE),
]
UK_UNKNOWN_BODY = "Organisme non précisé (registre britannique ATRS)"


def _organisation(country: str, name: str, type_: str) -> OrganisationData:
    identifier = f"{country.lower()}:{slugify(name)[:240] or 'inconnu'}"
    return OrganisationData(country, identifier, {"name": name[:255], "type": type_})


def _text(record: Record, field: str, raw, column: str) -> str:
    value = normalise.text(raw or "")
    warning = normalise.markup_warning(value)
    if warning:
        record.warnings.append(Issue(warning.message, line=record.line, column=column, field=field))
    return value


def _date(record: Record, raw, column: str):
    if not raw:
        return None
    try:
        return normalise.date(raw)
    except normalise.CellError as exc:
        record.errors.append(
            Issue(exc.message, line=record.line, column=column, field="date", expected=exc.expected)
        )
        return None


def _url(record: Record, raw, column: str) -> str:
    if not raw:
        return ""
    try:
        value, _ = normalise.url(raw)
    except normalise.CellError as exc:
        record.errors.append(
            Issue(
                exc.message,
                line=record.line,
                column=column,
                field="url_infos",
                expected=exc.expected,
            )
        )
        return ""
    return value


def _require(record: Record, raw, column: str, field: str) -> None:
    if not normalise.text(raw or ""):
        record.errors.append(
            Issue(
                "valeur obligatoire manquante",
                line=record.line,
                column=column,
                field=field,
                expected="un texte",
            )
        )


def nl_records(payload) -> tuple[list[Record], list[Issue]]:
    items = payload.get("algoritmes") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        return [], [
            Issue("document du registre néerlandais attendu", expected='{"algoritmes": [...]}')
        ]
    records = []
    for number, item in enumerate(items, start=1):
        record = Record(line=number, source=NL_SOURCE)
        records.append(record)
        if not isinstance(item, dict):
            record.errors.append(
                Issue("enregistrement invalide", line=number, expected="un objet JSON")
            )
            continue
        _require(record, item.get("id"), "id", "source_key")
        _require(record, item.get("title"), "title", "nom_projet")
        _require(record, item.get("organisatie"), "organisatie", "coll_nom")
        if record.errors:
            continue
        name = normalise.single_line(item["organisatie"])
        type_ = next(
            (t for prefix, t in NL_TYPES if fold(name).startswith(prefix)), OrganisationType.AUTRE
        )
        record.organisation = _organisation("NL", name, type_)
        record.source_key = normalise.text(item["id"])
        record.natural_key = (NL_SOURCE, record.source_key)
        status = normalise.text(item.get("status") or "")
        if status and status not in NL_STATUSES:
            record.errors.append(
                Issue(
                    f"valeur inconnue « {status} »",
                    line=number,
                    column="status",
                    field="projet_status",
                    expected=", ".join(NL_STATUSES),
                )
            )
        impact = NL_IMPACT.get(fold(item.get("impactassessment") or ""), "")
        record.values = {
            "nom_projet": normalise.single_line(item["title"])[:255],
            "usage_description": _text(record, "usage_description", item.get("doel"), "doel"),
            "projet_status": NL_STATUSES.get(status, ""),
            "risque": f"Analyse d'impact (IAMA / DPIA) réalisée selon le registre néerlandais : {impact}."
            if impact
            else "",
            "url_infos": _url(record, item.get("url"), "url"),
            "content_updated_on": _date(record, item.get("geregistreerd"), "geregistreerd"),
        }
    _disambiguate(records)
    return records, []


def uk_records(payload) -> tuple[list[Record], list[Issue]]:
    items = payload.get("records") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        return [], [
            Issue(
                "document du registre britannique ATRS attendu",
                expected='{"meta": ..., "records": [...]}',
            )
        ]
    records = []
    for number, item in enumerate(items, start=1):
        record = Record(line=number, source=UK_SOURCE)
        records.append(record)
        if not isinstance(item, dict):
            record.errors.append(
                Issue("enregistrement invalide", line=number, expected="un objet JSON")
            )
            continue
        _require(record, item.get("url"), "url", "source_key")
        _require(record, item.get("tool_name") or item.get("title"), "tool_name", "nom_projet")
        if record.errors:
            continue
        body = normalise.single_line(item.get("publishing_body") or "") or UK_UNKNOWN_BODY
        type_ = next((t for pattern, t in UK_TYPES if pattern.search(body)), OrganisationType.AUTRE)
        record.organisation = _organisation("GB", body, type_)
        record.source_key = normalise.text(item["url"]).rstrip("/").rsplit("/", 1)[-1][:255]
        record.natural_key = (UK_SOURCE, record.source_key)
        record.values = {
            "nom_projet": normalise.single_line(item.get("tool_name") or item["title"])[:255],
            "usage_description": _text(
                record, "usage_description", item.get("description"), "description"
            ),
            "url_infos": _url(record, item.get("url"), "url"),
            "content_updated_on": _date(record, item.get("published"), "published"),
        }
    _disambiguate(records)
    return records, []


def _disambiguate(records: list[Record]) -> None:
    """Two records of one body with the same name (the Dutch register has some): a project
    name is unique per organisation, so both get their source id appended."""
    by_name = collections.Counter(
        (r.organisation.key, fold(r.name)) for r in records if r.organisation and not r.errors
    )
    for record in records:
        if (
            record.organisation
            and not record.errors
            and by_name[(record.organisation.key, fold(record.name))] > 1
        ):
            suffix = f" (n° {record.source_key})"
            record.values["nom_projet"] = record.values["nom_projet"][: 255 - len(suffix)] + suffix
