"""`territoria opendata_publish FICHIER --dataset SLUG`: publish a file from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from territoria.opendata import publishing
from territoria.opendata.ingest.errors import IngestError
from territoria.opendata.models import Dataset, Resource


class Command(BaseCommand):
    help = "Publie un fichier (CSV, XLSX, JSON, GeoJSON, Parquet) dans un jeu de données."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--dataset", required=True, help="identifiant (slug) du jeu de données")
        parser.add_argument(
            "--resource",
            help="identifiant de la ressource à mettre à jour ; par défaut une nouvelle ressource",
        )
        parser.add_argument("--drop", action="append", default=[], help="colonne à retirer")
        parser.add_argument(
            "--confirm-personal-data",
            action="store_true",
            help="publier les colonnes signalées comme personnelles",
        )

    def handle(self, *args, path, dataset, resource, drop, confirm_personal_data, **options):
        target = Dataset.objects.filter(slug=dataset).first()
        if target is None:
            raise CommandError(f"Jeu de données « {dataset} » introuvable.")
        if resource:
            res = Resource.objects.filter(dataset=target, slug=resource).first()
            if res is None:
                raise CommandError(f"Ressource « {resource} » introuvable.")
        else:
            res = Resource.objects.create(dataset=target, title=path.stem)
        try:
            version = publishing.receive_file(res, path, path.name, analyse=False)
        except IngestError as error:
            raise CommandError(str(error)) from None
        publishing.analyse(version)
        version.refresh_from_db()
        if version.status != "review":
            raise CommandError(version.error)
        self.stdout.write(
            f"{version.row_count} lignes ; schéma : "
            + ", ".join(f"{f['name']} ({f['type']})" for f in version.columns)
        )
        flagged = [f["column"] for f in version.personal_data if f["column"] not in drop]
        blockers = publishing.request_publication(
            version, drop, flagged if confirm_personal_data else []
        )
        if blockers:
            raise CommandError("\n".join(blockers))
        version.refresh_from_db()
        self.stdout.write(
            self.style.SUCCESS(
                f"Publié : {res.get_absolute_url()} (table SQL {res.table_name}, version {version.number})"
            )
        )
