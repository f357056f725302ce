"""territoria export_registre --format csv|csv-all|xlsx|json|geojson|table-schema --output FILE [--restricted]

The CLI exports published records as an anonymous reader by default; --restricted adds the
restricted fields (the operator of the instance decides to share them, e.g. with agents).
"""

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from territoria.registre.exports import formats
from territoria.registre.exports.rows import export_fields, export_query, projects
from territoria.registre.exports.table_schema import table_schema

FORMATS = ["csv", "csv-all", "xlsx", "json", "geojson", "table-schema"]


class OperatorReader:
    """The operator running the command with --restricted: reads every field."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    role = "administrateur"
    organisation_id = None


class Command(BaseCommand):
    help = "Exporte le registre (projets publiés) en CSV, XLSX, JSON, GeoJSON ou son modèle en Table Schema."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--output", "-o", help="fichier de sortie (défaut : sortie standard)")
        parser.add_argument(
            "--restricted",
            action="store_true",
            help="inclure les champs restreints (réservés aux agents)",
        )
        parser.add_argument(
            "--theme", help="ne garder qu'un thème (code), comme ?theme= sur la page"
        )

    def handle(self, *args, **options):
        format = options["format"]
        reader = OperatorReader() if options["restricted"] else None
        params = {"theme": options["theme"]} if options["theme"] else {}
        all_fields = format != "csv"
        fields = export_fields(reader, all_fields=all_fields)
        # Published records only, whatever the fields exported.
        query = export_query(_Anonymous(), params)
        if query.invalid:
            raise CommandError(" ".join(query.invalid))
        rows = projects(reader, projects_user=_Anonymous(), query=query)
        schema_url = settings.SITE_URL.rstrip("/") + "/registre/schema.json"
        if format == "table-schema":
            chunks = [json.dumps(table_schema(), ensure_ascii=False, indent=2) + "\n"]
        elif format in ("csv", "csv-all"):
            chunks = formats.csv_chunks(rows, fields, reader, anchor_columns=format == "csv")
        elif format == "json":
            chunks = formats.json_chunks(rows, fields, reader, schema_url=schema_url)
        elif format == "geojson":
            chunks = formats.geojson_chunks(rows, fields, reader)
        else:
            if not options["output"]:
                self.stderr.write("--output est obligatoire pour le format xlsx")
                sys.exit(2)
            Path(options["output"]).write_bytes(formats.xlsx_bytes(rows, fields, reader))
            self.stderr.write(f"écrit : {options['output']}")
            return
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as handle:
                handle.writelines(chunks)
            self.stderr.write(f"écrit : {options['output']}")
        else:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")


class _Anonymous:
    """Chooses the records: published ones only, whatever the fields exported."""

    is_authenticated = False
    is_active = False
