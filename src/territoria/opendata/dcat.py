"""The catalogue in DCAT-AP (JSON-LD), the format that data.gouv.fr and the European data
portal harvest. One dcat:Dataset per dataset, one dcat:Distribution per published format."""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.safestring import mark_safe

from territoria.opendata.models import Dataset
from territoria.opendata.visibility import visible_datasets, visible_resources

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "adms": "http://www.w3.org/ns/adms#",
}
FREQUENCY_BASE = "http://publications.europa.eu/resource/authority/frequency/"
FREQUENCIES = {
    "continuous": "CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "annual": "ANNUAL",
    "irregular": "IRREG",
    "unknown": "UNKNOWN",
}
THEME_BASE = "http://publications.europa.eu/resource/authority/data-theme/"
MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request else settings.SITE_URL.rstrip("/") + path


def dataset_node(dataset: Dataset, request=None) -> dict:
    landing = _absolute(request, dataset.get_absolute_url())
    node = {
        "@id": landing,
        "@type": "dcat:Dataset",
        "dct:identifier": str(dataset.id),
        "dct:title": dataset.title,
        "dct:description": dataset.description,
        "dcat:landingPage": {"@id": landing},
        "dct:issued": {"@value": dataset.created_at.isoformat(), "@type": "xsd:dateTime"},
        "dct:modified": {"@value": dataset.updated_at.isoformat(), "@type": "xsd:dateTime"},
        "dct:license": {"@id": dataset.licence_url} if dataset.licence_url else dataset.licence,
        "dcat:keyword": dataset.keywords,
        "dcat:theme": {"@id": THEME_BASE + dataset.theme},
        "dct:accrualPeriodicity": {"@id": FREQUENCY_BASE + FREQUENCIES[dataset.frequency]},
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/FRA"},
        "dcat:distribution": [],
    }
    if dataset.organisation:
        node["dct:publisher"] = {
            "@type": "foaf:Organization",
            "foaf:name": dataset.organisation.name,
            "dct:identifier": dataset.organisation.siret,
        }
    else:
        node["dct:publisher"] = {"@type": "foaf:Organization", "foaf:name": settings.SITE_NAME}
    if dataset.temporal_start or dataset.temporal_end:
        period = {"@type": "dct:PeriodOfTime"}
        if dataset.temporal_start:
            period["dcat:startDate"] = {
                "@value": dataset.temporal_start.isoformat(),
                "@type": "xsd:date",
            }
        if dataset.temporal_end:
            period["dcat:endDate"] = {
                "@value": dataset.temporal_end.isoformat(),
                "@type": "xsd:date",
            }
        node["dct:temporal"] = period
    if dataset.spatial_coverage:
        node["dct:spatial"] = {"@type": "dct:Location", "dct:title": dataset.spatial_coverage}
    if dataset.contact_name or dataset.contact_email:
        contact = {"@type": "vcard:Kind", "vcard:fn": dataset.contact_name or dataset.contact_email}
        if dataset.contact_email:
            contact["vcard:hasEmail"] = {"@id": f"mailto:{dataset.contact_email}"}
        node["dcat:contactPoint"] = contact
    for resource in visible_resources(dataset.published_resources(), None):
        version = resource.current_version
        for fmt, media_type in MEDIA_TYPES.items():
            url = _absolute(
                request, reverse("opendata:api-table-download", args=[resource.table_name, fmt])
            )
            distribution = {
                "@id": url,
                "@type": "dcat:Distribution",
                "dct:title": f"{resource.title} ({fmt.upper()})",
                "dcat:downloadURL": {"@id": url},
                "dcat:accessURL": {"@id": landing},
                "dcat:mediaType": media_type,
                "dct:format": fmt.upper(),
                "dct:license": node["dct:license"],
                "dct:modified": {
                    "@value": version.published_at.isoformat(),
                    "@type": "xsd:dateTime",
                },
                "adms:version": str(version.number),
            }
            if fmt == "parquet" and version.parquet_bytes:
                distribution["dcat:byteSize"] = {
                    "@value": str(version.parquet_bytes),
                    "@type": "xsd:nonNegativeInteger",
                }
            node["dcat:distribution"].append(distribution)
        node["dcat:distribution"].append(
            {
                "@type": "dcat:Distribution",
                "dct:title": f"{resource.title} (API)",
                "dcat:accessURL": {
                    "@id": _absolute(
                        request, reverse("opendata:api-table-rows", args=[resource.table_name])
                    )
                },
                "dct:format": "API",
                "dct:conformsTo": {"@id": _absolute(request, reverse("api-schema"))},
            }
        )
    return node


def json_ld_script(node: dict) -> str:
    """The JSON-LD for a <script type="application/ld+json"> element, safe to embed: `<`, `>`
    and `&` become JSON escapes (as Django's json_script does), so no `</script>` nor `<!--`
    in a title or description can end or comment out the element and blank the page."""
    text = json.dumps(node, ensure_ascii=False, cls=DjangoJSONEncoder)
    return mark_safe(text.translate(JSON_SCRIPT_ESCAPES))  # escaped just above


# The same table as django.utils.html.json_script (private there: kept here on purpose).
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def catalog(request=None) -> dict:
    datasets = visible_datasets(
        Dataset.objects.select_related("organisation").prefetch_related("resources"), None
    )
    home = _absolute(request, reverse("opendata:catalog"))
    return {
        "@context": CONTEXT,
        "@id": home,
        "@type": "dcat:Catalog",
        "dct:title": f"Données ouvertes — {settings.SITE_NAME}",
        "dct:description": "Catalogue des jeux de données publiés sur la plateforme.",
        "foaf:homepage": {"@id": home},
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/FRA"},
        "dcat:dataset": [dataset_node(d, request) for d in datasets],
    }
