"""Download routes of the register: /registre/export.<csv|xlsx|json|geojson> and
/registre/schema.json. Same projects and filters as the list page (?theme=…), values
through visibility: an anonymous download holds no restricted column."""

from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from territoria.registre.exports import formats
from territoria.registre.exports.rows import export_fields, export_query, projects
from territoria.registre.exports.table_schema import table_schema

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
    "geojson": "application/geo+json; charset=utf-8",
}


def _filename(format: str, all_fields: bool, spreadsheet: bool = False) -> str:
    suffix = "-tous-les-champs" if all_fields and format == "csv" else ""
    suffix = "-tableur" if spreadsheet else suffix
    return f"registre-ia-{timezone.localdate():%Y-%m-%d}{suffix}.{format}"


def export(request, format: str):
    if format not in FORMATS:
        raise Http404("Format d'export inconnu.")
    user = request.user
    # The anchor's CSV keeps its columns (the Datami widget reads them); ?champs=tous gives
    # every field this reader may read, by schema id. Other formats always give them all.
    # ?tableur=1: the CSV for French spreadsheets (BOM, « ; », decimal comma, titles in words),
    # with every field this reader may read (the public AI-Act fields included).
    spreadsheet = format == "csv" and request.GET.get("tableur") == "1"
    all_fields = format != "csv" or spreadsheet or request.GET.get("champs") == "tous"
    fields = export_fields(user, all_fields=all_fields)
    params = request.GET.copy()
    params.pop("champs", None)
    params.pop("tableur", None)
    query = export_query(user, params)
    if query.invalid:  # exporting everything instead would mislead: say what is wrong
        return HttpResponse(
            "\n".join([*query.invalid, "Rien n'a été exporté : corrigez ou retirez ce filtre."]),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    rows = projects(user, query=query)
    if format == "csv":
        body = formats.csv_chunks(
            rows, fields, user, anchor_columns=not all_fields, spreadsheet=spreadsheet
        )
    elif format == "json":
        body = formats.json_chunks(
            rows,
            fields,
            user,
            schema_url=request.build_absolute_uri(reverse("registre:table_schema")),
        )
    elif format == "geojson":
        body = formats.geojson_chunks(rows, fields, user)
    else:
        body = None
    if body is None:
        response = HttpResponse(
            formats.xlsx_bytes(rows, fields, user), content_type=FORMATS[format]
        )
    else:
        response = StreamingHttpResponse(body, content_type=FORMATS[format])
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(format, all_fields, spreadsheet)}"'
    )
    # Anonymous and agent downloads differ: never share them through a cache.
    response["Cache-Control"] = "private, no-store"
    response["Vary"] = "Cookie, Authorization"
    return response


def schema_json(request):
    response = JsonResponse(table_schema(), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Access-Control-Allow-Origin"] = "*"
    return response
